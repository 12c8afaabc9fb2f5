/**
 * `reconcile watch --on-drift CMD` / `--on-failure CMD`: a command of the user's that gets the
 * JSON report on stdin, to post it to a chat or ticket system inside the air gap. The command is a
 * shell line on purpose (the user writes `curl -d @- http://chat.lan/hook`), run by `/bin/sh -c`,
 * bounded, in a process group of its own (local-process.ts) so a timeout stops its children too.
 * A hook that fails is reported by the caller; it never stops the watch.
 */
import { ReconcileError } from "../errors.js";
import { SpawnFailure, runLocalProcess } from "./local-process.js";

export interface HookResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** Default bound of one hook run. */
export const HOOK_TIMEOUT_MS = 60_000;

/** The hook could not be started at all (no /bin/sh, a bad working folder). */
export class HookError extends ReconcileError {}

/**
 * runs `/bin/sh -c command` with `payload` as JSON on stdin (and a trailing newline), bounded by
 * timeoutMs (default 60_000: killed with SIGTERM then SIGKILL, whole process group), output
 * captured (capped at 64 KiB each)
 *
 * Resolves with how the command ended, a non-zero exit or a timeout included (the caller reports
 * it); rejects with {@link HookError} when it cannot start, and with the signal's reason when
 * `signal` aborts (after the command's group is stopped).
 *
 * @example
 * const r = await runHook("curl -fsS -d @- http://chat.lan/hooks/reconcile", report, { env });
 * if (r.exitCode !== 0) log.warn({ stderr: r.stderr }, "the drift hook failed");
 */
export async function runHook(
  command: string,
  payload: unknown,
  options: { timeoutMs?: number; signal?: AbortSignal; env?: Readonly<Record<string, string | undefined>>; cwd?: string } = {},
): Promise<HookResult> {
  try {
    const r = await runLocalProcess("/bin/sh", ["-c", command], {
      stdin: `${JSON.stringify(payload)}\n`,
      timeoutMs: options.timeoutMs ?? HOOK_TIMEOUT_MS,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.env === undefined ? {} : { env: options.env }),
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    return { exitCode: r.exitCode, signal: r.signal, timedOut: r.timedOut, stdout: r.stdout, stderr: r.stderr, durationMs: r.durationMs };
  } catch (error) {
    if (!(error instanceof SpawnFailure)) throw error; // the cancellation's reason, as it came
    throw new HookError(`cannot run the hook ${JSON.stringify(command)}: ${error.code === "ENOENT" && options.cwd !== undefined ? `no folder ${options.cwd} or no /bin/sh` : (error.code ?? error.message)}`, { cause: error });
  }
}

/** How a hook ended, in a few words for a log line or an event: `exited with 3`, `timed out after 60 s`. */
export function describeHookResult(r: HookResult): string {
  if (r.timedOut) return `did not finish in time and was stopped (after ${(r.durationMs / 1000).toFixed(1)} s)`;
  if (r.exitCode === null) return `was killed (${r.signal ?? "signal"})`;
  return r.exitCode === 0 ? "succeeded" : `exited with ${r.exitCode}`;
}
