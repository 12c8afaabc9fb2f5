#!/usr/bin/env node
/**
 * `npm run demo`: boots three Debian nodes on this machine (the test bed: systemd-nspawn on a
 * private bridge), writes a demo cluster into ./demo/ (a server with PostgreSQL and Caddy, two
 * workers, one flow), then runs the real CLI on it: pin, trust --yes, plan.
 *
 *   npm run demo            # boot (or reuse) the nodes and plan
 *   npm run demo -- --down  # stop the nodes and remove ./demo
 *
 * Needs root, systemd-container and debootstrap; the first run builds the node image (about a minute).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { acquireSession, down, prerequisiteProblems, releaseSession, up } from "../test/testbed/testbed.mjs";
import { SECRET_ENV, writeClusterFiles } from "../test/e2e/cluster-files.mjs";

const REPO = dirname(dirname(fileURLToPath(import.meta.url)));
const DEMO = join(REPO, "demo");
const log = (m) => process.stderr.write(`[demo] ${m}\n`);

if (process.argv.includes("--down")) {
  await acquireSession({ log });
  await down({ log });
  releaseSession();
  rmSync(DEMO, { recursive: true, force: true });
  log("nodes stopped, ./demo removed");
  process.exit(0);
}
const problems = prerequisiteProblems();
if (problems.length > 0) {
  log(`cannot boot the demo nodes: ${problems.join("; ")}`);
  log("without them, try: npx reconcile validate cluster.yaml.example");
  process.exit(1);
}
await acquireSession({ log });
let testbed;
try {
  testbed = await up({ nodes: 3, log });
} finally {
  releaseSession();
}
if (!existsSync(join(DEMO, "cluster.yaml"))) {
  mkdirSync(DEMO, { recursive: true });
  writeClusterFiles(DEMO, testbed.nodes.slice(0, 3), testbed.identityFile);
}
const reconcile = (args) => {
  process.stdout.write(`\n$ reconcile ${args.join(" ")}\n`);
  const r = spawnSync(process.execPath, [join(REPO, "bin", "reconcile.js"), ...args], { cwd: DEMO, stdio: "inherit", env: { ...process.env, ...SECRET_ENV } });
  return r.status ?? 1;
};
for (const step of [["pin"], ["trust", "--yes"]]) if (reconcile(step) !== 0) process.exit(1);
const code = reconcile(["plan", "--detailed-exitcode"]);
log(`plan exited ${code} (2: changes pending). The demo cluster is in ./demo; the nodes keep running (npm run demo -- --down stops them).`);
process.exit(code === 2 || code === 0 ? 0 : 1);
