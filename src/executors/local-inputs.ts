/**
 * What the controller measures before planning: artifact sizes and their unpacked sizes
 * (estimated from a few bytes), the packages in each deb set, and the digest of each flow's code
 * folder packed deterministically.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { create as createTar, list as listTar } from "tar";
import { FileError, ioReason } from "../errors.js";
import { hashStream } from "./local-files.js";
import { flowSignature } from "../facts/flow-signature.js";
import { DEB_MANIFEST, parseManifest } from "../spec/deb-manifest.js";
import type { ArtifactKind, ResolvedCluster } from "../spec/resolved.js";
import { GZIP_TRAILER_BYTES, MAGIC_BYTES, estimateUnpackedBytes } from "../planner/disk.js";
import type { LocalArtifact, LocalFlowCode, LocalInputs } from "../planner/types.js";

/** Left out of flow code: VCS data and bytecode caches change without the code changing. */
const IGNORED = new Set([".git", "__pycache__", ".mypy_cache", ".pytest_cache", ".venv"]);
const IGNORED_SUFFIXES = [".pyc", ".pyo"];

/** `name_version_arch.deb` (version with `%3a` for an epoch's colon), or null. */
export function debFileName(file: string): { name: string; version: string; arch: string } | null {
  const m = /^([a-z0-9][a-z0-9+.-]*)_([^_]+)_([a-z0-9-]+)\.deb$/.exec(file);
  if (m === null) return null;
  return { name: m[1] ?? "", version: decodeURIComponent(m[2] ?? ""), arch: m[3] ?? "" };
}

/**
 * The first and last bytes of a file, all that estimateUnpackedBytes reads: an archive's magic
 * bytes and a gzip stream's ISIZE. Cheap whatever the size.
 */
async function headAndTail(path: string, size: number): Promise<{ head: Uint8Array; tail: Uint8Array }> {
  const file = await open(path, "r");
  try {
    const head = Buffer.alloc(Math.min(MAGIC_BYTES, size));
    const tail = Buffer.alloc(Math.min(GZIP_TRAILER_BYTES, size));
    await file.read(head, 0, head.length, 0);
    await file.read(tail, 0, tail.length, size - tail.length);
    return { head, tail };
  } finally {
    await file.close();
  }
}

/**
 * The Prefect version an archive entry names, or null: `<path>/.../site-packages/prefect-X.Y.Z.dist-info/...`
 * in a tar or conda-pack environment (under the artifact's `path` when it has one), the conda
 * package `prefect-X.Y.Z-<build>.conda` (or `.tar.bz2`) in a pixi-pack archive. Pure.
 *
 * @example
 * prefectVersionInEntry("tar", "prefect-3.4.25", "prefect-3.4.25/site-packages/prefect-3.4.25.dist-info/METADATA") // "3.4.25"
 * prefectVersionInEntry("pixi-pack", null, "channel/noarch/prefect-3.4.25-pyhd8ed1ab_0.conda")                   // "3.4.25"
 */
export function prefectVersionInEntry(kind: ArtifactKind, path: string | null, entry: string): string | null {
  const name = entry.replace(/^\.\//, "");
  if (kind === "pixi-pack") return /(?:^|\/)prefect-([0-9][^-/]*)-[^-/]+\.(?:conda|tar\.bz2)$/.exec(name)?.[1] ?? null;
  if (kind !== "tar" && kind !== "conda-pack") return null;
  if (path !== null && !name.startsWith(`${path}/`)) return null;
  return /(?:^|\/)site-packages\/prefect-([0-9][^/]*)\.dist-info(?:\/|$)/.exec(name)?.[1] ?? null;
}

/** Whether node-tar can list the file: a plain tar (`ustar` at 257) or a gzipped one. */
async function listable(file: string): Promise<boolean> {
  const handle = await open(file, "r");
  try {
    const head = Buffer.alloc(262);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) || (bytesRead >= 262 && head.subarray(257, 262).toString("latin1") === "ustar");
  } finally {
    await handle.close();
  }
}

/**
 * Lists an environment archive for a Prefect version: null when it names none, or when it is not
 * a plain or gzipped tar (xz, zstd and bzip2 archives are not listed: their version is unknown).
 */
async function listPrefectVersion(kind: ArtifactKind, file: string, path: string | null): Promise<string | null> {
  let found: string | null = null;
  if (!(await listable(file))) return null;
  try {
    await listTar({
      file,
      onReadEntry: (entry) => {
        found ??= prefectVersionInEntry(kind, path, entry.path);
        entry.resume();
      },
    });
  } catch {
    // A damaged archive has an unknown version, not a broken plan: staging and the node's install check its bytes.
  }
  return found;
}

/**
 * {@link listPrefectVersion}, remembered on disk per pinned sha256 in `cacheDir` (with the file's
 * size and mtime, so a file changed without a new pin is listed again): listing a 36 MB archive
 * takes about half a second, and a plan with nothing to do should not pay it each time.
 */
export async function prefectVersionCached(kind: ArtifactKind, file: string, path: string | null, sha256: string, cacheDir: string | undefined): Promise<string | null> {
  if (kind !== "tar" && kind !== "conda-pack" && kind !== "pixi-pack") return null;
  const s = await stat(file);
  const key = { kind, path, size: s.size, mtimeMs: s.mtimeMs };
  const entry = cacheDir === undefined ? undefined : join(cacheDir, `${sha256}.prefect-version.json`);
  if (entry !== undefined) {
    const cached = await readFile(entry, "utf8").then((t) => JSON.parse(t) as typeof key & { prefectVersion: string | null }, () => null);
    if (cached !== null && cached.kind === kind && cached.path === path && cached.size === s.size && cached.mtimeMs === s.mtimeMs) return cached.prefectVersion;
  }
  const prefectVersion = await listPrefectVersion(kind, file, path);
  if (entry !== undefined && cacheDir !== undefined) {
    // A cache that cannot be written only costs the listing next time.
    const temp = `${entry}.${randomBytes(6).toString("hex")}.tmp`;
    await mkdir(cacheDir, { recursive: true })
      .then(() => writeFile(temp, `${JSON.stringify({ ...key, prefectVersion })}\n`))
      .then(() => rename(temp, entry))
      .catch(() => undefined);
  }
  return prefectVersion;
}

/** The folder where what was measured in artifacts is kept (their Prefect versions): beside the artifact cache. */
export function inspectCacheDir(artifactCacheDir: string): string {
  return join(artifactCacheDir, "..", "inspect");
}

async function artifactInfo(kind: ArtifactKind, path: string, prefect: { sha256: string; path: string | null; cacheDir: string | undefined }): Promise<LocalArtifact> {
  try {
    if (kind !== "deb") {
      const bytes = (await stat(path)).size;
      // Only archives that may be compressed are opened; the estimate of the others is their size.
      const { head, tail } = kind === "tar" || kind === "conda-pack" ? await headAndTail(path, bytes) : { head: new Uint8Array(), tail: new Uint8Array() };
      const prefectVersion = await prefectVersionCached(kind, path, prefect.path, prefect.sha256, prefect.cacheDir);
      return { bytes, unpackedBytes: estimateUnpackedBytes(kind, bytes, head, tail), debs: null, prefectVersion };
    }
    const manifest = parseManifest(await readFile(join(path, DEB_MANIFEST), "utf8"));
    let bytes = (await stat(join(path, DEB_MANIFEST))).size;
    const debs: NonNullable<LocalArtifact["debs"]> = [];
    for (const entry of manifest.entries) {
      bytes += (await stat(join(path, entry.file)).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        throw new FileError(`artifact ${path}: ${entry.file} is listed in ${DEB_MANIFEST} but missing`, {
          hint: "put the file back, or run `reconcile pin` to rewrite the manifest from the folder's .deb files",
          cause: error,
        });
      })).size;
      const parsed = debFileName(entry.file);
      if (parsed !== null) debs.push(parsed);
    }
    return { bytes, unpackedBytes: estimateUnpackedBytes(kind, bytes, new Uint8Array(), new Uint8Array()), debs: debs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)), prefectVersion: null };
  } catch (error) {
    if (error instanceof FileError) throw error;
    throw new FileError(`cannot read artifact ${path}: ${ioReason(error)}`, { cause: error });
  }
}

/** Files and folders under `dir`, sorted, ignored names left out: the order tar writes them in. */
async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (current: string) => {
    const entries = (await readdir(current, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (IGNORED.has(e.name) || IGNORED_SUFFIXES.some((s) => e.name.endsWith(s))) continue;
      const full = join(current, e.name);
      out.push(relative(dir, full));
      if (e.isDirectory()) await visit(full);
    }
  };
  await visit(dir);
  return out;
}

/**
 * tar's cache of files already packed, by device and inode, that makes a second name of a file a
 * hard link entry. Never finding one packs every file as itself: hard links (cp -al, git worktrees,
 * dedup tools) must not change the bytes of the archive.
 */
class NoHardLinks extends Map<`${number}:${number}`, string> {
  override get(): undefined {
    return undefined;
  }
}

/**
 * A flow's code as a tar stream that depends only on content: sorted entries, no owners, one
 * fixed mtime, every file as a whole file. Same folder content, same bytes, same digest.
 */
export async function packFolder(dir: string) {
  const files = await walk(dir);
  return createTar({ cwd: dir, portable: true, mtime: new Date(0), noDirRecurse: true, gzip: false, linkCache: new NoHardLinks() }, files);
}

/** Digest and size of a folder's deterministic tar, without writing it anywhere. */
export async function flowCodeDigest(dir: string, signal?: AbortSignal): Promise<Pick<LocalFlowCode, "sha256" | "bytes">> {
  try {
    return await hashStream(await packFolder(dir), signal === undefined ? {} : { signal });
  } catch (error) {
    throw new FileError(`cannot pack flow code ${dir}: ${ioReason(error)}`, { cause: error });
  }
}

/**
 * The parameters of a flow's entrypoint (`file.py:func`, the file relative to `source`), read from
 * the file's text; an unreadable file or function gives `parameterError` (`file.py:3:9: why`)
 * instead, which the plan reports against the flow.
 */
export async function flowParametersOf(source: string, entrypoint: string): Promise<Pick<LocalFlowCode, "parameters" | "parameterError">> {
  const split = entrypoint.lastIndexOf(":");
  const file = entrypoint.slice(0, split);
  const func = entrypoint.slice(split + 1);
  if (split <= 0 || func === "") return { parameters: null, parameterError: `${entrypoint}: not file.py:function` };
  let text: string;
  try {
    text = await readFile(join(source, file), "utf8");
  } catch (error) {
    return { parameters: null, parameterError: `${file}: cannot read it: ${ioReason(error)}` };
  }
  const result = flowSignature(text, func);
  return result.ok ? { parameters: result.parameters, parameterError: null } : { parameters: null, parameterError: `${file}:${result.error.line}:${result.error.col}: ${result.error.message}` };
}

/**
 * Everything local the planner needs, measured in parallel. `tolerant` (for `reconcile facts`)
 * turns an unreadable artifact into an unknown size and leaves out an unreadable flow folder.
 * `inspectCache` (see {@link inspectCacheDir}) keeps the Prefect versions found in archives.
 */
export async function gatherLocalInputs(cluster: ResolvedCluster, options: { signal?: AbortSignal; tolerant?: boolean; inspectCache?: string } = {}): Promise<LocalInputs> {
  const artifacts: Record<string, LocalArtifact> = {};
  const flows: Record<string, LocalFlowCode> = {};
  const unknown: LocalArtifact = { bytes: null, unpackedBytes: null, debs: null, prefectVersion: null };
  const tolerate = async <T>(work: () => Promise<T>, fallback: () => void, set: (value: T) => void) => {
    try {
      set(await work());
    } catch (error) {
      if (!(options.tolerant === true && error instanceof FileError)) throw error;
      fallback();
    }
  };
  await Promise.all([
    ...Object.values(cluster.artifacts).map((a) =>
      a.source.type === "url"
        ? (artifacts[a.name] = unknown)
        : tolerate(() => artifactInfo(a.kind, a.source.type === "path" ? a.source.path : "", { sha256: a.sha256, path: a.path ?? null, cacheDir: options.inspectCache }), () => (artifacts[a.name] = unknown), (v) => (artifacts[a.name] = v)),
    ),
    ...cluster.flows.map((f) =>
      tolerate(
        async () => ({ ...(await flowCodeDigest(f.source, options.signal)), ...(await flowParametersOf(f.source, f.entrypoint)) }),
        () => undefined,
        (v) => (flows[f.name] = v),
      ),
    ),
  ]);
  return { artifacts, flows };
}
