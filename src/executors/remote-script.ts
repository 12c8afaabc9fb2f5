/**
 * The one way reconcile runs a script on a node: the script travels on the command's stdin to
 * `sh -s`, never on the command line, so no script (nor the file content or secrets embedded in
 * it) shows in the node's process list, and every script runs the same way whatever it holds
 * (quotes, newlines, its own here-documents).
 *
 * A script's own input (`stdin`: a file's content for `cat > "$t"`) cannot share the command's stdin
 * with the script, so it is embedded in the text the shell reads, as a base64 here-document fed to
 * the script's subshell ({@link shellBlock}). A script without input gets /dev/null: a command in
 * it that reads stdin must not eat the rest of the script, or wait for input.
 */
import { ReconcileError } from "../errors.js";
import type { Logger } from "../log.js";
import { explainRemoteFailure } from "./remote-failure.js";
import type { ExecResult, Transport } from "./transport.js";

/** The remote command of every script: the shell reads the script from its stdin. */
export const SCRIPT_COMMAND = "sh -s";

/** Lines of stderr starting with this are reconcile's own markers, not the node's words: left out of messages. */
export const MARKER_PREFIX = "@@reconcile-";

/**
 * `script` as one block of shell: run in a subshell whose stdin is `stdin` (bytes exact, from a
 * base64 here-document ended by `tag`) or /dev/null. The shell parses the whole block before it
 * runs any of it, so nothing in the script can read the script's own text. `tag` must not be
 * base64 (an `_` does it) and must differ between blocks nested in one text.
 *
 * @example
 * shellBlock('cat > "$t"', "A=1\n", "RECONCILE_STDIN")
 * // (\nbase64 -d | (\ncat > "$t"\n)\n) <<'RECONCILE_STDIN'\nQT0xCg==\nRECONCILE_STDIN
 */
export function shellBlock(script: string, stdin: string | Buffer | undefined, tag: string): string {
  if (stdin === undefined) return `(\n${script}\n) </dev/null`;
  const b64 = Buffer.from(stdin).toString("base64").replace(/.{1,76}/g, "$&\n");
  // The here-document feeds the outer subshell, which decodes it into the script's stdin.
  return `(\nbase64 -d | (\n${script}\n)\n) <<'${tag}'\n${b64}${tag}`;
}

/** What `sh -s` reads to run `script` with `stdin` as its input (see {@link shellBlock}). */
export function scriptInput(script: string, stdin?: string | Buffer): string {
  return `${shellBlock(script, stdin, "RECONCILE_STDIN")}\n`;
}

export interface ScriptOptions {
  /**
   * What the script does, in words (`take the apply lock`, `configure: file:/etc/prefect/worker.env`):
   * logged and named in errors.
   */
  step: string;
  script: string;
  /** The script's own input. Never logged (it may hold secrets); see {@link shellBlock}. */
  stdin?: string | Buffer;
  /** Cancels the script: its process group on the node is killed. */
  signal?: AbortSignal;
  /** Default the node's `ssh.commandTimeout`. */
  timeoutMs?: number;
  /** Receives one line per script: node, step, duration, exit code (never the script or its input). */
  log?: Logger;
  /** More fields for that line, read from the result (`failedStep` of a batch). */
  logFields?: (result: ExecResult) => Record<string, unknown>;
}

/**
 * Runs `script` on the node with `sh -s` and returns what it did. A non-zero exit is in `code`,
 * not thrown (see {@link runScriptOrThrow}); rejects as {@link Transport.exec} does (timeout,
 * cancellation, a lost connection, a command that could not start).
 *
 * @example
 * const r = await runScript(transport, { step: "take the apply lock", script: leaseSwapScript("", mine), timeoutMs: 30_000 });
 * if (r.code === 3) ...
 */
export async function runScript(transport: Transport, options: ScriptOptions): Promise<ExecResult> {
  const { step, log } = options;
  const started = performance.now();
  try {
    const r = await transport.exec(SCRIPT_COMMAND, {
      step,
      stdin: scriptInput(options.script, options.stdin),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    log?.info({ event: "remote", node: transport.node, step, durationMs: Math.round(r.durationMs), exitCode: r.code, ...(r.signal === null ? {} : { signal: r.signal }), ...options.logFields?.(r) }, "remote command");
    return r;
  } catch (error) {
    log?.info({ event: "remote", node: transport.node, step, durationMs: Math.round(performance.now() - started), error: error instanceof Error ? error.message : String(error) }, "remote command failed");
    throw error;
  }
}

/**
 * {@link runScript}, and a non-zero exit becomes the step's {@link StepError}: exit code, known
 * cause in words with its hint (a full disk, a read-only file system...), the tail of stderr.
 * `failedStep` names the step in the error when the output tells which part failed (a batch);
 * `refusal` turns the output of a step that refused before changing anything into its reason and hint.
 *
 * @example
 * await runScriptOrThrow(transport, { step: "rollback", script: rollbackScript(dir), signal, log });
 * // StepError: node n2: rollback failed: no space left on the node's disk: exit 1: cp: ...: No space left on device
 */
export async function runScriptOrThrow(
  transport: Transport,
  options: ScriptOptions & { failedStep?: (result: ExecResult) => string; refusal?: (result: ExecResult) => { reason: string; hint: string } | null },
): Promise<ExecResult> {
  const r = await runScript(transport, options);
  if (r.code === 0) return r;
  const step = options.failedStep?.(r) ?? options.step;
  const refused = options.refusal?.(r) ?? null;
  if (refused !== null) throw StepError.refused(transport.node, step, refused.reason, refused.hint);
  throw StepError.exited(transport.node, step, r.code, stderrTail(r.stderr));
}

/** The last three lines of stderr that say something, without reconcile's markers, joined by ` | `. */
export function stderrTail(stderr: string): string {
  return stderr
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith(MARKER_PREFIX))
    .slice(-3)
    .join(" | ");
}

/** A remote step failed: names the node, the step, the exit code and the tail of stderr. */
export class StepError extends ReconcileError {
  readonly node: string;
  readonly step: string;
  constructor(node: string, step: string, detail: string, hint?: string, options: { refused?: boolean } = {}) {
    super(options.refused === true ? `node ${node}: ${step}: ${detail}` : `node ${node}: ${step} failed: ${detail}`, hint === undefined ? {} : { hint });
    this.node = node;
    this.step = step;
  }

  /** A step that refused before changing anything, saying why: `node n1: install packages:pg: the set cannot install: ...`. */
  static refused(node: string, step: string, reason: string, hint: string): StepError {
    return new StepError(node, step, reason, hint, { refused: true });
  }

  /** A step whose command exited non-zero: the exit code, a known cause in words, the tail of stderr. */
  static exited(node: string, step: string, code: number | null, stderrTail: string): StepError {
    // Only the tail: a batch's stderr also holds harmless warnings of the steps that succeeded.
    const known = explainRemoteFailure(stderrTail);
    const cause = known === null ? "" : `${known.meaning}: `;
    return new StepError(node, step, `${cause}exit ${code}${stderrTail === "" ? "" : `: ${stderrTail}`}`, known?.hint);
  }
}
