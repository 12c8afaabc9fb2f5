/**
 * Writes a cluster.yaml pointing at test-bed nodes, with real local artifacts (small tarballs, a flow
 * folder, deb sets named package_version_arch.deb) whose digests are left for `reconcile pin`.
 * Plain JavaScript so the benchmarks use it without a build step; e2e tests wrap it (cluster.ts).
 *
 * The first node runs the server (PostgreSQL and Caddy from deb sets), every other node a worker of
 * pool `production`; one flow runs there in its own environment.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUNDLE_FOLDER, prefectBundle } from "./prefect-bundle.mjs";

const ZERO = "0".repeat(64);

/**
 * The part every test cluster shares: its name, root SSH with the test bed key (plus `ssh`
 * settings given, such as `{ keepaliveInterval: "2s" }`), its nodes.
 */
const head = (name, nodes, identityFile, ssh = {}) => `apiVersion: reconcile/v1
kind: PrefectCluster
metadata:
  name: ${name}
ssh:
  user: root
  identityFile: ${identityFile}
  knownHostsFile: known_hosts
  connectTimeout: ${ssh.connectTimeout ?? "5s"}
${Object.entries(ssh)
  .filter(([k]) => k !== "connectTimeout")
  .map(([k, v]) => `  ${k}: ${v}\n`)
  .join("")}nodes:
${nodes.map((n) => `  - name: ${n.name}\n    address: ${n.address}`).join("\n")}`;

/**
 * The head of a test cluster.yaml (apiVersion, kind, metadata, ssh, nodes), for writers that add
 * their own artifacts, server and workers below it.
 */
export const clusterHead = head;

/** Secret values the cluster references: they must never appear in any output. */
export const SECRETS = { PG_PASSWORD: "pg-secret-Zq81", PREFECT_AUTH: "admin:auth-secret-Kx27" };

/**
 * @param {string} dir an empty folder
 * @param {{ name: string, address: string }[]} nodes
 * @param {string} identityFile
 * @returns {string} the path of cluster.yaml
 */
export function writeClusterFiles(dir, nodes, identityFile) {
  const art = join(dir, "artifacts");
  mkdirSync(art, { recursive: true });
  // Environments: small real tarballs (their content does not matter to a plan).
  writeFileSync(join(art, "prefect-env.tar"), Buffer.alloc(10240, 1));
  writeFileSync(join(art, "flow-env.tar"), Buffer.alloc(20480, 2));
  for (const [set, debs] of [
    ["pg-debs", ["postgresql-15_15.14-0+deb12u1_amd64.deb", "postgresql-common_248_all.deb"]],
    ["caddy-debs", ["caddy_2.6.2-5_amd64.deb"]],
  ]) {
    mkdirSync(join(art, set), { recursive: true });
    for (const deb of debs) writeFileSync(join(art, set, deb), `placeholder ${deb}\n`);
  }
  mkdirSync(join(dir, "flows", "etl"), { recursive: true });
  writeFileSync(join(dir, "flows", "etl", "etl.py"), "from prefect import flow\n\n@flow\ndef etl():\n    return 42\n");

  const [server, ...workers] = nodes;
  if (server === undefined) throw new Error("the test bed has no nodes");
  const yaml = `${head("e2e", nodes, identityFile)}
artifacts:
  prefect-env:
    kind: tar
    source: artifacts/prefect-env.tar
    sha256: ${ZERO}
  flow-env:
    kind: tar
    source: artifacts/flow-env.tar
    sha256: ${ZERO}
  pg-debs:
    kind: deb
    source: artifacts/pg-debs
    sha256: ${ZERO}
  caddy-debs:
    kind: deb
    source: artifacts/caddy-debs
    sha256: ${ZERO}
server:
  node: ${server.name}
  prefect:
    env: prefect-env
    authString: {secret: PREFECT_AUTH}
  database:
    type: postgresql
    packages: pg-debs
    name: prefect
    user: prefect
    password: {secret: PG_PASSWORD}
  proxy:
    type: caddy
    packages: caddy-debs
    listen: ":443"
    tls: {mode: internal}
workPools:
  - name: production
    queues:
      - name: main
workers:
${workers.map((w) => `  - node: ${w.name}\n    env: prefect-env\n    pools:\n      - pool: production`).join("\n")}
flows:
  - name: etl
    env: flow-env
    source: flows/etl
    entrypoint: etl.py:etl
    pool: production
    deployments:
      - name: nightly
        schedules:
          - cron: "0 2 * * *"
`;
  const file = join(dir, "cluster.yaml");
  writeFileSync(file, yaml);
  return file;
}

/** The environment that provides the secrets above. */
export const SECRET_ENV = Object.fromEntries(Object.entries(SECRETS).map(([k, v]) => [`RECONCILE_SECRET_${k}`, v]));

/**
 * A cluster that `reconcile apply` converges on bare test-bed nodes: the real Prefect server on
 * SQLite without a proxy, real process workers of pool `production`, all running the real Prefect
 * bundle (prefect-bundle.mjs), or a variant of it named `envName`: padded with `padBytes` of bulk
 * (an environment as big as real ones get), or `failing` (its `bin/prefect` exits at once, a broken
 * release that makes verify fail). `root` sets the cluster's managed root (default: none written,
 * so `/opt/prefect`). Returns the paths of cluster.yaml and of the environment archive.
 *
 * @param {string} dir an empty folder
 * @param {{ name: string, address: string }[]} nodes
 * @param {string} identityFile
 * @param {{ envName?: string, failing?: boolean, padBytes?: number, env?: { source: string, path?: string }, workerSettings?: Record<string, Record<string, string>>, ssh?: Record<string, string>, root?: string }} [options]
 *   `env`: an environment archive of your own instead.
 */
export function writeApplyCluster(dir, nodes, identityFile, options = {}) {
  const variant = options.envName !== undefined || options.failing === true || (options.padBytes ?? 0) > 0;
  const env = options.env ?? (variant ? { source: writeTestEnv(dir, options.envName ?? "test-env", options.failing === true, options.padBytes ?? 0), path: BUNDLE_FOLDER } : { source: prefectBundle().file, path: BUNDLE_FOLDER });
  const envFile = env.source;
  const envPath = env.path === undefined ? "" : `\n    path: ${env.path}`;
  const [server, ...workers] = nodes;
  if (server === undefined) throw new Error("the test bed has no nodes");
  const settings = options.workerSettings ?? {};
  const workerYaml = workers
    .map((w) => {
      const s = settings[w.name];
      const block = s === undefined ? "" : `\n    settings:\n${Object.entries(s).map(([k, v]) => `      ${k}: "${v}"`).join("\n")}`;
      return `  - node: ${w.name}\n    env: prefect-env\n    pools:\n      - pool: production${block}`;
    })
    .join("\n");
  const root = options.root === undefined ? "" : `\nroot: ${JSON.stringify(options.root)}`;
  const yaml = `${head("e2e-apply", nodes, identityFile, options.ssh)}${root}
artifacts:
  prefect-env:
    kind: tar
    source: ${envFile}${envPath}
    sha256: ${ZERO}
server:
  node: ${server.name}
  prefect:
    env: prefect-env
  database:
    type: sqlite
workPools:
  - name: production
workers:
${workerYaml}
`;
  const file = join(dir, "cluster.yaml");
  writeFileSync(file, yaml);
  return { file, envFile };
}

/** What the bundle's `bin/prefect` runs with its python: Prefect's CLI. */
export const PREFECT_MAIN = 'import sys; from prefect.cli import app; sys.argv[0] = "prefect"; sys.exit(app())';

/**
 * A variant of the real Prefect bundle as a tar environment (top folder BUNDLE_FOLDER, so the
 * artifact's `path` is that): with `padBytes` of bulk beside it, and a `VERSION` file naming the
 * variant so two variants differ; when `failing`, `bin/prefect` exits at once (a broken release);
 * `prefect`, when given, is the text of a `bin/prefect` of the test's own (the real one's way to
 * start Prefect is `exec "$(dirname "$(readlink -f "$0")")/python" -c '<PREFECT_MAIN>' "$@"`).
 * Uncompressed: it is made in a second or two and sent as it is.
 */
export function writeTestEnv(dir, name, failing, padBytes = 0, prefect = undefined) {
  const base = join(dir, "env-src", ".bundle");
  if (!existsSync(base)) {
    mkdirSync(base, { recursive: true });
    execFileSync("tar", ["-x", "-z", "-f", prefectBundle().file, "-C", base]);
  }
  const root = join(dir, "env-src", name);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  // Hard links: the variant costs no copy of the bundle's 150 MB.
  execFileSync("cp", ["-al", join(base, BUNDLE_FOLDER), join(root, BUNDLE_FOLDER)]);
  const top = join(root, BUNDLE_FOLDER);
  const own = failing ? "#!/bin/sh\necho 'this prefect is broken on purpose' >&2\nexit 1\n" : prefect;
  if (own !== undefined) {
    rmSync(join(top, "bin", "prefect"));
    writeFileSync(join(top, "bin", "prefect"), own, { mode: 0o755 });
  }
  writeFileSync(join(top, "VERSION"), `${name}${failing ? " (failing)" : ""}\n`);
  // Bulk, like a real environment's libraries (zeros: cheap to make, sent in full all the same).
  if (padBytes > 0) execFileSync("truncate", ["-s", String(padBytes), join(top, "pad.bin")]);
  mkdirSync(join(dir, "artifacts"), { recursive: true });
  const tar = join(dir, "artifacts", `${name}.tar`);
  execFileSync("tar", ["-c", "-f", tar, "--owner=0", "--group=0", "--mtime=@0", "--sort=name", "-C", root, BUNDLE_FOLDER]);
  return tar;
}

/**
 * A flow's own environment for e2e tests: a variant of the real Prefect bundle (its own `VERSION`
 * file, so its digest differs from the bundle's and from every other variant), gzip-compressed
 * like a real artifact. Returns its file and sha256.
 * @param {string} dir
 * @param {string} name
 * @returns {{ file: string, sha256: string }}
 */
export function writeFlowEnv(dir, name) {
  const tar = writeTestEnv(dir, name, false);
  execFileSync("gzip", ["-1", "-n", "-f", tar]);
  const file = `${tar}.gz`;
  return { file, sha256: createHash("sha256").update(readFileSync(file)).digest("hex") };
}

/**
 * `artifacts:` entries for a cluster of the real bundle: `envs` (name → `{ file, sha256 }` of a
 * tar environment with the bundle's top folder), then the PostgreSQL and Caddy deb sets with the
 * pins `reconcile fetch` wrote (none before the first fetch).
 * @param {Record<string, { file: string, sha256?: string }>} envs
 * @param {Record<string, string>} [debPins]
 */
export function bundleArtifactsYaml(envs, debPins = {}) {
  const env = ([name, a]) => `  ${name}:\n    kind: tar\n    source: ${a.file}\n    path: ${BUNDLE_FOLDER}\n${a.sha256 === undefined ? "" : `    sha256: ${a.sha256}\n`}`;
  const debs = (name, folder, pkg) => `  ${name}:\n    kind: deb\n    source: debs/${folder}\n    packages: [${pkg}]\n${debPins[name] === undefined ? "" : `    sha256: ${debPins[name]}\n`}`;
  return `artifacts:\n${Object.entries(envs).map(env).join("")}${debs("pg-debs", "postgresql", "postgresql")}${debs("caddy-debs", "caddy", "caddy")}`;
}

/**
 * The `server:` section the e2e tests and the demo use: PostgreSQL from `pg-debs`, the Prefect
 * server from `prefect-env` with the auth string `PREFECT_AUTH`, Caddy from `caddy-debs` with TLS
 * from its own CA and basic auth for `user` (bcrypt `hash`).
 * @param {{ node: string, port: number, user: string, hash: string, prefectPort?: number, backupsKeep?: number, extraDirectives?: string[] }} o
 */
export function serverYaml(o) {
  return `server:
  node: ${o.node}
  prefect:
    env: prefect-env
    authString: {secret: PREFECT_AUTH}
${o.prefectPort === undefined ? "" : `    port: ${o.prefectPort}\n`}  database:
    type: postgresql
    packages: pg-debs
    name: prefect
    user: prefect
    password: {secret: PG_PASSWORD}
${o.backupsKeep === undefined ? "" : `    backups: {keep: ${o.backupsKeep}}\n`}  proxy:
    type: caddy
    packages: caddy-debs
    listen: ":${o.port}"
    tls: {mode: internal}
    basicAuth:
      - user: ${o.user}
        passwordHash: "${o.hash}"
${o.extraDirectives === undefined ? "" : `    extraDirectives:\n${o.extraDirectives.map((d) => `      - ${JSON.stringify(d)}`).join("\n")}\n`}`;
}

/**
 * `workPools:` and `flows:` of the demo cluster (the flows of examples/flows, each in its own
 * environment `etl-env` / `report-env`, with two deployments each); the knobs are what the e2e
 * test changes.
 * @param {{ secondaryPriority?: number, dailyCron?: string, dailyRows?: number, hourlyPaused?: boolean, withHourly?: boolean, withReport?: boolean }} [k]
 */
export function demoObjectsYaml(k = {}) {
  return `workPools:
  - name: production
    description: the production pool
    queues:
      - name: prod-main
        priority: 1
      - name: prod-secondary
        priority: ${k.secondaryPriority ?? 2}
        concurrencyLimit: 2
flows:
  - name: etl
    env: etl-env
    source: flows/etl
    entrypoint: flow.py:etl
    pool: production
    deployments:
      - name: daily
        queue: prod-main
        schedules:
          - cron: "${k.dailyCron ?? "0 6 * * *"}"
            timezone: Europe/Berlin
        parameters: {rows: ${k.dailyRows ?? 1000}, source: warehouse}
        tags: [etl]
${
  k.withHourly === false
    ? ""
    : `      - name: hourly
        queue: prod-secondary
        schedules:
          - interval: 1h
        parameters: {rows: 10}
${k.hourlyPaused ? "        paused: true\n" : ""}`
}${
  k.withReport === false
    ? ""
    : `  - name: report
    env: report-env
    source: flows/report
    entrypoint: flow.py:report
    pool: production
    deployments:
      - name: weekly
        queue: prod-main
        schedules:
          - rrule: "FREQ=WEEKLY;BYDAY=MO;BYHOUR=7;BYMINUTE=0"
            timezone: UTC
        parameters: {title: weekly report, recipients: [ops]}
      - name: on-demand
        queue: prod-secondary
`
}`;
}
