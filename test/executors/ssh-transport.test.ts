/**
 * The SSH transport against a real-protocol server (test/executors/fake-sshd.ts) on 127.0.0.1:
 * host key checks, authentication, error categories, exec, cancellation that really kills,
 * channel queueing, tunnels.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectError, RemoteCommandError } from "../../src/errors.js";
import { formatKnownHostsLine } from "../../src/executors/known-hosts.js";
import { Connections } from "../../src/executors/connections.js";
import { mapConnectError } from "../../src/executors/ssh-errors.js";
import { connectNode, MAX_SESSION_CHANNELS, scanHostKey, type SshTransport } from "../../src/executors/ssh-transport.js";
import type { ResolvedNode, ResolvedSsh } from "../../src/spec/resolved.js";
import { FakeSshd, hostKeyOf, keyPair, nodeFor } from "./fake-sshd.js";

const dir = mkdtempSync(join(tmpdir(), "reconcile-ssh-"));
const hostEd25519 = keyPair("ed25519");
const hostEcdsa = keyPair("ecdsa");
const clientKey = keyPair("ed25519");
const strangerKey = keyPair("ed25519");
const identityFile = writeKey("id_ed25519", clientKey.private);
let sshd: FakeSshd;
let knownHostsFile: string;

function writeKey(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

/** The test node: the fake server's port, the client key, a known_hosts that knows the server. */
function node(ssh: Partial<ResolvedSsh> = {}, extra: Partial<Omit<ResolvedNode, "ssh">> = {}): ResolvedNode {
  return nodeFor(sshd.port, { identityFile, knownHostsFile, ...ssh }, extra);
}

function knownHosts(name: string, lines: string[]): string {
  return writeKey(name, lines.join("\n") + "\n");
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

/** Live (non-zombie) processes in process group `pgid`. */
function liveInGroup(pgid: number): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .flatMap((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return Number(fields[2]) === pgid && fields[0] !== "Z" ? [Number(pid)] : [];
      } catch {
        return [];
      }
    });
}

function pgidOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
}

async function until(check: () => boolean, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  sshd = await FakeSshd.start({ hostKeys: [hostEd25519, hostEcdsa], user: "deploy", authorizedKeys: [clientKey.public], sudo: "nopasswd" });
  knownHostsFile = knownHosts("known_hosts", [formatKnownHostsLine("127.0.0.1", sshd.port, hostKeyOf(hostEd25519.public))]);
});

afterAll(async () => {
  await sshd.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("host key verification", () => {
  it("refuses an unknown host, showing its fingerprint and how to trust it", async () => {
    const error = await failure(connectNode(node({ knownHostsFile: join(dir, "missing_known_hosts") })));
    expect(error).toBeInstanceOf(ConnectError);
    const e = error as ConnectError;
    expect(e.category).toBe("host-key-unknown");
    expect(e.message).toContain(hostKeyOf(hostEd25519.public).fingerprint);
    expect(e.message).toContain("does not exist yet");
    expect(e.hint).toBe("run `reconcile trust` to record it (it shows the fingerprint first)");
  });

  it("refuses a changed key, naming the known_hosts line that holds the old one", async () => {
    const file = knownHosts("changed", ["# cluster nodes", formatKnownHostsLine("127.0.0.1", sshd.port, hostKeyOf(strangerKey.public))]);
    const error = (await failure(connectNode(node({ knownHostsFile: file })))) as ConnectError;
    expect(error.category).toBe("host-key-changed");
    expect(error.message).toContain(`${file}:2`);
    expect(error.message).toContain(hostKeyOf(hostEd25519.public).fingerprint);
    expect(error.hint).toContain(`reconcile trust n1 --replace n1\` (it takes this node out of line 2 of ${file})`);
    expect(error.hint).toContain("reconcile trust");
    expect(sshd.commands).toEqual([]);
  });

  it("asks for the key type known_hosts has, so a host known by its ECDSA key is accepted", async () => {
    const file = knownHosts("ecdsa-only", [formatKnownHostsLine("127.0.0.1", sshd.port, hostKeyOf(hostEcdsa.public))]);
    const transport = await connectNode(node({ knownHostsFile: file }));
    expect((await transport.exec("echo ok")).stdout).toBe("ok\n");
    await transport.close();
  });

  it("refuses a revoked key even when another line records it", async () => {
    const key = hostKeyOf(hostEd25519.public);
    const file = knownHosts("revoked", [formatKnownHostsLine("127.0.0.1", sshd.port, key), `@revoked * ${key.type} ${key.base64}`]);
    const error = (await failure(connectNode(node({ knownHostsFile: file })))) as ConnectError;
    expect(error.category).toBe("host-key-changed");
    expect(error.message).toContain(`${file}:2 marks @revoked`);
  });

  it("does not trust a key recorded for another port", async () => {
    const file = knownHosts("other-port", [formatKnownHostsLine("127.0.0.1", 22, hostKeyOf(hostEd25519.public))]);
    expect(((await failure(connectNode(node({ knownHostsFile: file })))) as ConnectError).category).toBe("host-key-unknown");
  });

  it("scanHostKey returns the key the node presents, without logging in", async () => {
    const before = sshd.connections;
    const key = await scanHostKey(node({ knownHostsFile: join(dir, "missing"), identityFile: null }));
    expect(key).toEqual(hostKeyOf(hostEd25519.public));
    expect(sshd.connections).toBe(before + 1);
  });

  it("scanHostKey asks for the key type known_hosts holds, as a connection would", async () => {
    const file = knownHosts("scan-ecdsa", [formatKnownHostsLine("127.0.0.1", sshd.port, hostKeyOf(hostEcdsa.public))]);
    expect(await scanHostKey(node({ knownHostsFile: file }))).toEqual(hostKeyOf(hostEcdsa.public));
  });
});

describe("authentication", () => {
  it("names user@address:port and the methods tried when the key is refused", async () => {
    const error = (await failure(connectNode(node({ identityFile: writeKey("stranger", strangerKey.private) }), { env: {} }))) as ConnectError;
    expect(error.category).toBe("auth");
    expect(error.message).toContain(`deploy@127.0.0.1:${sshd.port}`);
    expect(error.message).toContain(`key ${join(dir, "stranger")}`);
    expect(error.hint).toContain("authorized_keys");
  });

  it("explains a passphrase-protected key when there is no agent", async () => {
    const file = writeKey("encrypted", keyPair("ed25519", "secret").private);
    const error = (await failure(connectNode(node({ identityFile: file }), { env: {} }))) as ConnectError;
    expect(error.category).toBe("auth");
    expect(error.message).toContain("passphrase-protected");
    expect(error.hint).toContain("ssh-add");
  });

  it("says what to set when there is neither an identity file nor an agent", async () => {
    const error = (await failure(connectNode(node({ identityFile: null }), { env: {} }))) as ConnectError;
    expect(error.category).toBe("auth");
    expect(error.message).toContain("SSH_AUTH_SOCK");
  });

  // ssh-agent and ssh-add come with openssh-client, which the test bed needs anyway (.ci/run installs it).
  it("logs in with ssh-agent keys, skipping an encrypted identity file", async () => {
    const socket = join(dir, "agent.sock");
    const agent = spawn("ssh-agent", ["-D", "-a", socket], { stdio: "ignore" });
    try {
      await until(() => existsSync(socket), 10_000);
      execFileSync("ssh-add", [identityFile], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: "ignore" });
      const encrypted = writeKey("encrypted2", keyPair("ed25519", "secret").private);
      const transport = await connectNode(node({ identityFile: encrypted }), { env: { SSH_AUTH_SOCK: socket } });
      expect((await transport.exec("echo via agent")).stdout).toBe("via agent\n");
      await transport.close();
    } finally {
      agent.kill();
    }
  });
});

describe("connection failures", () => {
  it("maps a closed port to 'refused'", async () => {
    const port = await freePort();
    const error = (await failure(connectNode(nodeFor(port, { identityFile, knownHostsFile })))) as ConnectError;
    expect(error.category).toBe("refused");
    expect(error.message).toBe(`node n1: connection refused by 127.0.0.1:${port}`);
    expect(error.hint).toContain("sshd");
  });

  it("maps a server that never speaks to 'timeout' after connectTimeoutMs", async () => {
    // It reads (so it notices the client leaving) but never sends a byte.
    const silent = createServer((socket) => socket.resume());
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    try {
      const started = Date.now();
      const error = (await failure(connectNode(nodeFor((silent.address() as AddressInfo).port, { identityFile, knownHostsFile, connectTimeoutMs: 300 })))) as ConnectError;
      expect(error.category).toBe("timeout");
      expect(error.message).toContain("timed out: no SSH handshake within 0.3 s");
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await closeServer(silent);
    }
  });

  it("maps a server that hangs up at once to 'closed'", async () => {
    const rude = createServer((socket) => socket.destroy());
    await new Promise<void>((r) => rude.listen(0, "127.0.0.1", r));
    try {
      const error = (await failure(connectNode(nodeFor((rude.address() as AddressInfo).port, { identityFile, knownHostsFile })))) as ConnectError;
      expect(error).toBeInstanceOf(ConnectError);
      expect(["closed"]).toContain(error.category);
    } finally {
      await closeServer(rude);
    }
  });

  it("rejects connecting with the signal's reason when aborted", async () => {
    const controller = new AbortController();
    const pending = connectNode(node(), { signal: controller.signal });
    controller.abort(new Error("stop"));
    await expect(pending).rejects.toThrow("stop");
  });

  const n = nodeFor(22, { knownHostsFile: "/k", user: "ops", keepaliveIntervalMs: 5_000, connectTimeoutMs: 2_000 }, { address: "db1.lan" });
  it.each([
    [{ code: "ECONNREFUSED" }, "connect", "refused", "connection refused by db1.lan:22"],
    [{ code: "ETIMEDOUT" }, "connect", "timeout", "connecting to db1.lan:22 timed out"],
    [{ level: "client-timeout", message: "Timed out while waiting for handshake" }, "connect", "timeout", "connecting to db1.lan:22 timed out: no SSH handshake within 2 s"],
    [{ code: "ENOTFOUND" }, "connect", "dns", "cannot resolve db1.lan (ENOTFOUND)"],
    [{ code: "EAI_AGAIN" }, "connect", "dns", "cannot resolve db1.lan (EAI_AGAIN)"],
    [{ code: "EHOSTUNREACH" }, "connect", "unreachable", "no route to db1.lan:22 (EHOSTUNREACH)"],
    [{ code: "ENETUNREACH" }, "connect", "unreachable", "no route to db1.lan:22 (ENETUNREACH)"],
    [{ level: "client-authentication", message: "All configured authentication methods failed" }, "connect", "auth", "authentication failed for ops@db1.lan:22"],
    [{ level: "protocol", message: "Connection lost before handshake" }, "connect", "closed", "db1.lan:22 closed the connection before the SSH handshake"],
    [{ level: "handshake", message: "Handshake failed: no matching host key format" }, "connect", "protocol", "SSH handshake with db1.lan:22 failed: Handshake failed: no matching host key format"],
    [{ level: "client-timeout", message: "Keepalive timeout" }, "connected", "closed", "lost the connection to db1.lan:22: no answer to keepalives for 20 s"], // 5 s × (3 unanswered + the one that gives up)
    [{ code: "ECONNRESET" }, "connected", "closed", "lost the connection to db1.lan:22 (ECONNRESET)"],
    [{ level: "client-socket", message: "read EIO" }, "connected", "closed", "lost the connection to db1.lan:22: read EIO"],
  ] as const)("maps %o (%s) to %s", (raw, phase, category, message) => {
    const error = mapConnectError(n, Object.assign(new Error(String("message" in raw ? raw.message : raw.code)), raw), phase);
    expect(error.category).toBe(category);
    expect(error.message).toBe(`node n1: ${message}`);
    expect(error.hint).toBeTruthy();
    expect(error.message).not.toContain("    at ");
  });
});

describe("exec", () => {
  let transport: SshTransport;
  beforeAll(async () => {
    transport = await connectNode(node());
  });
  afterAll(async () => {
    await transport.close();
  });

  it("returns stdout, stderr and the exit code, with the process group marker stripped", async () => {
    const result = await transport.exec("echo out; echo err >&2; exit 3");
    expect(result).toMatchObject({ code: 3, signal: null, stdout: "out\n", stderr: "err\n", stdoutTruncated: false, stderrTruncated: false });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("runs the command with sh -c, quoting intact", async () => {
    const result = await transport.exec(`printf '%s|' "a b" 'it'"'"'s' $((1 + 2))`);
    expect(result.stdout).toBe("a b|it's|3|");
  });

  it("writes stdin and then EOF", async () => {
    expect((await transport.exec("cat", { stdin: "line 1\nline 2\n" })).stdout).toBe("line 1\nline 2\n");
    expect((await transport.exec("wc -c", { stdin: Buffer.alloc(3 * 1024 * 1024, 97) })).stdout.trim()).toBe(String(3 * 1024 * 1024));
    expect((await transport.exec("cat")).stdout).toBe("");
  });

  it("keeps the first maxOutputBytes of each stream and flags the cut", async () => {
    const result = await transport.exec("head -c 200000 /dev/zero | tr '\\0' a; echo small >&2", { maxOutputBytes: 1000 });
    expect(result.stdout).toBe("a".repeat(1000));
    expect(result.stdoutTruncated).toBe(true);
    expect(result).toMatchObject({ code: 0, stderr: "small\n", stderrTruncated: false });
  });

  it("reports a command killed by a signal as 128+N, as a shell does", async () => {
    expect((await transport.exec("kill -s KILL $$")).code).toBe(137);
  });

  async function startSleeper(pidFile: string, options: Parameters<SshTransport["exec"]>[1]) {
    // A shell with two children, one in the background: all of them must go.
    const pending = transport.exec(`echo $$ > ${pidFile}; sleep 30 & sleep 30; wait`, options);
    pending.catch(() => {});
    await until(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").endsWith("\n"));
    const pgid = pgidOf(Number(readFileSync(pidFile, "utf8")));
    await until(() => liveInGroup(pgid).length >= 3);
    return { pending, pgid };
  }

  it("on timeout kills the remote process group and rejects with reason 'timeout'", async () => {
    const { pending, pgid } = await startSleeper(join(dir, "timeout.pid"), { timeoutMs: 400 });
    const error = (await failure(pending)) as RemoteCommandError;
    expect(error).toBeInstanceOf(RemoteCommandError);
    expect(error.reason).toBe("timeout");
    expect(error.message).toContain("timed out after 0.4 s");
    expect(error.hint).toContain("commandTimeout");
    expect(liveInGroup(pgid)).toEqual([]);
  });

  it("on abort kills the remote process group and rejects with reason 'aborted'", async () => {
    const controller = new AbortController();
    const { pending, pgid } = await startSleeper(join(dir, "abort.pid"), { signal: controller.signal });
    const started = Date.now();
    controller.abort();
    const error = (await failure(pending)) as RemoteCommandError;
    expect(error.reason).toBe("aborted");
    expect(liveInGroup(pgid)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it("rejects at once when the signal is already aborted, running nothing", async () => {
    const before = sshd.commands.length;
    const error = (await failure(transport.exec("echo never", { signal: AbortSignal.abort() }))) as RemoteCommandError;
    expect(error.reason).toBe("aborted");
    expect(sshd.commands.length).toBe(before);
  });

  it(`queues commands beyond ${MAX_SESSION_CHANNELS} channels instead of exceeding MaxSessions`, async () => {
    const fresh = await connectNode(node());
    const before = sshd.maxOpenSessions;
    sshd.maxOpenSessions = 0;
    try {
      const started = Date.now();
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => fresh.exec(`sleep 0.2; echo ${i}`)));
      expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 20 }, (_, i) => `${i}\n`));
      expect(sshd.maxOpenSessions).toBe(MAX_SESSION_CHANNELS);
      expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    } finally {
      sshd.maxOpenSessions = Math.max(before, sshd.maxOpenSessions);
      await fresh.close();
    }
  });

  it("lets a queued command leave the queue when aborted", async () => {
    const fresh = await connectNode(node());
    try {
      const busy = Array.from({ length: MAX_SESSION_CHANNELS }, () => fresh.exec("sleep 0.3"));
      const controller = new AbortController();
      const queued = fresh.exec("echo late", { signal: controller.signal });
      controller.abort();
      expect(((await failure(queued)) as RemoteCommandError).message).toContain("waited for a free channel");
      await Promise.all(busy);
    } finally {
      await fresh.close();
    }
  });

  it("logs each command at debug level with its step, never its stdin", async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) });
    const logged = await connectNode(node(), { logger: pino({ level: "debug" }, sink) });
    await logged.exec("cat >/dev/null; exit 4\nsecond line", { stdin: "hunter2" });
    const timedOut = await failure(logged.exec("set -e\nsleep 5", { step: "install artifact:env", timeoutMs: 200 }));
    await logged.close();
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries.find((e) => e["msg"] === "exec")).toMatchObject({ level: 20, node: "n1", remoteCommand: "cat >/dev/null; exit 4", code: 4, msg: "exec" });
    // A step names what the command is for, in the log and in errors.
    expect(entries.find((e) => e["msg"] === "exec failed")).toMatchObject({ node: "n1", step: "install artifact:env", remoteCommand: "set -e" });
    expect((timedOut as RemoteCommandError).message).toContain("`install artifact:env` timed out");
    expect(lines.join("")).not.toContain("hunter2");
  });
});

describe("become", () => {
  it("runs through sudo -n when become is sudo and the user is not root", async () => {
    const transport = await connectNode(node({ become: "sudo" }));
    try {
      const before = sshd.commands.length;
      expect((await transport.exec("echo as root")).stdout).toBe("as root\n");
      expect((await transport.exec("echo as me", { become: false })).stdout).toBe("as me\n");
      const [sudo, plain] = sshd.commands.slice(before);
      expect(sudo).toMatch(/^exec sudo -n -- setsid -w sh -c /);
      expect(plain).toMatch(/^exec setsid -w sh -c /);
    } finally {
      await transport.close();
    }
  });

  it("fails fast with a NOPASSWD hint when sudo wants a password", async () => {
    const strict = await FakeSshd.start({ hostKeys: [hostEd25519], user: "deploy", authorizedKeys: [clientKey.public], sudo: "password" });
    const file = knownHosts("strict", [formatKnownHostsLine("127.0.0.1", strict.port, hostKeyOf(hostEd25519.public))]);
    const transport = await connectNode(nodeFor(strict.port, { identityFile, knownHostsFile: file, become: "sudo" }));
    try {
      const error = (await failure(transport.exec("apt-get update"))) as RemoteCommandError;
      expect(error).toBeInstanceOf(RemoteCommandError);
      expect(error.message).toBe("node n1: sudo -n refused to run `apt-get update` as root: sudo: a password is required");
      expect(error.hint).toContain("NOPASSWD");
    } finally {
      await transport.close();
      await strict.stop();
    }
  });
});

describe("tunnels, SFTP, connection loss", () => {
  it("forwards a channel to a TCP port on the node's loopback", async () => {
    const echo = createServer((socket) => socket.pipe(socket));
    await new Promise<void>((r) => echo.listen(0, "127.0.0.1", r));
    const transport = await connectNode(node());
    try {
      const stream = await transport.forward((echo.address() as AddressInfo).port);
      const reply = new Promise<string>((resolve) => stream.once("data", (d: Buffer) => resolve(d.toString())));
      stream.write("ping");
      expect(await reply).toBe("ping");
      stream.end();
    } finally {
      await transport.close();
      await closeServer(echo);
    }
  });

  it("rejects a tunnel the node cannot open with a ConnectError", async () => {
    const transport = await connectNode(node());
    try {
      expect(await failure(transport.forward(await freePort()))).toBeInstanceOf(ConnectError);
    } finally {
      await transport.close();
    }
  });

  it("opens the SFTP session once and reuses it", async () => {
    const transport = await connectNode(node());
    try {
      const first = await transport.files();
      expect(await transport.files()).toBe(first);
    } finally {
      await transport.close();
    }
  });

  it("rejects a running command with 'closed' when the connection drops", async () => {
    const separate = await FakeSshd.start({ hostKeys: [hostEd25519], user: "deploy", authorizedKeys: [clientKey.public] });
    const file = knownHosts("drop", [formatKnownHostsLine("127.0.0.1", separate.port, hostKeyOf(hostEd25519.public))]);
    const transport = await connectNode(nodeFor(separate.port, { identityFile, knownHostsFile: file }));
    try {
      const running = transport.exec("sleep 5");
      await until(() => separate.commands.length === 1);
      separate.dropConnections();
      const error = (await failure(running)) as ConnectError;
      expect(error).toBeInstanceOf(ConnectError);
      expect(error.category).toBe("closed");
      expect(transport.isOpen).toBe(false);
      expect(((await failure(transport.exec("true"))) as ConnectError).category).toBe("closed");
    } finally {
      await transport.close();
      await separate.stop();
    }
  });

  it("rejects commands after close()", async () => {
    const transport = await connectNode(node());
    await transport.close();
    expect(((await failure(transport.exec("true"))) as ConnectError).message).toContain("closed by reconcile");
  });
});

describe("Connections", () => {
  it("opens one connection per node and shares it", async () => {
    const connections = new Connections([node()]);
    const before = sshd.connections;
    const [a, b] = await Promise.all([connections.get("n1"), connections.get("n1")]);
    expect(a).toBe(b);
    await Promise.all([a.exec("true"), b.exec("true")]);
    expect(sshd.connections).toBe(before + 1);
    await connections.closeAll();
    expect(((await failure(a.exec("true"))) as ConnectError).category).toBe("closed");
  });

  it("remembers a failed connect, and rejects unknown node names", async () => {
    const connections = new Connections([node({ knownHostsFile: join(dir, "missing") })]);
    const first = await failure(connections.get("n1"));
    expect(await failure(connections.get("n1"))).toBe(first);
    await expect(connections.get("nope")).rejects.toThrow("no node named nope");
    await connections.closeAll();
  });

  it("warm() connects ahead of get(), once; a failure shows at get(), not as an unhandled rejection", async () => {
    const connections = new Connections([node()]);
    const before = sshd.connections;
    connections.warm(["n1", "n1", "not-a-node"]);
    await until(() => sshd.connections === before + 1);
    expect((await (await connections.get("n1")).exec("echo warm")).stdout).toBe("warm\n");
    expect(sshd.connections).toBe(before + 1);
    await connections.closeAll();

    const failing = new Connections([node({ knownHostsFile: join(dir, "missing") })]);
    failing.warm(["n1"]);
    await new Promise((r) => setTimeout(r, 50));
    expect(await failure(failing.get("n1"))).toBeInstanceOf(ConnectError);
    await failing.closeAll();
  });

  it("closeAll() does not wait for a warm connect that hangs (a node that never answers)", async () => {
    const silent: Server = createServer(() => undefined); // accepts, never says a word
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const connections = new Connections([nodeFor((silent.address() as AddressInfo).port, { identityFile, knownHostsFile, connectTimeoutMs: 20_000 })]);
      connections.warm(["n1"]);
      await new Promise((r) => setTimeout(r, 100));
      const started = performance.now();
      await connections.closeAll();
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      silent.close();
    }
  });

  it("replaces a connection that broke", async () => {
    const separate = await FakeSshd.start({ hostKeys: [hostEd25519], user: "deploy", authorizedKeys: [clientKey.public] });
    const file = knownHosts("reconnect", [formatKnownHostsLine("127.0.0.1", separate.port, hostKeyOf(hostEd25519.public))]);
    const connections = new Connections([nodeFor(separate.port, { identityFile, knownHostsFile: file })]);
    try {
      const first = await connections.get("n1");
      separate.dropConnections();
      await until(() => !(first as SshTransport).isOpen);
      const second = await connections.get("n1");
      expect(second).not.toBe(first);
      expect((await second.exec("echo again")).stdout).toBe("again\n");
    } finally {
      await connections.closeAll();
      await separate.stop();
    }
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await closeServer(server);
  return port;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
