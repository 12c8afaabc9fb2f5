#!/usr/bin/env node
/**
 * Benchmark: the server node, for real (PostgreSQL and Caddy from their Debian 13 .debs, the real
 * Prefect 3.4.25 bundle), against the physical floor measured in the same run.
 *
 * - fetch: `reconcile fetch` of the PostgreSQL and Caddy sets for the node's own dpkg status, into
 *   empty folders (downloads from Debian's archive: the network is part of it).
 * - cold: a fresh node converges: transfer, one dpkg -i of both sets, unpack, role and database,
 *   backup and migration, the server and Caddy started, verify (the real API answering through
 *   Caddy over TLS). Floor: `scp` of the same bytes, one `dpkg -i` of the same debs, `tar -x` of
 *   the bundle: what any tool must do at least, without starting or checking anything.
 * - no-op: apply again when converged: how many remote commands it runs, and that none is a dpkg,
 *   a psql write or a restart. Floor: one `ssh node true`.
 *
 *   node bench/server-node.mjs [--runs 2]
 *
 * Needs root, the test bed's tools and Debian's archive; run `npm run build` first. Prints a table
 * and writes bench/results/server-node.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { median, must, secs, timed } from "./run.mjs";
import bcrypt from "bcryptjs";
import { acquireSession, down, info, releaseSession, resetNode, up } from "../test/testbed/testbed.mjs";
import { clusterHead } from "../test/e2e/cluster-files.mjs";
import { BUNDLE_FOLDER, prefectBundle } from "../test/e2e/prefect-bundle.mjs";

const REPO = dirname(dirname(fileURLToPath(import.meta.url)));
const BIN = join(REPO, "bin", "reconcile.js");
const { values } = parseArgs({ options: { runs: { type: "string", default: "2" } } });
const runs = Number(values.runs);
const SECRETS = { RECONCILE_SECRET_PG_PASSWORD: "bench-pg-Pw1", RECONCILE_SECRET_PREFECT_AUTH: "admin:bench-ui-Pw2" };

const log = (m) => process.stderr.write(`[bench] ${m}\n`);

await acquireSession({ log });
const wasUp = info() !== null;
const results = {};
try {
  const testbed = await up({ nodes: 1, log });
  const node = testbed.nodes[0];
  const ssh = (...cmd) => ["-i", testbed.identityFile, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", ...(cmd.length ? [`root@${node.address}`, ...cmd] : [])];
  const dir = mkdtempSync(join(tmpdir(), "reconcile-bench-server-"));
  const file = join(dir, "cluster.yaml");
  const cli = (args) => timed(process.execPath, [BIN, "-f", file, ...args], { cwd: dir, env: { ...process.env, ...SECRETS } });
  const bundle = prefectBundle();
  writeFileSync(
    file,
    `${clusterHead("bench-server", [node], testbed.identityFile)}
artifacts:
  prefect-env: {kind: tar, source: ${bundle.file}, path: ${BUNDLE_FOLDER}, sha256: ${bundle.sha256}}
  pg-debs: {kind: deb, source: debs/postgresql, packages: [postgresql]}
  caddy-debs: {kind: deb, source: debs/caddy, packages: [caddy]}
server:
  node: ${node.name}
  prefect: {env: prefect-env, authString: {secret: PREFECT_AUTH}}
  database: {type: postgresql, packages: pg-debs, name: prefect, user: prefect, password: {secret: PG_PASSWORD}}
  proxy:
    type: caddy
    packages: caddy-debs
    listen: ":8443"
    tls: {mode: internal}
    basicAuth: [{user: admin, passwordHash: "${bcrypt.hashSync("bench-ui-Pw2", 10)}"}]
`,
  );
  await resetNode(node.name);
  await must(cli(["trust", "--yes"]), "trust");
  log("fetch");
  const fetched = await must(cli(["fetch"]), "fetch");
  const debs = ["postgresql", "caddy"].flatMap((set) => readdirSync(join(dir, "debs", set)).filter((f) => f.endsWith(".deb")).map((f) => join(dir, "debs", set, f)));
  const debBytes = debs.reduce((n, f) => n + readFileSync(f).length, 0);
  results.fetch = { ms: fetched.ms, debs: debs.length, mib: debBytes / 2 ** 20 };

  const cold = [];
  const floor = [];
  for (let i = 0; i < runs; i++) {
    log(`cold run ${i + 1}/${runs}`);
    await resetNode(node.name);
    rmSync(join(dir, "known_hosts"), { force: true });
    await must(cli(["trust", "--yes"]), "trust");
    cold.push((await must(cli(["apply", "--yes", "--verify-settle", "0"]), "apply")).ms);
    await resetNode(node.name);
    const started = performance.now();
    await must(timed("ssh", ssh("mkdir -p /tmp/floor/debs /tmp/floor/env")), "ssh mkdir");
    await must(timed("scp", [...ssh(), "-q", ...debs, `root@${node.address}:/tmp/floor/debs/`]), "scp debs");
    await must(timed("scp", [...ssh(), "-q", bundle.file, `root@${node.address}:/tmp/floor/env.tar.gz`]), "scp bundle");
    await must(timed("ssh", ssh("DEBIAN_FRONTEND=noninteractive dpkg -i /tmp/floor/debs/*.deb >/dev/null && tar -xzf /tmp/floor/env.tar.gz -C /tmp/floor/env")), "ssh dpkg + tar");
    floor.push(performance.now() - started);
  }
  results.cold = { runs, applyMs: median(cold), floorMs: median(floor), ratio: median(cold) / median(floor) };

  // Converged: no-op applies, each with its log of remote commands.
  await resetNode(node.name);
  rmSync(join(dir, "known_hosts"), { force: true });
  await must(cli(["trust", "--yes"]), "trust");
  await must(cli(["apply", "--yes", "--verify-settle", "0"]), "apply");
  const noop = [];
  const rtt = [];
  let commands = [];
  for (let i = 0; i < 5; i++) {
    const logFile = join(dir, `noop-${i}.log`);
    const r = await must(cli(["--log-file", logFile, "apply", "--yes"]), "no-op apply");
    if (!r.stdout.includes("No changes.")) throw new Error(`the no-op apply changed something:\n${r.stdout}`);
    noop.push(r.ms);
    commands = readFileSync(logFile, "utf8").trim().split("\n").map((l) => JSON.parse(l)).filter((e) => e.msg === "exec").map((e) => e.step);
    const started = performance.now();
    await must(timed("ssh", ssh("true")), "ssh true");
    rtt.push(performance.now() - started);
  }
  const changing = commands.filter((s) => /dpkg|database|migration|service|install|configure/.test(s));
  if (changing.length > 0) throw new Error(`the no-op apply ran commands that change the node: ${changing.join(", ")}`);
  results.noop = { runs: noop.length, applyMs: median(noop), floorMs: median(rtt), ratio: median(noop) / median(rtt), commands };
  rmSync(dir, { recursive: true, force: true });
  await resetNode(node.name);
} finally {
  if (!wasUp) await down({ log });
  releaseSession();
}

const { fetch, cold, noop } = results;
console.log("| what | reconcile | floor (same run) | ratio |");
console.log("|---|---|---|---|");
console.log(`| fetch: PostgreSQL + Caddy sets, ${fetch.debs} debs, ${fetch.mib.toFixed(1)} MiB, from Debian's archive | ${secs(fetch.ms)} | | |`);
console.log(`| cold converge of the server node (debs, Prefect bundle, database, migration, server + Caddy started and verified) | ${secs(cold.applyMs)} | ${secs(cold.floorMs)} (scp + one dpkg -i + tar -x) | ${cold.ratio.toFixed(2)}x |`);
console.log(`| no-op apply of the server node: ${noop.commands.length} remote commands (${noop.commands.join("; ")}) | ${secs(noop.applyMs)} | ${secs(noop.floorMs)} (ssh true) | ${noop.ratio.toFixed(2)}x |`);
mkdirSync(join(REPO, "bench", "results"), { recursive: true });
writeFileSync(join(REPO, "bench", "results", "server-node.json"), `${JSON.stringify({ date: new Date().toISOString(), ...results }, null, 2)}\n`);
