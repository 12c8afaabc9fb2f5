/**
 * The transport boundary: how executors run commands on a node and reach its loopback. Only the
 * interface and pure helpers live here (no ssh2 at runtime), so the state machine and tests can
 * depend on it and provide a fake; ssh-transport.ts is the real implementation.
 */
import type { Duplex } from "node:stream";

/** Per-stream output cap when {@link ExecOptions.maxOutputBytes} is not given: 16 MiB. */
export const DEFAULT_MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

export interface ExecOptions {
  /**
   * Cancels the command: the remote process group is killed (not only the channel closed) and
   * the promise rejects with `RemoteCommandError` reason "aborted" once it is gone.
   */
  signal?: AbortSignal;
  /**
   * Default `node.ssh.commandTimeoutMs`; 0 or Infinity means no limit. Counted from the moment the
   * command starts, not while it waits for a free channel. On expiry the remote process group is
   * killed and the promise rejects with `RemoteCommandError` reason "timeout".
   */
  timeoutMs?: number;
  /**
   * What the command is for (`transfer prefect-env: verify`, `install artifact:prefect-env`): logged
   * with the command and its duration and exit code, and named in errors. Default: the command's
   * first line.
   */
  step?: string;
  /** Written to the command's stdin, then EOF. Never logged: it may carry secrets. */
  stdin?: string | Buffer;
  /**
   * Per stream, default {@link DEFAULT_MAX_OUTPUT_BYTES}. Beyond it the first bytes are kept, the
   * rest is read and dropped (so the command never blocks on a full pipe), and the stream's
   * truncated flag is set.
   */
  maxOutputBytes?: number;
  /**
   * Default true: when `node.ssh.become` is "sudo" and the SSH user is not root, run the command
   * as root through `sudo -n` (never prompts; a password requirement fails at once).
   */
  become?: boolean;
}

export interface ExecResult {
  /** Exit code, or null when the command died from a signal. */
  code: number | null;
  /** Signal name without "SIG" (`TERM`, `KILL`), or null. */
  signal: string | null;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** From the start of the remote command to its end (queueing for a channel excluded). */
  durationMs: number;
}

/** One open connection to one node; many commands and tunnels share it. */
export interface Transport {
  /** The node's name from cluster.yaml. */
  readonly node: string;
  /**
   * Runs `command` with `sh -c` on the node. Never rejects for a non-zero exit (that is in
   * `code`); rejects `RemoteCommandError` on timeout/abort, or (reason "exit") when the command
   * could not be started at all, such as `sudo -n` wanting a password; rejects `ConnectError`
   * when the connection breaks.
   */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /**
   * A duplex stream to host:port as seen from the node (default host 127.0.0.1), over the same
   * connection. When the connection breaks the stream is destroyed with the ConnectError.
   */
  forward(port: number, host?: string): Promise<Duplex>;
  /** File operations on the node as the SSH user (one SFTP session, opened once, reused). */
  files(): Promise<RemoteFiles>;
  /** Ends the connection; commands still running are left to the node (call after they settled). */
  close(): Promise<void>;
}

/** Quoting lives with the pure command builders; executors use the same one. */
export { shellQuote } from "../facts/shell.js";

/**
 * Files on a node, for uploads. Every call settles: it resolves, rejects `RemoteFileError` when the
 * node refuses it (with the SFTP status), `ConnectError` at once when the connection breaks (also
 * for calls already waiting for their answer), or `RemoteCommandError` reason "timeout" when the
 * node does not answer within the node's `ssh.progressTimeout`.
 */
export interface RemoteFiles {
  /** Opens `path` for writing: "w" creates or empties it, "r+" keeps what it holds. */
  open(path: string, flags: "w" | "r+"): Promise<RemoteHandle>;
  /** Writes `length` bytes of `buffer` from `offset` at `position`; the buffer may be reused at once. */
  write(handle: RemoteHandle, buffer: Buffer, offset: number, length: number, position: number): Promise<void>;
  /** Cuts (or extends) the open file to `size` bytes. */
  truncate(handle: RemoteHandle, size: number): Promise<void>;
  close(handle: RemoteHandle): Promise<void>;
}

/** An open file on the node (the SFTP handle); only meaningful to the {@link RemoteFiles} that opened it. */
export type RemoteHandle = Buffer;

/**
 * The node's current connection, by name: what the executors, the lease and gathering need, so
 * they do not depend on the SSH class (`Connections` in connections.ts is the real one; tests
 * hand out local transports).
 */
export interface NodeTransports {
  /** The node's connection, opened on first use; a connect that failed is remembered. */
  get(node: string): Promise<Transport>;
  /** Like `get`, but a connection that broke (or a connect that may pass) is opened anew: for a retry. */
  ensure(node: string): Promise<Transport>;
}

/** {@link NodeTransports} that a run owns: it may start handshakes early and closes them all at its end. */
export interface NodeConnections extends NodeTransports {
  /** Starts connecting to these nodes now; a failure shows when the node is asked for. */
  warm(nodes: readonly string[]): void;
  closeAll(): Promise<void>;
}
