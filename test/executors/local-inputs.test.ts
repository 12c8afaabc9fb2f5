/** Local inputs on real temporary files: deb sets against their manifest, unpacked sizes of real archives, flow code digests. */
import { execFileSync } from "node:child_process";
import { linkSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { create as createTar } from "tar";
import { describe, expect, it } from "vitest";
import { FileError } from "../../src/errors.js";
import { flowCodeDigest, gatherLocalInputs, prefectVersionInEntry } from "../../src/executors/local-inputs.js";
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
    expect(local.artifacts["debs"]).toEqual({ bytes: 1 + manifest.length, unpackedBytes: 1 + manifest.length, debs: [{ name: "a", version: "1.0", arch: "amd64" }], prefectVersion: null });
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
    expect(got("plain")).toEqual({ bytes: tarBytes, unpackedBytes: tarBytes, debs: null, prefectVersion: null });
    expect(got("gz")).toEqual({ bytes: size(`${tar}.gz`), unpackedBytes: tarBytes, debs: null, prefectVersion: null });
    expect(got("xz")?.unpackedBytes).toBe(size(`${tar}.xz`) * UNPACK_FACTOR.xz);
    expect(got("zst")?.unpackedBytes).toBe(size(`${tar}.zst`) * UNPACK_FACTOR.zstd);
    expect(got("bz2")?.unpackedBytes).toBe(size(`${tar}.bz2`) * UNPACK_FACTOR.bzip2);
    expect(got("pixi")?.unpackedBytes).toBe(tarBytes * UNPACK_FACTOR.pixiPack);
    // A `file` is copied into the store as it is, compressed or not.
    expect(got("tool")).toEqual({ bytes: size(`${tar}.gz`), unpackedBytes: size(`${tar}.gz`), debs: null, prefectVersion: null });
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
    expect(local.artifacts["empty"]).toEqual({ bytes: 0, unpackedBytes: 0, debs: null, prefectVersion: null });
  });

  it("a URL source not fetched yet has no size, packed or unpacked", async () => {
    const cluster = { artifacts: { web: { name: "web", kind: "tar", source: { type: "url", url: "https://example.invalid/env.tar" } } }, flows: [] } as unknown as ResolvedCluster;
    expect((await gatherLocalInputs(cluster)).artifacts["web"]).toEqual({ bytes: null, unpackedBytes: null, debs: null, prefectVersion: null });
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

describe("a flow's parameters, read with its code", () => {
  const flows = (source: string, entrypoint: string) => ({ artifacts: {}, flows: [{ name: "etl", source, entrypoint }] }) as unknown as ResolvedCluster;

  it("the entrypoint function's parameters beside the code's digest", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "pipelines"));
    writeFileSync(join(dir, "pipelines", "etl.py"), "from prefect import flow\n\n@flow\ndef run(day: str, limit: int = 10):\n    pass\n");
    const code = (await gatherLocalInputs(flows(dir, "pipelines/etl.py:run"))).flows["etl"];
    expect(code?.sha256).toBe((await flowCodeDigest(dir)).sha256);
    expect(code?.parameterError).toBeNull();
    expect(code?.parameters?.map((p) => [p.name, p.hasDefault, p.default])).toEqual([
      ["day", false, undefined],
      ["limit", true, 10],
    ]);
  });

  it.each([
    ["the function is missing", "etl.py:run", "def other(): pass\n", "etl.py:1:1: no top-level function run (def run(...) or async def run(...))"],
    ["a syntax error in its parameters", "etl.py:run", "def run(a b): pass\n", "etl.py:1:11: cannot parse the parameters of run (a syntax error?)"],
    ["the file is missing", "gone.py:run", "", "gone.py: cannot read it: "],
  ])("%s: parameterError says where, and the digest is still there", async (_name, entrypoint, text, error) => {
    const dir = tempDir();
    writeFileSync(join(dir, "etl.py"), text);
    const code = (await gatherLocalInputs(flows(dir, entrypoint))).flows["etl"];
    expect(code?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(code?.parameters).toBeNull();
    expect(code?.parameterError?.startsWith(error)).toBe(true);
  });

  it("tolerant: an unreadable flow folder is left out, as before", async () => {
    const local = await gatherLocalInputs(flows(join(tempDir(), "missing"), "etl.py:run"), { tolerant: true });
    expect(local.flows).toEqual({});
  });
});

describe("the Prefect version of environment archives", () => {
  const env = (name: string, kind: string, path: string, extra: Record<string, unknown> = {}) =>
    ({ artifacts: { [name]: { name, kind, source: { type: "path", path }, sha256: "ab".repeat(32), path: null, ...extra } }, flows: [] }) as unknown as ResolvedCluster;
  /** A tar of empty files at these paths, gzipped when the name ends in .gz. */
  async function archive(dir: string, name: string, files: string[]): Promise<string> {
    const src = join(dir, `${name}.src`);
    for (const f of files) {
      mkdirSync(join(src, f, ".."), { recursive: true });
      writeFileSync(join(src, f), "x");
    }
    const file = join(dir, name);
    await createTar({ file, cwd: src, portable: true, gzip: name.endsWith(".gz") }, files);
    return file;
  }

  it.each([
    ["tar", null, "prefect-3.4.25/site-packages/prefect-3.4.25.dist-info/METADATA", "3.4.25"],
    ["tar", "prefect-3.4.25", "prefect-3.4.25/site-packages/prefect-3.4.25.dist-info/METADATA", "3.4.25"],
    ["tar", "other", "prefect-3.4.25/site-packages/prefect-3.4.25.dist-info/METADATA", null],
    ["conda-pack", null, "./lib/python3.12/site-packages/prefect-2.20.0.dist-info/", "2.20.0"],
    ["conda-pack", null, "lib/python3.12/site-packages/prefect_aws-0.5.0.dist-info/METADATA", null],
    ["conda-pack", null, "lib/python3.12/site-packages/prefect/__init__.py", null],
    ["pixi-pack", null, "channel/noarch/prefect-3.4.25-pyhd8ed1ab_0.conda", "3.4.25"],
    ["pixi-pack", null, "channel/noarch/prefect-2.20.0-pyhd8ed1ab_1.tar.bz2", "2.20.0"],
    ["pixi-pack", null, "channel/noarch/prefect-aws-0.5.0-pyhd8ed1ab_0.conda", null],
    ["file", null, "prefect-3.4.25/site-packages/prefect-3.4.25.dist-info/METADATA", null],
  ] as const)("%s (path %s): %s → %s", (kind, path, entry, version) => {
    expect(prefectVersionInEntry(kind, path, entry)).toBe(version);
  });

  it("reads it from a tar, a gzipped conda-pack under its `path` and a pixi-pack archive built here", async () => {
    const dir = tempDir();
    const tar = await archive(dir, "env.tar", ["bin/python", "lib/python3.13/site-packages/prefect-3.4.25.dist-info/METADATA", "lib/python3.13/site-packages/prefect/__init__.py"]);
    const conda = await archive(dir, "env.tar.gz", ["top/lib/python3.12/site-packages/prefect-3.1.7.dist-info/RECORD"]);
    const pixi = await archive(dir, "pixi.tar", ["pixi-pack.json", "channel/noarch/prefect-2.20.0-pyhd8ed1ab_0.conda", "channel/noarch/repodata.json"]);
    const none = await archive(dir, "none.tar", ["bin/python"]);
    expect((await gatherLocalInputs(env("e", "tar", tar))).artifacts["e"]?.prefectVersion).toBe("3.4.25");
    expect((await gatherLocalInputs(env("e", "conda-pack", conda, { path: "top" }))).artifacts["e"]?.prefectVersion).toBe("3.1.7");
    expect((await gatherLocalInputs(env("e", "conda-pack", conda, { path: "elsewhere" }))).artifacts["e"]?.prefectVersion).toBeNull();
    expect((await gatherLocalInputs(env("e", "pixi-pack", pixi))).artifacts["e"]?.prefectVersion).toBe("2.20.0");
    expect((await gatherLocalInputs(env("e", "tar", none))).artifacts["e"]?.prefectVersion).toBeNull();
    // Not an archive node-tar can read: unknown, not a failure.
    writeFileSync(join(dir, "junk.tar"), "not a tar at all");
    expect((await gatherLocalInputs(env("e", "tar", join(dir, "junk.tar")))).artifacts["e"]?.prefectVersion).toBeNull();
    writeFileSync(join(dir, "junk.tar.gz"), Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from("a damaged gzip stream")]));
    expect((await gatherLocalInputs(env("e", "conda-pack", join(dir, "junk.tar.gz")))).artifacts["e"]?.prefectVersion).toBeNull();
    // xz, zstd and bzip2 archives are not listed: unknown.
    execFileSync("xz", ["-k", tar]);
    expect((await gatherLocalInputs(env("e", "tar", `${tar}.xz`))).artifacts["e"]?.prefectVersion).toBeNull();
  });

  it("remembers it per sha256 in the inspect cache: a second plan reads the cache, not the archive; a changed file is listed again", async () => {
    const dir = tempDir();
    const cache = join(dir, "cache", "inspect");
    const tar = await archive(dir, "env.tar", ["site-packages/prefect-3.4.25.dist-info/METADATA"]);
    const cluster = env("e", "tar", tar);
    expect((await gatherLocalInputs(cluster, { inspectCache: cache })).artifacts["e"]?.prefectVersion).toBe("3.4.25");
    const entry = join(cache, `${"ab".repeat(32)}.prefect-version.json`);
    expect(JSON.parse(readFileSync(entry, "utf8"))).toMatchObject({ kind: "tar", path: null, size: statSync(tar).size, prefectVersion: "3.4.25" });
    // The cache says something else for the same file: only a cache hit can give it.
    writeFileSync(entry, JSON.stringify({ ...JSON.parse(readFileSync(entry, "utf8")), prefectVersion: "9.9.9" }));
    expect((await gatherLocalInputs(cluster, { inspectCache: cache })).artifacts["e"]?.prefectVersion).toBe("9.9.9");
    // The file changed (size and mtime) under the same pin: listed again, and the cache rewritten.
    await archive(dir, "env.tar", ["site-packages/prefect-3.4.26.dist-info/METADATA", "bin/python"]);
    expect((await gatherLocalInputs(cluster, { inspectCache: cache })).artifacts["e"]?.prefectVersion).toBe("3.4.26");
    expect(JSON.parse(readFileSync(entry, "utf8")).prefectVersion).toBe("3.4.26");
  });

  it("an unwritable cache costs only the listing", async () => {
    const dir = tempDir();
    const tar = await archive(dir, "env.tar", ["site-packages/prefect-3.4.25.dist-info/METADATA"]);
    writeFileSync(join(dir, "blocker"), "a file where the cache folder would be");
    expect((await gatherLocalInputs(env("e", "tar", tar), { inspectCache: join(dir, "blocker", "inspect") })).artifacts["e"]?.prefectVersion).toBe("3.4.25");
  });

  // The real bundle's version is read in test/e2e/prefect.test.ts, where the bundle is built.
});
