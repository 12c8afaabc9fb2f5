/**
 * What the controller measures before planning: artifact sizes and their unpacked sizes
 * (estimated from a few bytes), the packages in each deb set, and the digest of each flow's code
 * folder packed deterministically.
 */
import { open, readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { create as createTar } from "tar";
import { FileError, ioReason } from "../errors.js";
import { hashStream } from "./local-files.js";
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

async function artifactInfo(kind: ArtifactKind, path: string): Promise<LocalArtifact> {
  try {
    if (kind !== "deb") {
      const bytes = (await stat(path)).size;
      // Only archives that may be compressed are opened; the estimate of the others is their size.
      const { head, tail } = kind === "tar" || kind === "conda-pack" ? await headAndTail(path, bytes) : { head: new Uint8Array(), tail: new Uint8Array() };
      return { bytes, unpackedBytes: estimateUnpackedBytes(kind, bytes, head, tail), debs: null };
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
    return { bytes, unpackedBytes: estimateUnpackedBytes(kind, bytes, new Uint8Array(), new Uint8Array()), debs: debs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
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
export async function flowCodeDigest(dir: string, signal?: AbortSignal): Promise<LocalFlowCode> {
  try {
    return await hashStream(await packFolder(dir), signal === undefined ? {} : { signal });
  } catch (error) {
    throw new FileError(`cannot pack flow code ${dir}: ${ioReason(error)}`, { cause: error });
  }
}

/**
 * Everything local the planner needs, measured in parallel. `tolerant` (for `reconcile facts`)
 * turns an unreadable artifact into an unknown size and leaves out an unreadable flow folder.
 */
export async function gatherLocalInputs(cluster: ResolvedCluster, options: { signal?: AbortSignal; tolerant?: boolean } = {}): Promise<LocalInputs> {
  const artifacts: Record<string, LocalArtifact> = {};
  const flows: Record<string, LocalFlowCode> = {};
  const unknown: LocalArtifact = { bytes: null, unpackedBytes: null, debs: null };
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
        : tolerate(() => artifactInfo(a.kind, a.source.type === "path" ? a.source.path : ""), () => (artifacts[a.name] = unknown), (v) => (artifacts[a.name] = v)),
    ),
    ...cluster.flows.map((f) => tolerate(() => flowCodeDigest(f.source, options.signal), () => undefined, (v) => (flows[f.name] = v))),
  ]);
  return { artifacts, flows };
}
