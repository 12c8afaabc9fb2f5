#!/usr/bin/env node
/**
 * Benchmark: `reconcile plan` (facts from every node + plan) on 3 and 10 test-bed nodes, against
 * the physical floor measured in the same run: one `ssh node true` per node, all in parallel (a
 * process start, a TCP + SSH handshake and one remote command per node, which is what gathering
 * facts costs at the least).
 *
 *   node bench/plan.mjs [--runs 7] [--nodes 3,10]
 *
 * Needs root and the test bed's tools (test/testbed/README.md); run `npm run build` first. Prints a
 * table and writes bench/results/plan.json.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { acquireSession, down, info, releaseSession, up } from "../test/testbed/testbed.mjs";
import { SECRET_ENV, writeClusterFiles } from "../test/e2e/cluster-files.mjs";

const REPO = dirname(dirname(fileURLToPath(import.meta.url)));
const BIN = join(REPO, "bin", "reconcile.js");
const { values } = parseArgs({ options: { runs: { type: "string", default: "7" }, nodes: { type: "string", default: "3,10" } } });
const runs = Number(values.runs);
const sizes = values.nodes.split(",").map(Number);

/** Runs a command, resolves with its exit code and wall time in ms. */
function timed(cmd, args, env = {}) {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stdout.resume();
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, ms: performance.now() - started, stderr }));
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (ms) => `${(ms / 1000).toFixed(3)} s`;

async function bench(n, testbed) {
  const nodes = testbed.nodes.slice(0, n);
  const dir = mkdtempSync(join(tmpdir(), "reconcile-bench-"));
  try {
    const file = writeClusterFiles(dir, nodes, testbed.identityFile);
    const cli = (args, env = {}) => timed(process.execPath, [BIN, "-f", file, ...args], { ...SECRET_ENV, ...env });
    for (const step of [["pin"], ["trust", "--yes"]]) {
      const r = await cli(step);
      if (r.code !== 0) throw new Error(`reconcile ${step.join(" ")} exited ${r.code}: ${r.stderr}`);
    }
    const knownHosts = join(dir, "known_hosts");
    const floor = async () => {
      const started = performance.now();
      const results = await Promise.all(
        nodes.map((node) =>
          timed("ssh", ["-i", testbed.identityFile, "-o", `UserKnownHostsFile=${knownHosts}`, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", `root@${node.address}`, "true"]),
        ),
      );
      if (results.some((r) => r.code !== 0)) throw new Error(`ssh failed: ${results.map((r) => r.stderr).join(" ")}`);
      return performance.now() - started;
    };
    const samples = { floor: [], plan: [], facts: [], start: [] };
    const logFile = join(dir, "plan.log");
    for (let i = 0; i < runs; i++) {
      samples.floor.push(await floor());
      rmSync(logFile, { force: true });
      const r = await cli(["plan", "--log-file", logFile]);
      if (r.code !== 0) throw new Error(`reconcile plan exited ${r.code}: ${r.stderr}`);
      samples.plan.push(r.ms);
      const planned = readFileSync(logFile, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.event === "plan");
      samples.facts.push(planned.factsMs);
      samples.start.push((await timed(process.execPath, [BIN, "--version"])).ms);
    }
    return {
      nodes: n,
      runs,
      floorMs: median(samples.floor),
      planMs: median(samples.plan),
      factsMs: median(samples.facts),
      cliStartMs: median(samples.start),
      ratio: median(samples.plan) / median(samples.floor),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const log = (m) => process.stderr.write(`[bench] ${m}\n`);
await acquireSession({ log });
const wasUp = info() !== null;
const results = [];
try {
  const testbed = await up({ nodes: Math.max(...sizes), log });
  for (const n of sizes) {
    log(`${n} nodes, ${runs} runs`);
    results.push(await bench(n, testbed));
  }
} finally {
  if (!wasUp) await down({ log });
  releaseSession();
}

console.log("| nodes | plan (wall, median) | of which facts | floor: parallel `ssh true` | plan / floor | CLI start (`--version`) |");
console.log("|---|---|---|---|---|---|");
for (const r of results) console.log(`| ${r.nodes} | ${fmt(r.planMs)} | ${fmt(r.factsMs)} | ${fmt(r.floorMs)} | ${r.ratio.toFixed(2)}x | ${fmt(r.cliStartMs)} |`);
mkdirSync(join(REPO, "bench", "results"), { recursive: true });
writeFileSync(join(REPO, "bench", "results", "plan.json"), `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`);
