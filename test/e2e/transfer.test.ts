/**
 * TRANSFER against real OpenSSH on a booted node: a 64 MB artifact into store/.incoming, skipped
 * the second time, resumed after an abort, a damaged .part caught by the node's sha256 check and
 * redone, and the sudo path (the SFTP session as the deploy user, the commands as root).
 */
import { createHash, randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RemoteCommandError } from "../../src/errors.js";
import { connectNode, type SshTransport } from "../../src/executors/ssh-transport.js";
import { TransferError, transferArtifact } from "../../src/executors/transfer.js";
import type { TransferProgress } from "../../src/executors/transfer-progress.js";
import { formatProgress } from "../../src/display/progress.js";
import type { TransferTarget } from "../../src/executors/transfer-protocol.js";
import type { ResolvedNode } from "../../src/spec/resolved.js";
import { tempDir } from "../helpers/cli.js";
import { describeE2E } from "../testbed/e2e.js";
import { info, type TestbedInfo } from "../testbed/testbed.mjs";

const ROOT = "/opt/prefect";
const SIZE = 64 * 1024 * 1024;

/** Writes `size` random bytes a MiB at a time; returns the digest. */
function randomFile(path: string, size: number): string {
  const hash = createHash("sha256");
  const fd = openSync(path, "w");
  try {
    for (let done = 0; done < size; ) {
      const chunk = randomBytes(Math.min(1024 * 1024, size - done));
      writeSync(fd, chunk);
      hash.update(chunk);
      done += chunk.length;
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}

function resolvedNode(testbed: TestbedInfo, index: number, user: string): ResolvedNode {
  // The current host key (another test file may have rekeyed the node).
  const node = info()?.nodes[index] ?? testbed.nodes[index];
  if (node?.hostKey === null || node === undefined) throw new Error(`no host key for node ${index + 1}`);
  const knownHosts = join(tempDir(), "known_hosts");
  writeFileSync(knownHosts, `${node.address} ${node.hostKey}\n`);
  return {
    name: node.name,
    address: node.address,
    root: ROOT,
    server: false,
    workerPools: [],
    ssh: { user, port: 22, identityFile: testbed.identityFile, knownHostsFile: knownHosts, connectTimeoutMs: 5000, commandTimeoutMs: 60_000, keepaliveIntervalMs: 15_000, progressTimeoutMs: 60_000, become: "sudo" },
  };
}

describeE2E("transfer to a real node", (testbed) => {
  let transport: SshTransport;
  let node: ResolvedNode;
  let target: TransferTarget;
  const part = () => `${ROOT}/store/.incoming/${target.sha256}.part`;
  const final = () => `${ROOT}/store/.incoming/${target.sha256}`;
  const sh = async (command: string) => {
    const r = await transport.exec(command);
    if (r.code !== 0) throw new Error(`${command}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const sizeOf = async (path: string) => Number(await sh(`stat -c %s ${path} 2>/dev/null || echo -1`));

  beforeAll(async () => {
    node = resolvedNode(testbed, 1, testbed.users.root);
    transport = await connectNode(node, { env: {} });
    await sh(`rm -rf ${ROOT}`);
    const localPath = join(tempDir(), "artifact.bin");
    target = { root: ROOT, sha256: randomFile(localPath, SIZE), localPath, bytes: SIZE };
  });
  afterAll(async () => {
    await transport?.exec(`rm -rf ${ROOT}`);
    await transport?.close();
  });

  it("sends a 64 MB file, verified on the node, into store/.incoming/<sha>", async () => {
    const events: TransferProgress[] = [];
    const started = performance.now();
    const r = await transferArtifact(transport, target, { onProgress: (e) => events.push(e) });
    const seconds = (performance.now() - started) / 1000;
    expect(r).toEqual({ skipped: false, resumedFrom: 0, sent: SIZE, restarted: false });
    expect(await sh(`sha256sum < ${final()}`)).toBe(`${target.sha256}  -`);
    expect(await sizeOf(part())).toBe(-1);
    expect(await sh(`stat -c '%U %a' ${final()}`)).toBe("root 644");
    expect(events.at(-1)).toMatchObject({ node: node.name, sent: SIZE, total: SIZE });
    expect(events.length).toBeGreaterThan(5);
    console.log(`transfer of 64 MiB to ${node.name}: ${seconds.toFixed(2)} s incl. sha256sum on the node; last events: ${events.slice(-3).map(formatProgress).join(" | ")}`);
  });

  it("a second transfer is skipped", async () => {
    const started = performance.now();
    expect(await transferArtifact(transport, target)).toEqual({ skipped: true, resumedFrom: 0, sent: 0, restarted: false });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("an upload aborted at about 40% leaves its .part; the next one resumes from it and verifies", async () => {
    await sh(`rm -f ${final()}`);
    const controller = new AbortController();
    let abortedAt = 0;
    const attempt = transferArtifact(transport, target, {
      signal: controller.signal,
      onProgress: (e) => {
        if (abortedAt === 0 && e.sent >= SIZE * 0.4) {
          abortedAt = performance.now();
          controller.abort();
        }
      },
    });
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteCommandError);
    expect((error as RemoteCommandError).reason).toBe("aborted");
    expect(performance.now() - abortedAt).toBeLessThan(1000);
    const kept = await sizeOf(part());
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(SIZE);
    // The kept bytes are exactly the file's first bytes.
    const head = createHash("sha256");
    head.update(readFileSync(target.localPath).subarray(0, kept));
    expect(await sh(`head -c ${kept} ${part()} | sha256sum`)).toBe(`${head.digest("hex")}  -`);

    const r = await transferArtifact(transport, target);
    expect(r.resumedFrom).toBe(kept);
    expect(r.sent).toBe(SIZE - kept);
    expect(r.sent).toBeLessThan(SIZE);
    expect(r.restarted).toBe(false);
    expect(await sh(`sha256sum < ${final()}`)).toBe(`${target.sha256}  -`);
  });

  it("a damaged .part is caught by the sha256 check on the node and the whole file is sent again", async () => {
    await sh(`rm -f ${final()}`);
    const controller = new AbortController();
    await transferArtifact(transport, target, { signal: controller.signal, onProgress: (e) => e.sent >= SIZE * 0.4 && controller.abort() }).catch(() => undefined);
    const kept = await sizeOf(part());
    expect(kept).toBeGreaterThan(0);
    await sh(`printf 'garbage garbage' | dd of=${part()} bs=1 seek=4096 conv=notrunc status=none`);
    expect(await sizeOf(part())).toBe(kept);

    const r = await transferArtifact(transport, target);
    expect(r).toEqual({ skipped: false, resumedFrom: kept, sent: SIZE - kept + SIZE, restarted: true });
    expect(await sh(`sha256sum < ${final()}`)).toBe(`${target.sha256}  -`);
    expect(await sizeOf(part())).toBe(-1);
  });

  it("bytes that do not match their digest fail clearly and leave no .part", async () => {
    const wrong = { ...target, sha256: "e".repeat(64) };
    const error = await transferArtifact(transport, wrong).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferError);
    expect(error).toMatchObject({ reason: "mismatch", node: node.name, sha256: wrong.sha256 });
    expect((error as Error).message).toContain(`node ${node.name}:`);
    expect((error as Error).message).toContain(wrong.sha256);
    expect(await sh(`ls -A ${ROOT}/store/.incoming`)).toBe(target.sha256);
  });

  it("a node whose store already has the artifact gets nothing", async () => {
    const other = { ...target, sha256: "f".repeat(64) };
    await sh(`mkdir -p ${ROOT}/store/${other.sha256} && touch ${ROOT}/store/${other.sha256}/.complete`);
    expect((await transferArtifact(transport, other)).skipped).toBe(true);
    expect(await sizeOf(`${ROOT}/store/.incoming/${other.sha256}.part`)).toBe(-1);
  });

  it("as a sudo user: the .part is written over SFTP as that user, the result is root's", async () => {
    const deploy = await connectNode(resolvedNode(testbed, 1, testbed.users.sudo), { env: {} });
    try {
      const dir = tempDir();
      const localPath = join(dir, "small.bin");
      const small = { root: ROOT, sha256: randomFile(localPath, 3 * 1024 * 1024 + 5), localPath, bytes: 3 * 1024 * 1024 + 5 };
      const r = await transferArtifact(deploy, small);
      expect(r).toMatchObject({ skipped: false, sent: small.bytes });
      expect(await sh(`stat -c '%U %a' ${ROOT}/store/.incoming/${small.sha256}`)).toBe("root 644");
      expect(await sh(`stat -c '%U %a' ${ROOT}/store/.incoming`)).toBe("root 755");
    } finally {
      await deploy.close();
    }
  });
});
