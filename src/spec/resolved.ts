/**
 * The resolved cluster: defaults applied, SSH settings merged cluster → node, paths absolute,
 * references checked. It is the only form of the spec that leaves src/spec; everything past the
 * loader reads these types, never the generated `ClusterSpec`.
 *
 * Invariants: every name referenced here exists (artifacts, nodes, pools, queues); lists keep the
 * order of the file; optional numbers are `null` when unset (never `undefined`), so the whole
 * value is JSON-serializable and stable.
 */
import type { BasicAuthUser, DriftIgnoreRule, DriftPolicy, SecretRef } from "./cluster.generated.js";

/** Drift rules as written (their fields need no resolving). */
export type { DriftIgnoreRule, DriftPolicy };

export type { SecretRef };
export type ArtifactKind = "pixi-pack" | "conda-pack" | "tar" | "deb" | "file";
/** A setting's value; secrets stay references until an executor needs them. */
export type SettingValue = string | number | boolean | SecretRef;

export interface ResolvedSsh {
  user: string;
  port: number;
  /** Absolute path on the controller, or null to use the SSH agent. */
  identityFile: string | null;
  /** Absolute path of the cluster's known_hosts file. */
  knownHostsFile: string;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  keepaliveIntervalMs: number;
  /** Longest an upload may go without an acknowledged write. */
  progressTimeoutMs: number;
  become: "sudo" | "none";
}

export interface ResolvedNode {
  name: string;
  address: string;
  /** Managed root on this node (store, envs, flows). */
  root: string;
  ssh: ResolvedSsh;
  /** True on the node named in `server.node`. */
  server: boolean;
  /** Pools a worker on this node serves (empty when it runs no worker). */
  workerPools: string[];
}

export type ArtifactSource = { type: "path"; path: string } | { type: "url"; url: string };

export interface ResolvedArtifact {
  name: string;
  kind: ArtifactKind;
  source: ArtifactSource;
  sha256: string;
  /** tar and conda-pack: the folder inside the archive that is the environment; null for its root. */
  path: string | null;
  /** deb: the packages the set must provide, for `reconcile fetch` (sorted); empty when not declared. */
  packages: string[];
}

/** How many backups of the server's database the server node keeps (the newest), ≥ 1. */
export interface ResolvedBackups {
  keep: number;
}

export type ResolvedDatabase =
  | { type: "postgresql"; packages: string; name: string; user: string; password: SecretRef; port: number; backups: ResolvedBackups }
  | { type: "sqlite"; path: string; backups: ResolvedBackups };

/** `files`: `ca` is the artifact with the CA that signed the certificate (the workers trust it), null when not given. */
export type ResolvedTls = { mode: "internal" } | { mode: "files"; certificate: string; key: string; ca: string | null } | { mode: "off" };

export interface ResolvedProxy {
  type: "caddy";
  packages: string;
  listen: string;
  tls: ResolvedTls;
  basicAuth: BasicAuthUser[];
  /** Raw Caddyfile lines inside the site block, after the basic auth and before `reverse_proxy`; empty when none. */
  extraDirectives: string[];
}

export interface ResolvedServer {
  node: string;
  prefect: {
    env: string;
    port: number;
    settings: Record<string, SettingValue>;
    authString: SecretRef | null;
  };
  database: ResolvedDatabase;
  proxy: ResolvedProxy | null;
}

export interface ResolvedQueue {
  name: string;
  description: string;
  /** null: Prefect picks the first free priority. */
  priority: number | null;
  concurrencyLimit: number | null;
  paused: boolean;
}

export interface ResolvedPool {
  name: string;
  type: "process";
  description: string;
  concurrencyLimit: number | null;
  paused: boolean;
  /** null: Prefect's default process template. */
  baseJobTemplate: Record<string, unknown> | null;
  /** Declared queues, plus `default` (which Prefect always has) when not declared. */
  queues: ResolvedQueue[];
}

export interface ResolvedWorkerPool {
  pool: string;
  /** Queues to poll; "all" polls every queue of the pool. */
  queues: string[] | "all";
}

export interface ResolvedWorker {
  node: string;
  env: string;
  processes: number;
  limit: number | null;
  settings: Record<string, SettingValue>;
  pools: ResolvedWorkerPool[];
}

export type ResolvedSchedule =
  | { type: "cron"; cron: string; timezone: string; dayOr: boolean; active: boolean }
  | { type: "interval"; seconds: number; anchorDate: string | null; timezone: string; active: boolean }
  | { type: "rrule"; rrule: string; timezone: string; active: boolean };

export interface ResolvedDeployment {
  name: string;
  description: string;
  queue: string;
  schedules: ResolvedSchedule[];
  parameters: Record<string, unknown>;
  tags: string[];
  paused: boolean;
  concurrencyLimit: number | null;
  env: Record<string, SettingValue>;
}

export interface ResolvedFlow {
  name: string;
  env: string;
  /** Absolute path of the code folder on the controller. */
  source: string;
  entrypoint: string;
  pool: string;
  deployments: ResolvedDeployment[];
}

export interface ResolvedCluster {
  name: string;
  description: string;
  /** Absolute path of cluster.yaml. */
  specFile: string;
  /** sha256 of the cluster.yaml bytes: saved plans record it. */
  specDigest: string;
  /** Absolute path of the secrets file, or null. */
  secretsFile: string | null;
  tools: { pixiUnpack: string | null };
  nodes: ResolvedNode[];
  artifacts: Record<string, ResolvedArtifact>;
  server: ResolvedServer;
  workPools: ResolvedPool[];
  workers: ResolvedWorker[];
  flows: ResolvedFlow[];
  /** Drift rules (planner/drift-rules.ts): honoured by drift, plan, apply and watch alike. */
  drift: { ignore: DriftIgnoreRule[]; policies: DriftPolicy[] };
  /** Every secret name the spec references, sorted, without duplicates. */
  secretNames: string[];
}
