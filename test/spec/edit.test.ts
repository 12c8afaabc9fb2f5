/** pin's in-place edits: only the digest changes; comments, quotes and layout stay. */
import { describe, expect, it } from "vitest";
import { parseSpec, type SpecDocument } from "../../src/spec/document.js";
import { applyEdits, readArtifactEntries, setArtifactDigest, verifyDigestEdits } from "../../src/spec/edit.js";

const D = "a".repeat(64);
function doc(text: string): SpecDocument {
  const parsed = parseSpec(new TextEncoder().encode(text), "cluster.yaml");
  if (parsed.document === undefined) throw new Error("no document");
  return parsed.document;
}
function pin(text: string, name: string): string {
  const d = doc(text);
  const edit = setArtifactDigest(d, name, D);
  if (edit === undefined) throw new Error("no edit");
  return applyEdits(d.text, [edit]);
}

describe("setArtifactDigest", () => {
  it("replaces a plain value and keeps the trailing comment", () => {
    const text = "artifacts:\n  env:  # the env\n    kind: tar\n    source: env.tar\n    sha256: 0123  # pinned\nother: 1\n";
    expect(pin(text, "env")).toBe(`artifacts:\n  env:  # the env\n    kind: tar\n    source: env.tar\n    sha256: ${D}  # pinned\nother: 1\n`);
  });

  it("keeps the quote style", () => {
    expect(pin('artifacts:\n  e: {kind: tar, source: x, sha256: "old"}\n', "e")).toBe(`artifacts:\n  e: {kind: tar, source: x, sha256: "${D}"}\n`);
    expect(pin("artifacts:\n  e:\n    sha256: 'old'\n    source: x\n", "e")).toBe(`artifacts:\n  e:\n    sha256: '${D}'\n    source: x\n`);
  });

  it("adds a missing key after source, at its indentation", () => {
    const text = "artifacts:\n  env:\n    source: env.tar   # local\n    kind: tar\n# end\n";
    expect(pin(text, "env")).toBe(`artifacts:\n  env:\n    source: env.tar   # local\n    sha256: ${D}\n    kind: tar\n# end\n`);
  });

  it("adds a missing key to a flow mapping", () => {
    expect(pin("artifacts:\n  e: {kind: tar, source: x.tar}\n", "e")).toBe(`artifacts:\n  e: {kind: tar, source: x.tar, sha256: ${D}}\n`);
  });

  it("fills an empty value", () => {
    expect(pin("artifacts:\n  e:\n    source: x\n    sha256:\n    kind: tar\n", "e")).toBe(`artifacts:\n  e:\n    source: x\n    sha256: ${D}\n    kind: tar\n`);
  });

  it("adds at the end of a file without a final newline", () => {
    expect(pin("artifacts:\n  e:\n    kind: tar\n    source: x", "e")).toBe(`artifacts:\n  e:\n    kind: tar\n    source: x\n    sha256: ${D}`);
  });

  it("applies several edits at once without shifting each other", () => {
    const text = "artifacts:\n  a:\n    source: a\n    sha256: 1\n  b:\n    source: b\n";
    const d = doc(text);
    const edits = ["a", "b"].map((n) => setArtifactDigest(d, n, D)).filter((e) => e !== undefined);
    expect(applyEdits(text, edits)).toBe(`artifacts:\n  a:\n    source: a\n    sha256: ${D}\n  b:\n    source: b\n    sha256: ${D}\n`);
  });

  it("reads artifact entries as written", () => {
    const text = "artifacts:\n  a: {kind: deb, source: d}\n  b: 3\n  c:\n    source: https://x/y\n    sha256: abc\n";
    expect(readArtifactEntries(doc(text), parseSpec(new TextEncoder().encode(text), "f").value)).toEqual([
      { name: "a", kind: "deb", source: "d", sha256: undefined },
      { name: "c", kind: undefined, source: "https://x/y", sha256: "abc" },
    ]);
  });
});

describe("digests YAML would read as numbers", () => {
  it("are quoted when written plain", () => {
    const digits = "1".repeat(64);
    const d = doc("artifacts:\n  e:\n    source: x\n    sha256: old\n");
    const edit = setArtifactDigest(d, "e", digits);
    expect(edit === undefined ? "" : applyEdits(d.text, [edit])).toBe(`artifacts:\n  e:\n    source: x\n    sha256: "${digits}"\n`);
  });
});

describe("line endings", () => {
  it("keeps CRLF when adding a key", () => {
    expect(pin("artifacts:\r\n  e:\r\n    source: x\r\n    kind: tar\r\n", "e")).toBe(`artifacts:\r\n  e:\r\n    source: x\r\n    sha256: ${D}\r\n    kind: tar\r\n`);
  });
  it("keeps CRLF when replacing a value", () => {
    expect(pin("artifacts:\r\n  e:\r\n    sha256: old # c\r\n", "e")).toBe(`artifacts:\r\n  e:\r\n    sha256: ${D} # c\r\n`);
  });
});

describe("forms pin does not edit by splicing", () => {
  it.each([
    ["an alias", "x: &h abc\nartifacts:\n  e:\n    source: s\n    sha256: *h\n"],
    ["a block scalar", "artifacts:\n  e:\n    source: s\n    sha256: |\n      abc\n  f: {source: t}\n"],
    ["a list", "artifacts:\n  e:\n    source: s\n    sha256: [abc]\n"],
  ])("refuses %s", (_what, text) => {
    expect(setArtifactDigest(doc(text), "e", D)).toBeUndefined();
  });

  it("adds the key as the first key when source is a block scalar", () => {
    const text = "artifacts:\n  a:\n    kind: tar\n    source: >-\n      artifacts/a.tar\n  b:\n    kind: tar\n    source: b.tar\n";
    expect(pin(text, "a")).toBe(`artifacts:\n  a:\n    sha256: ${D}\n    kind: tar\n    source: >-\n      artifacts/a.tar\n  b:\n    kind: tar\n    source: b.tar\n`);
  });
});

describe("verifyDigestEdits", () => {
  const before = { artifacts: { a: { source: "x", sha256: "old" }, b: { source: "y" } }, other: [1, 2] };
  it("accepts an edit that changes only the digests, whatever the key order", () => {
    expect(verifyDigestEdits(before, `artifacts:\n  a: {sha256: ${D}, source: x}\n  b: {source: y}\nother: [1, 2]\n`, new Map([["a", D]]))).toEqual([]);
  });
  it("catches a digest in the wrong place, a broken file, or any other change", () => {
    expect(verifyDigestEdits(before, `artifacts:\n  a: {source: x, sha256: old}\n  b: {source: y, sha256: ${D}}\nother: [1, 2]\n`, new Map([["a", D]]))).toEqual(["a"]);
    expect(verifyDigestEdits(before, "artifacts: [\n", new Map([["a", D]]))).toEqual(["a"]);
    expect(verifyDigestEdits(before, `artifacts:\n  a: {source: x, sha256: ${D}}\n  b: {source: y}\nother: [1]\n`, new Map([["a", D]]))).toEqual(["a"]);
  });
});
