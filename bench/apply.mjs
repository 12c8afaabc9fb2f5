#!/usr/bin/env node
/**
 * Benchmark: `reconcile apply` on test-bed nodes, against the physical floor measured in the same
 * run.
 *
 * - cold: fresh nodes (server + 3 workers) converge with a 200 MiB environment. Floor: the same
 *   bytes sent with `scp` to every node at once, then `ssh node tar -x` there.
 * - no-op: apply again when everything is converged. Floor: one `ssh node true` per node, at once.
 * - memory: peak RSS of the controller (`/usr/bin/time -v`) while a 2 GiB environment goes to 3
 *   nodes (--memory; it needs about 12 GiB free on the host).
 *
 *   node bench/apply.mjs [--runs 3] [--mib 200] [--memory]
 *
 * Needs root and the test bed's tools; run `npm run build` first. Prints a table and writes
 * bench/results/apply.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { median, must, secs, timed } from "./run.mjs";
import { acquireSession, down, info, releaseSession, resetNode, up } from "../test/testbed/testbed.mjs";
import { writeApplyCluster } from "../test/e2e/cluster-files.mjs";

const REPO = dirname(dirname(fileURLToPath(import.meta.url)));
const BIN = join(REPO, "bin", "reconcile.js");
const { values } = parseArgs({ options: { runs: { type: "string", default: "3" }, mib: { type: "string", default: "200" }, memory: { type: "boolean", default: false } } });
const runs = Number(values.runs);
const MiB = 1024 * 1024;


const log = (m) => process.stderr.write(`[bench] ${m}\n`);
await acquireSession({ log });
const wasUp = info() !== null;
const results = {};
try {
  const testbed = await up({ nodes: 4, log });
  const nodes = testbed.nodes.slice(0, 4);
  const ssh = (n, ...cmd) => ["-i", testbed.identityFile, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", ...cmd.length ? [`root@${n.address}`, ...cmd] : []];
  const dir = mkdtempSync(join(tmpdir(), "reconcile-bench-apply-"));
  const cli = (args) => timed(process.execPath, [BIN, ...args], { cwd: dir });

  async function cluster(mib, nodeList) {
    const { file, envFile } = writeApplyCluster(dir, nodeList, testbed.identityFile, { envName: `env-${mib}`, padBytes: mib * MiB });
    await must(cli(["-f", file, "pin"]), "pin");
    return { file, envFile };
  }
  async function fresh(nodeList) {
    await Promise.all(nodeList.map((n) => resetNode(n.name)));
  }

  // Cold converge vs the floor.
  const mib = Number(values.mib);
  const { file, envFile } = await cluster(mib, nodes);
  const cold = [];
  const floor = [];
  for (let i = 0; i < runs; i++) {
    log(`cold run ${i + 1}/${runs}`);
    await fresh(nodes);
    rmSync(join(dir, "known_hosts"), { force: true });
    await must(cli(["-f", file, "trust", "--yes"]), "trust");
    cold.push((await must(cli(["-f", file, "apply", "--yes", "--verify-settle", "0"]), "apply")).ms);
    await fresh(nodes);
    const started = performance.now();
    await Promise.all(
      nodes.map(async (n) => {
        await must(timed("ssh", ssh(n, "mkdir -p /tmp/floor")), "ssh mkdir");
        await must(timed("scp", [...ssh(n), "-q", envFile, `root@${n.address}:/tmp/floor/env.tar`]), "scp");
        await must(timed("ssh", ssh(n, "mkdir -p /tmp/floor/x && tar -xf /tmp/floor/env.tar -C /tmp/floor/x")), "ssh tar");
      }),
    );
    floor.push(performance.now() - started);
  }
  results.cold = { nodes: nodes.length, mib, runs, applyMs: median(cold), floorMs: median(floor), ratio: median(cold) / median(floor) };

  // No-op apply vs one round trip per node.
  await fresh(nodes);
  rmSync(join(dir, "known_hosts"), { force: true });
  await must(cli(["-f", file, "trust", "--yes"]), "trust");
  await must(cli(["-f", file, "apply", "--yes", "--verify-settle", "0"]), "apply");
  const noop = [];
  const rtt = [];
  for (let i = 0; i < Math.max(runs, 5); i++) {
    const r = await must(cli(["-f", file, "apply", "--yes"]), "no-op apply");
    if (!r.stdout.includes("No changes.")) throw new Error(`the no-op apply changed something:\n${r.stdout}`);
    noop.push(r.ms);
    const started = performance.now();
    await Promise.all(nodes.map((n) => must(timed("ssh", ssh(n, "true")), "ssh true")));
    rtt.push(performance.now() - started);
  }
  results.noop = { nodes: nodes.length, runs: noop.length, applyMs: median(noop), floorMs: median(rtt), ratio: median(noop) / median(rtt) };

  // Peak memory while sending 2 GiB to 3 nodes.
  if (values.memory) {
    log("memory run: 2 GiB to 3 nodes");
    const three = nodes.slice(0, 3);
    const big = await cluster(2048, three);
    await fresh(three);
    rmSync(join(dir, "known_hosts"), { force: true });
    await must(cli(["-f", big.file, "trust", "--yes"]), "trust");
    const r = await must(timed("/usr/bin/time", ["-v", process.execPath, BIN, "-f", big.file, "apply", "--yes", "--verify-settle", "0"], { cwd: dir }), "apply 2 GiB");
    const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1] ?? NaN);
    results.memory = { nodes: 3, mib: 2048, applyMs: r.ms, peakRssMiB: rss / 1024 };
    await fresh(three);
  }
  rmSync(dir, { recursive: true, force: true });
  await fresh(nodes);
} finally {
  if (!wasUp) await down({ log });
  releaseSession();
}

const c = results.cold;
const n = results.noop;
console.log("| what | reconcile apply | floor (same run) | ratio |");
console.log("|---|---|---|---|");
console.log(`| cold converge, ${c.nodes} nodes (server + 3 workers), ${c.mib} MiB env | ${secs(c.applyMs)} | ${secs(c.floorMs)} (parallel scp + ssh tar -x) | ${c.ratio.toFixed(2)}x |`);
console.log(`| no-op apply, ${n.nodes} nodes | ${secs(n.applyMs)} | ${secs(n.floorMs)} (parallel ssh true) | ${n.ratio.toFixed(2)}x |`);
if (results.memory) console.log(`| 2 GiB env to 3 nodes: peak controller RSS | ${results.memory.peakRssMiB.toFixed(0)} MiB (${secs(results.memory.applyMs)}) | | |`);
mkdirSync(join(REPO, "bench", "results"), { recursive: true });
// A run without --memory keeps the last memory figure (it takes minutes and 12 GiB of disk).
const out = join(REPO, "bench", "results", "apply.json");
const previous = (() => {
  try {
    return JSON.parse(readFileSync(out, "utf8")).results ?? {};
  } catch {
    return {};
  }
})();
writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), results: { ...previous, ...results } }, null, 2)}\n`);
