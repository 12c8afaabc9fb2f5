/**
 * Written spec → {@link ResolvedCluster}: defaults, SSH precedence (cluster, then node), absolute
 * paths. Pure; expects a spec that passed the schema and the rules.
 */
import type { ClusterSpec, Deployment, Schedule, SshSettings } from "./cluster.generated.js";
import type {
  ResolvedCluster,
  ResolvedDeployment,
  ResolvedPool,
  ResolvedSchedule,
  ResolvedServer,
  ResolvedSsh,
  ResolvedTls,
} from "./resolved.js";
import { DEFAULT_POSTGRES_PORT, DEFAULT_PREFECT_PORT, DEFAULT_QUEUE } from "./rules.js";
import { findSecretRefs } from "./secrets.js";
import { isUrlSource, localPath } from "./sources.js";

export const DEFAULT_ROOT = "/opt/prefect";
export const DEFAULT_SQLITE_PATH = "/var/lib/prefect/prefect.db";
/** Backups of the server's database kept on the server node when `server.database.backups.keep` is unset. */
export const DEFAULT_BACKUPS_KEPT = 5;
const SSH_DEFAULTS = {
  user: "root",
  port: 22,
  connectTimeout: "10s",
  commandTimeout: "10m",
  keepaliveInterval: "15s",
  progressTimeout: "60s",
  become: "none",
} as const;

export interface NormalizeContext {
  /** Absolute path of cluster.yaml; relative paths in it resolve from its folder. */
  specFile: string;
  specDigest: string;
  /** The controller user's home, for `~/` in paths. */
  homeDir: string;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `30s` → 30000. The schema guarantees the shape. */
export function durationMs(text: string): number {
  const match = /^([0-9]+)(ms|s|m|h)$/.exec(text);
  if (match === null) throw new RangeError(`not a duration: ${text}`);
  return Number(match[1]) * (UNIT_MS[match[2] ?? "s"] ?? 1000);
}

function mergeSsh(cluster: SshSettings | undefined, node: SshSettings | undefined, ctx: NormalizeContext): ResolvedSsh {
  const s = { ...SSH_DEFAULTS, ...cluster, ...node };
  return {
    user: s.user,
    port: s.port,
    identityFile: s.identityFile === undefined ? null : localPath(s.identityFile, ctx),
    knownHostsFile: localPath(s.knownHostsFile ?? "known_hosts", ctx),
    connectTimeoutMs: durationMs(s.connectTimeout),
    commandTimeoutMs: durationMs(s.commandTimeout),
    keepaliveIntervalMs: durationMs(s.keepaliveInterval),
    progressTimeoutMs: durationMs(s.progressTimeout),
    become: s.become,
  };
}

/** Drops keys whose value is undefined (generated index signatures allow it; resolved ones do not). */
function definedValues<T>(record: { [k: string]: T | undefined } | undefined): Record<string, T> {
  return Object.fromEntries(Object.entries(record ?? {}).filter((e): e is [string, T] => e[1] !== undefined));
}

function schedule(s: Schedule): ResolvedSchedule {
  const timezone = s.timezone ?? "UTC";
  const active = s.active ?? true;
  if ("cron" in s) return { type: "cron", cron: s.cron.trim(), timezone, dayOr: s.dayOr ?? true, active };
  if ("rrule" in s) return { type: "rrule", rrule: s.rrule, timezone, active };
  const seconds = typeof s.interval === "number" ? s.interval : durationMs(s.interval) / 1000;
  return { type: "interval", seconds, anchorDate: s.anchorDate ?? null, timezone, active };
}

function deployment(d: Deployment): ResolvedDeployment {
  return {
    name: d.name,
    description: d.description ?? "",
    queue: d.queue ?? DEFAULT_QUEUE,
    schedules: (d.schedules ?? []).map(schedule),
    parameters: d.parameters ?? {},
    tags: d.tags ?? [],
    paused: d.paused ?? false,
    concurrencyLimit: d.concurrencyLimit ?? null,
    env: definedValues(d.env),
  };
}

function server(spec: ClusterSpec): ResolvedServer {
  const s = spec.server;
  const db = s.database;
  const written = s.proxy?.tls ?? { mode: "internal" };
  const tls: ResolvedTls = written.mode === "files" ? { mode: "files", certificate: written.certificate, key: written.key, ca: written.ca ?? null } : written;
  const backups = { keep: db.backups?.keep ?? DEFAULT_BACKUPS_KEPT };
  return {
    node: s.node,
    prefect: {
      env: s.prefect.env,
      port: s.prefect.port ?? DEFAULT_PREFECT_PORT,
      settings: definedValues(s.prefect.settings),
      authString: s.prefect.authString ?? null,
    },
    database:
      db.type === "postgresql"
        ? { type: "postgresql", packages: db.packages, name: db.name, user: db.user, password: db.password, port: db.port ?? DEFAULT_POSTGRES_PORT, backups }
        : { type: "sqlite", path: db.path ?? DEFAULT_SQLITE_PATH, backups },
    proxy:
      s.proxy === undefined
        ? null
        : { type: "caddy", packages: s.proxy.packages, listen: s.proxy.listen, tls, basicAuth: s.proxy.basicAuth ?? [], extraDirectives: s.proxy.extraDirectives ?? [] },
  };
}

function pools(spec: ClusterSpec): ResolvedPool[] {
  return (spec.workPools ?? []).map((p) => {
    const declared = (p.queues ?? []).map((q) => ({
      name: q.name,
      description: q.description ?? "",
      priority: q.priority ?? null,
      concurrencyLimit: q.concurrencyLimit ?? null,
      paused: q.paused ?? false,
    }));
    const hasDefault = declared.some((q) => q.name === DEFAULT_QUEUE);
    const queues = hasDefault
      ? declared
      : [{ name: DEFAULT_QUEUE, description: "", priority: null, concurrencyLimit: null, paused: false }, ...declared];
    return {
      name: p.name,
      type: p.type ?? "process",
      description: p.description ?? "",
      concurrencyLimit: p.concurrencyLimit ?? null,
      paused: p.paused ?? false,
      baseJobTemplate: p.baseJobTemplate ?? null,
      queues,
    };
  });
}

/** The resolved cluster. */
export function normalize(spec: ClusterSpec, ctx: NormalizeContext): ResolvedCluster {
  const workers = spec.workers ?? [];
  const root = spec.root ?? DEFAULT_ROOT;
  return {
    name: spec.metadata.name,
    description: spec.metadata.description ?? "",
    specFile: ctx.specFile,
    specDigest: ctx.specDigest,
    secretsFile: spec.secrets?.file === undefined ? null : localPath(spec.secrets.file, ctx),
    tools: { pixiUnpack: spec.tools?.pixiUnpack ?? null },
    nodes: spec.nodes.map((n) => ({
      name: n.name,
      address: n.address,
      root: n.root ?? root,
      ssh: mergeSsh(spec.ssh, n.ssh, ctx),
      server: spec.server.node === n.name,
      workerPools: workers.filter((w) => w.node === n.name).flatMap((w) => w.pools.map((p) => p.pool)),
    })),
    artifacts: Object.fromEntries(
      Object.entries(spec.artifacts).flatMap(([name, a]) =>
        a === undefined
          ? []
          : [
              [
                name,
                {
                  name,
                  kind: a.kind,
                  source: isUrlSource(a.source) ? { type: "url", url: a.source } : { type: "path", path: localPath(a.source, ctx) },
                  sha256: a.sha256,
                  path: a.path ?? null,
                  packages: [...(a.packages ?? [])].sort(),
                },
              ],
            ],
      ),
    ),
    server: server(spec),
    workPools: pools(spec),
    workers: workers.map((w) => ({
      node: w.node,
      env: w.env,
      processes: w.processes ?? 1,
      limit: w.limit ?? null,
      settings: definedValues(w.settings),
      pools: w.pools.map((p) => ({ pool: p.pool, queues: p.queues ?? "all" })),
    })),
    flows: (spec.flows ?? []).map((f) => ({
      name: f.name,
      env: f.env,
      source: localPath(f.source, ctx),
      entrypoint: f.entrypoint,
      pool: f.pool,
      deployments: (f.deployments ?? []).map(deployment),
    })),
    drift: { ignore: spec.drift?.ignore ?? [], policies: spec.drift?.policies ?? [] },
    secretNames: [...new Set(findSecretRefs(spec).map((r) => r.name))].sort(),
  };
}
