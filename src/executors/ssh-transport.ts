/**
 * The SSH transport (ssh2): one verified, authenticated connection per node per run, carrying many
 * channels: commands, tunnels to the node's loopback, one SFTP session.
 *
 * Host keys are always checked against the cluster's known_hosts file, before authentication, and
 * an unknown or changed key refuses the connection; there is no switch to turn that off. Every
 * library or socket failure leaves this module as a {@link ConnectError} with a category and a
 * hint, or a {@link RemoteCommandError}; never as a raw ssh2 error.
 */
import { readFile } from "node:fs/promises";
import type { Duplex } from "node:stream";
import ssh2 from "ssh2";
import type { AnyAuthMethod, AuthenticationType, Client as SshClient, ClientChannel, NextAuthHandler, ParsedKey, ServerHostKeyAlgorithm, SFTPWrapper } from "ssh2";
import { ConnectError, RemoteCommandError, ioReason } from "../errors.js";
import { readTextIfExists } from "./local-files.js";
import type { Logger } from "../log.js";
import type { ResolvedNode } from "../spec/resolved.js";
import { fingerprintOf, judgeHostKey, lookupHost, parseKnownHosts, preferredHostKeyAlgorithms, type HostKey, type KnownHostsEntry } from "./known-hosts.js";
import { CappedBuffer } from "./capped-buffer.js";
import { KILL_TIMEOUT_MS, PGID_WAIT_MS, PgidScanner, delay, killCommand, settleCommand, wrapCommand, type Orphan } from "./process-group.js";
import { SftpFiles } from "./sftp-files.js";
import { KEEPALIVE_COUNT_MAX, authHint, firstLine, forwardError, lostDuring, mapConnectError, notStarted } from "./ssh-errors.js";
import { DEFAULT_MAX_OUTPUT_BYTES, shellQuote, type ExecOptions, type ExecResult, type RemoteFiles, type Transport } from "./transport.js";

const { Client, utils } = ssh2;

/**
 * Session channels (commands, SFTP) open at once on one connection. OpenSSH's default MaxSessions
 * is 10: 8 go to work, the rest are kept free so that killing a cancelled command never waits
 * behind the commands it competes with. Tunnels are not sessions and are not counted.
 */
export const MAX_SESSION_CHANNELS = 8;
const KILL_SESSION_CHANNELS = 2;
/** After a stop, how long to wait for the server to confirm the channel closed. */
const CHANNEL_CLOSE_WAIT_MS = 2_000;

/** Options of {@link connectNode} and {@link Connections}. */
export interface ConnectOptions {
  /** Abandons connecting; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Where `SSH_AUTH_SOCK` is read from; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Receives one debug line per command (never its stdin). */
  logger?: Logger;
}

/**
 * Opens the connection to `node`: known_hosts verification (strict), key authentication (identity
 * file, then ssh-agent), keepalives. Resolves once authenticated.
 *
 * Rejects with `ConnectError` ("host-key-unknown", "host-key-changed", "auth", "timeout",
 * "refused", "dns", "unreachable", "closed", "protocol"), `FileError` when known_hosts exists but
 * cannot be read, or `signal.reason` when aborted.
 *
 * @example
 * const transport = await connectNode(cluster.nodes[0], { logger });
 * const { code, stdout } = await transport.exec("dpkg-query -W -f '${Version}' prefect", { signal });
 */
export async function connectNode(node: ResolvedNode, options: ConnectOptions = {}): Promise<SshTransport> {
  const { signal } = options;
  signal?.throwIfAborted();
  const known = await readKnownHosts(node.ssh.knownHostsFile);
  const entries = lookupHost(known.entries, node.address, node.ssh.port);
  const auth = await planAuth(node, options.env ?? process.env);
  signal?.throwIfAborted();

  const client = new Client();
  return new Promise<SshTransport>((resolve, reject) => {
    let refusal: ConnectError | undefined;
    let settled = false;
    const onAbort = () => fail(signal?.reason);
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      client.destroy();
      reject(error);
    };
    client.on("error", (error: Error & { level?: string }) => {
      // An agent that cannot be reached is one failed method, not a failed connection.
      if (error.level === "agent") {
        auth.notes.push(`ssh-agent: ${error.message}`);
        return;
      }
      if (refusal !== undefined) fail(refusal);
      else if (error.level === "client-authentication") fail(auth.failure());
      else fail(mapConnectError(node, error, "connect"));
    });
    client.on("close", () => fail(refusal ?? mapConnectError(node, new Error("Connection lost before handshake"), "connect")));
    client.on("ready", () => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      resolve(new SshTransport(node, client, options.logger));
    });
    signal?.addEventListener("abort", onAbort, { once: true });

    client.connect({
      host: node.address,
      port: node.ssh.port,
      username: node.ssh.user,
      readyTimeout: node.ssh.connectTimeoutMs,
      keepaliveInterval: node.ssh.keepaliveIntervalMs,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
      algorithms: { serverHostKey: preferredHostKeyAlgorithms(entries.filter((e) => e.marker === null).map((e) => e.key)) as ServerHostKeyAlgorithm[] },
      hostVerifier: (blob: Buffer) => {
        refusal = checkHostKey(node, known, entries, blob);
        return refusal === undefined;
      },
      authHandler: auth.handler,
    });
  });
}

/**
 * The host key `node` presents, like `ssh-keyscan`: a handshake with no authentication that stops
 * as soon as the key is seen. For `reconcile trust`, which shows the fingerprint before recording it.
 *
 * The key types known_hosts already holds for the node are asked for first, exactly as
 * {@link connectNode} asks, so the key scanned is the key a connection would be checked with.
 */
export async function scanHostKey(node: ResolvedNode, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<HostKey> {
  const { signal } = options;
  signal?.throwIfAborted();
  const timeoutMs = options.timeoutMs ?? node.ssh.connectTimeoutMs;
  const known = await readKnownHosts(node.ssh.knownHostsFile);
  const preferred = preferredHostKeyAlgorithms(lookupHost(known.entries, node.address, node.ssh.port).filter((e) => e.marker === null).map((e) => e.key));
  return new Promise<HostKey>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const client = new Client();
    let offered: HostKey | undefined;
    let malformed: unknown;
    let settled = false;
    const onAbort = () => done(() => reject(signal?.reason));
    const done = (settle: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      client.destroy();
      settle();
    };
    const outcome = (error: unknown) => () => {
      if (offered !== undefined) resolve(offered);
      else if (malformed !== undefined) reject(new ConnectError(node.name, "protocol", `${node.address}:${node.ssh.port} sent a malformed host key`, { cause: malformed }));
      else reject(mapConnectError(node, error, "connect"));
    };
    client.on("error", (error) => done(outcome(error)));
    client.on("close", () => done(outcome(new Error("Connection lost before handshake"))));
    client.on("ready", () => done(() => reject(new ConnectError(node.name, "protocol", "the node accepted a login without verification", {}))));
    signal?.addEventListener("abort", onAbort, { once: true });
    client.connect({
      host: node.address,
      port: node.ssh.port,
      username: node.ssh.user,
      readyTimeout: timeoutMs,
      algorithms: { serverHostKey: preferred as ServerHostKeyAlgorithm[] },
      // Refusing here ends the handshake right after the key is seen: nothing is authenticated.
      hostVerifier: (blob: Buffer) => {
        try {
          offered = fingerprintOf(blob);
        } catch (error) {
          malformed = error;
        }
        return false;
      },
    });
  });
}

/**
 * One connection to one node, made by {@link connectNode}. Implements {@link Transport}: commands
 * share the connection, at most {@link MAX_SESSION_CHANNELS} at a time; the rest wait in order.
 */
export class SshTransport implements Transport {
  readonly node: string;
  readonly #spec: ResolvedNode;
  readonly #client: SshClient;
  readonly #logger: Logger | undefined;
  readonly #sessions = new Slots(MAX_SESSION_CHANNELS);
  readonly #killSessions = new Slots(KILL_SESSION_CHANNELS);
  readonly #onBreak = new Set<(error: ConnectError) => void>();
  readonly #closed: Promise<void>;
  #broken: ConnectError | undefined;
  /** Commands that were running when the connection broke (they may run on). */
  readonly #orphans: Orphan[] = [];
  #files: Promise<SftpFiles> | undefined;
  /** The session #files resolved to, once it did. */
  #filesSession: SftpFiles | undefined;

  /** Internal: use {@link connectNode}, which verifies and authenticates first. */
  constructor(node: ResolvedNode, client: SshClient, logger?: Logger) {
    this.node = node.name;
    this.#spec = node;
    this.#client = client;
    this.#logger = logger?.child({ node: node.name });
    this.#closed = new Promise((resolve) => client.once("close", () => resolve()));
    client.on("error", (error) => this.#break(mapConnectError(node, error, "connected"), true));
    // 'end' comes before 'close' when the node hangs up; from then on ssh2 throws "Not connected".
    client.on("end", () => this.#break(mapConnectError(node, new Error("the connection closed"), "connected"), true));
    client.on("close", () => this.#break(mapConnectError(node, new Error("the connection closed"), "connected"), true));
  }

  /** False once the connection broke or was closed; {@link Connections.get} then opens a new one. */
  get isOpen(): boolean {
    return this.#broken === undefined;
  }

  /** Commands that were running on the node when this connection broke. */
  get orphans(): readonly Orphan[] {
    return this.#orphans;
  }

  /**
   * Waits (on this, a new connection) for commands a lost connection left running to finish, up to
   * the command timeout, then stops what is left: a retried step must not run beside its first try
   * (two `tar -x` into one folder, two `dpkg`). Nothing to do when the node rebooted meanwhile.
   */
  async settleOrphans(orphans: readonly Orphan[]): Promise<void> {
    const waitMs = this.#spec.ssh.commandTimeoutMs;
    for (const o of orphans) {
      const started = performance.now();
      // The wrapper's own process group is what the script stops; run it bare, as the kill is.
      await this.#runQuiet(settleCommand(o.pgid, { become: o.become, waitMs, boot: o.boot }), waitMs + KILL_TIMEOUT_MS);
      this.#logger?.info({ event: "orphan", step: o.label, pgid: o.pgid, durationMs: Math.round(performance.now() - started) }, "waited for a command the lost connection left running");
    }
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const become = (options.become ?? true) && this.#spec.ssh.become === "sudo" && this.#spec.ssh.user !== "root";
    const label = options.step ?? firstLine(command);
    const step = options.step === undefined ? {} : { step: options.step };
    const { signal } = options;
    if (signal?.aborted) throw this.#cancelled(label, "before it started");
    this.#assertOpen();
    let release: () => void;
    try {
      release = await this.#sessions.acquire(signal);
    } catch {
      throw this.#cancelled(label, "while it waited for a free channel");
    }
    try {
      this.#assertOpen();
      const { done } = await this.#whileOpen(`\`${label}\``, this.#open(wrapCommand(command, { become }), (channel) => ({ done: this.#run(channel, label, become, options) })));
      const result = await done;
      this.#logger?.debug({ ...step, remoteCommand: firstLine(command), durationMs: result.durationMs, code: result.code, signal: result.signal }, "exec");
      return result;
    } catch (error) {
      this.#logger?.debug({ ...step, remoteCommand: firstLine(command), error: (error as Error).message }, "exec failed");
      throw error;
    } finally {
      release();
    }
  }

  async forward(port: number, host = "127.0.0.1"): Promise<Duplex> {
    this.#assertOpen();
    return this.#whileOpen(
      `a tunnel to ${host}:${port}`,
      new Promise<ClientChannel>((resolve, reject) => {
        this.#tryClient(reject, () =>
          this.#client.forwardOut("127.0.0.1", 0, host, port, (error, channel) => {
            if (error !== undefined && error !== null) return reject(this.#broken ?? forwardError(this.node, error as Error & { reason?: unknown }, host, port));
            // A tunnel outlives the call: when the connection breaks, whoever listens sees the error. (ssh2's
            // Channel.destroy() ignores an error argument, and an 'error' nobody listens to would crash.)
            // Attached here, not after an await: the node may close the tunnel in the same read.
            const onBreak = (broken: ConnectError) => {
              if (channel.listenerCount("error") > 0) channel.emit("error", lostDuring(this.node, `a tunnel to ${host}:${port}`, broken));
              channel.destroy();
            };
            this.#onBreak.add(onBreak);
            channel.once("close", () => this.#onBreak.delete(onBreak));
            resolve(channel);
          }),
        );
      }),
    );
  }

  files(): Promise<RemoteFiles> {
    if (this.#filesSession?.ended === true) {
      this.#files = undefined;
      this.#filesSession = undefined;
    }
    this.#files ??= this.#openSftp().then(
      (sftp) => (this.#filesSession = new SftpFiles(this.node, sftp, this.#spec.ssh.progressTimeoutMs, (what, error) => lostDuring(this.node, what, error))),
      (error: unknown) => {
        this.#files = undefined;
        throw error;
      },
    );
    return this.#files;
  }

  async close(): Promise<void> {
    if (this.#broken === undefined) {
      this.#break(new ConnectError(this.node, "closed", "the connection was closed by reconcile", { why: "reconcile closed the connection" }), false);
    }
    this.#client.end();
    const timer = setTimeout(() => this.#client.destroy(), CHANNEL_CLOSE_WAIT_MS);
    await this.#closed;
    clearTimeout(timer);
  }

  /**
   * The connection is gone: everything pending on it fails now with `error` (commands, file
   * operations, tunnels, callers waiting for a channel), not when a timeout or the library gets to
   * it. A broken connection's socket is destroyed, so the library also lets go of its channels.
   */
  #break(error: ConnectError, destroy: boolean): void {
    if (this.#broken !== undefined) return;
    this.#broken = error;
    this.#logger?.debug({ error: error.message }, "connection lost");
    for (const notify of [...this.#onBreak]) notify(error);
    this.#onBreak.clear();
    this.#filesSession?.fail(error);
    this.#sessions.releaseWaiters();
    this.#killSessions.releaseWaiters();
    if (destroy) this.#client.destroy();
  }

  /** `pending`, or the connection's error as soon as it breaks, whichever comes first. */
  #whileOpen<T>(what: string, pending: Promise<T>): Promise<T> {
    if (this.#broken !== undefined) {
      pending.catch(() => undefined);
      return Promise.reject(lostDuring(this.node, what, this.#broken));
    }
    return new Promise<T>((resolve, reject) => {
      const onBreak = (error: ConnectError) => reject(lostDuring(this.node, what, error));
      this.#onBreak.add(onBreak);
      pending.then(
        (value) => {
          this.#onBreak.delete(onBreak);
          resolve(value);
        },
        (error: unknown) => {
          this.#onBreak.delete(onBreak);
          reject(error);
        },
      );
    });
  }
  #assertOpen(): void {
    if (this.#broken !== undefined) throw this.#broken;
  }

  /**
   * Opens a command channel and hands it to `attach` inside ssh2's callback, in the same tick:
   * the node's confirmation, the command's output, its exit status and the channel's close can
   * come in one socket read, and ssh2 emits them all while parsing it, before any promise
   * continuation runs. Whatever listens to the channel must be attached by `attach`, never after
   * an await. (`attach` returns an object so that a promise it makes is not adopted.)
   */
  #open<T extends object>(remoteCommand: string, attach: (channel: ClientChannel) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#tryClient(reject, () =>
        this.#client.exec(remoteCommand, (error, channel) => {
          if (error !== undefined && error !== null) {
            return reject(this.#broken ?? new ConnectError(this.node, "protocol", `the node refused a command channel: ${error.message}`, { hint: "sshd's MaxSessions must be at least 10 (the default)", cause: error }));
          }
          resolve(attach(channel));
        }),
      );
    });
  }

  /**
   * Calls into ssh2, which throws at once ("Not connected") once the socket has ended: that is the
   * connection lost, not a bug, and is rejected as such.
   */
  #tryClient(reject: (error: unknown) => void, call: () => void): void {
    try {
      call();
    } catch (error) {
      const lost = mapConnectError(this.#spec, error, "connected");
      this.#break(lost, true);
      reject(this.#broken ?? lost);
    }
  }

  /**
   * Collects one command's output and exit; on abort or timeout kills its process group first.
   * Every listener is attached before this returns (see {@link #open}).
   */
  #run(channel: ClientChannel, label: string, become: boolean, options: ExecOptions): Promise<ExecResult> {
    const { signal, stdin } = options;
    const timeoutMs = options.timeoutMs ?? this.#spec.ssh.commandTimeoutMs;
    const maxBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    const started = performance.now();
    const stdout = new CappedBuffer(maxBytes);
    const stderr = new CappedBuffer(maxBytes);
    const marker = new PgidScanner(stderr);
    let exit: { code: number | null; signal: string | null } | undefined;
    let closed = false;
    const channelClosed = new Promise<void>((resolve) =>
      channel.once("close", () => {
        closed = true;
        resolve();
      }),
    );

    const result = new Promise<ExecResult>((resolve, reject) => {
      let state: "running" | "stopping" | "settled" = "running";
      let timer: NodeJS.Timeout | undefined;
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#onBreak.delete(onBreak);
      };
      const settle = (outcome: () => void) => {
        if (state === "settled") return;
        state = "settled";
        cleanup();
        outcome();
      };
      const onBreak = (error: ConnectError) => {
        if (state !== "running") return;
        // Without a terminal, a lost connection does not stop the command: it may still run.
        if (marker.pgid !== undefined) this.#orphans.push({ pgid: marker.pgid, boot: marker.boot, label, become });
        settle(() => reject(lostDuring(this.node, `\`${label}\``, error)));
      };

      const stop = async (reason: "timeout" | "aborted") => {
        if (state !== "running") return;
        state = "stopping";
        cleanup();
        let problem: string | undefined;
        const pgid = marker.pgid ?? (await marker.waitForPgid(channelClosed, PGID_WAIT_MS));
        if (pgid !== undefined) {
          try {
            await this.#runQuiet(killCommand(pgid, { become }), KILL_TIMEOUT_MS);
          } catch (error) {
            problem = error instanceof Error ? error.message : String(error);
          }
        }
        if (!closed) {
          channel.close();
          await Promise.race([channelClosed, delay(CHANNEL_CLOSE_WAIT_MS)]);
        }
        this.#logger?.debug({ remoteCommand: label, durationMs: Math.round(performance.now() - started), stopped: reason, pgid }, "exec stopped");
        state = "settled";
        const unstopped = problem === undefined ? "" : `; it may still run on the node (stopping it failed: ${problem})`;
        reject(
          reason === "timeout"
            ? new RemoteCommandError(this.node, "timeout", `\`${label}\` timed out after ${Math.round(timeoutMs / 100) / 10} s and was stopped${unstopped}`, { hint: "raise ssh.commandTimeout in cluster.yaml if it needs longer" })
            : new RemoteCommandError(this.node, "aborted", `\`${label}\` was cancelled and stopped${unstopped}`, {}),
        );
      };
      const onAbort = () => void stop("aborted");

      channel.on("data", (chunk: Buffer) => stdout.push(chunk));
      channel.stderr.on("data", (chunk: Buffer) => marker.push(chunk));
      // Write errors (the command exited without reading stdin) end in "close" like anything else.
      channel.on("error", () => {});
      channel.on("exit", (code: unknown, signalName: unknown) => {
        exit = typeof code === "number" ? { code, signal: null } : { code: null, signal: typeof signalName === "string" ? signalName.replace(/^SIG/, "") : null };
      });
      channel.once("close", () => {
        if (state !== "running") return;
        marker.flush();
        const durationMs = Math.round(performance.now() - started);
        settle(() => {
          if (exit === undefined) {
            reject(this.#broken !== undefined ? lostDuring(this.node, `\`${label}\``, this.#broken) : new ConnectError(this.node, "closed", `the channel of \`${label}\` closed without an exit status`, { hint: "check the node's sshd logs" }));
          } else if (marker.pgid === undefined && exit.code !== 0) {
            reject(notStarted(this.node, this.#spec.ssh.user, label, become, stderr.text()));
          } else {
            resolve({ ...exit, stdout: stdout.text(), stderr: stderr.text(), stdoutTruncated: stdout.truncated, stderrTruncated: stderr.truncated, durationMs });
          }
        });
      });

      this.#onBreak.add(onBreak);
      if (timeoutMs > 0 && Number.isFinite(timeoutMs)) timer = setTimeout(() => void stop("timeout"), timeoutMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      if (this.#broken !== undefined) {
        // Handed over after the connection broke: the socket is gone, nothing will come.
        onBreak(this.#broken);
        return;
      }
      if (stdin === undefined) channel.end();
      else channel.end(stdin);
      if (signal?.aborted) onAbort();
    });
    // The caller awaits it once the channel is handed over; if the connection broke meanwhile, the
    // caller got that error instead, and this one must not count as unhandled.
    result.catch(() => undefined);
    return result;
  }

  /** Runs a housekeeping command (the kill) on a reserved channel; rejects unless it exits 0 in time. */
  async #runQuiet(remoteCommand: string, timeoutMs: number): Promise<void> {
    this.#assertOpen();
    const release = await this.#killSessions.acquire();
    try {
      this.#assertOpen();
      const { done } = await this.#open(remoteCommand, (channel) => {
        const exited = new Promise<void>((resolve, reject) => {
          let code: unknown;
          const timer = setTimeout(() => {
            channel.close();
            reject(new Error(`no answer within ${timeoutMs / 1000} s`));
          }, timeoutMs);
          channel.resume();
          channel.stderr.resume();
          channel.on("error", () => {});
          channel.on("exit", (c: unknown) => (code = c));
          channel.once("close", () => {
            clearTimeout(timer);
            if (code === 0) resolve();
            else reject(this.#broken ?? new Error(`the kill command exited ${String(code)}`));
          });
          channel.end();
        });
        return { done: exited };
      });
      await done;
    } finally {
      release();
    }
  }
  #cancelled(label: string, when: string): RemoteCommandError {
    return new RemoteCommandError(this.node, "aborted", `\`${label}\` was cancelled ${when}`, {});
  }
  async #openSftp(): Promise<SFTPWrapper> {
    this.#assertOpen();
    const release = await this.#sessions.acquire();
    try {
      this.#assertOpen();
      return await this.#whileOpen(
        "the start of an SFTP session",
        new Promise<SFTPWrapper>((resolve, reject) => {
          this.#tryClient(reject, () =>
            this.#client.sftp((error, sftp) => {
              if (error !== undefined && error !== null) {
                return reject(this.#broken ?? new ConnectError(this.node, "protocol", `the node refused an SFTP session: ${error.message}`, { hint: "enable the sftp subsystem in the node's sshd_config", cause: error }));
              }
              // The session holds its channel until it ends; then the next call opens a new one.
              // Attached here, not after an await: the node may end the session in the same read.
              sftp.once("close", () => {
                release();
                // Only this session's own entry: an ended one may close after its successor was opened.
                if (this.#filesSession?.sftp === sftp) {
                  this.#files = undefined;
                  this.#filesSession = undefined;
                }
              });
              resolve(sftp);
            }),
          );
        }),
      );
    } catch (error) {
      release();
      throw error;
    }
  }
}

async function readKnownHosts(file: string): Promise<{ file: string; exists: boolean; entries: KnownHostsEntry[] }> {
  const text = await readTextIfExists(file);
  return { file, exists: text !== undefined, entries: text === undefined ? [] : parseKnownHosts(text, file) };
}

/** The host key verdict: undefined to accept, or why the connection is refused. */
function checkHostKey(node: ResolvedNode, known: { file: string; exists: boolean }, entries: readonly KnownHostsEntry[], blob: Buffer): ConnectError | undefined {
  const where = `${node.address}:${node.ssh.port}`;
  let offered: HostKey;
  try {
    offered = fingerprintOf(blob);
  } catch (error) {
    return new ConnectError(node.name, "protocol", `${where} sent a malformed host key`, { cause: error });
  }
  const verdict = judgeHostKey(entries, offered);
  if (verdict.status === "known") return undefined;
  if (verdict.status === "revoked") {
    const revoked = verdict.entries[0]!;
    return new ConnectError(node.name, "host-key-changed", `${where} offers ${offered.type} key ${offered.fingerprint}, which ${revoked.file}:${revoked.line} marks @revoked`, {
      hint: "a revoked key is never accepted: give the node a new host key (ssh-keygen -A after removing the old one), then run `reconcile trust`",
    });
  }
  if (verdict.status === "unknown") {
    const missing = known.exists ? `${known.file} has no key for it` : `${known.file} does not exist yet`;
    return new ConnectError(node.name, "host-key-unknown", `unknown host key: ${where} offers ${offered.type} key ${offered.fingerprint} and ${missing}`, {
      hint: "run `reconcile trust` to record it (it shows the fingerprint first)",
    });
  }
  const { stale } = verdict;
  const places = stale.map((e) => `${e.file}:${e.line}`).join(", ");
  const lines = stale.map((e) => e.line).join(", ");
  return new ConnectError(node.name, "host-key-changed", `HOST KEY CHANGED: ${where} now offers ${offered.type} key ${offered.fingerprint}, but ${places} records a different key`, {
    hint: `someone may be intercepting the connection; if the node was reinstalled or its keys rotated on purpose, confirm the new fingerprint on the node's console, then run \`reconcile trust ${node.name} --replace ${node.name}\` (it takes this node out of line${stale.length === 1 ? "" : "s"} ${lines} of ${stale[0]?.file ?? known.file})`,
  });
}

/** Authentication methods in the order tried (identity file, then agent) and the failure message. */
async function planAuth(node: ResolvedNode, env: NodeJS.ProcessEnv) {
  const { user, identityFile } = node.ssh;
  const where = `${user}@${node.address}:${node.ssh.port}`;
  const agentSocket = env.SSH_AUTH_SOCK === undefined || env.SSH_AUTH_SOCK === "" ? undefined : env.SSH_AUTH_SOCK;
  const methods: { method: AnyAuthMethod; label: string }[] = [];
  const notes: string[] = [];

  if (identityFile !== null) {
    const key = await readIdentity(node, identityFile, agentSocket !== undefined);
    if (key === "encrypted") notes.push(`${identityFile} is passphrase-protected, so only the agent's keys were tried`);
    else methods.push({ method: { type: "publickey", username: user, key }, label: `key ${identityFile}` });
  }
  if (agentSocket !== undefined) methods.push({ method: { type: "agent", username: user, agent: agentSocket }, label: "ssh-agent keys" });
  if (methods.length === 0) {
    throw new ConnectError(node.name, "auth", `no key to log in to ${where} with: ssh.identityFile is not set and SSH_AUTH_SOCK is empty`, {
      hint: "set ssh.identityFile in cluster.yaml, or start ssh-agent and `ssh-add` the key",
    });
  }

  const tried: string[] = [];
  let serverMethods: AuthenticationType[] | undefined;
  const queue = [...methods];
  const handler = (methodsLeft: AuthenticationType[] | null, _partial: boolean | null, next: NextAuthHandler): void => {
    if (methodsLeft !== null) serverMethods = methodsLeft;
    // Both of our methods are "publickey" on the wire; skip them if the server will not take it.
    const usable = serverMethods === undefined || serverMethods.includes("publickey");
    const entry = usable ? queue.shift() : undefined;
    if (entry === undefined) return (next as unknown as (m: false) => void)(false);
    tried.push(entry.label);
    next(entry.method);
  };
  const failure = () => {
    const accepts = serverMethods === undefined ? "" : `; the node accepts ${serverMethods.join(", ") || "nothing"}`;
    const extra = notes.length === 0 ? "" : ` (${notes.join("; ")})`;
    return new ConnectError(node.name, "auth", `authentication failed for ${where} (tried ${tried.join(", ") || "nothing"}${accepts})${extra}`, { hint: authHint(node) });
  };
  return { handler, failure, notes };
}

async function readIdentity(node: ResolvedNode, file: string, haveAgent: boolean): Promise<ParsedKey | "encrypted"> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (error) {
    throw new ConnectError(node.name, "auth", `cannot read the identity file ${file}: ${ioReason(error)}`, { hint: "check ssh.identityFile in cluster.yaml", cause: error });
  }
  const parsed = utils.parseKey(data);
  if (parsed instanceof Error) {
    if (/encrypted|passphrase/i.test(parsed.message)) {
      if (haveAgent) return "encrypted";
      throw new ConnectError(node.name, "auth", `the identity file ${file} is passphrase-protected and no ssh-agent is available (SSH_AUTH_SOCK is not set)`, {
        hint: `load it into an agent first: \`eval "$(ssh-agent)" && ssh-add ${shellQuote(file)}\`, then run reconcile from that shell`,
      });
    }
    throw new ConnectError(node.name, "auth", `cannot use the identity file ${file}: ${parsed.message}`, { hint: "ssh.identityFile must be a private key in OpenSSH or PEM format", cause: parsed });
  }
  const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey | undefined) : parsed;
  if (key === undefined || !key.isPrivateKey()) {
    throw new ConnectError(node.name, "auth", `the identity file ${file} holds no private key`, { hint: "point ssh.identityFile at the private key, not the .pub file" });
  }
  return key;
}

/** A counting semaphore with a FIFO queue; a waiter can leave the queue through its signal. */
class Slots {
  #free: number;
  readonly #waiters: { grant: () => void }[] = [];
  constructor(size: number) {
    this.#free = size;
  }

  acquire(signal?: AbortSignal): Promise<() => void> {
    return new Promise((resolve, reject) => {
      const release = once(() => {
        const next = this.#waiters.shift();
        if (next !== undefined) next.grant();
        else this.#free++;
      });
      if (this.#free > 0) {
        this.#free--;
        return resolve(release);
      }
      const onAbort = () => {
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
        reject(signal?.reason);
      };
      const waiter = {
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve(release);
        },
      };
      this.#waiters.push(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Lets every waiter through; used when the connection is gone so that they see it and fail. */
  releaseWaiters(): void {
    for (const waiter of this.#waiters.splice(0)) waiter.grant();
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
