#!/usr/bin/env node
/**
 * Benchmark: watch and drift (issue 13), against the floor measured in the same run.
 *
 * - save → converged: `reconcile watch --json` runs; one worker's `limit` is changed in
 *   cluster.yaml; timed from the write to watch's `run.finished` event. Against: a plain
 *   `reconcile apply --yes` of the same one-value change (the whole process).
 * - drift for 3 and for 10 nodes, with the Prefect objects (a pool with two queues, a flow with two
 *   deployments): the whole `reconcile drift --format json` process of a converged cluster. Floor:
 *   one `ssh true` per node, all at once, plus one API round trip (GET /api/health over a channel
 *   an open SSH connection forwards).
 * - idle: the CPU time the watch process uses over 60 s with nothing to do (from /proc/PID/stat).
 *
 *   node bench/watch-drift.mjs [--runs 5] [--idle 60]
 *
 * Needs root and the test bed's tools; run `npm run build` first. Prints a table and writes
 * bench/results/watch-drift.json.
 */
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { median, must, secs, timed } from "./run.mjs";
import { acquireSession, down, info, releaseSession, resetNode, up } from "../test/testbed/testbed.mjs";
import { clusterHead } from "../test/e2e/cluster-files.mjs";
import { BUNDLE_FOLDER, prefectBundle } from "../test/e2e/prefect-bundle.mjs";

const REPO = dirname(dirname(fileURLToPath(import.meta.url)));
const BIN = join(REPO, "bin", "reconcile.js");
const { values } = parseArgs({ options: { runs: { type: "string", default: "5" }, idle: { type: "string", default: "60" } } });
const runs = Number(values.runs);
const idleSeconds = Number(values.idle);
const log = (m) => process.stderr.write(`[bench] ${m}\n`);
const { loadCluster } = await import(join(REPO, "dist", "src", "spec", "load.js"));
const { connectNode } = await import(join(REPO, "dist", "src", "executors", "ssh-transport.js"));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

await acquireSession({ log });
const wasUp = info() !== null;
const results = {};
try {
  const testbed = await up({ nodes: 10, log });
  const nodes = testbed.nodes.slice(0, 10);
  await Promise.all(nodes.map((n) => resetNode(n.name)));
  const dir = mkdtempSync(join(tmpdir(), "reconcile-bench-watch-"));
  const file = join(dir, "cluster.yaml");
  cpSync(join(REPO, "examples", "flows", "etl"), join(dir, "flows", "etl"), { recursive: true });
  const cli = (args) => timed(process.execPath, [BIN, "-f", file, ...args], { cwd: dir, env: process.env });
  const bundle = prefectBundle();
  const limits = {};
  /** The cluster on the first `count` nodes: the first runs the server (SQLite), the others a worker each. */
  const write = (count) =>
    writeFileSync(
      file,
      `${clusterHead("bench-watch", nodes.slice(0, count), testbed.identityFile)}
artifacts:
  prefect-env: {kind: tar, source: ${bundle.file}, path: ${BUNDLE_FOLDER}, sha256: ${bundle.sha256}}
server:
  node: ${nodes[0].name}
  prefect: {env: prefect-env}
  database: {type: sqlite}
workPools:
  - name: production
    queues: [{name: prod-main, priority: 1}, {name: prod-secondary, priority: 2}]
workers:
${nodes
  .slice(1, count)
  .map((n) => `  - {node: ${n.name}, env: prefect-env, limit: ${limits[n.name] ?? 4}, pools: [{pool: production}]}`)
  .join("\n")}
flows:
  - name: etl
    env: prefect-env
    source: flows/etl
    entrypoint: flow.py:etl
    pool: production
    deployments:
      - {name: daily, queue: prod-main, schedules: [{cron: "0 6 * * *", timezone: Europe/Berlin}], parameters: {rows: 10}}
      - {name: hourly, queue: prod-secondary, schedules: [{interval: 1h}], parameters: {rows: 1}}
`,
    );

  write(10);
  await must(cli(["trust", "--yes"]), "trust");
  log("converge 10 nodes (server + 9 workers)");
  await must(cli(["apply", "--yes", "--verify-settle", "0"]), "apply");

  for (const count of [3, 10]) {
    write(count);
    const drift = [];
    const floor = [];
    for (let i = 0; i < runs; i++) {
      const r = await cli(["drift", "--format", "json"]);
      if (r.code !== 0) throw new Error(`drift of the converged cluster exited ${r.code}:\n${r.stdout.slice(-2000)}${r.stderr}`);
      drift.push(r.ms);
      floor.push((await parallelSshTrue(testbed, nodes.slice(0, count))) + (await apiRoundTrip(file)));
    }
    results[`drift${count}`] = { nodes: count, driftMs: median(drift), floorMs: median(floor), ratio: median(drift) / median(floor) };
    log(`drift of ${count} nodes: ${secs(median(drift))} against ${secs(median(floor))}`);
  }

  // save → converged, on the 3-node cluster, against a plain apply of the same change.
  write(3);
  const worker = nodes[1].name;
  const applyMs = [];
  for (let i = 0; i < runs; i++) {
    limits[worker] = (limits[worker] ?? 4) === 4 ? 5 : 4;
    write(3);
    applyMs.push((await must(cli(["apply", "--yes", "--verify-settle", "0"]), "apply")).ms);
  }
  const watch = spawn(process.execPath, [BIN, "-f", file, "watch", "--json", "--verify-settle", "0"], { cwd: dir, env: process.env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  watch.stdout.on("data", (d) => (out += d));
  watch.stderr.on("data", (d) => (out += d));
  const events = () =>
    out
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l));
  const waitFor = async (what, skip, ms = 180_000) => {
    const end = Date.now() + ms;
    for (;;) {
      const e = events().slice(skip).find((x) => x.type === "run.finished");
      if (e !== undefined) return e;
      if (Date.now() > end || watch.exitCode !== null) throw new Error(`no ${what} within ${ms} ms:\n${out.slice(-3000)}`);
      await sleep(20);
    }
  };
  try {
    await waitFor("first run", 0);
    await sleep(2000);
    const saveMs = [];
    for (let i = 0; i < runs; i++) {
      const skip = events().length;
      limits[worker] = limits[worker] === 4 ? 5 : 4;
      const t0 = performance.now();
      write(3);
      const finished = await waitFor("run after the save", skip);
      if (!finished.ok) throw new Error(`watch's run failed:\n${out.slice(-3000)}`);
      saveMs.push(performance.now() - t0);
      await sleep(1000);
    }
    results.save = { nodes: 3, saveToConvergedMs: median(saveMs), plainApplyMs: median(applyMs), ratio: median(saveMs) / median(applyMs) };
    log(`save → converged ${secs(median(saveMs))}, plain apply ${secs(median(applyMs))}`);

    // Idle: nothing changes for idleSeconds.
    await sleep(3000);
    const ticks = () => {
      const f = readFileSync(`/proc/${watch.pid}/stat`, "utf8").split(") ")[1].split(" ");
      return Number(f[11]) + Number(f[12]);
    };
    const before = ticks();
    await sleep(idleSeconds * 1000);
    const cpuMs = (ticks() - before) * 10;
    results.idle = { seconds: idleSeconds, cpuMs, percent: (cpuMs / (idleSeconds * 1000)) * 100 };
  } finally {
    watch.kill("SIGINT");
    await new Promise((r) => watch.once("close", r));
  }
  rmSync(dir, { recursive: true, force: true });
  await Promise.all(nodes.map((n) => resetNode(n.name)));
} finally {
  if (!wasUp) await down({ log });
  releaseSession();
}

/** One `ssh true` per node, all at once: wall time in ms. */
async function parallelSshTrue(testbed, list) {
  const t0 = performance.now();
  await Promise.all(list.map((n) => must(timed("ssh", ["-i", testbed.identityFile, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", `root@${n.address}`, "true"]), `ssh ${n.name} true`)));
  return performance.now() - t0;
}

/** One GET /api/health over a channel an open SSH connection to the server forwards: ms. */
async function apiRoundTrip(specFile) {
  const { cluster } = await loadCluster(specFile, { strict: false, env: process.env, localInputs: false });
  const transport = await connectNode(cluster.nodes[0]);
  try {
    const agent = new Agent({ keepAlive: false, maxSockets: 1 });
    agent.createConnection = (_options, callback) => {
      transport.forward(4200).then((channel) => {
        for (const m of ["setKeepAlive", "setNoDelay", "setTimeout", "ref", "unref"]) channel[m] ??= () => channel;
        callback(null, channel);
      }, callback);
    };
    const t0 = performance.now();
    await new Promise((resolve, reject) => {
      const req = request({ agent, method: "GET", path: "/api/health" }, (res) => {
        res.resume();
        res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`GET /api/health: ${res.statusCode}`))));
      });
      req.on("error", reject);
      req.end();
    });
    const ms = performance.now() - t0;
    agent.destroy();
    return ms;
  } finally {
    await transport.close();
  }
}

const { drift3, drift10, save, idle } = results;
console.log("| what | reconcile | floor / reference (same run) | ratio |");
console.log("|---|---|---|---|");
console.log(`| save → converged, one worker's limit, 3 nodes (watch) | ${secs(save.saveToConvergedMs)} | ${secs(save.plainApplyMs)} (plain \`apply --yes\` of the same change) | ${save.ratio.toFixed(2)}x |`);
for (const d of [drift3, drift10]) console.log(`| drift, ${d.nodes} nodes + the Prefect objects | ${secs(d.driftMs)} | ${secs(d.floorMs)} (parallel \`ssh true\` + one API round trip) | ${d.ratio.toFixed(2)}x |`);
console.log(`| watch idle for ${idle.seconds} s: CPU time | ${idle.cpuMs} ms (${idle.percent.toFixed(3)} %) | | |`);
mkdirSync(join(REPO, "bench", "results"), { recursive: true });
writeFileSync(join(REPO, "bench", "results", "watch-drift.json"), `${JSON.stringify({ date: new Date().toISOString(), runs, ...results }, null, 2)}\n`);
