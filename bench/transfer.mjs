#!/usr/bin/env node
/**
 * Benchmark: one 64 MiB upload to a test-bed node with reconcile's transfer (SFTP, resumable, then
 * sha256 on the node) against `scp` of the same file, interleaved, median of --runs.
 *
 *   node bench/transfer.mjs [--runs 7]
 *
 * Needs root, the test bed's tools and a build (`npm run build`).
 */
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { acquireSession, down, info, releaseSession, sshArgs, up } from "../test/testbed/testbed.mjs";
import { connectNode } from "../dist/src/executors/ssh-transport.js";
import { transferArtifact } from "../dist/src/executors/transfer.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "7" } } });
const runs = Number(values.runs);
const SIZE = 64 * 1024 * 1024;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const log = (m) => process.stderr.write(`[bench] ${m}\n`);

await acquireSession({ log });
const wasUp = info() !== null;
try {
  const tb = await up({ nodes: 1, log });
  const node = tb.nodes[0];
  const dir = mkdtempSync(join(tmpdir(), "reconcile-bench-transfer-"));
  const data = randomBytes(SIZE);
  const file = join(dir, "artifact.bin");
  writeFileSync(file, data);
  const sha256 = createHash("sha256").update(data).digest("hex");
  writeFileSync(join(dir, "known_hosts"), `${node.address} ${node.hostKey}\n`);
  const transport = await connectNode(
    { name: node.name, address: node.address, root: "/opt/prefect", server: false, workerPools: [], ssh: { user: "root", port: 22, identityFile: tb.identityFile, knownHostsFile: join(dir, "known_hosts"), connectTimeoutMs: 5000, commandTimeoutMs: 600_000, keepaliveIntervalMs: 15_000, progressTimeoutMs: 60_000, become: "none" } },
    { env: {} },
  );
  const scp = [];
  const ours = [];
  const upload = [];
  for (let i = 0; i < runs; i++) {
    let started = performance.now();
    const r = spawnSync("scp", [...sshArgs("root", node.address).slice(0, -1), "-q", file, `root@${node.address}:/tmp/bench.bin`]);
    if (r.status !== 0) throw new Error(`scp failed: ${r.stderr}`);
    scp.push(performance.now() - started);
    await transport.exec("rm -rf /opt/prefect/store /tmp/bench.bin");
    let uploaded = 0;
    started = performance.now();
    await transferArtifact(transport, { root: "/opt/prefect", sha256, localPath: file, bytes: SIZE }, { onProgress: (e) => e.sent === e.total && (uploaded = performance.now()) });
    ours.push(performance.now() - started);
    upload.push(uploaded - started);
  }
  await transport.exec("rm -rf /opt/prefect");
  await transport.close();
  rmSync(dir, { recursive: true, force: true });
  const mibs = (ms) => `${(SIZE / 1024 / 1024 / (ms / 1000)).toFixed(0)} MiB/s`;
  console.log("| 64 MiB to one node | median | throughput |");
  console.log("|---|---|---|");
  console.log(`| scp (process start, handshake, copy) | ${(median(scp) / 1000).toFixed(2)} s | ${mibs(median(scp))} |`);
  console.log(`| reconcile transfer: upload only (existing connection) | ${(median(upload) / 1000).toFixed(2)} s | ${mibs(median(upload))} |`);
  console.log(`| reconcile transfer: probe + upload + sha256 on the node + rename | ${(median(ours) / 1000).toFixed(2)} s | ${mibs(median(ours))} |`);
} finally {
  if (!wasUp) await down({ log });
  releaseSession();
}
