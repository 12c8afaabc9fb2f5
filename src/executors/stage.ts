/**
 * STAGE: on the controller, turn an artifact step into one verified local file to send.
 *
 * Nothing leaves the controller unverified: a local file is hashed and must match its pin, a
 * download is hashed while it streams and kept only when it matches, a deb set is checked against
 * its manifest (and the manifest against its pin), flow code must still be what was planned.
 * Downloads and packed folders live in a content-addressed cache (`<dir>/<sha256>`); every write
 * goes to a temporary name first and is renamed into place only after the digest is known and
 * checked, so the cache never holds a partial or unverified file under a digest name. Everything
 * streams: no artifact is ever held in memory.
 */
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { pipeline } from "node:stream/promises";
import { list as listTar } from "tar";
import { ReconcileError, ioReason } from "../errors.js";
import { DEB_MANIFEST, parseManifest } from "../spec/deb-manifest.js";
import { isUrlSource } from "../spec/sources.js";
import type { ArtifactKind } from "../spec/resolved.js";
import { packFolder } from "./local-inputs.js";
import { hashStream, readForHash } from "./local-files.js";
import { Shared } from "./shared-work.js";

/** The prefix the planner gives flow code artifacts (`flow-code:<flow>`); stripped in messages. */
const FLOW_CODE_PREFIX = "flow-code:";
/** SHA256SUMS is a few lines per package; anything this big is not a manifest. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/**
 * Why staging refused an artifact. `reason` is for routing, never the message:
 * - "mismatch": bytes differ from their pin (a file, a download, SHA256SUMS or one .deb);
 * - "changed": flow code differs from the digest the plan recorded;
 * - "invalid": the source is not what its kind needs (a folder for a file, a .deb not in the manifest);
 * - "download": the URL could not be fetched;
 * - "unreadable": a local file or folder could not be read, or the cache could not be written.
 *
 * Whatever the reason, nothing of the artifact has been sent to any node.
 */
export type StageFailure = "mismatch" | "changed" | "invalid" | "download" | "unreadable";

export class StageError extends ReconcileError {
  readonly artifact: string;
  readonly reason: StageFailure;
  /** For "mismatch" and "changed": the digest expected and the one found. */
  readonly expected: string | undefined;
  readonly actual: string | undefined;
  constructor(
    artifact: string,
    reason: StageFailure,
    message: string,
    options: { hint?: string; cause?: unknown; expected?: string; actual?: string } = {},
  ) {
    super(message, { ...(options.hint === undefined ? {} : { hint: options.hint }), ...(options.cause === undefined ? {} : { cause: options.cause }) });
    this.artifact = artifact;
    this.reason = reason;
    this.expected = options.expected;
    this.actual = options.actual;
  }
}

/**
 * One thing to stage, as an artifact step of the plan describes it
 * (`{ name: d.artifact, kind: d.artifactKind, source: d.source, sha256: d.sha256 }`).
 */
export interface StageItem {
  /** The artifact's name; flow code is `flow-code:<flow>`. Used in messages only. */
  name: string;
  kind: ArtifactKind | "flow-code";
  /** A local path (a file; a folder for `deb` and `flow-code`), or an http(s) URL for single-file kinds. */
  source: string;
  /**
   * The pinned digest: of the file; for `deb`, of its SHA256SUMS; for `flow-code`, of the packed
   * folder as measured when planning.
   */
  sha256: string;
}

/** What to send, and how to name it on the node. */
export interface StagedArtifact {
  /** sha256 of the bytes at `path` (for a deb set: of its packed tar, not of the manifest). */
  sha256: string;
  /** A local file: the source itself for a local single-file artifact, else a file in the cache. */
  path: string;
  bytes: number;
}

export interface StageProgress {
  artifact: string;
  /** "hash": checking a local file; "download": fetching a URL; "pack": packing a folder. */
  phase: "hash" | "download" | "pack";
  /** Bytes read (hash, download) or written (pack) so far. */
  bytes: number;
  /** Bytes expected, when known (file size, Content-Length); null otherwise. */
  total: number | null;
}

export interface StageOptions {
  /** Stops the work; the promise rejects with `signal.reason` and no file is left under a digest name. */
  signal?: AbortSignal;
  onProgress?: (event: StageProgress) => void;
}

/** `${XDG_CACHE_HOME:-~/.cache}/prefect-reconcile/artifacts`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg !== undefined && xdg !== "" ? xdg : join(home, ".cache");
  return join(base, "prefect-reconcile", "artifacts");
}


/**
 * The controller's artifact cache and the stage step.
 *
 * Several callers staging the same item at once (one per node, in a parallel wave) share one
 * piece of work: one download, one pack. A caller that aborts leaves it; the work itself stops
 * only when every caller has left, and the last one's promise settles once its cleanup is done.
 * What was staged is kept for the cache's life (one run): nodes that come later reuse it.
 *
 * @example
 * const cache = new ArtifactCache(defaultCacheDir());
 * const staged = await cache.stage({ name: d.artifact, kind: d.artifactKind, source: d.source, sha256: d.sha256 }, { signal });
 * await transferArtifact(transport, { root, sha256: staged.sha256, localPath: staged.path, bytes: staged.bytes, storeSha256: d.sha256 }, { signal });
 */
export class ArtifactCache {
  readonly dir: string;
  readonly #running = new Map<string, Shared<StagedArtifact, StageProgress>>();
  /** What this cache already staged: later nodes of the run reuse it instead of hashing again. */
  readonly #staged = new Map<string, StagedArtifact>();

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Where a verified file of this digest lives in the cache (it may not exist). */
  pathOf(sha256: string): string {
    return join(this.dir, sha256);
  }

  stage(item: StageItem, options: StageOptions = {}): Promise<StagedArtifact> {
    const key = `${item.kind}\0${item.source}\0${item.sha256}`;
    const done = this.#staged.get(key);
    if (done !== undefined) return options.signal?.aborted ? Promise.reject(options.signal.reason) : Promise.resolve(done);
    let shared = this.#running.get(key);
    if (shared === undefined || shared.abandoned) {
      const created = new Shared<StagedArtifact, StageProgress>((signal, progress) => this.#stage(item, signal, progress));
      created.settled
        .then((staged) => this.#staged.set(key, staged))
        .finally(() => {
          if (this.#running.get(key) === created) this.#running.delete(key);
        })
        .catch(() => undefined);
      this.#running.set(key, created);
      shared = created;
    }
    return shared.join(options.signal, options.onProgress);
  }

  async #stage(item: StageItem, signal: AbortSignal, progress: (e: StageProgress) => void): Promise<StagedArtifact> {
    switch (item.kind) {
      case "deb":
        return this.#stageDebs(item, signal, progress);
      case "flow-code":
        return this.#stageFlowCode(item, signal, progress);
      default:
        return isUrlSource(item.source) ? this.#download(item, signal, progress) : this.#stageLocalFile(item, signal, progress);
    }
  }

  /** A local single file: hash it where it is and send it from there (no copy). */
  async #stageLocalFile(item: StageItem, signal: AbortSignal, progress: (e: StageProgress) => void): Promise<StagedArtifact> {
    const size = await statOf(item, item.source);
    if (!size.isFile()) {
      throw new StageError(item.name, "invalid", `artifact ${item.name}: ${item.source} is not a file`, { hint: `a ${item.kind} artifact's source is one file` });
    }
    const total = size.size;
    let hashed: { sha256: string; bytes: number };
    try {
      hashed = await hashStream(readForHash(item.source), { signal, onBytes: (bytes) => progress({ artifact: item.name, phase: "hash", bytes, total }) });
    } catch (error) {
      throw signal.aborted ? signal.reason : new StageError(item.name, "unreadable", `artifact ${item.name}: cannot read ${item.source}: ${ioReason(error)}`, { cause: error });
    }
    const { sha256: actual, bytes } = hashed;
    if (actual !== item.sha256) {
      throw new StageError(item.name, "mismatch", `artifact ${item.name}: ${item.source} has sha256 ${actual}, but cluster.yaml pins ${item.sha256}; nothing was sent`, {
        hint: "if the file was replaced on purpose, run `reconcile pin` to record its new digest",
        expected: item.sha256,
        actual,
      });
    }
    return { sha256: actual, path: item.source, bytes };
  }

  /**
   * A URL: reused from the cache when present, else streamed into a temporary file while hashed,
   * kept (renamed to its digest) only when it matches. A cached entry was verified when it was
   * renamed in (after fsync), so reuse checks only that it is a non-empty regular file; the node's
   * sha256 check after the transfer stays the last word.
   */
  async #download(item: StageItem, signal: AbortSignal, progress: (e: StageProgress) => void): Promise<StagedArtifact> {
    const target = this.pathOf(item.sha256);
    const cached = await stat(target).catch(() => undefined);
    if (cached !== undefined && cached.isFile() && cached.size > 0) return { sha256: item.sha256, path: target, bytes: cached.size };

    signal.throwIfAborted();
    let response: Response;
    try {
      response = await fetch(item.source, { signal });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new StageError(item.name, "download", `artifact ${item.name}: cannot download ${item.source}: ${causeText(error)}`, {
        hint: "check that this machine can reach the URL (the controller fetches it, not the nodes)",
        cause: error,
      });
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel().catch(() => undefined);
      throw new StageError(item.name, "download", `artifact ${item.name}: downloading ${item.source} failed: HTTP ${response.status}${response.statusText === "" ? "" : ` ${response.statusText}`}`, {
        hint: "check the URL in cluster.yaml",
      });
    }
    const length = Number(response.headers.get("content-length") ?? Number.NaN);
    const total = Number.isSafeInteger(length) && length >= 0 ? length : null;
    const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
    const written = await this.#writeTemp(item, `${item.sha256}.${randomBytes(6).toString("hex")}.part`, body, signal, (bytes) => progress({ artifact: item.name, phase: "download", bytes, total }), (error) =>
      new StageError(item.name, "download", `artifact ${item.name}: downloading ${item.source} failed: ${causeText(error)}`, { cause: error }),
    );
    if (written.sha256 !== item.sha256) {
      await rm(written.path, { force: true });
      throw new StageError(item.name, "mismatch", `artifact ${item.name}: the download from ${item.source} has sha256 ${written.sha256}, but cluster.yaml pins ${item.sha256}; it was discarded and nothing was sent`, {
        hint: "the server may now serve another version; if that is intended, pin its digest in cluster.yaml",
        expected: item.sha256,
        actual: written.sha256,
      });
    }
    await this.#commit(item, written.path, target);
    return { sha256: item.sha256, path: target, bytes: written.bytes };
  }

  /**
   * A deb set: SHA256SUMS must match the pin (checked first, cheaply), then the folder is packed
   * and every .deb is checked against the manifest by reading the packed tar itself, so what is
   * verified is exactly what will be sent. A file the manifest does not list is refused: every
   * byte that crosses the air gap is pinned.
   */
  async #stageDebs(item: StageItem, signal: AbortSignal, progress: (e: StageProgress) => void): Promise<StagedArtifact> {
    const manifestPath = join(item.source, DEB_MANIFEST);
    let manifestBytes: Buffer;
    try {
      manifestBytes = await readFile(manifestPath, { signal });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new StageError(item.name, "unreadable", `artifact ${item.name}: cannot read ${manifestPath}: ${ioReason(error)}`, { hint: "`reconcile pin` writes it from the .deb files", cause: error });
    }
    const manifestDigest = createHash("sha256").update(manifestBytes).digest("hex");
    if (manifestDigest !== item.sha256) throw manifestMismatch(item, manifestPath, manifestDigest);
    const manifest = parseManifest(manifestBytes.toString("utf8"));
    if (manifest.problems.length > 0) {
      throw new StageError(item.name, "invalid", `artifact ${item.name}: ${manifestPath} is not a valid manifest (${manifest.problems.join("; ")})`, { hint: "`reconcile pin` rewrites it from the .deb files" });
    }

    const packed = await this.#pack(item, signal, progress);
    try {
      signal.throwIfAborted();
      const found = await entryDigests(packed.path, MAX_MANIFEST_BYTES);
      signal.throwIfAborted();
      checkDebSet(item, found, manifest.entries);
    } catch (error) {
      await rm(packed.path, { force: true });
      if (signal.aborted) throw signal.reason;
      if (error instanceof StageError) throw error;
      throw new StageError(item.name, "unreadable", `artifact ${item.name}: cannot read back the packed set: ${ioReason(error)}`, { cause: error });
    }
    const target = this.pathOf(packed.sha256);
    await this.#commit(item, packed.path, target);
    return { sha256: packed.sha256, path: target, bytes: packed.bytes };
  }

  /** Flow code: packed deterministically; it must be the code the plan measured. */
  async #stageFlowCode(item: StageItem, signal: AbortSignal, progress: (e: StageProgress) => void): Promise<StagedArtifact> {
    const packed = await this.#pack(item, signal, progress);
    if (packed.sha256 !== item.sha256) {
      await rm(packed.path, { force: true });
      const flow = item.name.startsWith(FLOW_CODE_PREFIX) ? item.name.slice(FLOW_CODE_PREFIX.length) : item.name;
      throw new StageError(item.name, "changed", `flow code of ${flow} changed since it was planned (${item.source}: planned sha256 ${item.sha256}, now ${packed.sha256}); nothing was sent`, {
        hint: "run `reconcile plan` again (or apply without a saved plan) to deploy the code as it is now",
        expected: item.sha256,
        actual: packed.sha256,
      });
    }
    const target = this.pathOf(packed.sha256);
    await this.#commit(item, packed.path, target);
    return { sha256: packed.sha256, path: target, bytes: packed.bytes };
  }

  /** Packs `item.source` (packFolder: same content, same bytes) into a temporary file in the cache. */
  async #pack(item: StageItem, signal: AbortSignal, progress: (e: StageProgress) => void): Promise<{ path: string; sha256: string; bytes: number }> {
    const folder = await statOf(item, item.source);
    if (!folder.isDirectory()) {
      throw new StageError(item.name, "invalid", `artifact ${item.name}: ${item.source} is not a folder`, {
        hint: item.kind === "deb" ? "a deb set is a folder of .deb files with their SHA256SUMS" : "a flow's code source is a folder",
      });
    }
    let tar: Readable;
    try {
      tar = Readable.from(await packFolder(item.source), { objectMode: false });
    } catch (error) {
      throw new StageError(item.name, "unreadable", `artifact ${item.name}: cannot pack ${item.source}: ${ioReason(error)}`, { cause: error });
    }
    return this.#writeTemp(item, `pack-${randomBytes(6).toString("hex")}.part`, tar, signal, (bytes) => progress({ artifact: item.name, phase: "pack", bytes, total: null }), (error) =>
      new StageError(item.name, "unreadable", `artifact ${item.name}: cannot pack ${item.source}: ${ioReason(error)}`, { cause: error }),
    );
  }

  /**
   * Streams `source` into `<dir>/<name>` while hashing, then fsyncs it. On any failure the
   * temporary file is removed and the error is `signal.reason` (aborted) or `failure(error)`.
   */
  async #writeTemp(
    item: StageItem,
    name: string,
    source: Readable,
    signal: AbortSignal,
    onBytes: (bytes: number) => void,
    failure: (error: unknown) => StageError,
  ): Promise<{ path: string; sha256: string; bytes: number }> {
    const path = join(this.dir, name);
    const hash = createHash("sha256");
    let bytes = 0;
    try {
      await mkdir(this.dir, { recursive: true });
    } catch (error) {
      source.destroy();
      throw cacheError(item, this.dir, error);
    }
    try {
      await pipeline(source, tap(hash, (n) => onBytes((bytes += n))), createWriteStream(path, { flags: "wx", mode: 0o644 }), { signal });
      const handle = await open(path, "r");
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      await rm(path, { force: true }).catch(() => undefined);
      if (signal.aborted) throw signal.reason;
      if (isCacheWriteError(error)) throw cacheError(item, path, error);
      throw failure(error);
    }
    return { path, sha256: hash.digest("hex"), bytes };
  }

  /** Renames a verified temporary file to its digest name (over an equal one, if another run got there first). */
  async #commit(item: StageItem, from: string, to: string): Promise<void> {
    try {
      await rename(from, to);
    } catch (error) {
      await rm(from, { force: true }).catch(() => undefined);
      throw cacheError(item, to, error);
    }
  }
}

function manifestMismatch(item: StageItem, path: string, actual: string): StageError {
  return new StageError(item.name, "mismatch", `artifact ${item.name}: ${path} has sha256 ${actual}, but cluster.yaml pins ${item.sha256}; nothing was sent`, {
    hint: "if the set was changed on purpose, run `reconcile pin` to record the new manifest's digest",
    expected: item.sha256,
    actual,
  });
}

/** Compares a packed deb set's entries with its manifest; throws the first problem, naming the file. */
function checkDebSet(item: StageItem, found: Map<string, string | null>, manifest: readonly { sha256: string; file: string }[]): void {
  const listed = new Map(manifest.map((e) => [e.file, e.sha256]));
  const packedManifest = found.get(DEB_MANIFEST);
  if (packedManifest === undefined || packedManifest === null) {
    throw new StageError(item.name, "invalid", `artifact ${item.name}: ${DEB_MANIFEST} disappeared from ${item.source} while it was packed`);
  }
  if (packedManifest !== item.sha256) throw manifestMismatch(item, join(item.source, DEB_MANIFEST), packedManifest);
  for (const [file, digest] of found) {
    if (file === DEB_MANIFEST) continue;
    const expected = listed.get(file);
    if (expected === undefined) {
      throw new StageError(item.name, "invalid", `artifact ${item.name}: ${join(item.source, file)} is not listed in ${DEB_MANIFEST}; nothing was sent`, {
        hint: `a deb set holds only its .deb files and ${DEB_MANIFEST}: remove it, or run \`reconcile pin\` to add new .deb files to the manifest`,
      });
    }
    if (digest === null) {
      throw new StageError(item.name, "invalid", `artifact ${item.name}: ${join(item.source, file)} is not a regular file`, { hint: "copy the .deb itself into the folder, not a link to it" });
    }
    if (digest !== expected) {
      throw new StageError(item.name, "mismatch", `artifact ${item.name}: ${file} has sha256 ${digest}, but ${DEB_MANIFEST} lists ${expected}; nothing was sent`, {
        hint: "the .deb was altered or replaced: restore it, or run `reconcile pin` if the change is intended",
        expected,
        actual: digest,
      });
    }
  }
  for (const e of manifest) {
    if (!found.has(e.file)) {
      throw new StageError(item.name, "invalid", `artifact ${item.name}: ${e.file} is listed in ${DEB_MANIFEST} but missing from ${item.source}; nothing was sent`, {
        hint: "restore the file, or run `reconcile pin` to rewrite the manifest",
      });
    }
  }
}

/**
 * sha256 of every entry of a tar, read in one streaming pass: files by content, anything else
 * (links, devices) as null; folders are left out.
 */
async function entryDigests(tarPath: string, maxManifestBytes: number): Promise<Map<string, string | null>> {
  const digests = new Map<string, string | null>();
  let problem: Error | undefined;
  await listTar({
    file: tarPath,
    onReadEntry: (entry) => {
      const path = entry.path.replace(/\/+$/, "");
      if (entry.type === "Directory") return;
      if (entry.type !== "File" && entry.type !== "OldFile" && entry.type !== "ContiguousFile") {
        digests.set(path, null);
        return;
      }
      if (path === DEB_MANIFEST && entry.size > maxManifestBytes) problem ??= new Error(`${DEB_MANIFEST} is ${entry.size} bytes`);
      const hash = createHash("sha256");
      entry.on("data", (chunk: Buffer) => hash.update(chunk));
      entry.on("end", () => digests.set(path, hash.digest("hex")));
    },
  });
  if (problem !== undefined) throw problem;
  return digests;
}

async function statOf(item: StageItem, path: string) {
  try {
    return await stat(path);
  } catch (error) {
    throw new StageError(item.name, "unreadable", `artifact ${item.name}: cannot read ${path}: ${ioReason(error)}`, {
      hint: "check the artifact's source in cluster.yaml",
      cause: error,
    });
  }
}

function cacheError(item: StageItem, path: string, error: unknown): StageError {
  return new StageError(item.name, "unreadable", `artifact ${item.name}: cannot write the artifact cache (${path}): ${ioReason(error)}`, {
    hint: "check free space and permissions there, or set XDG_CACHE_HOME to another place",
    cause: error,
  });
}

/** Errors that come from writing our own file (the cache), not from reading the source. */
function isCacheWriteError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === "ENOSPC" || code === "EDQUOT" || code === "EROFS" || code === "EEXIST";
}

/** fetch() hides the reason in `cause` ("fetch failed" → ECONNREFUSED). */
function causeText(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  if (cause !== undefined && cause !== null) return ioReason(cause);
  return ioReason(error);
}

/** A pass-through that hashes and counts. */
function tap(hash: ReturnType<typeof createHash>, onChunk: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      onChunk(chunk.length);
      done(null, chunk);
    },
  });
}
