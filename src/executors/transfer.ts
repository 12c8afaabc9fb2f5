/**
 * TRANSFER: send one staged artifact to a node's store, resumably, and verify it there.
 *
 * On the node (DESIGN.md "Node layout"): the upload goes to `store/.incoming/<sha>.part`, is
 * checked with `sha256sum` on the node, and only then renamed to `store/.incoming/<sha>`, where
 * install finds it. A node that already holds `store/<sha>/.complete`, or the finished upload,
 * gets nothing. An interrupted upload leaves its .part, and the next transfer continues from its
 * size; the final sha256 check is what makes that safe.
 *
 * Bytes move over SFTP (the transport's session), read from the local file a chunk at a time with
 * a bounded number of writes outstanding: memory stays at `concurrency × chunkSize` whatever the
 * artifact's size. Scripts on the node run through `runScript` (as root with `become: sudo`); the SFTP
 * session runs as the SSH user, so the .part is created by root and handed to that user, and taken
 * back (root-owned, 0644) when it is renamed into place.
 *
 * The scripts run on the node and their parsers are in transfer-protocol.ts; progress events in
 * transfer-progress.ts.
 */
import { open, stat, type FileHandle } from "node:fs/promises";
import { ConnectError, ReconcileError, RemoteCommandError, RemoteFileError, ioReason } from "../errors.js";
import { incomingDir, partFile } from "../facts/layout.js";
import { formatBytes } from "../units.js";
import { explainRemoteFailure } from "./remote-failure.js";
import { runScript } from "./remote-script.js";
import { ProgressMeter, type TransferProgress } from "./transfer-progress.js";
import { checkTarget, parsePrepare, parseSpace, parseVerify, prepareCommand, spaceCommand, uploadPaths, verifyCommand, type TransferTarget } from "./transfer-protocol.js";
import type { RemoteFiles, RemoteHandle, Transport } from "./transport.js";

/**
 * How the bytes are pushed (our own loop of positioned SFTP writes); {@link DEFAULT_TUNING} is the
 * fastest measured on the test bed.
 */
export interface TransferTuning {
  /** Bytes per SFTP write; OpenSSH takes up to 255 KiB per request (limits@openssh.com). */
  chunkSize: number;
  /** Writes outstanding at once. */
  concurrency: number;
}

/**
 * Measured on the test bed (64 MiB to a node over the bridge, 2 busy cores, medians of 7
 * interleaved rounds): 255 KiB x 16 0.50 s (128 MiB/s); 255 KiB x 64 0.56 s; 64 KiB x 64 0.63 s;
 * fastPut's 32 KiB x 64 0.72 s; ssh2's write stream 0.54 s (255 KiB, 16 MiB buffer) to 0.98 s
 * (64 KiB, 4 MiB); scp of the same file 0.67 s without its connection setup (0.98 s with it).
 * 200 MiB to one node takes the same 1.2 s with 4, 8 or 16 writes outstanding; to four nodes at
 * once (one controller process encrypting for all) 8 took 3.7–3.9 s against 3.8–4.7 s for 16, so
 * 8 it is. 255 KiB is OpenSSH's largest SFTP write; larger chunks are split by ssh2 and sent one by one.
 */
export const DEFAULT_TUNING: TransferTuning = { chunkSize: 255 * 1024, concurrency: 8 };

export interface TransferOptions {
  /**
   * Stops the upload promptly; the .part stays on the node, cut to the bytes it acknowledged, for
   * a later transfer to resume. Rejects with `RemoteCommandError` reason "aborted".
   */
  signal?: AbortSignal;
  onProgress?: (event: TransferProgress) => void;
  tuning?: Partial<TransferTuning>;
}

export interface TransferResult {
  /** The node already had it (`store/<sha>/.complete` or a finished upload): nothing was sent. */
  skipped: boolean;
  /** Size of the .part the upload continued from; 0 when it started from the beginning. */
  resumedFrom: number;
  /** Bytes sent by this call (both attempts, when the upload was redone). */
  sent: number;
  /**
   * A resumed upload failed the sha256 check (the kept .part was damaged), so it was deleted and
   * the whole file was sent once more, which then verified.
   */
  restarted: boolean;
}

/**
 * Why a transfer failed. "mismatch": the bytes on the node do not have the expected digest (the
 * .part was deleted); "failed": the upload or a command around it broke (a .part may stay for
 * resume); "space": the node's file system is full (the .part stays; the upload resumes once there
 * is room); "local": the local file is not what was staged.
 */
export type TransferFailure = "mismatch" | "failed" | "space" | "local";

export class TransferError extends ReconcileError {
  readonly node: string;
  readonly sha256: string;
  readonly reason: TransferFailure;
  constructor(node: string, sha256: string, reason: TransferFailure, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(`node ${node}: ${message}`, options);
    this.node = node;
    this.sha256 = sha256;
    this.reason = reason;
  }
}

/**
 * Sends `target.localPath` to `node:root/store/.incoming/<sha256>`, unless the node has it.
 *
 * Resumes from an existing .part (one larger than the file is started over). After the upload the
 * node hashes the .part; it is renamed into place only when the digest matches. When a resumed
 * upload does not verify, the kept prefix was damaged: the .part is deleted and the whole file is
 * sent once more (`restarted`); a full upload that does not verify throws `TransferError`
 * ("mismatch"), and the .part is gone.
 *
 * @example
 * const r = await transferArtifact(transport, { root: node.root, sha256: staged.sha256, localPath: staged.path, bytes: staged.bytes }, {
 *   signal, onProgress: (e) => process.stderr.write(`\r${formatProgress(e)}`),
 * });
 */
export async function transferArtifact(transport: Transport, target: TransferTarget, options: TransferOptions = {}): Promise<TransferResult> {
  checkTarget(target);
  const { signal } = options;
  const tuning = { ...DEFAULT_TUNING, ...options.tuning };
  const node = transport.node;
  const where = uploadPaths(target);

  const local = await stat(target.localPath).catch((error: unknown) => {
    throw new TransferError(node, target.sha256, "local", `cannot read ${target.localPath} to send it: ${ioReason(error)}`, { cause: error });
  });
  if (local.size !== target.bytes) {
    throw new TransferError(node, target.sha256, "local", `${target.localPath} has ${local.size} bytes, not the ${target.bytes} staged`, { hint: "the file changed after staging; run apply again" });
  }

  let sent = 0;
  let resumedFrom = 0;
  let restarted = false;
  for (let attempt = 0; ; attempt++) {
    const prepared = await run(transport, prepareCommand(target), "prepare the upload", target, signal);
    const state = parsePrepare(prepared);
    if (state === null) throw new TransferError(node, target.sha256, "failed", `unexpected answer while preparing the upload of ${target.sha256}: ${JSON.stringify(prepared.trim())}`);
    if (state.state !== "part") return { skipped: true, resumedFrom: 0, sent: 0, restarted: false };

    const start = state.bytes <= target.bytes ? state.bytes : 0;
    if (attempt === 0) resumedFrom = start;
    if (start < target.bytes) {
      const meter = new ProgressMeter(node, target.bytes, start, options.onProgress);
      try {
        const files = await transport.files();
        sent += await uploadPipelined(files, where.part, target.localPath, start, target.bytes, tuning, meter, signal);
      } catch (error) {
        throw await uploadFailure(transport, target, meter, error, signal);
      }
      meter.finish();
    }

    // Hashing reads at a few hundred MB/s at worst (sha256sum); give big files time beyond the usual command limit.
    const verifyTimeoutMs = 120_000 + Math.ceil(target.bytes / (20 * 1024 * 1024)) * 1000;
    const answer = await run(transport, verifyCommand(target), "verify the upload", target, signal, verifyTimeoutMs);
    const verdict = parseVerify(answer);
    if (verdict === null) throw new TransferError(node, target.sha256, "failed", `unexpected answer while verifying the upload of ${target.sha256}: ${JSON.stringify(answer.trim())}`);
    if (verdict.ok) return { skipped: false, resumedFrom, sent, restarted };
    if (start > 0 && !restarted) {
      restarted = true;
      continue;
    }
    throw new TransferError(node, target.sha256, "mismatch", `the upload to ${where.part} does not verify: ${verdict.why}, expected sha256 ${target.sha256} (${target.bytes} bytes); the .part was deleted`, {
      hint: "the bytes were damaged on the way or on the node's disk; run apply again, and check the node's disk if it happens again",
    });
  }
}

/** Runs a script on the node as root; a non-zero exit is a TransferError with its stderr. */
async function run(transport: Transport, script: string, what: string, target: TransferTarget, signal: AbortSignal | undefined, timeoutMs?: number): Promise<string> {
  const r = await runScript(transport, { step: `transfer ${target.sha256.slice(0, 12)}: ${what}`, script, ...(signal === undefined ? {} : { signal }), ...(timeoutMs === undefined ? {} : { timeoutMs }) });
  if (r.code !== 0) {
    const detail = r.stderr.trim().split("\n").slice(-3).join("; ") || `exit ${r.code ?? r.signal}`;
    const known = explainRemoteFailure(detail);
    throw new TransferError(transport.node, target.sha256, known?.status === "no-space" ? "space" : "failed", `cannot ${what} of ${labelOf(target)} under ${target.root}: ${known === null ? detail : `${known.meaning} (${detail})`}`, {
      hint: known?.hint ?? "check that the root folder is writable by root on the node and that the disk is not full",
    });
  }
  return r.stdout;
}

const labelOf = (target: TransferTarget) => target.label ?? target.sha256.slice(0, 12);

/**
 * The error for an upload that broke, in words: the connection lost (transient: the next try
 * reconnects and resumes), no progress within the bound, the node's disk full (measured on the
 * node, since SFTP says only "failure"), or what the node answered.
 */
async function uploadFailure(transport: Transport, target: TransferTarget, meter: ProgressMeter, error: unknown, signal: AbortSignal | undefined): Promise<Error> {
  const node = transport.node;
  const what = labelOf(target);
  const at = `at ${formatBytes(meter.sent)} of ${formatBytes(target.bytes)}`;
  const part = partFile(target.root, target.sha256);
  if (error instanceof Aborted) {
    return new RemoteCommandError(node, "aborted", `the upload of ${what} was cancelled ${at}; ${part} stays for the next transfer to resume`);
  }
  if (error instanceof ConnectError) {
    const why = error.why ?? "the node rebooted or the network went down";
    return new ConnectError(node, "closed", `the connection was lost during the upload of ${what} ${at} (${why})`, {
      hint: "the .part stays on the node; the upload resumes from it once the node answers again",
      cause: error,
      why,
    });
  }
  if (error instanceof RemoteCommandError && error.reason === "stalled") {
    return new RemoteCommandError(node, "stalled", `the upload of ${what} made no progress ${at}: ${error.message.replace(/^node \S+: /, "")}`, { ...(error.hint === undefined ? {} : { hint: error.hint }), cause: error });
  }
  if (error instanceof RemoteFileError && error.status === "failure") {
    // SFTP gives no errno: measure the file system the .part is on.
    const space = await runScript(transport, { step: `transfer ${target.sha256.slice(0, 12)}: measure the free space`, script: spaceCommand(incomingDir(target.root)), timeoutMs: 30_000, ...(signal === undefined ? {} : { signal }) })
      .then((r) => (r.code === 0 ? parseSpace(r.stdout) : null))
      .catch(() => null);
    const missing = target.bytes - meter.sent;
    if (space !== null && space.availableBytes < missing) {
      return new TransferError(node, target.sha256, "space", `no space left on the node for the upload of ${what}: the file system mounted at ${space.mount} has ${formatBytes(space.availableBytes)} free, ${formatBytes(missing)} more are needed (stopped ${at})`, {
        hint: `free space on ${space.mount} or grow it; the upload resumes from ${formatBytes(meter.sent)} once there is room (unpacking it needs room too: \`reconcile plan\` says how much)`,
        cause: error,
      });
    }
  }
  const said = error instanceof ReconcileError ? error.message.replace(/^node \S+: /, "") : ioReason(error);
  return new TransferError(node, target.sha256, "failed", `the upload of ${what} to ${part} broke ${at}: ${said}`, {
    hint: error instanceof ReconcileError && error.hint !== undefined ? `${error.hint}; the .part stays on the node and the next run resumes from it` : "the .part stays on the node; the next run resumes from it",
    cause: error,
  });
}

/** Thrown inside the upload loop when the signal fires. */
class Aborted extends Error {}

/** How long a cancelled upload waits for writes already on the wire before it lets go of them. */
const DRAIN_WAIT_MS = 5_000;

/**
 * Positioned writes of `chunkSize` bytes, at most `concurrency` outstanding, each lane reusing its
 * buffer once its write is acknowledged. OpenSSH's sftp-server applies requests in order, so
 * after a stop the .part is the contiguous acknowledged prefix; to be safe against other servers
 * and failed writes it is also cut to that prefix before it is closed (when the connection still
 * stands).
 *
 * Every wait here is bounded: a write settles with its answer, at once when the connection breaks,
 * or after `ssh.progressTimeout` without an answer (the transport's {@link RemoteFiles} contract);
 * a cancellation stops sending and waits at most {@link DRAIN_WAIT_MS} for what is on the wire. The
 * local file is closed on every path.
 */
async function uploadPipelined(files: RemoteFiles, remote: string, localPath: string, start: number, total: number, tuning: TransferTuning, meter: ProgressMeter, signal: AbortSignal | undefined): Promise<number> {
  if (signal?.aborted) throw new Aborted();
  const file = await open(localPath, "r");
  let handle: RemoteHandle | undefined;
  try {
    handle = await files.open(remote, start === 0 ? "w" : "r+");
    const h = handle;
    const chunk = tuning.chunkSize;
    const acked = new Set<number>();
    let contiguous = start;
    let next = start;
    let failure: unknown;

    // One lane per outstanding write: read a chunk, write it, repeat until the file is sent or something failed.
    const lane = async () => {
      const buffer = Buffer.allocUnsafe(chunk);
      while (failure === undefined && next < total) {
        if (signal?.aborted) throw new Aborted();
        const offset = next;
        const length = Math.min(chunk, total - offset);
        next += length;
        await readFully(file, buffer, length, offset);
        await files.write(h, buffer, 0, length, offset);
        acked.add(offset);
        while (acked.delete(contiguous)) contiguous += Math.min(chunk, total - contiguous);
        meter.update(contiguous - start);
      }
    };
    const lanes = Array.from({ length: tuning.concurrency }, () =>
      lane().catch((error: unknown) => {
        failure ??= error;
      }),
    );
    // A cancellation stops the lanes at their next chunk; writes on the wire get a short while to land.
    const cancelled = new Promise<void>((resolve) => {
      const onAbort = () => {
        failure ??= new Aborted();
        setTimeout(resolve, DRAIN_WAIT_MS).unref();
      };
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
      void Promise.all(lanes).then(() => signal?.removeEventListener("abort", onAbort));
    });
    await Promise.race([Promise.all(lanes), cancelled]);
    if (failure !== undefined) {
      // Leave a .part that is exactly the acknowledged prefix, so a resume continues from truth.
      // Bounded: behind writes the node never answers it would wait as long as they do. When the
      // session is gone it fails at once; the sha256 check after a resume is the safety net anyway.
      if (next > contiguous) await withTimeout(files.truncate(h, contiguous), DRAIN_WAIT_MS).catch(() => undefined);
      throw failure;
    }
    return total - start;
  } finally {
    await file.close();
    if (handle !== undefined) {
      const h = handle;
      await withTimeout(files.close(h), DRAIN_WAIT_MS).catch(() => undefined);
    }
  }
}

async function readFully(file: FileHandle, buffer: Buffer, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) throw new Error(`the local file ended early (at ${position + done} bytes): it changed while it was sent`);
    done += bytesRead;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timed out")), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
