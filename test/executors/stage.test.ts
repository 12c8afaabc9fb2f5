import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdirSync, readdirSync, readFileSync, writeFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArtifactCache, StageError, defaultCacheDir, type StageItem } from "../../src/executors/stage.js";
import { flowCodeDigest } from "../../src/executors/local-inputs.js";
import { formatManifest } from "../../src/spec/deb-manifest.js";
import { tempDir } from "../helpers/cli.js";

const sha = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const zeros = "0".repeat(64);

/** A payload big enough to stream in several chunks. */
const payload = Buffer.alloc(3 * 1024 * 1024 + 17, "reconcile ");
const payloadSha = sha(payload);

async function failure(promise: Promise<unknown>): Promise<StageError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StageError);
  return error as StageError;
}

describe("defaultCacheDir", () => {
  it("uses XDG_CACHE_HOME, else ~/.cache", () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: "/x/cache" }, "/home/u")).toBe("/x/cache/prefect-reconcile/artifacts");
    expect(defaultCacheDir({ XDG_CACHE_HOME: "" }, "/home/u")).toBe("/home/u/.cache/prefect-reconcile/artifacts");
    expect(defaultCacheDir({}, "/home/u")).toBe("/home/u/.cache/prefect-reconcile/artifacts");
  });
});

describe("staging a local file", () => {
  it("sends the source itself when its digest matches (no copy into the cache)", async () => {
    const dir = tempDir();
    const file = join(dir, "env.tar");
    writeFileSync(file, payload);
    const cache = new ArtifactCache(join(dir, "cache"));
    const events: number[] = [];
    const staged = await cache.stage({ name: "env", kind: "pixi-pack", source: file, sha256: payloadSha }, { onProgress: (e) => events.push(e.bytes) });
    expect(staged).toEqual({ sha256: payloadSha, path: file, bytes: payload.length });
    expect(events.at(-1)).toBe(payload.length);
    expect(readdirSync(dir)).toEqual(["env.tar"]);
    // A node that stages it later in the run gets the same result without reading the file again.
    const again: number[] = [];
    expect(await cache.stage({ name: "env", kind: "pixi-pack", source: file, sha256: payloadSha }, { onProgress: (e) => again.push(e.bytes) })).toEqual(staged);
    expect(again).toEqual([]);
  });

  it("refuses a mismatch, naming the artifact, the expected and the actual digest", async () => {
    const dir = tempDir();
    const file = join(dir, "env.tar");
    writeFileSync(file, payload);
    const error = await failure(new ArtifactCache(join(dir, "cache")).stage({ name: "env", kind: "tar", source: file, sha256: zeros }));
    expect(error.reason).toBe("mismatch");
    expect(error.message).toContain("artifact env");
    expect(error.message).toContain(zeros);
    expect(error.message).toContain(payloadSha);
    expect(error).toMatchObject({ artifact: "env", expected: zeros, actual: payloadSha });
    expect(error.hint).toMatch(/reconcile pin/);
  });

  it("says when the source is missing or a folder", async () => {
    const dir = tempDir();
    const cache = new ArtifactCache(join(dir, "cache"));
    expect((await failure(cache.stage({ name: "f", kind: "file", source: join(dir, "nope"), sha256: zeros }))).message).toMatch(/cannot read .*nope: ENOENT/);
    expect((await failure(cache.stage({ name: "f", kind: "file", source: dir, sha256: zeros }))).reason).toBe("invalid");
  });
});

describe("staging a download", () => {
  let server: Server;
  let base: string;
  const hits: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? "");
      if (req.url === "/env.tar") {
        res.writeHead(200, { "content-length": String(payload.length) });
        res.end(payload);
      } else if (req.url === "/slow.tar") {
        // Sends half, then stalls: the client must be able to abort mid-body.
        res.writeHead(200, { "content-length": String(payload.length) });
        res.write(payload.subarray(0, payload.length / 2));
      } else {
        res.writeHead(404).end("not here");
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("streams into the cache, verifies and names the file by its digest", async () => {
    const cacheDir = join(tempDir(), "cache");
    const cache = new ArtifactCache(cacheDir);
    const events: { bytes: number; total: number | null }[] = [];
    const staged = await cache.stage({ name: "env", kind: "conda-pack", source: `${base}/env.tar`, sha256: payloadSha }, { onProgress: (e) => events.push(e) });
    expect(staged).toEqual({ sha256: payloadSha, path: join(cacheDir, payloadSha), bytes: payload.length });
    expect(sha(readFileSync(staged.path))).toBe(payloadSha);
    expect(readdirSync(cacheDir)).toEqual([payloadSha]);
    expect(events.at(-1)).toEqual({ artifact: "env", phase: "download", bytes: payload.length, total: payload.length });
  });

  it("reuses a cached file without downloading again", async () => {
    const cache = new ArtifactCache(join(tempDir(), "cache"));
    const item: StageItem = { name: "env", kind: "tar", source: `${base}/env.tar`, sha256: payloadSha };
    await cache.stage(item);
    const before = hits.length;
    const again = await cache.stage(item);
    expect(hits.length).toBe(before);
    expect(again.bytes).toBe(payload.length);
  });

  it("shares one download between callers staging the same artifact at once", async () => {
    const cache = new ArtifactCache(join(tempDir(), "cache"));
    const item: StageItem = { name: "env", kind: "tar", source: `${base}/env.tar`, sha256: payloadSha };
    const before = hits.length;
    const results = await Promise.all([cache.stage(item), cache.stage(item), cache.stage(item)]);
    expect(hits.length - before).toBe(1);
    expect(new Set(results.map((r) => r.path)).size).toBe(1);
  });

  it("discards a download whose digest does not match, keeping nothing", async () => {
    const cacheDir = join(tempDir(), "cache");
    const error = await failure(new ArtifactCache(cacheDir).stage({ name: "env", kind: "tar", source: `${base}/env.tar`, sha256: zeros }));
    expect(error.reason).toBe("mismatch");
    expect(error.message).toContain(`${base}/env.tar`);
    expect(error.message).toContain(zeros);
    expect(error.message).toContain(payloadSha);
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it("reports an HTTP error", async () => {
    const error = await failure(new ArtifactCache(join(tempDir(), "cache")).stage({ name: "env", kind: "tar", source: `${base}/missing.tar`, sha256: zeros }));
    expect(error.reason).toBe("download");
    expect(error.message).toMatch(/HTTP 404/);
  });

  it("reports a refused connection", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(new ArtifactCache(join(tempDir(), "cache")).stage({ name: "env", kind: "tar", source: `http://127.0.0.1:${port}/x.tar`, sha256: zeros }));
    expect(error.reason).toBe("download");
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it("an abort mid-download rejects with the abort reason and leaves no file behind", async () => {
    const cacheDir = join(tempDir(), "cache");
    const controller = new AbortController();
    const staging = new ArtifactCache(cacheDir).stage(
      { name: "env", kind: "tar", source: `${base}/slow.tar`, sha256: payloadSha },
      { signal: controller.signal, onProgress: (e) => e.bytes >= payload.length / 4 && controller.abort(new Error("stop")) },
    );
    await expect(staging).rejects.toThrow("stop");
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it("a caller that aborts leaves a shared download running for the others", async () => {
    const cache = new ArtifactCache(join(tempDir(), "cache"));
    const item: StageItem = { name: "env", kind: "tar", source: `${base}/env.tar`, sha256: payloadSha };
    const controller = new AbortController();
    const leaving = cache.stage(item, { signal: controller.signal });
    const staying = cache.stage(item);
    controller.abort(new Error("left"));
    await expect(leaving).rejects.toThrow("left");
    await expect(staying).resolves.toMatchObject({ sha256: payloadSha });
  });
});

describe("staging a deb set", () => {
  function debSet(): { dir: string; digest: string } {
    const dir = join(tempDir(), "debs");
    mkdirSync(dir);
    const files = { "caddy_2.6.2-5_amd64.deb": "caddy bytes", "libpq5_15.8-0+deb12u1_amd64.deb": "libpq bytes" };
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    const manifest = formatManifest(Object.entries(files).map(([file, content]) => ({ file, sha256: sha(content) })));
    writeFileSync(join(dir, "SHA256SUMS"), manifest);
    return { dir, digest: sha(manifest) };
  }

  it("checks the manifest and every .deb, then sends one deterministic tar from the cache", async () => {
    const { dir, digest } = debSet();
    const cacheDir = join(tempDir(), "cache");
    const staged = await new ArtifactCache(cacheDir).stage({ name: "caddy-debs", kind: "deb", source: dir, sha256: digest });
    expect(staged.path).toBe(join(cacheDir, staged.sha256));
    expect(staged.sha256).not.toBe(digest);
    expect(sha(readFileSync(staged.path))).toBe(staged.sha256);
    expect(staged.bytes).toBe(readFileSync(staged.path).length);
    // Same content elsewhere, same tar.
    const other = await new ArtifactCache(join(tempDir(), "cache")).stage({ name: "caddy-debs", kind: "deb", source: dir, sha256: digest });
    expect(other.sha256).toBe(staged.sha256);
    expect(readdirSync(cacheDir)).toEqual([staged.sha256]);
  });

  it("refuses a manifest whose digest is not the pinned one", async () => {
    const { dir } = debSet();
    const cacheDir = join(tempDir(), "cache");
    const error = await failure(new ArtifactCache(cacheDir).stage({ name: "caddy-debs", kind: "deb", source: dir, sha256: zeros }));
    expect(error.reason).toBe("mismatch");
    expect(error.message).toContain("SHA256SUMS");
    expect(error.message).toContain(zeros);
  });

  it("refuses an altered .deb, naming the file", async () => {
    const { dir, digest } = debSet();
    writeFileSync(join(dir, "libpq5_15.8-0+deb12u1_amd64.deb"), "tampered");
    const cacheDir = join(tempDir(), "cache");
    const error = await failure(new ArtifactCache(cacheDir).stage({ name: "caddy-debs", kind: "deb", source: dir, sha256: digest }));
    expect(error.reason).toBe("mismatch");
    expect(error.message).toContain("libpq5_15.8-0+deb12u1_amd64.deb");
    expect(error.actual).toBe(sha("tampered"));
    expect(error.expected).toBe(sha("libpq bytes"));
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it("refuses a missing .deb and a file the manifest does not list", async () => {
    const missing = debSet();
    const { rmSync } = await import("node:fs");
    rmSync(join(missing.dir, "caddy_2.6.2-5_amd64.deb"));
    const e1 = await failure(new ArtifactCache(join(tempDir(), "cache")).stage({ name: "d", kind: "deb", source: missing.dir, sha256: missing.digest }));
    expect(e1.message).toMatch(/caddy_2\.6\.2-5_amd64\.deb is listed in SHA256SUMS but missing/);

    const extra = debSet();
    writeFileSync(join(extra.dir, "sneaky_1.0_amd64.deb"), "unpinned");
    const e2 = await failure(new ArtifactCache(join(tempDir(), "cache")).stage({ name: "d", kind: "deb", source: extra.dir, sha256: extra.digest }));
    expect(e2.message).toMatch(/sneaky_1\.0_amd64\.deb is not listed in SHA256SUMS/);

    const linked = debSet();
    const target = join(tempDir(), "elsewhere.deb");
    writeFileSync(target, "caddy bytes");
    rmSync(join(linked.dir, "caddy_2.6.2-5_amd64.deb"));
    symlinkSync(target, join(linked.dir, "caddy_2.6.2-5_amd64.deb"));
    const e3 = await failure(new ArtifactCache(join(tempDir(), "cache")).stage({ name: "d", kind: "deb", source: linked.dir, sha256: linked.digest }));
    expect(e3.message).toMatch(/not a regular file/);
  });
});

describe("staging flow code", () => {
  function flowDir(): string {
    const dir = join(tempDir(), "flow");
    mkdirSync(join(dir, "pkg"), { recursive: true });
    writeFileSync(join(dir, "flow.py"), "def main():\n    return 1\n");
    writeFileSync(join(dir, "pkg", "util.py"), "X = 1\n");
    return dir;
  }

  it("packs the folder into the cache; same content, same digest as planned", async () => {
    const dir = flowDir();
    const planned = await flowCodeDigest(dir);
    const cacheDir = join(tempDir(), "cache");
    const staged = await new ArtifactCache(cacheDir).stage({ name: "flow-code:etl", kind: "flow-code", source: dir, sha256: planned.sha256 });
    expect(staged).toEqual({ sha256: planned.sha256, path: join(cacheDir, planned.sha256), bytes: planned.bytes });
    // A copy of the folder packs to the same bytes.
    const copy = flowDir();
    expect((await flowCodeDigest(copy)).sha256).toBe(planned.sha256);
  });

  it("refuses code that changed since it was planned", async () => {
    const dir = flowDir();
    const planned = await flowCodeDigest(dir);
    writeFileSync(join(dir, "flow.py"), "def main():\n    return 2\n");
    const cacheDir = join(tempDir(), "cache");
    const error = await failure(new ArtifactCache(cacheDir).stage({ name: "flow-code:etl", kind: "flow-code", source: dir, sha256: planned.sha256 }));
    expect(error.reason).toBe("changed");
    expect(error.message).toMatch(/^flow code of etl changed since it was planned/);
    expect(error.message).toContain(planned.sha256);
    expect(readdirSync(cacheDir)).toEqual([]);
  });
});
