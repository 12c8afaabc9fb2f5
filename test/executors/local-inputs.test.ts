/** Local inputs on real temporary files: deb sets against their manifest, unpacked sizes of real archives, flow code digests. */
import { execFileSync } from "node:child_process";
import { linkSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { create as createTar } from "tar";
import { describe, expect, it } from "vitest";
import { FileError } from "../../src/errors.js";
import { flowCodeDigest, gatherLocalInputs } from "../../src/executors/local-inputs.js";
import { UNPACK_FACTOR } from "../../src/planner/disk.js";
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
    // Its files are received, then stored as they came: it unpacks to its size.
    expect(local.artifacts["debs"]).toEqual({ bytes: 1 + manifest.length, unpackedBytes: 1 + manifest.length, debs: [{ name: "a", version: "1.0", arch: "amd64" }] });
  });
});

describe("gatherLocalInputs: unpacked sizes of real archives", () => {
  /** A folder of compressible text, packed as a plain tar: 40 files of 8 KiB. */
  async function plainTar(dir: string): Promise<string> {
    const src = join(dir, "env");
    mkdirSync(join(src, "lib"), { recursive: true });
    for (let i = 0; i < 40; i++) writeFileSync(join(src, "lib", `m${i}.py`), `def f${i}():\n    return ${i}\n`.repeat(400).slice(0, 8192));
    const file = join(dir, "env.tar");
    await createTar({ file, cwd: src, portable: true }, ["lib"]);
    return file;
  }
  const artifacts = (entries: [string, string, string][]) =>
    ({ artifacts: Object.fromEntries(entries.map(([name, kind, path]) => [name, { name, kind, source: { type: "path", path } }])), flows: [] }) as unknown as ResolvedCluster;
  const size = (path: string) => statSync(path).size;

  it("a plain tar unpacks to its size; gzip to its exact ISIZE; xz, zstd and bzip2 by their factors; pixi-pack by its own", async () => {
    const dir = tempDir();
    const tar = await plainTar(dir);
    const tarBytes = size(tar);
    writeFileSync(`${tar}.gz`, gzipSync(readFileSync(tar)));
    for (const [tool, flag] of [["xz", "-k"], ["zstd", "-qk"], ["bzip2", "-k"]] as const) execFileSync(tool, [flag, tar]);
    const local = await gatherLocalInputs(
      artifacts([
        ["plain", "tar", tar],
        ["gz", "conda-pack", `${tar}.gz`],
        ["xz", "tar", `${tar}.xz`],
        ["zst", "tar", `${tar}.zst`],
        ["bz2", "conda-pack", `${tar}.bz2`],
        ["pixi", "pixi-pack", tar],
        ["tool", "file", `${tar}.gz`],
      ]),
    );
    const got = (name: string) => local.artifacts[name];
    expect(got("plain")).toEqual({ bytes: tarBytes, unpackedBytes: tarBytes, debs: null });
    expect(got("gz")).toEqual({ bytes: size(`${tar}.gz`), unpackedBytes: tarBytes, debs: null });
    expect(got("xz")?.unpackedBytes).toBe(size(`${tar}.xz`) * UNPACK_FACTOR.xz);
    expect(got("zst")?.unpackedBytes).toBe(size(`${tar}.zst`) * UNPACK_FACTOR.zstd);
    expect(got("bz2")?.unpackedBytes).toBe(size(`${tar}.bz2`) * UNPACK_FACTOR.bzip2);
    expect(got("pixi")?.unpackedBytes).toBe(tarBytes * UNPACK_FACTOR.pixiPack);
    // A `file` is copied into the store as it is, compressed or not.
    expect(got("tool")).toEqual({ bytes: size(`${tar}.gz`), unpackedBytes: size(`${tar}.gz`), debs: null });
  });

  it("a tar made by the tar tool itself, gzip included, is sized from its own ISIZE; an empty file is 0", async () => {
    const dir = tempDir();
    const tar = await plainTar(dir);
    execFileSync("tar", ["-czf", join(dir, "env.tgz"), "-C", dir, "env.tar"]);
    writeFileSync(join(dir, "empty.tar"), "");
    const local = await gatherLocalInputs(artifacts([["tgz", "tar", join(dir, "env.tgz")], ["empty", "tar", join(dir, "empty.tar")]]));
    // The outer tar holds env.tar (a header, the file padded to 512 bytes, and the end blocks).
    const inner = execFileSync("gzip", ["-dc", join(dir, "env.tgz")]).length;
    expect(local.artifacts["tgz"]?.unpackedBytes).toBe(inner);
    expect(inner).toBeGreaterThan(size(tar));
    expect(local.artifacts["empty"]).toEqual({ bytes: 0, unpackedBytes: 0, debs: null });
  });

  it("a URL source not fetched yet has no size, packed or unpacked", async () => {
    const cluster = { artifacts: { web: { name: "web", kind: "tar", source: { type: "url", url: "https://example.invalid/env.tar" } } }, flows: [] } as unknown as ResolvedCluster;
    expect((await gatherLocalInputs(cluster)).artifacts["web"]).toEqual({ bytes: null, unpackedBytes: null, debs: null });
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
