#!/usr/bin/env node
/**
 * Benchmark: the Prefect objects written and read through the API (issue 12), against the floor
 * measured in the same run over the same kind of channel.
 *
 * - converge: a pool with two queues, one flow and N deployments (default 50, each with its own
 *   schedule and parameters) written by `reconcile apply` to a real Prefect 3.4.25 server (SQLite)
 *   that runs already (run 1 creates them, later runs change every deployment's parameters): the
 *   cluster-wide wave's own time, from the apply's log. Floor: the same number of sequential HTTP
 *   requests (PATCHes of a deployment's parameters to what they are: a write the server does little
 *   for) over one channel forwarded by an SSH connection to the node, with plain node:http.
 * - no-op plan: `reconcile plan` of the converged cluster: how many API requests it makes (one per
 *   kind, whatever N) and its time.
 *
 *   node bench/prefect-objects.mjs [--deployments 50] [--runs 3]
 *
 * Needs root and the test bed's tools; run `npm run build` first. Prints a table and writes
 * bench/results/prefect-objects.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from "node:fs";
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
const { values } = parseArgs({ options: { deployments: { type: "string", default: "50" }, runs: { type: "string", default: "3" } } });
const N = Number(values.deployments);
const runs = Number(values.runs);
const log = (m) => process.stderr.write(`[bench] ${m}\n`);
let floorRetries = 0;
const { loadCluster } = await import(join(REPO, "dist", "src", "spec", "load.js"));
const { connectNode } = await import(join(REPO, "dist", "src", "executors", "ssh-transport.js"));

/** The log file's JSON lines. */
const logLines = (file) =>
  readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

await acquireSession({ log });
const wasUp = info() !== null;
const results = {};
try {
  const testbed = await up({ nodes: 1, log });
  const node = testbed.nodes[0];
  const dir = mkdtempSync(join(tmpdir(), "reconcile-bench-objects-"));
  const file = join(dir, "cluster.yaml");
  cpSync(join(REPO, "examples", "flows", "etl"), join(dir, "flows", "etl"), { recursive: true });
  const cli = (args) => timed(process.execPath, [BIN, "-f", file, ...args], { cwd: dir, env: process.env });
  const bundle = prefectBundle();
  /** The cluster with `n` deployments of flow etl; `round` changes every deployment's parameters. */
  const write = (n, round) =>
    writeFileSync(
      file,
      `${clusterHead("bench-objects", [node], testbed.identityFile)}
artifacts:
  prefect-env: {kind: tar, source: ${bundle.file}, path: ${BUNDLE_FOLDER}, sha256: ${bundle.sha256}}
server:
  node: ${node.name}
  prefect: {env: prefect-env}
  database: {type: sqlite}
workPools:
  - name: production
    queues: [{name: prod-main, priority: 1}, {name: prod-secondary, priority: 2}]
flows:
  - name: etl
    env: prefect-env
    source: flows/etl
    entrypoint: flow.py:etl
    pool: production
    deployments:${n === 0 ? " []" : ""}
${Array.from({ length: n }, (_, i) => `      - {name: d${i}, queue: ${i % 2 ? "prod-secondary" : "prod-main"}, schedules: [{cron: "${i % 60} ${i % 24} * * *", timezone: Europe/Berlin}], parameters: {rows: ${i + round * 1000}}}`).join("\n")}
`,
    );

  await resetNode(node.name);
  write(0, 0);
  await must(cli(["trust", "--yes"]), "trust");
  log("the server node (no deployments yet)");
  await must(cli(["apply", "--yes", "--verify-settle", "0"]), "apply");

  const converge = [];
  const floor = [];
  let steps = 0;
  let applyRetries = 0;
  for (let i = 0; i < runs; i++) {
    // Run 0 creates the deployments, later runs update every one of them (new parameters).
    log(`converge ${N} deployments, run ${i + 1}/${runs}`);
    write(N, i);
    const logFile = join(dir, `apply-${i}.log`);
    await must(cli(["--log-file", logFile, "apply", "--yes", "--verify-settle", "0"]), "apply");
    const wave = logLines(logFile).find((e) => e.event === "cluster-wide");
    if (wave === undefined) throw new Error("the apply wrote no Prefect objects");
    converge.push(wave.durationMs);
    applyRetries += logLines(logFile).filter((e) => e.event === "prefect-api" && (e.status ?? 0) >= 500).length;
    steps = wave.steps;
    floor.push(await floorRun(file, wave.steps));
  }
  results.converge = { deployments: N, steps, runs, applyMs: median(converge), floorMs: median(floor), ratio: median(converge) / median(floor), retried5xx: { apply: applyRetries, floor: floorRetries } };

  const noop = [];
  let requests = [];
  for (let i = 0; i < 5; i++) {
    const logFile = join(dir, `plan-${i}.log`);
    const r = await cli(["--log-file", logFile, "plan", "--detailed-exitcode"]);
    if (r.code !== 0) throw new Error(`the converged cluster plans changes (exit ${r.code}):\n${r.stdout}${r.stderr}`);
    noop.push(r.ms);
    requests = logLines(logFile).filter((e) => e.event === "prefect-api").map((e) => `${e.method} ${e.path}`);
  }
  results.noop = { deployments: N, planMs: median(noop), requests };
  rmSync(dir, { recursive: true, force: true });
  await resetNode(node.name);
} finally {
  if (!wasUp) await down({ log });
  releaseSession();
}

/**
 * The floor: `count` sequential POST /api/deployments/ (upserts of the deployments just written)
 * over one channel forwarded by an SSH connection to the server node, with plain node:http.
 */
async function floorRun(specFile, count) {
  const { cluster } = await loadCluster(specFile, { strict: false, env: process.env, localInputs: false });
  const transport = await connectNode(cluster.nodes[0]);
  try {
    // Keep-alive HTTP over channels the SSH connection forwards (one at a time; a channel the
    // server ended is dropped and another opened, as any client over ssh2 channels must).
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agent.createConnection = (_options, callback) => {
      transport.forward(4200).then((channel) => {
        for (const m of ["setKeepAlive", "setNoDelay", "setTimeout", "ref", "unref"]) channel[m] ??= () => channel;
        channel.once("end", () => channel.destroy());
        callback(null, channel);
      }, callback);
    };
    // SQLite answers 503 while the scheduler holds the database: tried again after 0.5 s, 1 s, 2 s,
    // as reconcile's client does (and counted).
    const call = async (method, path, body) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await once(method, path, body);
        } catch (error) {
          if (!String(error.message).includes(": 503 ") || attempt === 4) throw error;
          floorRetries++;
          await new Promise((r) => setTimeout(r, 500 * 2 ** (attempt - 1)));
        }
      }
    };
    const once = (method, path, body) =>
      new Promise((resolve, reject) => {
        const payload = body === undefined ? null : JSON.stringify(body);
        const req = request({ agent, method, path: `/api${path}`, headers: payload === null ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } }, (res) => {
          let text = "";
          res.on("data", (d) => (text += d));
          res.on("end", () => (res.statusCode < 300 ? resolve(text === "" ? null : JSON.parse(text)) : reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`))));
        });
        req.on("error", reject);
        req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: no answer within 30 s`)));
        req.end(payload ?? undefined);
      });
    const deployments = await call("POST", "/deployments/filter", { limit: 200 });
    if (deployments.length === 0) throw new Error("no deployments on the server for the floor");
    // Writes the server does little work for: each deployment's parameters PATCHed to what they are.
    const requests = Array.from({ length: count }, (_, i) => deployments[i % deployments.length]).map((d) => [`/deployments/${d.id}`, { parameters: d.parameters }]);
    const started = performance.now();
    for (const [path, body] of requests) await call("PATCH", path, body);
    const ms = performance.now() - started;
    agent.destroy();
    return ms;
  } finally {
    await transport.close();
  }
}

const { converge, noop } = results;
console.log("| what | reconcile | floor (same run) | ratio |");
console.log("|---|---|---|---|");
console.log(`| converge ${converge.deployments} deployments (${converge.steps} writes: run 1 creates them, runs 2-${converge.runs} update every one; median) | ${secs(converge.applyMs)} | ${secs(converge.floorMs)} (${converge.steps} sequential PATCHes over one forwarded channel) | ${converge.ratio.toFixed(2)}x |`);
console.log(`(503 answers tried again over ${converge.runs} runs: reconcile ${converge.retried5xx.apply}, floor ${converge.retried5xx.floor})`);
console.log(`| no-op plan of ${noop.deployments} deployments: ${noop.requests.length} API requests (${noop.requests.join("; ")}) | ${secs(noop.planMs)} | | |`);
mkdirSync(join(REPO, "bench", "results"), { recursive: true });
writeFileSync(join(REPO, "bench", "results", "prefect-objects.json"), `${JSON.stringify({ date: new Date().toISOString(), ...results }, null, 2)}\n`);
