/** Secrets: resolution order, the missing list, redaction everywhere, file mode rules. */
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { findSecretRefs, REDACTED, resolveSecrets, Sensitive, unsafeSecretsFileMode } from "../../src/spec/secrets.js";
import { check, baseWith, lines } from "../helpers/spec.js";

describe("secrets", () => {
  it("resolves from the environment first, then the file, and lists what is missing", () => {
    const r = resolveSecrets(["B", "A", "C", "A"], {
      env: { RECONCILE_SECRET_A: "from-env", A: "not-this" },
      file: { path: "/x/secrets.env", entries: { A: "from-file", B: "file-b" } },
    });
    expect(r.values.get("A")?.reveal()).toBe("from-env");
    expect(r.values.get("B")?.reveal()).toBe("file-b");
    expect(r.missing).toEqual(["C"]);
  });

  it("never shows a resolved value: string, JSON, inspect, template, error message", () => {
    const s = new Sensitive("hunter2");
    expect(String(s)).toBe(REDACTED);
    expect(`${s}`).toBe(REDACTED);
    expect(JSON.stringify({ password: s })).toBe(`{"password":"${REDACTED}"}`);
    expect(inspect({ deep: { s } })).not.toContain("hunter2");
    expect(new Error(`bad ${s}`).message).not.toContain("hunter2");
    expect(s.reveal()).toBe("hunter2");
  });

  it("finds references with their paths", () => {
    expect(findSecretRefs({ a: { secret: "X" }, b: [{ c: { secret: "Y" } }], d: { secret: "Z", extra: 1 } })).toEqual([
      { name: "X", path: ["a"] },
      { name: "Y", path: ["b", 0, "c"] },
    ]);
  });

  it.each([
    [0o100600, undefined],
    [0o100400, undefined],
    [0o100640, "mode 0640"],
    [0o100604, "mode 0604"],
    [0o100660, "mode 0660"],
    [0o100644, "mode 0644"],
  ])("secrets file mode %o", (mode, problem) => {
    const why = unsafeSecretsFileMode(mode);
    if (problem === undefined) expect(why).toBeUndefined();
    else expect(why).toContain(problem);
  });

  it("rejects literal secrets without ever echoing them", () => {
    const result = check(baseWith(["password: {secret: PG_PASSWORD}", "password: hunter2-literal"]));
    const text = lines(result).join("\n");
    expect(text).toContain("server.database.password: must be a secret reference");
    expect(text).not.toContain("hunter2");
    expect(JSON.stringify(result.diagnostics)).not.toContain("hunter2");
  });

  it.each([
    'password: "Hunter2-unclosed',
    "password: >Hunter2Pass",
    "password: |-Hunter2Pass",
    'password: "Hunter2\\qPass"',
    "password: !!int Hunter2Pass",
    "password: !custom Hunter2Pass",
    "password: [Hunter2Pass",
    "password: {Hunter2Pass: x, Hunter2Pass: y}",
    "password: @Hunter2Pass",
    "password: Hunter2Pass: nested",
  ])("does not echo a literal secret that breaks the YAML: %s", (line) => {
    const result = check(baseWith(["password: {secret: PG_PASSWORD}", line]));
    expect(result.diagnostics.length).toBeGreaterThan(0);
    expect(JSON.stringify(result.diagnostics)).not.toContain("Hunter2");
  });
});
