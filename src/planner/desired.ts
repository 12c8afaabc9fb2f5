/**
 * What a node should hold, derived from the resolved cluster alone (plus what the controller
 * measured locally). No facts here: resources/ compares this with them.
 */
import { posix } from "node:path";
import type { ArtifactKind, ResolvedCluster, ResolvedNode } from "../spec/resolved.js";
import { BACKUP_DIR, SERVICE_USER, UNIT_DIR, envLink, flowLink, storePath } from "../facts/layout.js";
import type { FactsRequest } from "../facts/types.js";
import {
  CADDYFILE,
  SERVER_UNIT,
  SERVICE_HOME,
  WORKER_TEMPLATE,
  caddyfile,
  instanceEnv,
  instanceEnvFile,
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
import type { FileContent, LocalInputs, MigrationDatabase, MigrationDetail } from "./types.js";

export type Desired =
  | { kind: "artifact"; address: Address; name: string; artifactKind: ArtifactKind | "flow-code"; sha256: string; path: string | null; bytes: number | null; unpackedBytes: number | null; source: string }
  | { kind: "link"; address: Address; path: string; target: string; needs: Address[] }
  | { kind: "packages"; address: Address; artifact: string; sha256: string; packages: { name: string; version: string }[] | null; needs: Address[] }
  | { kind: "user"; address: Address; name: string; home: string }
  | { kind: "file"; address: Address; path: string; mode: string; owner: string; group: string; content: FileContent; sensitive: boolean; needs: Address[] }
  | { kind: "database"; address: Address; name: string; user: string; password: { secret: string }; needs: Address[]; inputs: Address[] }
  | { kind: "service"; address: Address; unit: string; managedUnit: boolean; needs: Address[]; inputs: Address[] }
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

/** Desired resources of one node, in apply order within each kind. */
export function desiredFor(cluster: ResolvedCluster, node: ResolvedNode, local: LocalInputs): Desired[] {
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
  const file = (path: string, content: FileContent, options: { mode?: string; sensitive?: boolean; needs?: Address[] } = {}) =>
    add({ kind: "file", address: address.file(path), path, mode: options.mode ?? "0644", owner: "root", group: "root", content, sensitive: options.sensitive ?? false, needs: options.needs ?? [] });
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
      add({ kind: "service", address: pg, unit: "postgresql.service", managedUnit: false, needs: [address.packages(db.packages)], inputs: [address.packages(db.packages)] });
      // The secrets file holds the password (in the database URL): when it changes, the role's is set again.
      add({ kind: "database", address: address.database(db.name), name: db.name, user: db.user, password: { secret: db.password.secret }, needs: [pg], inputs: [address.file(serverSecretsFile)] });
      serverNeeds.push(address.database(db.name));
    }
    env(server.prefect.env);
    const envs = serverEnv(cluster);
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
      },
      needs: [...serverNeeds, link, ...envInputs],
      inputs: [link, ...(db.type === "postgresql" ? [address.database(db.name)] : [])],
    });
    const inputs: Address[] = [link, ...envInputs, address.file(`${UNIT_DIR}/${SERVER_UNIT}`), migration];
    add({ kind: "service", address: address.service(SERVER_UNIT), unit: SERVER_UNIT, managedUnit: true, needs: [...serverNeeds, ...inputs], inputs });
    const proxy = server.proxy;
    const text = caddyfile(cluster, node);
    if (proxy !== null && text !== null) {
      debs(proxy.packages);
      if (proxy.tls.mode === "files") {
        artifact(proxy.tls.certificate);
        artifact(proxy.tls.key);
      }
      file(CADDYFILE, { type: "text", text }, { needs: [address.packages(proxy.packages)] });
      add({
        kind: "service",
        address: address.service("caddy.service"),
        unit: "caddy.service",
        managedUnit: false,
        needs: [address.service(SERVER_UNIT), address.file(CADDYFILE), ...(proxy.tls.mode === "files" ? [address.artifact(proxy.tls.certificate), address.artifact(proxy.tls.key)] : [])],
        inputs: [address.packages(proxy.packages), address.file(CADDYFILE)],
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
    const envs = workerEnv(cluster, worker.settings);
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
      ];
      // On the server node itself, workers start once the API is up (plan() orders other nodes).
      const server = node.server ? [address.service(SERVER_UNIT), ...(cluster.server.proxy === null ? [] : [address.service("caddy.service")])] : [];
      add({ kind: "service", address: address.service(workerUnit(w.instance)), unit: workerUnit(w.instance), managedUnit: true, needs: [user, ...server, ...inputs], inputs });
    }
  }
  return out;
}

/** What the fact script must look at on this node for the planner to decide. */
export function factsRequestFor(cluster: ResolvedCluster, node: ResolvedNode, local: LocalInputs): FactsRequest {
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
  return { root: node.root, files, units, packages: [...packages].sort(), users };
}
