/**
 * A real-protocol SSH server for transport tests: ssh2's Server on 127.0.0.1, a random port,
 * public-key authentication, commands run for real with `sh -c` (so process groups and kills are
 * real), direct-tcpip tunnels, SFTP. Like OpenSSH it allows at most 10 sessions per connection,
 * so a transport that opens more fails here as it would on a node.
 *
 * `sudo` is simulated: a command line starting with `exec sudo -n -- ` either runs without the
 * prefix ("nopasswd") or fails the way `sudo -n` does when it needs a password.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, ftruncateSync, openSync, writeSync } from "node:fs";
import { connect as tcpConnect, type AddressInfo, type Socket } from "node:net";
import ssh2 from "ssh2";
import type { Connection, ParsedKey } from "ssh2";
import { fingerprintOf, type HostKey } from "../../src/executors/known-hosts.js";
import type { ResolvedNode, ResolvedSsh } from "../../src/spec/resolved.js";

const { Server, utils } = ssh2;

export interface KeyPair {
  private: string;
  public: string;
}

/**
 * Key pairs are made once per test file: ed25519 is fast, ECDSA P-256 nearly so. ssh2 1.17 makes
 * an ed25519 key its own parser calls malformed about once in 300 times, so a key is made again
 * until it parses (a passphrase-protected one cannot be checked without it, and is not).
 */
export function keyPair(type: "ed25519" | "ecdsa" = "ed25519", passphrase?: string): KeyPair {
  for (let attempt = 0; ; attempt++) {
    const pair =
      type === "ecdsa"
        ? utils.generateKeyPairSync("ecdsa", { bits: 256 })
        : passphrase !== undefined
          ? utils.generateKeyPairSync("ed25519", { passphrase, cipher: "aes256-ctr", rounds: 4 })
          : utils.generateKeyPairSync("ed25519");
    if (passphrase !== undefined || attempt === 20 || !(utils.parseKey(pair.private) instanceof Error)) return pair;
  }
}

/** The {@link HostKey} of a public key in OpenSSH format (`ssh-ed25519 AAAA...`). */
export function hostKeyOf(publicKey: string): HostKey {
  return fingerprintOf(parse(publicKey).getPublicSSH());
}

export interface FakeSshdOptions {
  hostKeys: KeyPair[];
  user: string;
  /** Public keys (OpenSSH format) allowed to log in as `user`. */
  authorizedKeys: string[];
  sudo?: "nopasswd" | "password";
  /** Default 10, OpenSSH's MaxSessions. */
  maxSessions?: number;
  /**
   * "silent" (default): SFTP sessions are accepted and no request is ever answered. "real": OPEN,
   * WRITE, FSETSTAT (size) and CLOSE work on local files, like OpenSSH's sftp-server.
   */
  sftp?: "silent" | "real";
  /**
   * Sends everything a command's channel gets, from the exec request's confirmation to the
   * channel's close (output, exit status, EOF), in ONE write on the socket, as a node does for a
   * fast command when it all fits in one TCP segment: the client then parses it all in one read.
   * For the commands (as received, wrapper included) this returns true for; one such command at a
   * time per connection, and it must not wait for its stdin (the client sends it only once it has
   * the confirmation). What each write held is in {@link FakeSshd.coalesced}.
   */
  coalesce?: (commandLine: string) => boolean;
}

/** One coalesced write: the SSH messages it held, in order, and its size on the wire. */
export interface CoalescedWrite {
  messages: string[];
  bytes: number;
}

export class FakeSshd {
  port = 0;
  /** Connections accepted since start. */
  connections = 0;
  /** Most session channels open at once on one connection. */
  maxOpenSessions = 0;
  /** Every command line received, as sent by the client. */
  readonly commands: string[] = [];
  /** Bytes written through SFTP ("real" mode). */
  sftpWritten = 0;
  /** The writes made in "coalesce" mode, one per command. */
  readonly coalesced: CoalescedWrite[] = [];
  /**
   * Called before each SFTP write is carried out ("real" mode): return a status code to refuse it,
   * or "hang" to never answer it (a stuck disk).
   */
  beforeSftpWrite: ((offset: number, length: number) => number | "hang" | "close" | undefined) | undefined;
  /** Each SFTP write is answered this long after the one before it, in order, as a slow disk would. */
  sftpWriteDelayMs = 0;
  readonly #options: FakeSshdOptions;
  readonly #server: InstanceType<typeof Server>;
  readonly #clients = new Set<Connection>();
  readonly #children = new Set<ChildProcess>();

  private constructor(options: FakeSshdOptions) {
    this.#options = options;
    const allowed = options.authorizedKeys.map(parse);
    this.#server = new Server({ hostKeys: options.hostKeys.map((k) => k.private) }, (client) => this.#onClient(client, allowed));
  }

  /** Listens on `port` (default: a free one). */
  static async start(options: FakeSshdOptions, port = 0): Promise<FakeSshd> {
    const sshd = new FakeSshd(options);
    await new Promise<void>((resolve) => sshd.#server.listen(port, "127.0.0.1", resolve));
    sshd.port = (sshd.#server.address() as AddressInfo).port;
    return sshd;
  }

  /** Cuts every connection, as a rebooting node would. */
  dropConnections(): void {
    for (const client of this.#clients) client.end();
  }

  async stop(): Promise<void> {
    for (const child of this.#children) {
      // Leave nothing running: the session's group (the command's own group is the transport's job).
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
    this.dropConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #onClient(client: Connection, allowed: ParsedKey[]): void {
    this.connections++;
    this.#clients.add(client);
    let openSessions = 0;
    const holder = this.#options.coalesce === undefined ? undefined : new HeldWrites(client, (write) => this.coalesced.push(write));
    client.on("error", () => {});
    client.on("close", () => this.#clients.delete(client));
    client.on("authentication", (ctx) => {
      if (ctx.method !== "publickey" || ctx.username !== this.#options.user) return ctx.reject(["publickey"]);
      const key = allowed.find((k) => k.getPublicSSH().equals(ctx.key.data));
      if (key === undefined) return ctx.reject(["publickey"]);
      if (ctx.signature !== undefined && ctx.blob !== undefined && !key.verify(ctx.blob, ctx.signature, ctx.hashAlgo)) return ctx.reject(["publickey"]);
      ctx.accept();
    });
    client.on("ready", () => {
      client.on("session", (accept, reject) => {
        if (openSessions >= (this.#options.maxSessions ?? 10)) return reject();
        openSessions++;
        this.maxOpenSessions = Math.max(this.maxOpenSessions, openSessions);
        const session = accept();
        session.once("close", () => openSessions--);
        session.on("exec", (acceptExec, _reject, info) => {
          // Held from before the confirmation of the exec request (sent by acceptExec) on.
          if (this.#options.coalesce?.(info.command) === true) holder?.hold();
          this.#exec(acceptExec(), info.command);
        });
        session.on("sftp", (acceptSftp) => {
          const sftp = acceptSftp();
          if (this.#options.sftp === "real") this.#serveFiles(sftp);
        });
      });
      client.on("tcpip", (accept, reject, info) => {
        const socket = tcpConnect(info.destPort, info.destIP);
        socket.once("error", () => reject());
        socket.once("connect", () => {
          const channel = accept();
          channel.pipe(socket).pipe(channel);
        });
      });
    });
  }

  /** The few SFTP requests an upload makes, on local files. */
  #serveFiles(sftp: ssh2.SFTPWrapper): void {
    const { STATUS_CODE } = utils.sftp;
    const fds = new Map<string, number>();
    let next = 0;
    const fail = (reqid: number, error: unknown) => sftp.status(reqid, (error as NodeJS.ErrnoException).code === "ENOENT" ? STATUS_CODE.NO_SUCH_FILE : STATUS_CODE.FAILURE);
    sftp.on("OPEN", (reqid, filename, flags) => {
      try {
        const fd = openSync(filename, utils.sftp.flagsToString(flags) ?? "r");
        const handle = Buffer.from(String(next++));
        fds.set(handle.toString(), fd);
        sftp.handle(reqid, handle);
      } catch (error) {
        fail(reqid, error);
      }
    });
    let queue = Promise.resolve();
    sftp.on("WRITE", (reqid, handle, offset, data) => {
      const refused = this.beforeSftpWrite?.(offset, data.length);
      if (refused === "hang") return;
      if (refused === "close") return void sftp.end();
      if (refused !== undefined) return sftp.status(reqid, refused);
      const write = () => {
        try {
          writeSync(fds.get(handle.toString()) ?? -1, data, 0, data.length, offset);
          this.sftpWritten += data.length;
          sftp.status(reqid, STATUS_CODE.OK);
        } catch (error) {
          fail(reqid, error);
        }
      };
      if (this.sftpWriteDelayMs === 0) return write();
      queue = queue.then(() => new Promise<void>((resolve) => setTimeout(() => (write(), resolve()), this.sftpWriteDelayMs)));
    });
    sftp.on("FSETSTAT", (reqid, handle, attrs) => {
      try {
        if (attrs.size !== undefined) ftruncateSync(fds.get(handle.toString()) ?? -1, attrs.size);
        sftp.status(reqid, STATUS_CODE.OK);
      } catch (error) {
        fail(reqid, error);
      }
    });
    sftp.on("CLOSE", (reqid, handle) => {
      const fd = fds.get(handle.toString());
      fds.delete(handle.toString());
      if (fd !== undefined) closeSync(fd);
      sftp.status(reqid, STATUS_CODE.OK);
    });
    sftp.on("close", () => {
      for (const fd of fds.values()) closeSync(fd);
      fds.clear();
    });
  }

  #exec(stream: ssh2.ServerChannel, commandLine: string): void {
    this.commands.push(commandLine);
    let command = commandLine;
    const sudo = "exec sudo -n -- ";
    if (command.startsWith(sudo)) {
      if (this.#options.sudo !== "nopasswd") {
        stream.stderr.write("sudo: a password is required\n");
        stream.exit(1);
        stream.end();
        return;
      }
      command = `exec ${command.slice(sudo.length)}`;
    }
    // detached: the shell leads its own session, as the one sshd starts does, so `setsid -w` in the
    // transport's wrapper has to fork and wait exactly as on a node.
    const child = spawn("sh", ["-c", command], { stdio: "pipe", detached: true });
    this.#children.add(child);
    child.stdin.on("error", () => {});
    stream.on("error", () => {});
    stream.pipe(child.stdin);
    child.stdout.pipe(stream, { end: false });
    child.stderr.pipe(stream.stderr, { end: false });
    child.on("close", (code, signal) => {
      this.#children.delete(child);
      if (code !== null) stream.exit(code);
      else stream.exit(signal ?? "KILL", false, "");
      stream.end();
    });
  }
}

/** The SSH messages a server sends on a command's channel, by the names of ssh2's Protocol methods that send them. */
const CHANNEL_MESSAGES = { channelSuccess: "CHANNEL_SUCCESS", channelData: "CHANNEL_DATA", channelExtData: "CHANNEL_EXTENDED_DATA", exitStatus: "exit-status", exitSignal: "exit-signal", channelEOF: "CHANNEL_EOF", channelClose: "CHANNEL_CLOSE" } as const;

/**
 * Holds a server connection's socket writes (whole SSH packets, already encrypted) from
 * {@link hold} until the server has sent a CHANNEL_CLOSE, then writes them in one `socket.write`.
 * Reaches below ssh2's Server API: the connection's socket (`_sock`) and protocol (`_protocol`),
 * whose methods each write one packet, synchronously.
 */
class HeldWrites {
  /** What is held; `channel` is the client's id of the held command's channel, once confirmed. */
  #held: { chunks: Buffer[]; messages: string[]; channel?: number } | undefined;

  constructor(connection: Connection, onFlush: (write: CoalescedWrite) => void) {
    const internals = connection as unknown as { _sock: Socket; _protocol: Record<string, (channel: number, ...rest: unknown[]) => unknown> };
    const socket = internals._sock;
    const write = socket.write.bind(socket) as (data: Buffer) => boolean;
    socket.write = ((data: Buffer | string) => {
      if (this.#held === undefined) return write(Buffer.from(data));
      this.#held.chunks.push(Buffer.from(data));
      return true;
    }) as Socket["write"];
    const protocol = internals._protocol;
    for (const [method, message] of Object.entries(CHANNEL_MESSAGES)) {
      const send = protocol[method]!.bind(protocol);
      protocol[method] = (channel: number, ...rest: unknown[]) => {
        const held = this.#held;
        // The first message held is the confirmation of the held command's exec request.
        if (held !== undefined) held.channel ??= channel;
        // Other channels' packets sent meanwhile are held too, but only this channel's are listed.
        if (held !== undefined && held.channel === channel) held.messages.push(message);
        const result = send(channel, ...rest);
        if (held !== undefined && method === "channelClose" && held.channel === channel) {
          const data = Buffer.concat(held.chunks);
          this.#held = undefined;
          onFlush({ messages: held.messages, bytes: data.length });
          write(data);
        }
        return result;
      };
    }
  }

  hold(): void {
    this.#held ??= { chunks: [], messages: [] };
  }
}

/** A resolved node for `sshd`, with fast timeouts; override any SSH setting. */
export function nodeFor(port: number, ssh: Partial<ResolvedSsh> & Pick<ResolvedSsh, "knownHostsFile">, extra: Partial<Omit<ResolvedNode, "ssh">> = {}): ResolvedNode {
  return {
    name: "n1",
    address: "127.0.0.1",
    root: "/opt/reconcile",
    server: false,
    workerPools: [],
    ...extra,
    ssh: {
      user: "deploy",
      port,
      identityFile: null,
      connectTimeoutMs: 3_000,
      commandTimeoutMs: 10_000,
      keepaliveIntervalMs: 5_000,
      progressTimeoutMs: 5_000,
      become: "none",
      ...ssh,
    },
  };
}

function parse(key: string): ParsedKey {
  const parsed = utils.parseKey(key);
  if (parsed instanceof Error) throw parsed;
  return Array.isArray(parsed) ? (parsed[0] as ParsedKey) : parsed;
}
