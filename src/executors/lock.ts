/**
 * The apply lock: a lease on the server node (who holds it, from where, until when; renewed while
 * the run lasts) plus a local lock file, so two applies never run at once, from one controller or
 * from two. Every change of the remote lease is a compare-and-swap under `flock` on the node, so
 * two controllers racing for an expired lease cannot both win.
 */
import { open, readFile, rm, mkdir } from "node:fs/promises";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { ConnectError, ReconcileError, RemoteCommandError, ioReason } from "../errors.js";
import { LOCK_FILE } from "../facts/layout.js";
import { shellQuote } from "../facts/shell.js";
import type { LockFact } from "../facts/types.js";
import { leaseFrom } from "../facts/state.js";
import { runScript } from "./remote-script.js";
import type { Transport } from "./transport.js";

/** Someone else holds the lock; the message names them. */
export class LockedError extends ReconcileError {
  readonly holder: LockFact;
  constructor(where: string, holder: LockFact) {
    super(`${where} is locked by ${holder.holder} on ${holder.host} (pid ${holder.pid}) since ${holder.startedAt}; the lease runs until ${holder.expiresAt}`, {
      hint: "wait for that apply to finish; if it died, the lease expires by itself, or run `reconcile unlock` once you are sure it is gone",
    });
    this.holder = holder;
  }
}

/** Exit status of the swap script when the lease is not what the caller expected. */
const CONFLICT = 3;

/**
 * The compare-and-swap: under an exclusive flock, if the lease file's content (absent = "") equals
 * `expected`, replace it with `next` ("" = remove) atomically; otherwise print the current content
 * and exit 3. Pure builder, tested by running it with `sh`.
 */
export function leaseSwapScript(expected: string, next: string, file = LOCK_FILE): string {
  const dir = dirname(file);
  const f = shellQuote(file);
  const write = next === "" ? `rm -f ${f}` : `printf '%s\\n' ${shellQuote(next)} > ${f}.tmp && mv -f ${f}.tmp ${f}`;
  return [
    `mkdir -p ${shellQuote(dir)} || exit 1`,
    `exec 9>>${shellQuote(`${dir}/.lock.mutex`)}`,
    `flock -w 10 9 || { echo 'another reconcile is changing the lock right now' >&2; exit 1; }`,
    `cur=$(cat ${f} 2>/dev/null || true)`,
    `[ "$cur" = ${shellQuote(expected)} ] || { printf '%s' "$cur"; exit ${CONFLICT}; }`,
    write,
  ].join("\n");
}

/** The lease in the lock file's text, as the lock fact reads it; null when it is not one. */
function parseLease(text: string): LockFact | null {
  try {
    return leaseFrom(JSON.parse(text));
  } catch {
    // An unreadable lease is treated as held (see acquire): never silently overwritten.
    return null;
  }
}

export interface LeaseOptions {
  holder: string;
  host: string;
  pid: number;
  /** How long the lease lasts without renewal. */
  ttlMs: number;
  now?: () => number;
  file?: string;
}

/** Where the lease lives: a transport, or a way to get the node's current one (it may reconnect). */
export type LeaseNode = Transport | (() => Promise<Transport>);

/** A lease command waits at most this long (a node that stopped answering must not hold the run). */
const LEASE_COMMAND_TIMEOUT_MS = 30_000;

/** A lease held on a node. Renew it while working; release it at the end (also on failure). */
export class RemoteLease {
  #content: string;
  #timer: NodeJS.Timeout | undefined;
  /** When the lease file last said our lease runs on (ms since the epoch). */
  #renewedAt: number;
  /** The renewal under way, if any: a release waits for it. */
  #renewing: Promise<void> | undefined;
  readonly #node: () => Promise<Transport>;
  readonly #name: string;
  readonly #options: Required<LeaseOptions>;
  readonly #startedAt: string;

  private constructor(node: () => Promise<Transport>, name: string, options: Required<LeaseOptions>, startedAt: string, content: string) {
    this.#node = node;
    this.#name = name;
    this.#options = options;
    this.#startedAt = startedAt;
    this.#content = content;
    this.#renewedAt = options.now();
  }

  private static render(o: Required<LeaseOptions>, startedAt: string): string {
    const lease: LockFact = { holder: o.holder, host: o.host, pid: o.pid, startedAt, expiresAt: new Date(o.now() + o.ttlMs).toISOString() };
    return JSON.stringify(lease);
  }

  /**
   * Takes the lease: when free, when expired (taken over, and said so in `tookOver`), or refuses
   * with a {@link LockedError} naming the holder.
   */
  static async acquire(on: LeaseNode, options: LeaseOptions, signal?: AbortSignal): Promise<{ lease: RemoteLease; tookOver: LockFact | null }> {
    const node = typeof on === "function" ? on : () => Promise.resolve(on);
    const transport = await node();
    const o: Required<LeaseOptions> = { now: Date.now, file: LOCK_FILE, ...options };
    const startedAt = new Date(o.now()).toISOString();
    const mine = RemoteLease.render(o, startedAt);
    const swap = (expected: string) => runScript(transport, { step: "take the apply lock", script: leaseSwapScript(expected, mine, o.file), timeoutMs: LEASE_COMMAND_TIMEOUT_MS, ...(signal === undefined ? {} : { signal }) });
    const first = await swap("");
    if (first.code === 0) return { lease: new RemoteLease(node, transport.node, o, startedAt, mine), tookOver: null };
    if (first.code !== CONFLICT) throw new ReconcileError(`node ${transport.node}: cannot take the apply lock: ${first.stderr.trim() || `exit ${first.code}`}`);
    const current = parseLease(first.stdout);
    const where = `node ${transport.node}`;
    if (current === null) {
      throw new ReconcileError(`${where}: the lock file ${o.file} is not readable as a lease`, { hint: "run `reconcile unlock` to remove it" });
    }
    if (Date.parse(current.expiresAt) > o.now()) throw new LockedError(`the cluster (${where})`, current);
    // Expired: swap it out only if it is still that same expired lease.
    const second = await swap(first.stdout);
    if (second.code === 0) return { lease: new RemoteLease(node, transport.node, o, startedAt, mine), tookOver: current };
    const now = parseLease(second.stdout);
    if (second.code === CONFLICT && now !== null) throw new LockedError(`the cluster (${where})`, now);
    throw new ReconcileError(`${where}: cannot take the apply lock: ${second.stderr.trim() || `exit ${second.code}`}`);
  }

  /** Extends the lease; fails if someone took it (then the run must stop), or the node could not be asked. */
  async renew(): Promise<void> {
    const next = RemoteLease.render(this.#options, this.#startedAt);
    await this.#swap(next, "renew the apply lock");
    this.#renewedAt = this.#options.now();
  }

  /**
   * Replaces our lease on the node with `next` ("" removes it). When the file holds a newer
   * version of OUR lease (a renewal went through but its answer was lost with the connection),
   * that is adopted and the swap tried once more; anyone else's lease is a conflict.
   */
  async #swap(next: string, step: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const transport = await this.#node();
      const r = await runScript(transport, { step, script: leaseSwapScript(this.#content, next, this.#options.file), timeoutMs: LEASE_COMMAND_TIMEOUT_MS });
      if (r.code === 0) {
        this.#content = next;
        return;
      }
      const current = r.code === CONFLICT ? parseLease(r.stdout) : null;
      if (attempt === 0 && current !== null && this.#isOurs(current)) {
        this.#content = r.stdout;
        continue;
      }
      // Releasing what is no longer ours: gone already, or another run's now (not ours to remove).
      if (r.code === CONFLICT && next === "") return;
      const whose = current === null ? "" : ` (${current.holder} on ${current.host}, pid ${current.pid})`;
      throw new ReconcileError(`node ${this.#name}: ${r.code === CONFLICT ? `lost the apply lock to another run${whose}` : `cannot ${step}: ${r.stderr.trim() || `exit ${r.code}`}`}`);
    }
  }

  #isOurs(lease: LockFact): boolean {
    const o = this.#options;
    return lease.holder === o.holder && lease.host === o.host && lease.pid === o.pid && lease.startedAt === this.#startedAt;
  }

  /**
   * Renews every `intervalMs` until released. A renewal that finds the lease taken is passed to
   * `onError` at once; one that cannot reach the node (it reboots, the link dropped) is tried again
   * at the next interval, and passed to `onError` only once the lease has run out unrenewed.
   */
  keepAlive(intervalMs: number, onError: (error: unknown) => void): void {
    this.#timer = setInterval(() => {
      if (this.#renewing !== undefined) return;
      this.#renewing = this.renew()
        .catch((error: unknown) => {
          const expired = this.#options.now() - this.#renewedAt >= this.#options.ttlMs;
          if (!(error instanceof ConnectError || error instanceof RemoteCommandError)) onError(error);
          else if (expired) onError(new ReconcileError(`node ${this.#name}: the apply lock ran out: it could not be renewed for ${Math.round(this.#options.ttlMs / 1000)} s (${error.message})`, { cause: error }));
        })
        .finally(() => (this.#renewing = undefined));
    }, intervalMs);
    this.#timer.unref();
  }

  /**
   * Gives the lease back (only if it is still ours), after a renewal under way has ended. Rejects
   * when it could not: the lease then runs out by itself.
   */
  async release(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.#renewing;
    await this.#swap("", "release the apply lock");
  }
}

/** Removes the lease whoever holds it (`reconcile unlock`); returns what was there. */
export async function forceUnlock(transport: Transport, file = LOCK_FILE): Promise<LockFact | null> {
  const read = await runScript(transport, { step: "read the apply lock", script: `cat ${shellQuote(file)} 2>/dev/null || true` });
  const text = read.stdout.trim();
  if (text === "") return null;
  const r = await runScript(transport, { step: "remove the apply lock", script: leaseSwapScript(text, "", file) });
  if (r.code !== 0) throw new ReconcileError(`node ${transport.node}: the lock changed while removing it; run unlock again`);
  return parseLease(text);
}

/**
 * Where the controller's lock of a cluster lives: beside the artifact cache (`cacheDir`), named by
 * the cluster and a digest of its spec file's path, so two checkouts of one cluster do not share it.
 */
export function localLockPath(cluster: { name: string; specFile: string }, cacheDir: string): string {
  const id = createHash("sha256").update(cluster.specFile).digest("hex").slice(0, 16);
  return join(cacheDir, "..", "locks", `${cluster.name}-${id}.lock`);
}

/**
 * The controller's own lock file: one apply per cluster per controller. A lock left by a process
 * that no longer runs is taken over.
 */
export class LocalLock {
  private constructor(readonly path: string) {}

  static async acquire(path: string, pid = process.pid): Promise<LocalLock> {
    await mkdir(dirname(path), { recursive: true });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await open(path, "wx", 0o600);
        await handle.writeFile(`${pid}\n`);
        await handle.close();
        return new LocalLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw new ReconcileError(`cannot create the local lock ${path}: ${ioReason(error)}`);
        const other = Number((await readFile(path, "utf8").catch(() => "")).trim());
        if (Number.isSafeInteger(other) && other > 0 && isAlive(other)) {
          throw new ReconcileError(`another reconcile (pid ${other}) is applying this cluster from this machine`, { hint: `wait for it, or remove ${path} if that process is not reconcile` });
        }
        await rm(path, { force: true });
      }
    }
    throw new ReconcileError(`cannot take the local lock ${path}`);
  }

  async release(): Promise<void> {
    await rm(this.path, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

