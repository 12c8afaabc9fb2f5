/**
 * One local program run to its end, bounded: the controller's own commands (the git CLI of
 * `watch --git`, the `--on-drift`/`--on-failure` hooks). The program runs in a process group of its
 * own, so a timeout or a cancellation stops everything it started (a hook's `sh -c` and its
 * children), TERM first and KILL after the same grace that remote groups get
 * (process-group.ts {@link KILL_GRACE_MS}). Output is captured up to a cap, never streamed.
 */
import { spawn } from "node:child_process";
import { CappedBuffer } from "./capped-buffer.js";
import { KILL_GRACE_MS } from "./process-group.js";

/** How much of each of stdout and stderr is kept. */
export const OUTPUT_CAP_BYTES = 64 * 1024;
/**
 * How long the output may stay open once the program has exited: a child it left in the background
 * (`cmd &`) can hold the pipes; the run is over when the program is, not when its last orphan is.
 */
const DRAIN_MS = 1_000;

export interface LocalProcessOptions {
  /** Written to stdin, then stdin is closed; absent: stdin is closed at once (empty). */
  stdin?: string;
  /** After this long the group is stopped and the result says `timedOut`. */
  timeoutMs: number;
  /** Aborted: the group is stopped and the run rejects with the signal's reason. */
  signal?: AbortSignal;
  /** The whole environment (absent: this process's). */
  env?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
}

export interface LocalProcessResult {
  /** Null when a signal ended it. */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** The first {@link OUTPUT_CAP_BYTES} of each, as UTF-8. */
  stdout: string;
  stderr: string;
  /** Whether either output was longer than the cap. */
  truncated: boolean;
  durationMs: number;
}

/** The program could not be started at all (not found, not executable, a bad cwd). */
export class SpawnFailure extends Error {
  constructor(
    readonly file: string,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = "SpawnFailure";
  }
}

/** Signals the group led by `pid`; a group already gone is not an error. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: nothing left in the group.
  }
}

/**
 * Runs `file` with `args` (no shell: each argument is passed as is) to its end. Resolves with how
 * it ended, a non-zero exit included; rejects with {@link SpawnFailure} when it cannot start, and
 * with `signal.reason` once a cancelled run's group is stopped.
 *
 * @example
 * const r = await runLocalProcess("git", ["--version"], { timeoutMs: 10_000 });
 * if (r.exitCode !== 0) throw new Error(r.stderr);
 */
export function runLocalProcess(file: string, args: readonly string[], options: LocalProcessOptions): Promise<LocalProcessResult> {
  const started = performance.now();
  const { signal } = options;
  if (signal?.aborted === true) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      detached: true, // its own process group: what a timeout or a cancellation stops
      stdio: ["pipe", "pipe", "pipe"],
      ...(options.env === undefined ? {} : { env: options.env as NodeJS.ProcessEnv }),
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    const stdout = new CappedBuffer(OUTPUT_CAP_BYTES);
    const stderr = new CappedBuffer(OUTPUT_CAP_BYTES);
    child.stdout.on("data", (c: Buffer) => stdout.push(c));
    child.stderr.on("data", (c: Buffer) => stderr.push(c));
    let timedOut = false;
    let cancelled = false;
    let killTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (child.pid === undefined || killTimer !== undefined) return;
      signalGroup(child.pid, "SIGTERM");
      const pid = child.pid;
      // Not cleared when the program ends: members of its group that outlive it get the KILL too.
      killTimer = setTimeout(() => signalGroup(pid, "SIGKILL"), KILL_GRACE_MS).unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs);
    const onAbort = () => {
      cancelled = true;
      stop();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const cleanup = () => {
      clearTimeout(timer);
      clearTimeout(drainTimer);
      signal?.removeEventListener("abort", onAbort);
    };
    // A command that does not read its input closes the pipe early (EPIPE): not a failure of the run.
    child.stdin.on("error", () => {});
    child.stdin.end(options.stdin ?? "");
    child.on("error", (error: NodeJS.ErrnoException) => {
      cleanup();
      reject(new SpawnFailure(file, error.code, `cannot run ${file}: ${error.code ?? error.message}`));
    });
    child.on("exit", () => {
      drainTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, DRAIN_MS);
    });
    child.on("close", (exitCode, exitSignal) => {
      cleanup();
      if (cancelled) return reject(signal?.reason);
      resolve({
        exitCode,
        signal: exitSignal,
        timedOut,
        stdout: stdout.text(),
        stderr: stderr.text(),
        truncated: stdout.truncated || stderr.truncated,
        durationMs: Math.round(performance.now() - started),
      });
    });
  });
}
