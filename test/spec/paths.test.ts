/** Problems found past validation, at a path, placed in the spec's text (spec/validate.ts diagnosticsAtPaths). */
import { describe, expect, it } from "vitest";
import { diagnosticsAtPaths } from "../../src/spec/validate.js";

const text = `flows:
  - name: etl
    entrypoint: flow.py:main
    deployments:
      - name: a
        parameters:
          n: 1
          typo: 2
`;
const bytes = new TextEncoder().encode(text);

describe("diagnosticsAtPaths", () => {
  it("at the value, or at the key when asked, in order of position", () => {
    expect(
      diagnosticsAtPaths(bytes, "cluster.yaml", [
        { path: ["flows", 0, "deployments", 0, "parameters", "typo"], message: "not taken", target: "key", hint: "remove it" },
        { path: ["flows", 0, "entrypoint"], message: "unreadable" },
      ]),
    ).toEqual([
      { severity: "error", file: "cluster.yaml", line: 3, col: 17, path: "flows[0].entrypoint", message: "unreadable" },
      { severity: "error", file: "cluster.yaml", line: 8, col: 11, path: "flows[0].deployments[0].parameters.typo", message: "not taken", hint: "remove it" },
    ]);
  });

  it("a path gone from the file: its deepest ancestor still there; a file that no longer parses: 1:1", () => {
    expect(diagnosticsAtPaths(bytes, "c.yaml", [{ path: ["flows", 0, "deployments", 3, "parameters", "x"], message: "m" }])[0]).toMatchObject({ line: 4, col: 5 });
    expect(diagnosticsAtPaths(new TextEncoder().encode("a: [\n"), "c.yaml", [{ path: ["flows", 0], message: "m" }])).toEqual([{ severity: "error", file: "c.yaml", line: 1, col: 1, path: "flows[0]", message: "m" }]);
  });
});
