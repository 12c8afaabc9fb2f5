/**
 * What a node should hold, derived from the resolved cluster alone (plus what the controller
 * measured locally). No facts here: resources/ compares this with them.
 */
import { posix } from "node:path";
import type { ArtifactKind, ResolvedCluster, ResolvedNode } from "../spec/resolved.js";
import { BACKUP_DIR, MANAGED_OBJECTS_FILE, MIGRATION_MARKER, SERVICE_USER, UNIT_DIR, envLink, flowLink, storePath } from "../facts/layout.js";
import type { FactsRequest } from "../facts/types.js";
import {
  CADDYFILE,
  CADDY_ROOT_CERT,
  PROXY_CA_FILE,
  proxyCaNeeded,
  SERVER_UNIT,
  SERVICE_HOME,
  WORKER_TEMPLATE,
  caddyfile,
  instanceEnv,
  instanceEnvFile,
  postgresqlConf,
  postgresqlConfFile,
  serverEnv,
  serverEnvFile,
  serverSecretsFile,
  serverUnitFile,
  workerEnv,
  workerEnvFile,
  workerInstances,
  workerSecretsFile,
  workerUnit,
  workerUnitFile,
} from "./templates.js";
import { address, type Address } from "./address.js";
import type { FileContent, FileValidator, LocalInputs, MigrationDatabase, MigrationDetail, ServerFacts } from "./types.js";
import { postgresqlServer, prefectVersionOf } from "./versions.js";

export type Desired =
  | { kind: "artifact"; address: Address; name: string; artifactKind: ArtifactKind | "flow-code"; sha256: string; path: string | null; bytes: number | null; unpackedBytes: number | null; source: string }
  | { kind: "link"; address: Address; path: string; target: string; needs: Address[] }
  | { kind: "packages"; address: Address; artifact: string; sha256: string; packages: { name: string; version: string }[] | null; needs: Address[] }
  | { kind: "user"; address: Address; name: string; home: string }
  | { kind: "file"; address: Address; path: string; mode: string; owner: string; group: string; content: FileContent; sensitive: boolean; needs: Address[]; validate?: FileValidator }
  | { kind: "database"; address: Address; name: string; user: string; password: { secret: string }; needs: Address[]; inputs: Address[] }
  | {
      kind: "service";
      address: Address;
      unit: string;
      managedUnit: boolean;
      needs: Address[];
      /** What restarts it when it changes. */
      inputs: Address[];
      /** Inputs it reads again on `systemctl reload`: when only these changed, it is reloaded, not restarted. */
      reloadOn?: Address[];
    }
  | {
      kind: "migration";
      address: Address;
      /** The server's environment artifact, and its link's address (what `ctx.changed` is asked about). */
      env: string;
      link: Address;
      /** The PostgreSQL database's address, or null for SQLite. */
      databaseAddress: Address | null;
      /** The step's detail when it runs (backup as if nothing is created in the plan). */
      detail: MigrationDetail;
      needs: Address[];
      inputs: Address[];
    };

/** The server node's facts as a worker's plan knows them: nothing yet. */
export const NO_SERVER_FACTS: ServerFacts = { caddyRoot: null };

/** The Debian version of the caddy package in a deb set (`2.6.2-12`), null when unknown. */
export function caddyVersion(local: LocalInputs, artifact: string): string | null {
  return local.artifacts[artifact]?.debs?.find((d) => d.name === "caddy")?.version ?? null;
}


/** The server's environment link target, or "" when its artifact is not declared (a spec error reported elsewhere). */
function serverEnvTarget(cluster: ResolvedCluster, node: ResolvedNode): string {
  const a = cluster.artifacts[cluster.server.prefect.env];
  return a === undefined ? "" : envTarget(node.root, a.kind, a.sha256, a.path);
}

/** The text of a finished migration's marker: the database and the environment it was migrated with. */
export function migrationMarker(database: MigrationDatabase, envTarget: string): string {
  const db = database.type === "postgresql" ? `postgresql ${database.name}` : `sqlite ${database.path}`;
  return `database ${db}\nenvironment ${envTarget}\n`;
}

/** Where an environment's interpreter tree is inside its store folder. */
export function envTarget(root: string, kind: ArtifactKind, sha256: string, path: string | null = null): string {
  // pixi-unpack writes env/ (and activate.sh) into its output folder.
  if (kind === "pixi-pack") return posix.join(storePath(root, sha256), "env");
  return path === null ? storePath(root, sha256) : posix.join(storePath(root, sha256), path);
}

const FLOW_CODE_PREFIX = "flow-code:";
export const flowCodeName = (flow: string) => `${FLOW_CODE_PREFIX}${flow}`;

function sourceText(cluster: ResolvedCluster, name: string): string {
  const s = cluster.artifacts[name]?.source;
  return s === undefined ? name : s.type === "path" ? s.path : s.url;
}

/**
 * The name a backup of `database` starts with on the node: `<cluster>-<database>` (a SQLite file's
 * name without its extension), characters other than letters, digits, `.`, `_` and `-` made `_`.
 */
export function backupName(cluster: string, database: MigrationDatabase): string {
  const db = database.type === "postgresql" ? database.name : posix.basename(database.path).replace(/\.[^.]*$/, "") || "sqlite";
  return `${cluster}-${db}`.replace(/[^A-Za-z0-9._-]/g, "_");
}

/**
 * Desired resources of one node, in apply order within each kind. `server` is what the server
 * node's facts say that this node's files copy (Caddy's root for the workers).
 */
export function desiredFor(cluster: ResolvedCluster, node: ResolvedNode, local: LocalInputs, server: ServerFacts = NO_SERVER_FACTS): Desired[] {
  const out: Desired[] = [];
  const seen = new Set<string>();
  const add = (d: Desired) => {
    if (seen.has(d.address)) return;
    seen.add(d.address);
    out.push(d);
  };
  const artifact = (name: string) => {
    const a = cluster.artifacts[name];
    if (a === undefined) return;
    add({ kind: "artifact", address: address.artifact(name), name, artifactKind: a.kind, sha256: a.sha256, path: a.path, bytes: local.artifacts[name]?.bytes ?? null, unpackedBytes: local.artifacts[name]?.unpackedBytes ?? null, source: sourceText(cluster, name) });
  };
  const env = (name: string) => {
    const a = cluster.artifacts[name];
    if (a === undefined) return;
    // pixi-unpack comes first: a node installs its artifacts in this order, and the pixi-pack
    // archive's install runs the pixi-unpack it ships.
    if (a.kind === "pixi-pack" && cluster.tools.pixiUnpack !== null) artifact(cluster.tools.pixiUnpack);
    artifact(name);
    add({ kind: "link", address: address.link(envLink(node.root, name)), path: envLink(node.root, name), target: envTarget(node.root, a.kind, a.sha256, a.path), needs: [address.artifact(name)] });
  };
  const debs = (name: string) => {
    const a = cluster.artifacts[name];
    if (a === undefined) return;
    artifact(name);
    const packages = local.artifacts[name]?.debs?.map((d) => ({ name: d.name, version: d.version })) ?? null;
    add({ kind: "packages", address: address.packages(name), artifact: name, sha256: a.sha256, packages, needs: [address.artifact(name)] });
  };
  const file = (path: string, content: FileContent, options: { mode?: string; sensitive?: boolean; needs?: Address[]; validate?: FileValidator } = {}) =>
    add({
      kind: "file",
      address: address.file(path),
      path,
      mode: options.mode ?? "0644",
      owner: "root",
      group: "root",
      content,
      sensitive: options.sensitive ?? false,
      needs: options.needs ?? [],
      ...(options.validate === undefined ? {} : { validate: options.validate }),
    });
  const envFile = (path: string, content: FileContent, sensitive: boolean) => file(path, content, { mode: "0600", sensitive });
  const user = address.user(SERVICE_USER);

  const services = node.server || node.workerPools.length > 0;
  if (services) add({ kind: "user", address: user, name: SERVICE_USER, home: SERVICE_HOME });

  if (node.server) {
    const server = cluster.server;
    const db = server.database;
    const serverNeeds: Address[] = [user];
    if (db.type === "postgresql") {
      debs(db.packages);
      const pg = address.service("postgresql.service");
      // The cluster's conf.d exists once the packages are in; without the set's major (no listing)
      // there is no path, and server-checks.ts makes that a plan error.
      const major = postgresqlServer(local.artifacts[db.packages]?.debs ?? [])?.major ?? null;
      const conf = major === null ? [] : [address.file(postgresqlConfFile(major))];
      if (major !== null) file(postgresqlConfFile(major), { type: "text", text: postgresqlConf(db.port) }, { needs: [address.packages(db.packages)] });
      add({ kind: "service", address: pg, unit: "postgresql.service", managedUnit: false, needs: [address.packages(db.packages), ...conf], inputs: [address.packages(db.packages), ...conf] });
      // The secrets file holds the password (in the database URL): when it changes, the role's is set again.
      add({ kind: "database", address: address.database(db.name), name: db.name, user: db.user, password: { secret: db.password.secret }, needs: [pg], inputs: [address.file(serverSecretsFile)] });
      serverNeeds.push(address.database(db.name));
    }
    env(server.prefect.env);
    const envs = serverEnv(cluster, prefectVersionOf(local, server.prefect.env));
    envFile(serverEnvFile, envs.plain, false);
    if (envs.secret !== null) envFile(serverSecretsFile, envs.secret, true);
    file(`${UNIT_DIR}/${SERVER_UNIT}`, { type: "text", text: serverUnitFile(cluster, node) });
    const link = address.link(envLink(node.root, server.prefect.env));
    const envInputs: Address[] = [address.file(serverEnvFile), ...(envs.secret === null ? [] : [address.file(serverSecretsFile)])];
    // Before the server (re)starts: the database backed up and migrated with the new environment.
    // Decided after the link and the database, and before the service, which restarts after it.
    const migration = address.migration(SERVER_UNIT.replace(/\.service$/, ""));
    const database: MigrationDatabase = db.type === "postgresql" ? { type: "postgresql", name: db.name, owner: db.user } : { type: "sqlite", path: db.path };
    add({
      kind: "migration",
      address: migration,
      env: server.prefect.env,
      link,
      databaseAddress: db.type === "postgresql" ? address.database(db.name) : null,
      detail: {
        kind: "migration",
        unit: SERVER_UNIT,
        env: envLink(node.root, server.prefect.env),
        envFile: serverEnvFile,
        secretsFile: serverSecretsFile,
        database,
        backup: { dir: BACKUP_DIR, name: backupName(cluster.name, database), keep: db.backups.keep },
        marker: { path: MIGRATION_MARKER, text: migrationMarker(database, serverEnvTarget(cluster, node)) },
      },
      needs: [...serverNeeds, link, ...envInputs],
      inputs: [link, ...(db.type === "postgresql" ? [address.database(db.name)] : [])],
    });
    const inputs: Address[] = [link, ...envInputs, address.file(`${UNIT_DIR}/${SERVER_UNIT}`), migration];
    add({ kind: "service", address: address.service(SERVER_UNIT), unit: SERVER_UNIT, managedUnit: true, needs: [...serverNeeds, ...inputs], inputs });
    const proxy = server.proxy;
    const text = proxy === null ? null : caddyfile(cluster, node, caddyVersion(local, proxy.packages));
    if (proxy !== null && text !== null) {
      debs(proxy.packages);
      if (proxy.tls.mode === "files") {
        artifact(proxy.tls.certificate);
        artifact(proxy.tls.key);
        // Verify on this node checks Caddy's certificate against it too.
        if (proxy.tls.ca !== null) artifact(proxy.tls.ca);
      }
      // Caddy checks it before it replaces the file the running Caddy serves.
      file(CADDYFILE, { type: "text", text }, { needs: [address.packages(proxy.packages)], validate: "caddy" });
      add({
        kind: "service",
        address: address.service("caddy.service"),
        unit: "caddy.service",
        managedUnit: false,
        needs: [address.service(SERVER_UNIT), address.file(CADDYFILE), ...(proxy.tls.mode === "files" ? [address.artifact(proxy.tls.certificate), address.artifact(proxy.tls.key)] : [])],
        inputs: [address.packages(proxy.packages), address.file(CADDYFILE)],
        // A new Caddyfile is read again through the admin API; a new binary needs a restart.
        reloadOn: [address.file(CADDYFILE)],
      });
    }
  }

  const worker = cluster.workers.find((w) => w.node === node.name);
  if (worker !== undefined) {
    env(worker.env);
    // Each flow's environment and code go to every worker of its pool.
    for (const flow of cluster.flows.filter((f) => node.workerPools.includes(f.pool))) {
      env(flow.env);
      const code = local.flows[flow.name];
      if (code !== undefined) {
        const name = flowCodeName(flow.name);
        add({ kind: "artifact", address: address.artifact(name), name, artifactKind: "flow-code", sha256: code.sha256, path: null, bytes: code.bytes, unpackedBytes: code.bytes, source: flow.source });
        add({ kind: "link", address: address.link(flowLink(node.root, flow.name)), path: flowLink(node.root, flow.name), target: storePath(node.root, code.sha256), needs: [address.artifact(name)] });
      }
    }
    const ca = proxyCa(cluster, node, server);
    if (ca !== null) {
      if (ca.artifact !== null) artifact(ca.artifact);
      file(PROXY_CA_FILE, ca.content, { needs: ca.needs });
    }
    const envs = workerEnv(cluster, worker.settings, prefectVersionOf(local, cluster.server.prefect.env));
    envFile(workerEnvFile, envs.plain, false);
    if (envs.secret !== null) envFile(workerSecretsFile, envs.secret, true);
    const template = `${UNIT_DIR}/${WORKER_TEMPLATE}`;
    file(template, { type: "text", text: workerUnitFile(cluster, node, worker.env) });
    for (const w of workerInstances(node, cluster)) {
      envFile(instanceEnvFile(w.instance), instanceEnv(w), false);
      const inputs: Address[] = [
        address.link(envLink(node.root, worker.env)),
        address.file(workerEnvFile),
        ...(envs.secret === null ? [] : [address.file(workerSecretsFile)]),
        address.file(instanceEnvFile(w.instance)),
        address.file(template),
        ...(ca === null ? [] : [address.file(PROXY_CA_FILE)]),
      ];
      // On the server node itself, workers start once the API is up (plan() orders other nodes).
      const server = node.server ? [address.service(SERVER_UNIT), ...(cluster.server.proxy === null ? [] : [address.service("caddy.service")])] : [];
      add({ kind: "service", address: address.service(workerUnit(w.instance)), unit: workerUnit(w.instance), managedUnit: true, needs: [user, ...server, ...inputs], inputs });
    }
  }
  return out;
}

/**
 * The CA a worker node trusts for the proxy ({@link PROXY_CA_FILE}), or null when it needs none:
 * with `tls: files`, the `ca` artifact's bytes from its store; with Caddy's internal CA, the
 * server node's root as its facts show it, or, before Caddy made it, read from the server node
 * at apply time (after the server node's Caddy started: on that node itself, through `needs`;
 * from other nodes, plan() adds the dependency).
 */
function proxyCa(cluster: ResolvedCluster, node: ResolvedNode, server: ServerFacts): { content: FileContent; artifact: string | null; needs: Address[] } | null {
  const tls = cluster.server.proxy?.tls;
  if (tls === undefined || !proxyCaNeeded(cluster)) return null;
  if (tls.mode === "files" && tls.ca !== null) {
    const sha256 = cluster.artifacts[tls.ca]?.sha256 ?? "";
    return { content: { type: "artifact", artifact: tls.ca, sha256 }, artifact: tls.ca, needs: [address.artifact(tls.ca)] };
  }
  const needs = node.server ? [address.service("caddy.service")] : [];
  if (server.caddyRoot !== null) return { content: { type: "text", text: server.caddyRoot }, artifact: null, needs };
  const content: FileContent = {
    type: "remote",
    node: cluster.server.node,
    path: CADDY_ROOT_CERT,
    what: "Caddy's internal CA",
    missing: `Caddy makes it when it first starts with \`tls: {mode: internal}\`: check \`systemctl status caddy\` and \`journalctl -u caddy\` on ${cluster.server.node}`,
  };
  return { content, artifact: null, needs };
}

/**
 * What the fact script must look at on this node for the planner to decide. `deep` (`drift
 * --deep`) also re-hashes the store's content; PostgreSQL's roles and databases are asked of the
 * server node whenever its database is PostgreSQL (a role or database dropped by hand is seen).
 */
export function factsRequestFor(cluster: ResolvedCluster, node: ResolvedNode, local: LocalInputs, options: { deep?: boolean } = {}): FactsRequest {
  const desired = desiredFor(cluster, node, local);
  const files: FactsRequest["files"] = [];
  const units: string[] = [];
  const packages = new Set<string>();
  const users: string[] = [];
  for (const d of desired) {
    if (d.kind === "file") files.push({ path: d.path, content: !d.sensitive });
    else if (d.kind === "service") units.push(d.unit);
    else if (d.kind === "user") users.push(d.name);
    else if (d.kind === "packages") for (const p of d.packages ?? []) packages.add(p.name);
  }
  // The workers copy Caddy's root: read where Caddy keeps it, when it is there.
  if (node.server && workersTrustCaddyRoot(cluster)) files.push({ path: CADDY_ROOT_CERT, content: true });
  // What the database was last migrated for: a migration cut short is planned again.
  if (node.server) files.push({ path: MIGRATION_MARKER, content: true });
  // The record of the Prefect objects reconcile created: what a prune may delete (cluster-wide.ts).
  if (node.server) files.push({ path: MANAGED_OBJECTS_FILE, content: true });
  const postgres = desired.some((d) => d.kind === "database");
  return { root: node.root, files, units, packages: [...packages].sort(), users, ...(options.deep === true ? { deep: true } : {}), ...(postgres ? { postgres: true } : {}) };
}

/** Some worker copies Caddy's internal root from the server node. */
export function workersTrustCaddyRoot(cluster: ResolvedCluster): boolean {
  return cluster.server.proxy?.tls.mode === "internal" && cluster.workers.length > 0;
}
