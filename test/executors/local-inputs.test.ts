/** Local inputs on real temporary files: deb sets against their manifest, flow code digests. */
import { linkSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileError } from "../../src/errors.js";
import { flowCodeDigest, gatherLocalInputs } from "../../src/executors/local-inputs.js";
import type { ResolvedCluster } from "../../src/spec/resolved.js";
import { tempDir } from "../helpers/cli.js";

const debSet = (path: string) => ({ artifacts: { debs: { name: "debs", kind: "deb", source: { type: "path", path } } }, flows: [] }) as unknown as ResolvedCluster;

describe("gatherLocalInputs", () => {
  it("names the .deb that SHA256SUMS lists but the folder lacks, and says how to fix it", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a_1.0_amd64.deb"), "a");
    writeFileSync(join(dir, "SHA256SUMS"), `${"1".repeat(64)}  a_1.0_amd64.deb\n${"2".repeat(64)}  b_2.0_all.deb\n`);
    const error = await gatherLocalInputs(debSet(dir)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileError);
    expect((error as FileError).message).toBe(`artifact ${dir}: b_2.0_all.deb is listed in SHA256SUMS but missing`);
    expect((error as FileError).hint).toContain("reconcile pin");
  });

  it("a complete deb set: its size and packages", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a_1.0_amd64.deb"), "a");
    const manifest = `${"1".repeat(64)}  a_1.0_amd64.deb\n`;
    writeFileSync(join(dir, "SHA256SUMS"), manifest);
    const local = await gatherLocalInputs(debSet(dir));
    expect(local.artifacts["debs"]).toEqual({ bytes: 1 + manifest.length, debs: [{ name: "a", version: "1.0", arch: "amd64" }] });
  });
});

describe("flowCodeDigest", () => {
  it("depends on content only: hard-linked files digest like copies", async () => {
    const root = tempDir();
    const copies = join(root, "copies");
    const linked = join(root, "linked");
    for (const d of [copies, linked]) mkdirSync(d);
    writeFileSync(join(copies, "a.py"), "print(1)\n");
    writeFileSync(join(copies, "b.py"), "print(1)\n");
    writeFileSync(join(linked, "a.py"), "print(1)\n");
    linkSync(join(linked, "a.py"), join(linked, "b.py"));
    expect(await flowCodeDigest(linked)).toEqual(await flowCodeDigest(copies));
  });
});
