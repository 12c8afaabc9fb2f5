/**
 * The cluster at a glance (`reconcile status`, issue 13 item 4): one value built from ONE gather
 * (the nodes' facts, the Prefect objects), the API's extras (health, workers, late runs) and the
 * drift report of the same gather. Pure and deterministic: no clock (ages are the display's, from
 * a `now` the CLI passes), no I/O. `reconcile status --json` prints it as it is: the shape is
 * versioned ({@link STATUS_FORMAT}) and documented in the README.
 *
 * It says what IS there; what differs from the spec is the drift report's job, summed up here one
 * line per resource. Where the two meet (a link pointing at another digest than declared, a unit
 * that is not active), the fields say so (`current`, `state`), so a screen can mark them.
 */
import { posix } from "node:path";
import { apiFactsOf, type ApiFacts } from "../facts/prefect.js";
import type { ApiRead, FactSet, LinkFact, LockFact, NodeFacts, RawApiFacts, RawApiStatus, UnitFact } from "../facts/types.js";
import type { ResolvedCluster, ResolvedNode } from "../spec/resolved.js";
import { desiredFor, flowCodeName } from "./desired.js";
import type { DriftReport } from "./drift.js";
import { workerInstances } from "./templates.js";
import type { LocalInputs } from "./types.js";

/** The version of the JSON shape: bumped when a field changes meaning or goes away. */
export const STATUS_FORMAT = 1;
/** Digests are shown by their first 12 hex digits (as git shows commits). */
export const SHORT_DIGEST = 12;

/** What the API gave when the facts were gathered (the shape of run/gather.ts's GatheredApi). */
export type StatusApiInput = { state: "gathered"; raw: RawApiFacts } | { state: "unavailable"; reason: string } | { state: "error"; error: string } | { state: "not-gathered" };

export interface StatusInputs {
  facts: FactSet;
  local: LocalInputs;
  api: StatusApiInput;
}

export interface ServiceStatus {
  unit: string;
  /** `ok`: active; `down`: loaded but not active (failed, inactive, activating...); `missing`: no such unit. */
  state: "ok" | "down" | "missing";
  /** systemd's words: `active/running`, `failed/failed`, `inactive/dead`. */
  active: string;
  sub: string;
  /** enabled, disabled, static; "" when unknown. */
  enabled: string;
  /** The spec puts it on this node (false: a prefect-* unit an earlier spec left). */
  declared: boolean;
}

/** An env or flow link on the node (envs/<name>, flows/<flow>) and what it points at. */
export interface LinkStatus {
  /** The env's or flow's name (the link's file name). */
  name: string;
  path: string;
  state: "link" | "absent" | "other";
  /** The artifact whose digest the target is (`flow-code:<flow>` for flow code); null: unknown target. */
  artifact: string | null;
  /** The target's store digest, first {@link SHORT_DIGEST} digits; null when it points outside the store. */
  digest: string | null;
  /** Points where the spec wants it now (false: another version, or not declared at all). */
  current: boolean;
  /** The spec puts this link on this node. */
  declared: boolean;
}

export interface NodeStatusEntry {
  name: string;
  address: string;
  /** `server`, `database` (PostgreSQL on it), `proxy` (Caddy on it), `worker`. */
  roles: ("server" | "database" | "proxy" | "worker")[];
  /** Pools its worker serves. */
  pools: string[];
  reachable: boolean;
  /** Why it could not be reached, with the transport's hint. */
  error: string | null;
  hint: string | null;
  services: ServiceStatus[];
  envs: LinkStatus[];
  flows: LinkStatus[];
  /** From state.json: null when never applied (or unreadable: see `factErrors`). */
  generation: number | null;
  appliedAt: string | null;
  /** The spec digest the last apply converged to, short; `specCurrent`: it is the spec's digest now. */
  specDigest: string | null;
  specCurrent: boolean | null;
  /** The git commit of that spec, when the apply recorded one. */
  revision: string | null;
  /** An apply holding the node's lock right now. */
  lock: LockFact | null;
  /** Facts that could not be read on a reachable node: `units: ...`. */
  factErrors: string[];
}

export interface QueueStatus {
  name: string;
  paused: boolean;
  concurrencyLimit: number | null;
  priority: number;
  declared: boolean;
}

export interface WorkerStatus {
  name: string;
  /** The server's ONLINE / OFFLINE, or MISSING for a worker the spec runs that never registered. */
  status: string;
  /** ISO time of its last heartbeat, as the server gave it; null when none. */
  lastHeartbeat: string | null;
  /** The node that runs it, when the spec names the worker (reconcile names them `<node>-<pool>[-n]`). */
  node: string | null;
  declared: boolean;
}

export interface PoolStatus {
  name: string;
  /** The server has it; null when the objects were not read. */
  exists: boolean | null;
  paused: boolean | null;
  concurrencyLimit: number | null;
  queues: QueueStatus[];
  workers: WorkerStatus[];
  /** The workers were listed (false: not asked, or the read failed; `online` and `total` are 0 then). */
  workersRead: boolean;
  online: number;
  total: number;
  /** Runs in state Late (null: not read); `lateRunsMore`: at least that many (one page was read). */
  lateRuns: number | null;
  lateRunsMore: boolean;
  /** Reads that failed for this pool. */
  errors: string[];
}

export interface PrefectStatus {
  /** As the gather found the API: read, not running, failing, or not asked. */
  state: StatusApiInput["state"];
  version: string | null;
  /** Why the objects could not be read. */
  error: string | null;
  /** `GET /api/health`: null when not asked (the API was not read). */
  health: { ok: boolean; detail: string } | null;
}

export interface DriftLine {
  /** null for the Prefect objects. */
  node: string | null;
  address: string;
  summary: string;
  policy: "fix" | "warn";
}

export interface ClusterStatus {
  format: typeof STATUS_FORMAT;
  cluster: string;
  specFile: string;
  /** The spec's digest now, short. */
  specDigest: string;
  nodes: NodeStatusEntry[];
  prefect: PrefectStatus;
  pools: PoolStatus[];
  drift: { inSync: boolean; items: DriftLine[]; silenced: number };
  /** What could not be read (nodes, facts, the API, a pool's workers...): empty when everything was. `status` exits 1 otherwise. */
  problems: string[];
}

/** A digest's first {@link SHORT_DIGEST} hex digits (a `sha256:` prefix dropped). */
export const shortDigest = (digest: string): string => digest.replace(/^sha256:/, "").slice(0, SHORT_DIGEST);

const STORE_DIGEST = /\/store\/([0-9a-f]{64})(?:\/|$)/;

/** The store digest a link target names, or null when it points outside the store. */
export function targetDigest(target: string): string | null {
  return STORE_DIGEST.exec(target)?.[1] ?? null;
}

/** Every digest the spec and the local inputs know, with the artifacts that have it (flow code as `flow-code:<flow>`). */
function artifactsByDigest(cluster: ResolvedCluster, local: LocalInputs): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (sha: string, name: string) => out.set(sha, [...(out.get(sha) ?? []), name]);
  for (const a of Object.values(cluster.artifacts)) add(a.sha256, a.name);
  for (const [flow, code] of Object.entries(local.flows)) add(code.sha256, flowCodeName(flow));
  return out;
}

function services(desired: readonly string[], units: Record<string, UnitFact>): ServiceStatus[] {
  const extra = Object.keys(units).filter((u) => !desired.includes(u)).sort();
  return [...desired, ...extra].map((unit) => {
    const u = units[unit];
    const declared = desired.includes(unit);
    if (u === undefined || u.load === "not-found") return { unit, state: "missing", active: u?.active ?? "", sub: u?.sub ?? "", enabled: u?.unitFileState ?? "", declared };
    return { unit, state: u.active === "active" ? "ok" : "down", active: u.active, sub: u.sub, enabled: u.unitFileState, declared };
  });
}

/**
 * The links under `dir` (envs/ or flows/): declared ones first in spec order, then what the node
 * has besides. `preferred(name)` is the artifact a link of that name should hold: a digest two
 * artifacts share is named by it.
 */
function links(dir: string, desired: ReadonlyMap<string, string>, found: Record<string, LinkFact>, known: ReadonlyMap<string, string[]>, preferred: (name: string) => string): LinkStatus[] {
  const under = (path: string) => posix.dirname(path) === dir;
  const paths = [...[...desired.keys()].filter(under), ...Object.keys(found).filter((p) => under(p) && !desired.has(p)).sort()];
  return paths.map((path) => {
    const name = posix.basename(path);
    const fact = found[path] ?? { state: "absent" };
    const want = desired.get(path);
    if (fact.state !== "link") return { name, path, state: fact.state, artifact: null, digest: null, current: false, declared: want !== undefined };
    const sha = targetDigest(fact.target);
    const holders = sha === null ? [] : (known.get(sha) ?? []);
    const artifact = holders.includes(preferred(name)) ? preferred(name) : (holders[0] ?? null);
    return { name, path, state: "link", artifact, digest: sha === null ? null : shortDigest(sha), current: want === fact.target, declared: want !== undefined };
  });
}

function rolesOf(cluster: ResolvedCluster, node: ResolvedNode): NodeStatusEntry["roles"] {
  const roles: NodeStatusEntry["roles"] = [];
  if (node.server) {
    roles.push("server");
    if (cluster.server.database.type === "postgresql") roles.push("database");
    if (cluster.server.proxy !== null) roles.push("proxy");
  }
  if (node.workerPools.length > 0) roles.push("worker");
  return roles;
}

/** `label: text`, unless the text already starts with its label (parsers name their fact, transports their node). */
const labelled = (label: string, text: string) => (text.startsWith(`${label}:`) ? text : `${label}: ${text}`);

function factErrors(facts: NodeFacts): string[] {
  return Object.entries(facts).flatMap(([name, f]) => ((f as { ok: boolean }).ok ? [] : [labelled(name, (f as { error: string }).error)]));
}

function nodeStatus(cluster: ResolvedCluster, node: ResolvedNode, inputs: StatusInputs, known: ReadonlyMap<string, string[]>): NodeStatusEntry {
  const base = { name: node.name, address: node.address, roles: rolesOf(cluster, node), pools: [...node.workerPools] };
  const empty = { services: [], envs: [], flows: [], generation: null, appliedAt: null, specDigest: null, specCurrent: null, revision: null, lock: null, factErrors: [] };
  const r = inputs.facts[node.name];
  if (r === undefined) return { ...base, reachable: false, error: "not gathered", hint: null, ...empty };
  if (!r.reachable) return { ...base, reachable: false, error: r.error.message, hint: r.error.hint, ...empty };
  const f = r.facts;
  const desired = desiredFor(cluster, node, inputs.local);
  const units = desired.flatMap((d) => (d.kind === "service" ? [d.unit] : []));
  const linkTargets = new Map(desired.flatMap((d) => (d.kind === "link" ? [[d.path, d.target] as const] : [])));
  const found = f.links.ok ? f.links.value : {};
  const state = f.state.ok ? f.state.value : null;
  return {
    ...base,
    reachable: true,
    error: null,
    hint: null,
    services: f.units.ok ? services(units, f.units.value) : [],
    envs: links(posix.join(node.root, "envs"), linkTargets, found, known, (name) => name),
    flows: links(posix.join(node.root, "flows"), linkTargets, found, known, flowCodeName),
    generation: state?.generation ?? null,
    appliedAt: state?.appliedAt ?? null,
    specDigest: state === null ? null : shortDigest(state.specDigest),
    specCurrent: state === null ? null : state.specDigest.replace(/^sha256:/, "") === cluster.specDigest,
    revision: state?.revision ?? null,
    lock: f.lock.ok ? f.lock.value : null,
    factErrors: factErrors(f),
  };
}

function prefectStatus(api: StatusApiInput, parsed: ApiFacts | { state: "error"; error: string } | null, extras: RawApiStatus | null): PrefectStatus {
  const health = extras === null ? null : extras.health.ok ? (extras.health.value === true ? { ok: true, detail: "ok" } : { ok: false, detail: `answered ${JSON.stringify(extras.health.value)}` }) : { ok: false, detail: `failed (${extras.health.error})` };
  if (api.state === "gathered") return { state: "gathered", version: api.raw.version, error: parsed?.state === "error" ? parsed.error : null, health };
  return { state: api.state, version: null, error: api.state === "error" ? api.error : api.state === "unavailable" ? api.reason : null, health };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The workers the server listed, then the declared ones it has never seen (MISSING). */
function workers(pool: string, raw: ApiRead<unknown[]> | undefined, declared: ReadonlyMap<string, string>, errors: string[]): WorkerStatus[] {
  if (raw === undefined) return [];
  if (!raw.ok) {
    errors.push(`workers: ${raw.error}`);
    return [];
  }
  const seen: WorkerStatus[] = [];
  raw.value.forEach((w, i) => {
    if (!isObj(w) || typeof w.name !== "string") return errors.push(`workers[${i}] of pool ${pool}: not a worker`);
    const status = typeof w.status === "string" ? w.status.toUpperCase() : "UNKNOWN";
    const lastHeartbeat = typeof w.last_heartbeat_time === "string" ? w.last_heartbeat_time : null;
    seen.push({ name: w.name, status, lastHeartbeat, node: declared.get(w.name) ?? null, declared: declared.has(w.name) });
  });
  const names = new Set(seen.map((w) => w.name));
  const order = [...declared.keys()];
  const rank = (w: WorkerStatus) => (w.declared ? order.indexOf(w.name) : order.length);
  const missing = order.filter((n) => !names.has(n)).map((name): WorkerStatus => ({ name, status: "MISSING", lastHeartbeat: null, node: declared.get(name) ?? null, declared: true }));
  return [...seen, ...missing].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

function poolStatus(cluster: ResolvedCluster, pool: ResolvedCluster["workPools"][number], parsed: ApiFacts | null, extras: RawApiStatus | null): PoolStatus {
  const errors: string[] = [];
  const fact = parsed?.pools.find((p) => p.name === pool.name);
  const declaredQueues = pool.queues.map((q) => q.name);
  // In the order workers take them: by priority (1 first), as the Prefect UI lists them.
  const queues = (parsed?.queues ?? [])
    .filter((q) => q.pool === pool.name)
    .map((q) => ({ name: q.name, paused: q.paused, concurrencyLimit: q.concurrencyLimit, priority: q.priority, declared: declaredQueues.includes(q.name) }))
    .sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));
  const declaredWorkers = new Map(cluster.nodes.flatMap((n) => workerInstances(n, cluster).filter((w) => w.pool === pool.name).map((w) => [w.workerName, n.name] as const)));
  const extra = extras?.pools[pool.name];
  const ws = workers(pool.name, extra?.workers, declaredWorkers, errors);
  const late = extra?.lateRuns;
  if (late !== undefined && !late.ok) errors.push(`late runs: ${late.error}`);
  return {
    name: pool.name,
    exists: parsed === null ? null : fact !== undefined,
    paused: fact?.paused ?? null,
    concurrencyLimit: fact?.concurrencyLimit ?? null,
    queues,
    workers: ws,
    workersRead: extra?.workers.ok === true,
    online: ws.filter((w) => w.status === "ONLINE").length,
    total: ws.length,
    lateRuns: late?.ok === true ? late.value.count : null,
    lateRunsMore: late?.ok === true && late.value.more,
    errors,
  };
}

/** What could not be read, one line each: the reason `status` exits 1. */
function problemsOf(nodes: readonly NodeStatusEntry[], prefect: PrefectStatus, pools: readonly PoolStatus[], extrasRead: boolean): string[] {
  const out: string[] = [];
  for (const n of nodes) {
    if (!n.reachable) out.push(labelled(`node ${n.name}`, n.error ?? "unreachable"));
    for (const e of n.factErrors) out.push(`node ${n.name}: ${e}`);
  }
  if (prefect.state === "not-gathered") out.push("the Prefect API was not read");
  else if (prefect.error !== null) out.push(`the Prefect API: ${prefect.error}`);
  if (prefect.health !== null && prefect.health.detail.startsWith("failed")) out.push(`the Prefect API's health: ${prefect.health.detail}`);
  if (prefect.state === "gathered" && prefect.error === null && !extrasRead) out.push("the Prefect API's health, workers and late runs were not read");
  for (const p of pools) for (const e of p.errors) out.push(`pool ${p.name}: ${e}`);
  return out;
}

/**
 * The status of the cluster from one gather: `inputs` (facts, local inputs, the API's objects),
 * `extras` (health, workers, late runs; null when the API was not read) and the drift report of
 * the same gather.
 *
 * @example
 * const gathered = await gather(session, cluster, { secrets });
 * const report = driftReport(planGathered(cluster, gathered, secrets, { prune: false }));
 * const status = clusterStatus(cluster, gathered, await gatherApiStatus(api, pools), report);
 * status.pools[0] // { name: "etl", online: 2, total: 2, lateRuns: 0, ... }
 */
export function clusterStatus(cluster: ResolvedCluster, inputs: StatusInputs, extras: RawApiStatus | null, drift: DriftReport): ClusterStatus {
  const known = artifactsByDigest(cluster, inputs.local);
  const nodes = cluster.nodes.map((n) => nodeStatus(cluster, n, inputs, known));
  const parsedOrError = inputs.api.state === "gathered" ? apiFactsOf(inputs.api.raw) : null;
  const parsed = parsedOrError?.state === "gathered" ? parsedOrError : null;
  const prefect = prefectStatus(inputs.api, parsedOrError, extras);
  const pools = cluster.workPools.map((p) => poolStatus(cluster, p, parsed, extras));
  return {
    format: STATUS_FORMAT,
    cluster: cluster.name,
    specFile: cluster.specFile,
    specDigest: shortDigest(cluster.specDigest),
    nodes,
    prefect,
    pools,
    drift: { inSync: drift.inSync, items: drift.drift.map((d) => ({ node: d.node, address: d.address, summary: d.summary, policy: d.policy })), silenced: drift.silenced.length },
    problems: problemsOf(nodes, prefect, pools, extras !== null),
  };
}

/** `reconcile status`'s exit code: 0 when everything could be read (drift does not count), 1 otherwise. */
export function statusExitCode(status: ClusterStatus): 0 | 1 {
  return status.problems.length === 0 ? 0 : 1;
}
