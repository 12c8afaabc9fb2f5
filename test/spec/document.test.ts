/** Positions and paths: what every error message is built on. */
import { describe, expect, it } from "vitest";
import { formatPath, locate, parseSpec } from "../../src/spec/document.js";

function located(text: string, path: (string | number)[], target: "value" | "key" = "value") {
  const parsed = parseSpec(new TextEncoder().encode(text), "f.yaml");
  if (parsed.document === undefined) throw new Error("no document");
  return locate(parsed.document, path, target);
}

describe("document", () => {
  it.each([
    [["a"], "a"],
    [["a", 0, "b"], "a[0].b"],
    [["artifacts", "my-env", "sha256"], "artifacts.my-env.sha256"],
    [["artifacts", "My.Env"], 'artifacts["My.Env"]'],
    [[], ""],
  ] as [(string | number)[], string][])("formatPath %j", (path, text) => {
    expect(formatPath(path)).toBe(text);
  });

  const text = "top:\n  list:\n    - name: x\n      value: 1\n  map:\n    k: v\n  empty:\n";
  it("locates scalars at their value", () => expect(located(text, ["top", "list", 0, "value"])).toEqual({ line: 4, col: 14 }));
  it("locates collections at their key", () => expect(located(text, ["top", "map"])).toEqual({ line: 5, col: 3 }));
  it("locates keys on request", () => expect(located(text, ["top", "map", "k"], "key")).toEqual({ line: 6, col: 5 }));
  it("locates a key with no value", () => expect(located(text, ["top", "empty"])).toEqual({ line: 7, col: 3 }));
  it("falls back to the deepest existing ancestor", () => expect(located(text, ["top", "map", "missing", "deeper"])).toEqual({ line: 5, col: 3 }));

  it("counts columns in characters, not bytes", () => {
    expect(located("größe: 1\nnäme: ö\n", ["näme"])).toEqual({ line: 2, col: 7 });
    const bytes = Uint8Array.from([...new TextEncoder().encode("a: ü\nb: "), 0xff, 0x0a]);
    expect(parseSpec(bytes, "f.yaml").diagnostics[0]).toMatchObject({ line: 2, col: 4, message: "invalid UTF-8 (byte 0xff); save the file as UTF-8" });
  });

  it("accepts a UTF-8 byte order mark", () => {
    const bytes = Uint8Array.from([0xef, 0xbb, 0xbf, ...new TextEncoder().encode("a: 1\n")]);
    expect(parseSpec(bytes, "f.yaml")).toMatchObject({ value: { a: 1 }, diagnostics: [] });
  });
});
