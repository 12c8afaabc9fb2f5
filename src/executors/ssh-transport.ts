/**
 * The SSH transport (ssh2): one verified, authenticated connection per node per run, carrying many
 * channels: commands, tunnels to the node's loopback, one SFTP session.
 *
 * Host keys are always checked against the cluster's known_hosts file, before authentication, and
 * an unknown or changed key refuses the connection; there is no switch to turn that off. Every
 * library or socket failure leaves this module as a {@link ConnectError} with a category and a
 * hint, or a {@link RemoteCommandError}; never as a raw ssh2 error.
 */
import { setMaxListeners } from "node:events";
import { readFile } from "node:fs/promises";
import type { Duplex } from "node:stream";
import ssh2 from "ssh2";
import type { AnyAuthMethod, AuthenticationType, Client as SshClient, ClientChannel, NextAuthHandler, ParsedKey, ServerHostKeyAlgorithm, SFTPWrapper } from "ssh2";
import { ConnectError, RemoteCommandError, RemoteFileError, ioReason, type ConnectCategory, type RemoteFileStatus } from "../errors.js";
import { readTextIfExists } from "./local-files.js";
import type { Logger } from "../log.js";
import type { ResolvedNode } from "../spec/resolved.js";
import { fingerprintOf, judgeHostKey, lookupHost, parseKnownHosts, preferredHostKeyAlgorithms, type HostKey, type KnownHostsEntry } from "./known-hosts.js";
import { DEFAULT_MAX_OUTPUT_BYTES, shellQuote, type ExecOptions, type ExecResult, type RemoteFiles, type RemoteHandle, type Transport, type NodeConnections } from "./transport.js";

const { Client, utils } = ssh2;

/**
 * Session channels (commands, SFTP) open at once on one connection. OpenSSH's default MaxSessions
 * is 10: 8 go to work, the rest are kept free so that killing a cancelled command never waits
 * behind the commands it competes with. Tunnels are not sessions and are not counted.
 */
export const MAX_SESSION_CHANNELS = 8;
const KILL_SESSION_CHANNELS = 2;
/** Unanswered keepalives before the connection counts as lost. */
const KEEPALIVE_COUNT_MAX = 3;
/** How long a TERMed process group gets before KILL. */
const KILL_GRACE_MS = 2_000;
/** Upper bound on the kill command itself (it waits up to the grace, then KILLs). */
const KILL_TIMEOUT_MS = KILL_GRACE_MS + 5_000;
/** A command cancelled right after it started may not have reported its process group yet. */
const PGID_WAIT_MS = 5_000;
/** After a stop, how long to wait for the server to confirm the channel closed. */
const CHANNEL_CLOSE_WAIT_MS = 2_000;
/** The process group marker must come before any output; give up looking after this much stderr. */
const MARKER_SEARCH_BYTES = 64 * 1024;
const PGID_MARKER = "reconcile-pgid=";
/** `reconcile-pgid=<pgid> <boot id>` (the boot id tells a later connection whether the group may still run). */
const PGID_LINE = /(^|\n)reconcile-pgid=(\d+)(?: ([0-9a-f-]+))?\n/;
const BOOT_ID = "/proc/sys/kernel/random/boot_id";

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

/**
 * Maps a socket or ssh2 error to a {@link ConnectError} with a category and a hint. `phase` says
 * whether the connection was already up ("connected": any loss is "closed").
 */
export function mapConnectError(node: ResolvedNode, error: unknown, phase: "connect" | "connected"): ConnectError {
  const e = (typeof error === "object" && error !== null ? error : {}) as { code?: unknown; level?: unknown; message?: unknown };
  const code = typeof e.code === "string" ? e.code : "";
  const level = typeof e.level === "string" ? e.level : "";
  const message = typeof e.message === "string" ? e.message : String(error);
  const where = `${node.address}:${node.ssh.port}`;
  const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
  const make = (category: ConnectCategory, text: string, hint: string) =>
    new ConnectError(node.name, category, text, { hint, cause: error });

  if (message === "Keepalive timeout") {
    // ssh2 gives up when the (countMax+1)th keepalive is due unanswered.
    const silence = seconds(node.ssh.keepaliveIntervalMs * (KEEPALIVE_COUNT_MAX + 1));
    return new ConnectError(node.name, "closed", `lost the connection to ${where}: no answer to keepalives for ${silence}`, {
      hint: "check that the node is up and the network path to it is stable (ssh.keepaliveInterval sets how soon a silent node counts as lost)",
      cause: error,
      why: `no answer for ${silence}: the node is down or the network to it is cut`,
    });
  }
  const rebooted = "the node rebooted or the network went down";
  switch (code) {
    case "ECONNREFUSED":
      return make("refused", `connection refused by ${where}`, "check that sshd runs on the node and that ssh.port is right");
    case "ETIMEDOUT":
      return make("timeout", `connecting to ${where} timed out`, "check the address, that the node is up and that no firewall drops SSH");
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
    case "EAI_FAIL":
      return make("dns", `cannot resolve ${node.address} (${code})`, "check the node's address; on an air-gapped network use an IP address or an /etc/hosts entry on this machine");
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "EHOSTDOWN":
    case "ENETDOWN":
      return make("unreachable", `no route to ${where} (${code})`, "check that the node is up and that this machine has a route to its network");
    case "ECONNRESET":
    case "EPIPE":
      return phase === "connect"
        ? make("closed", `${where} reset the connection before SSH was set up`, "check the node's sshd logs (MaxStartups, tcp wrappers, fail2ban)")
        : new ConnectError(node.name, "closed", `lost the connection to ${where} (${code})`, { hint: "check that the node is up; it may have rebooted or sshd may have restarted", cause: error, why: rebooted });
  }
  if (level === "client-timeout") {
    return make("timeout", `connecting to ${where} timed out: no SSH handshake within ${seconds(node.ssh.connectTimeoutMs)}`, "check the address and that sshd answers on ssh.port; raise ssh.connectTimeout if the link is slow");
  }
  if (level === "client-authentication") {
    return make("auth", `authentication failed for ${node.ssh.user}@${where}`, authHint(node));
  }
  if (phase === "connected") {
    return new ConnectError(node.name, "closed", `lost the connection to ${where}: ${message}`, { hint: "check that the node is up; it may have rebooted or sshd may have restarted", cause: error, why: rebooted });
  }
  if (message === "Connection lost before handshake") {
    return make("closed", `${where} closed the connection before the SSH handshake`, "check that ssh.port is an SSH server, and the node's sshd logs (MaxStartups, tcp wrappers, fail2ban)");
  }
  if (level === "handshake" || level === "protocol") {
    return make("protocol", `SSH handshake with ${where} failed: ${message}`, "the node's sshd must offer an Ed25519, ECDSA or RSA-SHA2 host key and current ciphers (OpenSSH 7.4 or newer does)");
  }
  return make("protocol", `cannot connect to ${where}: ${message}`, "run with --log-file and report this if it persists");
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
            if (error !== undefined && error !== null) return reject(this.#broken ?? this.#forwardError(error as Error & { reason?: unknown }, host, port));
            // A tunnel outlives the call: when the connection breaks, whoever listens sees the error. (ssh2's
            // Channel.destroy() ignores an error argument, and an 'error' nobody listens to would crash.)
            // Attached here, not after an await: the node may close the tunnel in the same read.
            const onBreak = (broken: ConnectError) => {
              if (channel.listenerCount("error") > 0) channel.emit("error", this.#lostDuring(`a tunnel to ${host}:${port}`, broken));
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
      (sftp) => (this.#filesSession = new SftpFiles(this.node, sftp, this.#spec.ssh.progressTimeoutMs, (what, error) => this.#lostDuring(what, error))),
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
      return Promise.reject(this.#lostDuring(what, this.#broken));
    }
    return new Promise<T>((resolve, reject) => {
      const onBreak = (error: ConnectError) => reject(this.#lostDuring(what, error));
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

  /** `node n2: the connection was lost during <what> (the node rebooted or the network went down)`. */
  #lostDuring(what: string, error: ConnectError): ConnectError {
    const why = error.why ?? error.message;
    return new ConnectError(this.node, "closed", `the connection was lost during ${what} (${why})`, { ...(error.hint === undefined ? {} : { hint: error.hint }), cause: error, why });
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
        settle(() => reject(this.#lostDuring(`\`${label}\``, error)));
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
            reject(this.#broken !== undefined ? this.#lostDuring(`\`${label}\``, this.#broken) : new ConnectError(this.node, "closed", `the channel of \`${label}\` closed without an exit status`, { hint: "check the node's sshd logs" }));
          } else if (marker.pgid === undefined && exit.code !== 0) {
            reject(this.#notStarted(label, become, stderr.text()));
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

  #notStarted(label: string, become: boolean, stderr: string): RemoteCommandError {
    const detail = firstLine(stderr.trim()) || "no message";
    const user = this.#spec.ssh.user;
    if (become && /password|terminal is required|askpass/i.test(stderr)) {
      return new RemoteCommandError(this.node, "exit", `sudo -n refused to run \`${label}\` as root: ${detail}`, {
        hint: `let ${user} use sudo without a password (\`${user} ALL=(ALL) NOPASSWD: ALL\` in /etc/sudoers.d/reconcile on the node), or connect as root and set ssh.become: none`,
      });
    }
    return new RemoteCommandError(this.node, "exit", `could not start \`${label}\`: ${detail}`, {
      hint: `commands run through sh and setsid (util-linux)${become ? " under sudo" : ""}; check that they are installed on the node`,
    });
  }

  #cancelled(label: string, when: string): RemoteCommandError {
    return new RemoteCommandError(this.node, "aborted", `\`${label}\` was cancelled ${when}`, {});
  }

  #forwardError(error: Error & { reason?: unknown }, host: string, port: number): ConnectError {
    const target = `${host}:${port}`;
    // RFC 4254 5.1 reason codes: 1 administratively prohibited, 2 connect failed.
    if (error.reason === 1) {
      return new ConnectError(this.node, "protocol", `sshd refused to open a tunnel to ${target}`, { hint: "set AllowTcpForwarding yes (the default) in the node's sshd_config", cause: error });
    }
    if (error.reason === 2) {
      return new ConnectError(this.node, "refused", `nothing accepts connections at ${target} on the node`, { hint: "check that the service is running and listens there", cause: error });
    }
    return new ConnectError(this.node, "protocol", `cannot open a tunnel to ${target} on the node: ${error.message}`, { cause: error });
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

/** SFTP status codes (filexfer draft 02, the version OpenSSH speaks), by number. */
const SFTP_STATUS: Record<number, RemoteFileStatus> = { 1: "eof", 2: "no-such-file", 3: "permission-denied", 4: "failure", 5: "bad-message", 6: "no-connection", 7: "connection-lost", 8: "unsupported" };

/** What an SFTP status means, in words for an error message. */
const SFTP_MEANING: Record<RemoteFileStatus, string> = {
  eof: "end of file",
  "no-such-file": "no such file or folder",
  "permission-denied": "permission denied",
  // OpenSSH's sftp-server sends "failure" for every errno it has no code for: ENOSPC, EIO, EROFS, EDQUOT...
  failure: "the node's SFTP server reports a failure (a full disk, a read-only or failing file system)",
  "bad-message": "the node's SFTP server rejected the request as malformed",
  "no-connection": "no connection",
  "connection-lost": "the SFTP connection was lost",
  unsupported: "the node's SFTP server does not support it",
  other: "an unknown SFTP error",
};

/**
 * Maps an ssh2 SFTP error (a status from the server, or the session ending under a pending request)
 * to a {@link RemoteFileError} with its status, or a {@link ConnectError} when the session went away.
 */
export function mapSftpError(node: string, what: string, error: unknown): RemoteFileError | ConnectError {
  const e = (typeof error === "object" && error !== null ? error : {}) as { code?: unknown; message?: unknown };
  const message = typeof e.message === "string" ? e.message : String(error);
  if (typeof e.code !== "number") {
    // ssh2 fails every pending request with "No response from server" when the session's channel closes.
    return new ConnectError(node, "closed", `the SFTP session ended during ${what} (${message})`, { hint: "the node's sshd or sftp-server stopped the session; the next try opens a new one", cause: error, why: "the node closed the SFTP session" });
  }
  const status = SFTP_STATUS[e.code] ?? "other";
  const said = message === "" || message.toLowerCase() === SFTP_MEANING[status] ? "" : ` (the node says: ${message})`;
  const hint =
    status === "permission-denied"
      ? "the SSH user must be able to write there; with `ssh.become: sudo` reconcile hands the upload file to that user first, so check the folder's owner and mode on the node"
      : status === "failure"
        ? "check the free space (`df -h`) and the kernel log (`dmesg`) of the node"
        : undefined;
  return new RemoteFileError(node, status, `cannot ${what}: ${SFTP_MEANING[status]}${said}`, { ...(hint === undefined ? {} : { hint }), cause: error });
}

/**
 * {@link RemoteFiles} over one SFTP session. Each request settles: the node's answer; at once when
 * the connection breaks ({@link fail}, called by the transport) or the session closes; or, when the
 * session has answered nothing at all for `timeoutMs` while requests wait (the "no progress" bound:
 * a slow link that keeps acknowledging writes is progress, however long a queued request waits),
 * every pending request fails and the session is ended, so the next try starts clean instead of
 * queueing behind what the node never answered.
 */
class SftpFiles implements RemoteFiles {
  /** Why this session is over; later requests fail at once with it. */
  #ended: ReconcileErrorLike | undefined;
  /** Requests waiting for their answer: how to fail each, and what it was for (the oldest first). */
  readonly #pending = new Map<number, { what: string; fail: (error: Error) => void }>();
  #nextId = 0;
  /** When the session last answered anything. */
  #lastAnswer = performance.now();
  #watchdog: NodeJS.Timeout | undefined;

  constructor(
    readonly node: string,
    readonly sftp: SFTPWrapper,
    readonly timeoutMs: number,
    /** Wraps a connection error with what was under way. */
    readonly lostDuring: (what: string, error: ConnectError) => ConnectError,
  ) {
    sftp.once("close", () => this.#end(new ConnectError(node, "closed", "the node closed the SFTP session", { why: "the node closed the SFTP session" })));
  }

  open(path: string, flags: "w" | "r+"): Promise<RemoteHandle> {
    return this.#request(`open ${path}`, (cb) => this.sftp.open(path, flags, cb));
  }

  write(handle: RemoteHandle, buffer: Buffer, offset: number, length: number, position: number): Promise<void> {
    return this.#request(`write to the upload at ${position}`, (cb) => this.sftp.write(handle, buffer, offset, length, position, (error) => cb(error)));
  }

  truncate(handle: RemoteHandle, size: number): Promise<void> {
    return this.#request(`cut the upload to ${size} bytes`, (cb) => this.sftp.fsetstat(handle, { size }, (error) => cb(error)));
  }

  close(handle: RemoteHandle): Promise<void> {
    return this.#request("close the upload", (cb) => this.sftp.close(handle, (error) => cb(error)));
  }

  /** This session is done (it stalled, closed, or its connection broke): the transport opens another. */
  get ended(): boolean {
    return this.#ended !== undefined;
  }

  /** The connection broke: every pending request fails now, naming what it was for. */
  fail(error: ConnectError): void {
    this.#end(error);
  }

  #end(error: ReconcileErrorLike): void {
    this.#ended ??= error;
    clearInterval(this.#watchdog);
    this.#watchdog = undefined;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.fail(error instanceof ConnectError ? this.lostDuring(`the SFTP request to ${p.what}`, error) : error);
  }

  #request<T>(what: string, call: (cb: (error: Error | null | undefined, value?: T) => void) => void): Promise<T> {
    const ended = this.#ended;
    if (ended !== undefined) return Promise.reject(ended instanceof ConnectError ? this.lostDuring(`the SFTP request to ${what}`, ended) : ended);
    return new Promise<T>((resolve, reject) => {
      const id = this.#nextId++;
      if (this.#pending.size === 0) this.#lastAnswer = performance.now();
      this.#pending.set(id, { what, fail: reject });
      this.#arm();
      const answer = (error: Error | null | undefined, value?: T) => {
        if (!this.#pending.delete(id)) return; // already failed by the watchdog or a break
        this.#lastAnswer = performance.now();
        if (this.#pending.size === 0) {
          clearInterval(this.#watchdog);
          this.#watchdog = undefined;
        }
        if (error === undefined || error === null) resolve(value as T);
        else reject(mapSftpError(this.node, what, error));
      };
      try {
        call(answer);
      } catch (error) {
        // ssh2 throws at once when its socket has already ended ("Not connected").
        answer(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Checks a few times per bound whether the session went silent while requests wait. */
  #arm(): void {
    if (this.#watchdog !== undefined) return;
    this.#watchdog = setInterval(() => {
      if (this.#pending.size === 0 || performance.now() - this.#lastAnswer < this.timeoutMs) return;
      const oldest = this.#pending.values().next().value?.what ?? "a request";
      this.sftp.end();
      this.#end(
        new RemoteCommandError(this.node, "stalled", `no answer from the node for ${Math.round(this.timeoutMs / 100) / 10} s to the SFTP request to ${oldest}`, {
          hint: "the node or its disk is stuck, or the link is too slow; raise ssh.progressTimeout in cluster.yaml for slow links",
        }),
      );
    }, Math.max(10, Math.min(1_000, this.timeoutMs / 4)));
    this.#watchdog.unref();
  }
}

type ReconcileErrorLike = ConnectError | RemoteCommandError;

/**
 * The run's connections: at most one per node, opened on first use and shared by every step. A
 * failed connect is remembered (every step of that node sees the same error); a connection that
 * broke later is replaced on the next {@link get}.
 *
 * @example
 * const connections = new Connections(cluster.nodes, { logger });
 * try { const t = await connections.get("db1"); await t.exec("true"); } finally { await connections.closeAll(); }
 */
export class Connections implements NodeConnections {
  readonly #nodes: Map<string, ResolvedNode>;
  readonly #options: ConnectOptions;
  readonly #open = new Map<string, Promise<SshTransport>>();
  /** Aborted by closeAll, so a connect still under way (a warm one to a dead node) ends at once. */
  readonly #closing = new AbortController();

  constructor(nodes: readonly ResolvedNode[], options: ConnectOptions = {}) {
    this.#nodes = new Map(nodes.map((n) => [n.name, n]));
    const signal = options.signal === undefined ? this.#closing.signal : AbortSignal.any([options.signal, this.#closing.signal]);
    // One listener per node's connect: no "possible leak" warning for clusters of more than 10 nodes.
    setMaxListeners(0, signal);
    this.#options = { ...options, signal };
  }

  get(name: string): Promise<Transport> {
    const node = this.#nodes.get(name);
    if (node === undefined) return Promise.reject(new Error(`no node named ${name} in this run`));
    const cached = this.#open.get(name);
    if (cached !== undefined) {
      return cached.then((transport) => (transport.isOpen ? transport : this.#connect(node, cached)));
    }
    return this.#connect(node, undefined);
  }

  /**
   * Like {@link get}, but a connect that failed for a reason that may pass (the node refused,
   * timed out, was unreachable, or closed the connection: it may be rebooting) is tried again
   * instead of remembered: for a retry after the node came back. The host key is checked again.
   */
  ensure(name: string): Promise<Transport> {
    const node = this.#nodes.get(name);
    const cached = this.#open.get(name);
    if (node === undefined || cached === undefined) return this.get(name);
    return cached.then(
      (transport) => (transport.isOpen ? transport : this.#connect(node, cached)),
      (error: unknown) => {
        if (error instanceof ConnectError && RECONNECTABLE.has(error.category)) return this.#connect(node, cached);
        throw error;
      },
    );
  }

  /**
   * Starts connecting to these nodes now, so their handshakes overlap other work; a failure shows
   * when the node is asked for with {@link get}.
   */
  warm(names: readonly string[]): void {
    for (const name of names) {
      const node = this.#nodes.get(name);
      if (node !== undefined && !this.#open.has(name)) this.#connect(node, undefined).catch(() => undefined);
    }
  }

  async closeAll(): Promise<void> {
    this.#closing.abort(new ConnectError("(all)", "closed", "the connections were closed by reconcile"));
    const open = [...this.#open.values()];
    this.#open.clear();
    await Promise.allSettled(open.map(async (p) => (await p).close()));
  }

  #connect(node: ResolvedNode, replacing: Promise<SshTransport> | undefined): Promise<SshTransport> {
    const current = this.#open.get(node.name);
    // Two callers that both saw the broken connection share one reconnect.
    if (current !== undefined && current !== replacing) return current;
    const opening = connectNode(node, this.#options).then(async (fresh) => {
      // What the broken connection left running finishes (or is stopped) before anything runs again.
      const old = await replacing?.catch(() => undefined);
      if (old !== undefined && old.orphans.length > 0) {
        try {
          await fresh.settleOrphans(old.orphans);
        } catch (error) {
          await fresh.close();
          throw error;
        }
      }
      return fresh;
    });
    this.#open.set(node.name, opening);
    return opening;
  }
}

/** A command left running on a node by a connection that broke: its process group and the node's boot then. */
export interface Orphan {
  pgid: number;
  boot: string | null;
  label: string;
  become: boolean;
}

/** Connect failures that a later try may not meet (a node that reboots refuses, then answers). */
const RECONNECTABLE = new Set<ConnectCategory>(["closed", "timeout", "refused", "unreachable"]);

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

function authHint(node: ResolvedNode): string {
  return `check that the public key is in ~${node.ssh.user}/.ssh/authorized_keys on the node and that ssh.user is right`;
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

/** First line of a command or message, for logs and error messages. */
function firstLine(text: string): string {
  const line = text.split("\n", 1)[0] ?? "";
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Keeps the first `limit` bytes of a stream and drops the rest, remembering that it did. */
class CappedBuffer {
  readonly #chunks: Buffer[] = [];
  #size = 0;
  truncated = false;
  constructor(readonly limit: number) {}
  push(chunk: Buffer): void {
    const room = this.limit - this.#size;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.#chunks.push(kept);
    this.#size += kept.length;
  }
  text(): string {
    return Buffer.concat(this.#chunks).toString("utf8");
  }
}

/** Finds the `reconcile-pgid=` line at the head of stderr, passes everything else through. */
class PgidScanner {
  pgid: number | undefined;
  /** The node's boot id when the command started; null when it could not be read. */
  boot: string | null = null;
  #head: Buffer = Buffer.alloc(0);
  #searching = true;
  readonly #waiters: (() => void)[] = [];
  constructor(readonly sink: CappedBuffer) {}

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
