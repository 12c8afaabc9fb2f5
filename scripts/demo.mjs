#!/usr/bin/env node
/**
 * `npm run demo`: a real Prefect cluster on three Debian 13 nodes booted on this machine (the test
 * bed: systemd-nspawn on a private bridge, no way out to the internet), set up the way reconcile
 * is meant to be used on an isolated network:
 *
 *   1. boot n1, n2, n3 (or reuse them) and build the real Prefect 3.4.25 bundle (cached);
 *   2. write ./demo/cluster.yaml: the server on n1 (PostgreSQL, the Prefect server, Caddy with TLS
 *      from its own CA and basic auth), process workers on n2 and n3 serving pool `production`
 *      with its queues `prod-main` and `prod-secondary`, and two flows (examples/flows), each in
 *      its own environment, with two deployments each; secrets in ./demo/secrets.env (0600, made
 *      once);
 *   3. `reconcile trust --yes`, `reconcile fetch` (the PostgreSQL and Caddy .debs the nodes lack,
 *      resolved against their own dpkg status), `reconcile apply --yes`, then
 *      `reconcile run etl/daily --wait`: one flow run to COMPLETED on a worker;
 *   4. print how to reach the UI and the API, and what to try next.
 *
 *   npm run demo            # all of the above; run again, it converges (nothing to do)
 *   npm run demo -- --down  # stop the nodes and remove ./demo
 *
 * Needs root, systemd-container and debootstrap, and Debian's archive the first time (node image,
 * Prefect bundle, the .debs); later runs work offline.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import bcrypt from "bcryptjs";
import { acquireSession, down, prerequisiteProblems, releaseSession, sshExec, up } from "../test/testbed/testbed.mjs";
import { prefectBundle } from "../test/e2e/prefect-bundle.mjs";
import { bundleArtifactsYaml, clusterHead, demoObjectsYaml, serverYaml, writeFlowEnv } from "../test/e2e/cluster-files.mjs";

const REPO = dirname(dirname(fileURLToPath(import.meta.url)));
const DEMO = join(REPO, "demo");
const PORT = 8443;
const log = (m) => process.stderr.write(`[demo] ${m}\n`);

if (process.argv.includes("--down")) {
  await acquireSession({ log });
  try {
    await down({ log });
  } finally {
    releaseSession();
  }
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
const [server, ...workers] = testbed.nodes.slice(0, 3);
log("building (or finding in the cache) the real Prefect 3.4.25 bundle");
const bundle = prefectBundle();

mkdirSync(DEMO, { recursive: true });
const secrets = loadSecrets(join(DEMO, "secrets.env"));
const file = join(DEMO, "cluster.yaml");
if (!existsSync(file)) {
  // Each flow in its own environment: here two variants of the bundle (a real team packs one per
  // flow with pixi-pack); and the flows' code, from examples/flows.
  log("making the flows' environments");
  const flowEnvs = { etl: writeFlowEnv(DEMO, "etl-env"), report: writeFlowEnv(DEMO, "report-env") };
  rmSync(join(DEMO, "env-src"), { recursive: true, force: true });
  cpSync(join(REPO, "examples", "flows"), join(DEMO, "flows"), { recursive: true });
  writeFileSync(file, clusterYaml(secrets, flowEnvs));
}

const env = { ...process.env, ...Object.fromEntries(Object.entries(secrets).map(([k, v]) => [`RECONCILE_SECRET_${k}`, v])) };
const reconcile = (args) => {
  process.stdout.write(`\n$ reconcile ${args.join(" ")}\n`);
  const r = spawnSync(process.execPath, [join(REPO, "bin", "reconcile.js"), ...args], { cwd: DEMO, stdio: "inherit", env });
  return r.status ?? 1;
};
for (const step of [["trust", "--yes"], ["fetch"], ["apply", "--yes"], ["run", "etl/daily", "--param", "rows=42", "--wait", "--timeout", "5m"]]) {
  const code = reconcile(step);
  if (code !== 0) {
    log(`\`reconcile ${step.join(" ")}\` exited ${code}; the nodes keep running (npm run demo -- --down stops them)`);
    process.exit(1);
  }
}

// The CA that signed Caddy's certificate, for a browser or a CLI on this machine to trust.
const ca = await sshExec(server.name, "cat /var/lib/caddy/.local/share/caddy/pki/authorities/local/root.crt");
const caFile = join(DEMO, "caddy-root.crt");
if (ca.code === 0) writeFileSync(caFile, ca.stdout);
const user = secrets.PREFECT_AUTH.split(":")[0];
const secretsFile = join(DEMO, "secrets.env");
process.stdout.write(`
The cluster is up: PostgreSQL, the Prefect server and Caddy on ${server.name} (${server.address}), process
workers on ${workers.map((w) => w.name).join(" and ")} serving pool production (queues prod-main and prod-secondary),
flows etl and report each in its own environment, with deployments etl/daily, etl/hourly,
report/weekly and report/on-demand. The flow run above ran etl/daily on a worker.

Reach the UI and the API through Caddy (TLS from Caddy's own CA, basic auth):
  from this machine:   https://${server.address}:${PORT}/
  from another one:    ssh -L ${PORT}:${server.address}:${PORT} root@<this machine>   then https://localhost:${PORT}/
  user ${user}; the password is the part after "${user}:" of RECONCILE_SECRET_PREFECT_AUTH in ${secretsFile}
  the CA to trust:     ${caFile}

The API from a Prefect client:
  export PREFECT_API_URL=https://${server.address}:${PORT}/api PREFECT_API_SSL_CERT_FILE=${caFile}
  export PREFECT_API_AUTH_STRING="$(. ${secretsFile}; echo "$RECONCILE_SECRET_PREFECT_AUTH")"
  prefect work-pool ls

Try next, in ./demo (set -a; . ./secrets.env; set +a gives reconcile the secrets):
  npx reconcile plan            nothing to do: the cluster is converged
  npx reconcile status          the whole cluster on one screen: services, versions, workers ONLINE, drift
  npx reconcile drift           what differs from cluster.yaml (exit 2 when something does); --format markdown
  npx reconcile watch --interval 1m --self-heal    converge on every save of cluster.yaml, and undo drift
  npx reconcile run report/on-demand --param title=hello --wait     another flow run, followed
  npx reconcile ui              the UI on https://localhost:4200/ through SSH (trust ${caFile})
  edit cluster.yaml (a schedule, a parameter, processes: 2 on a worker), then npx reconcile plan, npx reconcile apply
  npx reconcile facts ${server.name}      what reconcile reads from a node
  npm run demo -- --down        stop the nodes and remove ./demo
`);

/** The demo's secrets, made once and kept 0600 beside the cluster. */
function loadSecrets(path) {
  if (existsSync(path)) {
    return Object.fromEntries(
      readFileSync(path, "utf8")
        .split("\n")
        .filter((l) => l.includes("="))
        .map((l) => [l.slice(0, l.indexOf("=")).replace(/^RECONCILE_SECRET_/, ""), l.slice(l.indexOf("=") + 1).replace(/^'|'$/g, "")]),
    );
  }
  const word = () => randomBytes(12).toString("base64url");
  const values = { PG_PASSWORD: word(), PREFECT_AUTH: `admin:${word()}` };
  writeFileSync(path, Object.entries(values).map(([k, v]) => `RECONCILE_SECRET_${k}='${v}'\n`).join(""), { mode: 0o600 });
  return values;
}

/**
 * The demo cluster. The UI's user is the auth string's: a browser that logged in to Caddy sends
 * the same header to the API, so the UI asks once.
 */
function clusterYaml(s, flowEnvs) {
  const [uiUser, uiPassword] = [s.PREFECT_AUTH.split(":")[0], s.PREFECT_AUTH.slice(s.PREFECT_AUTH.indexOf(":") + 1)];
  return `# The cluster npm run demo made: three Debian 13 nodes on this machine's test bed.
${clusterHead("demo", testbed.nodes.slice(0, 3), testbed.identityFile)}
${bundleArtifactsYaml({ "prefect-env": bundle, "etl-env": flowEnvs.etl, "report-env": flowEnvs.report })}${serverYaml({ node: server.name, port: PORT, user: uiUser, hash: bcrypt.hashSync(uiPassword, 10) })}${demoObjectsYaml()}workers:
${workers.map((w) => `  - node: ${w.name}\n    env: prefect-env\n    limit: 4\n    pools:\n      - pool: production`).join("\n")}
`;
}
