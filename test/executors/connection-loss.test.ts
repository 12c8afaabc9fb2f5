/**
 * A connection that breaks in the middle of work: every operation pending on it fails at once,
 * with a message that names the node, what was under way and what probably happened; nothing
 * waits for a timer that never fires. Real ssh2 on both ends (test/executors/fake-sshd.ts with a
 * working SFTP server), a TCP relay that can go silent (a cut network), and a node that comes back.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, connect as tcpConnect, type AddressInfo, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectError, RemoteCommandError } from "../../src/errors.js";
import { formatKnownHostsLine } from "../../src/executors/known-hosts.js";
import { Connections } from "../../src/executors/connections.js";
import { connectNode } from "../../src/executors/ssh-transport.js";
import { TransferError, transferArtifact } from "../../src/executors/transfer.js";
import type { TransferTarget } from "../../src/executors/transfer-protocol.js";
import type { ResolvedSsh } from "../../src/spec/resolved.js";
import { FakeSshd, hostKeyOf, keyPair, nodeFor } from "./fake-sshd.js";

const { STATUS_CODE } = ssh2.utils.sftp;
const dir = mkdtempSync(join(tmpdir(), "reconcile-loss-"));
const hostKey = keyPair("ed25519");
const clientKey = keyPair("ed25519");
const identityFile = join(dir, "id_ed25519");
writeFileSync(identityFile, clientKey.private, { mode: 0o600 });
let sshd: FakeSshd;

/** A relay between the client and the fake sshd that can stop passing bytes both ways (a network cut). */
class Relay {
  port = 0;
  cut = false;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  constructor(target: number) {
    this.#server = createServer((client) => {
      const upstream = tcpConnect(target, "127.0.0.1");
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.#sockets.add(from);
        from.on("error", () => undefined);
        from.on("data", (chunk: Buffer) => {
          if (!this.cut) to.write(chunk);
        });
        from.on("close", () => to.destroy());
      }
    });
  }
  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.port = (this.#server.address() as AddressInfo).port;
    return this;
  }
  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

function nodeAt(port: number, ssh: Partial<ResolvedSsh> = {}) {
  const knownHostsFile = join(dir, `known_hosts_${port}`);
  writeFileSync(knownHostsFile, `${formatKnownHostsLine("127.0.0.1", port, hostKeyOf(hostKey.public))}\n`);
  return nodeFor(port, { identityFile, knownHostsFile, ...ssh });
}

function artifact(size: number) {
  const work = mkdtempSync(join(dir, "art-"));
  const data = randomBytes(size);
  const localPath = join(work, "artifact.tar");
  writeFileSync(localPath, data);
  const sha256 = createHash("sha256").update(data).digest("hex");
  const root = join(work, "node root");
  const target: TransferTarget = { root, sha256, localPath, bytes: size, label: "prefect-env" };
  return { target, data, part: join(root, "store", ".incoming", `${sha256}.part`), final: join(root, "store", ".incoming", sha256) };
}

/** Settles within `ms`, or fails the test: the point of every case here is that nothing hangs. */
async function within<T>(ms: number, promise: Promise<T>): Promise<{ value?: T; error?: unknown; ms: number }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms)));
  try {
    const value = await Promise.race([promise, hang]);
    return { value, ms: performance.now() - started };
  } catch (error) {
    if (error instanceof Error && error.message.startsWith("still pending")) throw error;
    return { error, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

beforeAll(async () => {
  sshd = await FakeSshd.start({ hostKeys: [hostKey], user: "deploy", authorizedKeys: [clientKey.public], sftp: "real" });
});
afterAll(async () => {
  await sshd.stop();
});

const tuning = { chunkSize: 64 * 1024, concurrency: 8 };

describe("a connection lost during an upload", () => {
  it("fails the upload at once, naming the node, the artifact and how far it got; the .part stays and a new connection resumes it", async () => {
    const a = artifact(4 * 1024 * 1024);
    const transport = await connectNode(nodeAt(sshd.port));
    let dropped = false;
    sshd.beforeSftpWrite = (offset) => {
      if (!dropped && offset >= 1024 * 1024) {
        dropped = true;
        sshd.dropConnections();
        return "hang";
      }
      return undefined;
    };
    const r = await within(5_000, transferArtifact(transport, a.target, { tuning }));
    sshd.beforeSftpWrite = undefined;
    expect(r.error).toBeInstanceOf(ConnectError);
    const error = r.error as ConnectError;
    expect(error.category).toBe("closed");
    expect(error.message).toMatch(/^node n1: the connection was lost during the upload of prefect-env at [\d.]+ (KiB|MiB) of 4\.0 MiB \(.+\)$/);
    expect(r.ms).toBeLessThan(2_000);
    await transport.close();
    const kept = statSync(a.part).size;
    expect(kept).toBeGreaterThan(0);

    const again = await connectNode(nodeAt(sshd.port));
    try {
      const resumed = await transferArtifact(again, a.target, { tuning });
      expect(resumed.resumedFrom).toBe(kept);
      expect(resumed.skipped).toBe(false);
      expect(createHash("sha256").update(readFileSync(a.final)).digest("hex")).toBe(a.target.sha256);
    } finally {
      await again.close();
    }
  });

  it("a cut network (no reset, nothing answers) fails the upload once keepalives go unanswered", async () => {
    const relay = await new Relay(sshd.port).start();
    const a = artifact(4 * 1024 * 1024);
    const transport = await connectNode(nodeAt(relay.port, { keepaliveIntervalMs: 200, progressTimeoutMs: 60_000 }));
    try {
      sshd.beforeSftpWrite = (offset) => {
        if (offset >= 1024 * 1024) relay.cut = true;
        return undefined;
      };
      const r = await within(5_000, transferArtifact(transport, a.target, { tuning }));
      expect(r.error).toBeInstanceOf(ConnectError);
      expect((r.error as Error).message).toMatch(/the connection was lost during the upload of prefect-env at .* \(no answer for 0\.8 s: the node is down or the network to it is cut\)$/);
      // Four keepalive intervals, not the 60 s progress bound.
      expect(r.ms).toBeLessThan(3_000);
      expect(transport.isOpen).toBe(false);
    } finally {
      sshd.beforeSftpWrite = undefined;
      await transport.close();
      await relay.stop();
    }
  });

  it("a command and a tunnel pending on a connection that breaks fail at once with what was under way", async () => {
    const relay = await new Relay(sshd.port).start();
    const transport = await connectNode(nodeAt(relay.port));
    const echo = createServer((s) => s.pipe(s));
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
    try {
      const tunnel = await transport.forward((echo.address() as AddressInfo).port);
      const tunnelError = new Promise<unknown>((resolve) => tunnel.once("error", resolve));
      const running = transport.exec("sleep 30", { step: "install: artifact:prefect-env" });
      await new Promise((resolve) => setTimeout(resolve, 200));
      await relay.stop();
      const r = await within(3_000, running);
      expect(r.error).toBeInstanceOf(ConnectError);
      expect((r.error as Error).message).toMatch(/^node n1: the connection was lost during `install: artifact:prefect-env` \(the node rebooted or the network went down\)$/);
      const te = await within(1_000, tunnelError);
      expect((te.value as Error).message).toMatch(/the connection was lost during a tunnel to 127\.0\.0\.1:\d+/);
      const next = await within(1_000, transport.files());
      expect((next.error as ConnectError).category).toBe("closed");
    } finally {
      await transport.close();
      echo.close();
    }
  });
});

describe("an upload that makes no progress", () => {
  it("ends after ssh.progressTimeout without an acknowledged write, as a timeout (retryable), and the next try resumes", async () => {
    const a = artifact(2 * 1024 * 1024);
    const transport = await connectNode(nodeAt(sshd.port, { progressTimeoutMs: 400 }));
    try {
      sshd.beforeSftpWrite = (offset) => (offset >= 512 * 1024 ? "hang" : undefined);
      const r = await within(5_000, transferArtifact(transport, a.target, { tuning }));
      expect(r.error).toBeInstanceOf(RemoteCommandError);
      expect((r.error as RemoteCommandError).reason).toBe("stalled");
      expect((r.error as Error).message).toMatch(/^node n1: the upload of prefect-env made no progress at .*: no answer from the node for 0\.4 s/);
      expect(r.ms).toBeLessThan(2_500);
      sshd.beforeSftpWrite = undefined;
      const resumed = await transferArtifact(transport, a.target, { tuning });
      expect(resumed.resumedFrom).toBeGreaterThan(0);
      expect(existsSync(a.final)).toBe(true);
    } finally {
      sshd.beforeSftpWrite = undefined;
      await transport.close();
    }
  });

  it("a slow node that keeps acknowledging writes is progress, however long a queued write waits", async () => {
    const a = artifact(256 * 1024);
    // 16 KiB writes (ssh2 splits larger ones for this server, which announces no limits@openssh.com),
    // answered 150 ms apart; 8 outstanding, so each waits about 1.2 s: longer than the bound.
    const transport = await connectNode(nodeAt(sshd.port, { progressTimeoutMs: 700 }));
    sshd.sftpWriteDelayMs = 150;
    try {
      const r = await within(20_000, transferArtifact(transport, { ...a.target }, { tuning: { chunkSize: 16 * 1024, concurrency: 8 } }));
      expect(r.error).toBeUndefined();
      expect(existsSync(a.final)).toBe(true);
    } finally {
      sshd.sftpWriteDelayMs = 0;
      await transport.close();
    }
  });

  it("an SFTP session the node closes on its own fails the upload at once (retryable), and the next try opens a new session and resumes", async () => {
    const a = artifact(2 * 1024 * 1024);
    const transport = await connectNode(nodeAt(sshd.port));
    try {
      let closed = false;
      sshd.beforeSftpWrite = (offset) => {
        if (closed || offset < 512 * 1024) return undefined;
        closed = true;
        return "close";
      };
      const r = await within(3_000, transferArtifact(transport, a.target, { tuning }));
      expect(r.error).toBeInstanceOf(ConnectError);
      expect((r.error as Error).message).toMatch(/the connection was lost during the upload of prefect-env at .* \(the node closed the SFTP session\)$/);
      expect(r.ms).toBeLessThan(2_000);
      expect(transport.isOpen).toBe(true);
      const resumed = await within(5_000, transferArtifact(transport, a.target, { tuning }));
      expect((resumed.value as { resumedFrom: number }).resumedFrom).toBeGreaterThan(0);
      expect(existsSync(a.final)).toBe(true);
    } finally {
      sshd.beforeSftpWrite = undefined;
      await transport.close();
    }
  });

  it("a cancel while writes hang unanswered ends within a few seconds, not after the progress bound", async () => {
    const a = artifact(2 * 1024 * 1024);
    const transport = await connectNode(nodeAt(sshd.port, { progressTimeoutMs: 30_000 }));
    try {
      sshd.beforeSftpWrite = (offset) => (offset >= 256 * 1024 ? "hang" : undefined);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      const r = await within(10_000, transferArtifact(transport, a.target, { tuning, signal: controller.signal }));
      expect((r.error as RemoteCommandError).reason).toBe("aborted");
      // The drain wait for writes on the wire (5 s), and the cut of the .part capped the same way.
      expect(r.ms).toBeLessThan(8_000);
    } finally {
      sshd.beforeSftpWrite = undefined;
      await transport.close();
    }
  }, 15_000);

  it("an SFTP failure that is not a full disk says what the node answered", async () => {
    const a = artifact(1024 * 1024);
    const transport = await connectNode(nodeAt(sshd.port));
    try {
      sshd.beforeSftpWrite = (offset) => (offset >= 256 * 1024 ? STATUS_CODE.FAILURE : undefined);
      const r = await within(5_000, transferArtifact(transport, a.target, { tuning }));
      expect(r.error).toBeInstanceOf(TransferError);
      expect((r.error as TransferError).reason).toBe("failed");
      // This machine's disk has room: the failure is reported as the node said it, not as a full disk.
      expect((r.error as Error).message).toContain("the node's SFTP server reports a failure");
      expect((r.error as Error).message).not.toContain("bytes: 4");
    } finally {
      sshd.beforeSftpWrite = undefined;
      await transport.close();
    }
  });
});

describe("a command the lost connection left running", () => {
  it("is waited for before the node is used again, so a retried step never runs beside its first try", async () => {
    const work = mkdtempSync(join(dir, "orphan-"));
    const connections = new Connections([nodeAt(sshd.port)]);
    try {
      const first = await connections.get("n1");
      // Like `tar -x` of a big environment: still writing when the connection goes.
      const running = first.exec(`sleep 1.5; echo finished > '${work}/first-try'`, { step: "install: artifact:prefect-env" });
      await new Promise((resolve) => setTimeout(resolve, 400));
      sshd.dropConnections();
      expect(((await within(2_000, running)).error as ConnectError).category).toBe("closed");
      expect(existsSync(join(work, "first-try"))).toBe(false);
      const again = await within(10_000, connections.ensure("n1"));
      // The reconnect waited for the first try to end on its own: its work is complete.
      expect(readFileSync(join(work, "first-try"), "utf8")).toBe("finished\n");
      expect(again.ms).toBeGreaterThan(700);
      expect(((await (again.value as Awaited<ReturnType<Connections["get"]>>).exec("echo ok")).stdout)).toBe("ok\n");
    } finally {
      await connections.closeAll();
    }
  });

  it("one that outlives the command timeout is stopped", async () => {
    const work = mkdtempSync(join(dir, "orphan-"));
    const connections = new Connections([nodeAt(sshd.port, { commandTimeoutMs: 600 })]);
    try {
      const first = await connections.get("n1");
      const running = first.exec(`echo $$ > '${work}/pid'; sleep 30; echo finished > '${work}/first-try'`, { step: "install", timeoutMs: 60_000 });
      await new Promise((resolve) => setTimeout(resolve, 400));
      sshd.dropConnections();
      await within(2_000, running);
      const again = await within(10_000, connections.ensure("n1"));
      expect(again.error).toBeUndefined();
      const pid = Number(readFileSync(join(work, "pid"), "utf8"));
      // Gone, or a zombie nobody reaped yet: no longer running.
      const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, "utf8") : "";
      expect(stat === "" || /^\d+ \(.*\) Z /.test(stat), stat).toBe(true);
      expect(existsSync(join(work, "first-try"))).toBe(false);
    } finally {
      await connections.closeAll();
    }
  });
});

describe("Connections.ensure", () => {
  it("connects again to a node that refused while it rebooted, checking its host key again", async () => {
    // A port where nothing listens yet: refused, as a node's port 22 is while it boots.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const connections = new Connections([nodeAt(port)]);
    const first = (await within(3_000, connections.get("n1"))).error as ConnectError;
    expect(first.category).toBe("refused");
    // get() remembers the failure (one answer per run for planning)...
    expect((await within(1_000, connections.get("n1"))).error).toBe(first);
    const back = await FakeSshd.start({ hostKeys: [hostKey], user: "deploy", authorizedKeys: [clientKey.public] }, port);
    try {
      // ...ensure() tries again.
      const transport = await connections.ensure("n1");
      expect((await transport.exec("echo back")).stdout).toBe("back\n");
    } finally {
      await connections.closeAll();
      await back.stop();
    }
  });

  it("does not retry a refusal that will not pass by itself (a changed host key)", async () => {
    const other = keyPair("ed25519");
    const impostor = await FakeSshd.start({ hostKeys: [other], user: "deploy", authorizedKeys: [clientKey.public] });
    try {
      const connections = new Connections([nodeAt(impostor.port)]);
      const first = (await within(3_000, connections.get("n1"))).error as ConnectError;
      expect(first.category).toBe("host-key-changed");
      const before = impostor.connections;
      expect((await within(1_000, connections.ensure("n1"))).error).toBe(first);
      expect(impostor.connections).toBe(before);
      await connections.closeAll();
    } finally {
      await impostor.stop();
    }
  });
});
