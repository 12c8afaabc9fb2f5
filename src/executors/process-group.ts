/**
 * Remote commands in their own process group: the wrapper that starts a command in a new session
 * and reports its group (and the node's boot id) first on stderr, the scanner that takes that
 * marker out of the output, and the scripts that stop or wait out a group, such as one a lost
 * connection left running ({@link Orphan}). A channel closed without a terminal does not stop a
 * command; its process group is what gets stopped.
 */
import { shellQuote } from "./transport.js";

/** How long a TERMed process group gets before KILL (a remote one here, a local one in local-process.ts). */
export const KILL_GRACE_MS = 2_000;
/** Upper bound on the kill command itself (it waits up to the grace, then KILLs). */
export const KILL_TIMEOUT_MS = KILL_GRACE_MS + 5_000;
/** A command cancelled right after it started may not have reported its process group yet. */
export const PGID_WAIT_MS = 5_000;
/** The process group marker must come before any output; give up looking after this much stderr. */
const MARKER_SEARCH_BYTES = 64 * 1024;
const PGID_MARKER = "reconcile-pgid=";
/** `reconcile-pgid=<pgid> <boot id>` (the boot id tells a later connection whether the group may still run). */
const PGID_LINE = /(^|\n)reconcile-pgid=(\d+)(?: ([0-9a-f-]+))?\n/;
const BOOT_ID = "/proc/sys/kernel/random/boot_id";

/**
 * The remote command line that runs `command` in its own process group and reports that group
 * first, on stderr, as `reconcile-pgid=<pgid>` (stripped from the result). The group is what a
 * cancellation kills: closing an SSH channel does not stop a command started without a terminal.
 *
 * `setsid -w` (util-linux) starts a session whose leader is the small `sh` that prints its pid;
 * that shell runs the command with `sh -c` and waits for it (no `exec`), so a command killed by a
 * signal exits 128+N as it would in a shell. With `become`, the whole wrapper runs under
 * `sudo -n`, which never prompts.
 *
 * @example
 * wrapCommand("apt-get -y install ./x.deb", { become: true })
 * // exec sudo -n -- setsid -w sh -c '…' reconcile 'apt-get -y install ./x.deb'
 */
export function wrapCommand(command: string, options: { become: boolean }): string {
  // `read` is a builtin: the boot id costs no process.
  const leader = `b=-; read -r b < ${BOOT_ID} 2>/dev/null; printf '${PGID_MARKER}%s %s\\n' "$$" "$b" >&2; sh -c "$1"; exit "$?"`;
  const wrapped = `setsid -w sh -c ${shellQuote(leader)} reconcile ${shellQuote(command)}`;
  return options.become ? `exec sudo -n -- ${wrapped}` : `exec ${wrapped}`;
}

/**
 * The remote command line that stops process group `pgid`: TERM, up to {@link KILL_GRACE_MS} for
 * it to go, then KILL. Exits 0 whether or not the group still existed.
 *
 * "Gone" ignores zombies: `kill -0` still finds a dead process until something reaps it, and where
 * PID 1 does not reap (some containers) that would always cost the full grace. /proc is read
 * directly because `ps` (procps) is not on every minimal node; without /proc it falls back to `kill -0`.
 */
export function killCommand(pgid: number, options: { become: boolean }): string {
  return settleCommand(pgid, { ...options, waitMs: 0, boot: null });
}

/**
 * The remote command line that lets process group `pgid` finish by itself for up to `waitMs`, then
 * stops it as {@link killCommand} does; nothing at all when `boot` (a boot id) is given and the
 * node booted since (the group is gone and its number may be someone else's). For a command a lost
 * connection left running: the next try of its step must not run beside it.
 */
export function settleCommand(pgid: number, options: { become: boolean; waitMs: number; boot: string | null }): string {
  if (!Number.isSafeInteger(pgid) || pgid <= 1) throw new Error(`refusing to kill process group ${pgid}`);
  if (options.boot !== null && !/^[0-9a-f-]+$/.test(options.boot)) throw new Error(`not a boot id: ${options.boot}`);
  const rounds = Math.ceil(KILL_GRACE_MS / 100);
  const waitRounds = Math.ceil(options.waitMs / 200);
  const script = [
    ...(options.boot === null ? [] : [`b=; read -r b < ${BOOT_ID} 2>/dev/null; [ "$b" = ${options.boot} ] || exit 0`]),
    `g=${pgid}`,
    `alive() {`,
    `  [ -r /proc/self/stat ] || { kill -s 0 -- -$g 2>/dev/null; return; }`,
    `  for f in /proc/[0-9]*/stat; do`,
    `    read -r s 2>/dev/null <"$f" || continue`,
    `    set -- \${s##*") "}`,
    `    [ "$3" = "$g" ] && [ "$1" != Z ] && return 0`,
    `  done`,
    `  return 1`,
    `}`,
    ...(waitRounds === 0 ? [] : [`i=0`, `while [ "$i" -lt ${waitRounds} ] && alive; do sleep 0.2; i=$((i + 1)); done`, `alive || exit 0`]),
    `kill -s TERM -- -$g 2>/dev/null || exit 0`,
    `i=0`,
    `while [ "$i" -lt ${rounds} ] && alive; do sleep 0.1; i=$((i + 1)); done`,
    `kill -s KILL -- -$g 2>/dev/null`,
    `exit 0`,
  ].join("\n");
  return `exec ${options.become ? "sudo -n -- " : ""}sh -c ${shellQuote(script)}`;
}

/** A command left running on a node by a connection that broke: its process group and the node's boot then. */
export interface Orphan {
  pgid: number;
  boot: string | null;
  label: string;
  become: boolean;
}

/** Resolves after `ms`; the timer does not keep the process alive. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Finds the `reconcile-pgid=` line at the head of stderr, passes everything else through. */
export class PgidScanner {
  pgid: number | undefined;
  /** The node's boot id when the command started; null when it could not be read. */
  boot: string | null = null;
  #head: Buffer = Buffer.alloc(0);
  #searching = true;
  readonly #waiters: (() => void)[] = [];
  constructor(readonly sink: { push(chunk: Buffer): void }) {}

  push(chunk: Buffer): void {
    if (!this.#searching) return this.sink.push(chunk);
    this.#head = Buffer.concat([this.#head, chunk]);
    const match = PGID_LINE.exec(this.#head.toString("latin1"));
    if (match !== null) {
      // latin1 maps bytes 1:1 to characters, so string offsets are byte offsets.
      const start = match.index + (match[1] ?? "").length;
      this.pgid = Number(match[2]);
      this.boot = match[3] ?? null;
      this.sink.push(this.#head.subarray(0, start));
      this.sink.push(this.#head.subarray(match.index + match[0].length));
      this.#done();
    } else if (this.#head.length > MARKER_SEARCH_BYTES) {
      this.flush();
    }
  }

  flush(): void {
    if (!this.#searching) return;
    this.sink.push(this.#head);
    this.#done();
  }

  /** Resolves with the pgid once reported, or undefined if the channel closes or time runs out first. */
  waitForPgid(closed: Promise<void>, ms: number): Promise<number | undefined> {
    if (!this.#searching) return Promise.resolve(this.pgid);
    const reported = new Promise<void>((resolve) => this.#waiters.push(resolve));
    return Promise.race([reported, closed, delay(ms)]).then(() => this.pgid);
  }

  #done(): void {
    this.#searching = false;
    this.#head = Buffer.alloc(0);
    for (const wake of this.#waiters.splice(0)) wake();
  }
}
