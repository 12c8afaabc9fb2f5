/**
 * Error classes shared by every layer. Imports nothing.
 *
 * The CLI's error boundary routes on the class, never on message text: a {@link ReconcileError}
 * is expected and prints its message (and hint) with its exit code; anything else is a bug and
 * prints its stack with a request for a report.
 */

/** Exit codes, documented in the README. */
export const ExitCode = {
  ok: 0,
  /** Invalid input, failed run, unreachable node. */
  failure: 1,
  /** Changes pending (`plan --detailed-exitcode`, `pin --check`) or drift found. */
  changes: 2,
  /** `reconcile run --wait`: the flow run had not ended when --timeout passed (it goes on). */
  timedOut: 2,
  /** The command line itself is wrong (flags, names, plan files, no terminal for a question). */
  usage: 64,
  /** A bug in reconcile. */
  internal: 70,
  /** Interrupted by SIGINT/SIGTERM. */
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Base of every expected failure: one clean message, an optional hint, an exit code. */
export class ReconcileError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;
  constructor(message: string, options: { hint?: string; exitCode?: ExitCodeValue; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? ExitCode.failure;
    this.hint = options.hint;
  }
}

/** A position-carrying problem in a spec file. */
export interface Diagnostic {
  severity: "error" | "warning";
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  col: number;
  /** Dotted path into the document (`server.database.password`), or "" for the whole file. */
  path: string;
  message: string;
  hint?: string;
}

/**
 * `cluster.yaml:12:5 server.database: message (hint)`, the one format every spec problem uses;
 * warnings say `warning:` before the message.
 */
export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.file}:${d.line}:${d.col}`;
  const path = d.path === "" ? "" : ` ${d.path}:`;
  const hint = d.hint === undefined ? "" : ` (${d.hint})`;
  const severity = d.severity === "warning" ? "warning: " : "";
  return `${where}${path} ${severity}${d.message}${hint}`;
}

/** The spec is invalid; carries every problem found, not just the first. */
export class SpecError extends ReconcileError {
  readonly diagnostics: readonly Diagnostic[];
  constructor(diagnostics: readonly Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === "error");
    super(`${errors.length} error${errors.length === 1 ? "" : "s"} in ${errors[0]?.file ?? "spec"}`);
    this.diagnostics = diagnostics;
  }
}

/** A problem of the spec found past validation (with the flows' code at hand): where it is, as a path into cluster.yaml. */
export interface SpecProblem {
  /** `["flows", 0, "deployments", 1, "parameters", "x"]`. */
  path: readonly (string | number)[];
  message: string;
  hint?: string;
  /** Point at the key of the last path element (a name that should not be there) rather than its value. */
  target?: "key" | "value";
}

/**
 * The spec asks for something its inputs cannot give (a deployment parameter its flow does not
 * take). Carries paths, not positions: the layers that find such problems hold no YAML document,
 * so the CLI places them in `file` (spec/validate.ts `diagnosticsAtPaths`) and prints them as
 * `file:line:col path: message`.
 */
export class SpecPathError extends ReconcileError {
  readonly file: string;
  readonly problems: readonly SpecProblem[];
  constructor(file: string, problems: readonly SpecProblem[]) {
    const first = problems[0];
    super(`${problems.length} error${problems.length === 1 ? "" : "s"} in ${file}${first === undefined ? "" : `: ${first.message}`}`, first?.hint === undefined ? {} : { hint: first.hint });
    this.file = file;
    this.problems = problems;
  }
}

/** Wrong command-line usage (unknown flag, conflicting options). */
export class UsageError extends ReconcileError {
  constructor(message: string, hint?: string) {
    super(message, hint === undefined ? { exitCode: ExitCode.usage } : { hint, exitCode: ExitCode.usage });
  }
}

/**
 * A bug in reconcile that a check caught (a state the code should never reach): exit 70, and a
 * hint that asks for a report. Its message says what was wrong, with the node and the item.
 */
export class InternalError extends ReconcileError {
  constructor(message: string) {
    super(`bug: ${message}`, { exitCode: ExitCode.internal, hint: "this is a bug in reconcile; please report it with the output above" });
  }
}

/** A local file could not be read or written. */
export class FileError extends ReconcileError {}

/** Why a file operation failed, in a few words: the errno code (ENOENT, EACCES...) or the message. */
export function ioReason(error: unknown): string {
  return (error as { code?: string }).code ?? (error instanceof Error ? error.message : String(error));
}

/**
 * Why a node could not be reached or a remote command could not run. The CLI and the planner route
 * on `category`, never on the message; the message names the node and the hint says what to do.
 */
export type ConnectCategory =
  | "auth"
  | "host-key-unknown"
  | "host-key-changed"
  | "timeout"
  | "refused"
  | "dns"
  | "unreachable"
  | "closed"
  | "protocol";

/** A node could not be reached over SSH, or the connection broke. */
export class ConnectError extends ReconcileError {
  readonly node: string;
  readonly category: ConnectCategory;
  /**
   * For a connection that broke once it was up: what probably happened, in a few words (`the node
   * rebooted or the network went down`), for messages that name what was under way.
   */
  readonly why: string | undefined;
  constructor(node: string, category: ConnectCategory, message: string, options: { hint?: string; cause?: unknown; why?: string } = {}) {
    super(`node ${node}: ${message}`, options);
    this.node = node;
    this.category = category;
    this.why = options.why;
  }
}

/**
 * A remote command failed, timed out or was cancelled, or an upload stopped making progress.
 * "timeout" and "aborted": the command was stopped before it ended (a timeout is final: a command
 * that ran for its whole `commandTimeout` would only do so again). "stalled": the node answered
 * nothing for `progressTimeout` while an upload waited; worth another try, which resumes it.
 */
export type RemoteCommandFailure = "exit" | "timeout" | "aborted" | "stalled";

export class RemoteCommandError extends ReconcileError {
  readonly node: string;
  readonly reason: RemoteCommandFailure;
  constructor(node: string, reason: RemoteCommandFailure, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(`node ${node}: ${message}`, options);
    this.node = node;
    this.reason = reason;
  }
}

/**
 * What an SFTP status means (RFC 4254 filexfer draft, section 9.1). OpenSSH's sftp-server reports
 * most errors it has no code for (a full disk among them) as "failure".
 */
export type RemoteFileStatus = "eof" | "no-such-file" | "permission-denied" | "failure" | "bad-message" | "no-connection" | "connection-lost" | "unsupported" | "other";

/** The node refused a file operation (open, write, truncate, close). Route on `status`. */
export class RemoteFileError extends ReconcileError {
  readonly node: string;
  readonly status: RemoteFileStatus;
  constructor(node: string, status: RemoteFileStatus, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(`node ${node}: ${message}`, options);
    this.node = node;
    this.status = status;
  }
}
