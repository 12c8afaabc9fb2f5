/**
 * The cluster-wide section of the plan (issue 12): the Prefect objects the spec declares (work
 * pools, queues, flows, deployments) compared with what the API listed, and the recorded objects
 * reconcile created that the spec no longer declares. Pure.
 *
 * Values are normalized before they are compared (server defaults, key and list order, interval
 * seconds, instants), so a converged cluster plans nothing; only fields the spec manages are
 * compared, and an update body holds only the fields that differ. Bodies are built for the server's
 * version: 3.x, or 2.17 and later without the fields 2.x lacks (`concurrency_limit`).
 */
import type { ApiFacts, DeploymentFact, ManagedObjects, PoolFact, QueueFact, ScheduleFact } from "../facts/prefect.js";
import { envLink, flowLink } from "../facts/layout.js";
import type { ResolvedCluster, ResolvedDeployment, ResolvedFlow, ResolvedPool, ResolvedQueue, ResolvedSchedule, SettingValue } from "../spec/resolved.js";
import type { Sensitive } from "../spec/secrets.js";
import { address, parseApiAddress, type Address } from "./address.js";
import { createHash } from "node:crypto";
import { canonicalJson } from "./fingerprint.js";
import { parameterSchemaFor } from "./flow-parameters.js";
import { DEFAULT_PROCESS_TEMPLATE } from "./process-template.js";
import type { ApiDeleteDetail, ApiDetail, ApiStep, Change, ClusterWidePlan, Json, LocalInputs, PlanOptions } from "./types.js";
import { compareVersions, prefectMajor, prefectVersionOf } from "./versions.js";
import { ignoredBy, leafDiffs, policyFor } from "./drift-rules.js";

/** What the cluster-wide plan is made from besides the spec. */
export interface ClusterWideInputs {
  /** The objects the API listed; or why there are none (the server does not answer yet, its answer was wrong); or not asked for. */
  api: ApiFacts | { state: "unavailable"; reason: string } | { state: "error"; error: string } | { state: "not-gathered" };
  /** The record of the objects reconcile created (facts/prefect.ts `managedRecordOf`); null when there is none. */
  managed: ManagedObjects | { error: string } | null;
}

export const NOT_GATHERED: ClusterWideInputs = { api: { state: "not-gathered" }, managed: null };

/** The oldest Prefect 2 whose API reconcile writes (the `schedules` list, `job_variables`). */
export const MIN_PREFECT_2 = "2.17";
const DEFAULT_QUEUE = "default";
const SENSITIVE = "(sensitive)";
/** What Prefect gives the default queue a new pool gets. */
const NEW_DEFAULT_QUEUE = { description: "The work pool's default queue.", priority: 1, concurrencyLimit: null, paused: false };

type Dialect = 2 | 3;
type JsonObject = { [key: string]: Json };

const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

/** One managed field: what is shown, what goes into a body, and whether it differs. */
interface Field {
  name: string;
  api: string;
  before: Json;
  after: Json;
  body: Json;
  equal: boolean;
}

function field(name: string, api: string, after: Json, before: Json, options: { body?: Json; equal?: boolean } = {}): Field {
  return { name, api, before, after, body: options.body === undefined ? after : options.body, equal: options.equal ?? same(after, before) };
}

const shown = (fields: readonly Field[], side: "before" | "after"): JsonObject => Object.fromEntries(fields.map((f) => [f.name, f[side]]));
const updateBody = (fields: readonly Field[]): JsonObject => Object.fromEntries(fields.filter((f) => !f.equal).map((f) => [f.api, f.body]));
const differing = (fields: readonly Field[]) => fields.filter((f) => !f.equal).map((f) => f.name);

function change(addr: Address, action: Change["action"], before: Json, after: Json, reason: string, prune = false, extra: Partial<Change> = {}): Change {
  const kind = parseApiAddress(addr)!.kind;
  return { address: addr, kind, action, before, after, reason, sensitive: false, diff: null, prune, ...extra };
}

/**
 * The fields with those drift.ignore silences for `addr` counted as equal (so they are neither
 * compared nor sent), and which were silenced with the rule's reason. A field is silenced whole
 * when a rule names it, or when a rule names every leaf in it that differs (`parameters.limit`).
 */
function silenced(ctx: Context, addr: Address, fields: readonly Field[]): { fields: Field[]; ignored: { field: string; reason: string }[] } {
  const silence = ignoredBy(ctx.cluster.drift, null, addr);
  if (silence === null) return { fields: [...fields], ignored: [] };
  const ignored: { field: string; reason: string }[] = [];
  const out = fields.map((f) => {
    if (f.equal) return f;
    const whole = silence(f.name);
    if (whole !== null) {
      ignored.push({ field: f.name, reason: whole });
      return { ...f, equal: true };
    }
    const leaves = leafDiffs(f.before, f.after, f.name);
    const reasons = leaves.map((l) => silence(l.path));
    if (leaves.length === 0 || reasons.some((r) => r === null)) return f;
    leaves.forEach((l, i) => ignored.push({ field: l.path, reason: reasons[i]! }));
    return { ...f, equal: true };
  });
  return { fields: out, ignored };
}

/** An update whose differing fields all were silenced, or none: its reason and the extra the change carries. */
function compared(fs: readonly Field[], ignored: readonly { field: string; reason: string }[], equalReason: string): { diff: string[]; reason: string; extra: Partial<Change> } {
  const diff = differing(fs);
  const extra: Partial<Change> = { ...(diff.length === 0 ? {} : { fields: diff }), ...(ignored.length === 0 ? {} : { ignored: [...ignored] }) };
  if (diff.length > 0) return { diff, reason: `${diff.join(", ")} differ${diff.length === 1 ? "s" : ""}`, extra };
  const why = [...new Set(ignored.map((i) => i.reason))].join("; ");
  return { diff, reason: ignored.length === 0 ? equalReason : `differs only where drift.ignore allows (${why}): ${ignored.map((i) => i.field).join(", ")}`, extra };
}

/** Which bodies a server version takes, or why none. */
function dialectOf(version: string | null): { dialect: Dialect; warning?: string } | { error: string } {
  const major = prefectMajor(version);
  if (version === null || major === null) return { dialect: 3, warning: `the Prefect version of the server is not known${version === null ? "" : ` ("${version}")`}: the objects are written as for Prefect 3` };
  if (major === 3) return { dialect: 3 };
  if (major === 2 && compareVersions(version, MIN_PREFECT_2) >= 0) return { dialect: 2 };
  return { error: `the server runs Prefect ${version}; reconcile writes work pools, queues, flows and deployments for Prefect 3, and 2.${MIN_PREFECT_2.split(".")[1]} or later` };
}

// ---- schedules ----------------------------------------------------------------------------------

type Schedule = { cron: string; timezone: string; dayOr: boolean; active: boolean } | { interval: number; anchorDate: string | null; timezone: string; active: boolean } | { rrule: string; timezone: string; active: boolean };

function scheduleOf(s: ResolvedSchedule): Schedule {
  if (s.type === "cron") return { cron: s.cron, timezone: s.timezone, dayOr: s.dayOr, active: s.active };
  if (s.type === "rrule") return { rrule: s.rrule, timezone: s.timezone, active: s.active };
  return { interval: s.seconds, anchorDate: s.anchorDate, timezone: s.timezone, active: s.active };
}

function scheduleBody(s: Schedule): Json {
  if ("cron" in s) return { schedule: { cron: s.cron, timezone: s.timezone, day_or: s.dayOr }, active: s.active };
  if ("rrule" in s) return { schedule: { rrule: s.rrule, timezone: s.timezone }, active: s.active };
  return { schedule: { interval: s.interval, ...(s.anchorDate === null ? {} : { anchor_date: s.anchorDate }), timezone: s.timezone }, active: s.active };
}

/**
 * Milliseconds since the epoch of an ISO 8601 date-time with an offset (`2026-01-01T00:00:00Z`,
 * `2026-01-01T01:00:00+01:00`), or null; without the clock (the planner never reads it). A date
 * alone or a time without an offset is taken as UTC.
 */
export function instantMs(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(text.trim());
  if (m === null) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
  const ms = Number(`0.${m[7] ?? "0"}`) * 1000;
  // Days from 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
  const yy = mo <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const days = era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
  const zone = m[8] ?? "Z";
  const offset = zone.toUpperCase() === "Z" ? 0 : (zone[0] === "-" ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)));
  return ((days * 24 + h) * 60 + mi - offset) * 60000 + s * 1000 + Math.round(ms);
}

/** A desired schedule matches a current one; an interval without an anchor date takes the server's (it picks one). */
function scheduleMatches(want: Schedule, have: ScheduleFact): boolean {
  if ("interval" in want) {
    if (!("interval" in have) || want.interval !== have.interval || want.timezone !== have.timezone || want.active !== have.active) return false;
    if (want.anchorDate === null) return true;
    const a = instantMs(want.anchorDate);
    return have.anchorDate !== null && a !== null && a === instantMs(have.anchorDate);
  }
  return same(want, have);
}

/** Equal as sets, whatever the order the server keeps them in. */
function schedulesMatch(want: readonly Schedule[], have: readonly ScheduleFact[]): boolean {
  if (want.length !== have.length) return false;
  const left = [...have];
  // Anchored ones first, so one without an anchor does not take another's match.
  const ordered = [...want].sort((a, b) => Number("anchorDate" in b && b.anchorDate !== null) - Number("anchorDate" in a && a.anchorDate !== null));
  for (const w of ordered) {
    const i = left.findIndex((h) => scheduleMatches(w, h));
    if (i < 0) return false;
    left.splice(i, 1);
  }
  return true;
}

const sortedSchedules = (list: readonly (Schedule | ScheduleFact)[]): Json => [...list].map((s) => s as unknown as Json).sort((a, b) => (canonicalJson(a) < canonicalJson(b) ? -1 : 1));

// ---- the spec side ------------------------------------------------------------------------------

interface Context {
  cluster: ResolvedCluster;
  local: LocalInputs;
  secrets: ReadonlyMap<string, Sensitive>;
  dialect: Dialect;
  errors: string[];
}

/** The layout root of the workers of `pool` (all must share one: a deployment has one path). */
function poolRoot(ctx: Context, flow: ResolvedFlow): string {
  const workers = ctx.cluster.nodes.filter((n) => n.workerPools.includes(flow.pool));
  const roots = [...new Set(workers.map((n) => n.root))];
  if (roots.length > 1) {
    ctx.errors.push(`flow ${flow.name}: the workers of pool ${flow.pool} use different roots (${workers.map((n) => `${n.name}: ${n.root}`).join(", ")}); its deployments have one command and path, so give them one root`);
  }
  return roots[0] ?? ctx.cluster.nodes.find((n) => n.server)?.root ?? ctx.cluster.nodes[0]?.root ?? "/opt/prefect";
}

const envText = (v: SettingValue): string => (typeof v === "object" ? "" : String(v));

/** The job variables: shown (secrets masked), sent (secrets as references) and as the server should hold them (secrets revealed). */
function jobVariables(ctx: Context, flow: ResolvedFlow, d: ResolvedDeployment, root: string): { shown: JsonObject; body: JsonObject; resolved: JsonObject } {
  const base = { command: `${envLink(root, flow.env)}/bin/python -m prefect.engine`, working_dir: flowLink(root, flow.name) };
  const keys = Object.keys(d.env).sort();
  if (keys.length === 0) return { shown: base, body: base, resolved: base };
  const shownEnv: JsonObject = {};
  const bodyEnv: JsonObject = {};
  const resolvedEnv: JsonObject = {};
  for (const k of keys) {
    const v = d.env[k]!;
    if (typeof v === "object") {
      shownEnv[k] = SENSITIVE;
      bodyEnv[k] = { secret: v.secret };
      const value = ctx.secrets.get(v.secret);
      if (value === undefined) ctx.errors.push(`deployment ${flow.name}/${d.name}: env ${k}: secret ${v.secret} is not set`);
      resolvedEnv[k] = value?.reveal() ?? "";
    } else {
      shownEnv[k] = bodyEnv[k] = resolvedEnv[k] = envText(v);
    }
  }
  return { shown: { ...base, env: shownEnv }, body: { ...base, env: bodyEnv }, resolved: { ...base, env: resolvedEnv } };
}

/** The server's job variables as shown: env values masked unless the spec sets that key to plain text. */
function shownJobVariables(have: JsonObject, d: ResolvedDeployment): JsonObject {
  const env = have.env;
  if (env === null || typeof env !== "object" || Array.isArray(env)) return have;
  const masked = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, k in d.env && typeof d.env[k] !== "object" ? v : SENSITIVE]));
  return { ...have, env: masked };
}

// ---- per kind -----------------------------------------------------------------------------------

interface Decided {
  change: Change;
  detail: ApiDetail | ApiDeleteDetail | null;
  /** Addresses whose steps must come first. */
  after: Address[];
}

function decidePool(ctx: Context, p: ResolvedPool, have: PoolFact | undefined, fresh: string): Decided {
  const addr = address.workPool(p.name);
  const template = p.baseJobTemplate as JsonObject | null;
  const create: JsonObject = { name: p.name, type: p.type, description: p.description, base_job_template: template ?? DEFAULT_PROCESS_TEMPLATE, is_paused: p.paused, concurrency_limit: p.concurrencyLimit };
  const fields = (h: PoolFact | undefined) => [
    field("description", "description", p.description, h?.description ?? null),
    field("concurrencyLimit", "concurrency_limit", p.concurrencyLimit, h?.concurrencyLimit ?? null),
    field("paused", "is_paused", p.paused, h?.paused ?? null),
    // Undeclared, the template is Prefect's default, sent at create and not compared afterwards.
    ...(template === null ? [] : [field("baseJobTemplate", "base_job_template", template, h?.baseJobTemplate ?? null)]),
  ];
  const { fields: fs, ignored } = silenced(ctx, addr, fields(have));
  const after = { type: p.type, ...shown(fs, "after") };
  if (have === undefined) return { change: change(addr, "create", null, after, fresh), detail: { kind: "work-pool", name: p.name, create, update: {} }, after: [] };
  if (have.type !== p.type) ctx.errors.push(`work pool ${p.name} is of type ${have.type} on the server, not ${p.type}: a pool's type cannot change; delete it there first`);
  const before = { type: have.type, ...shown(fs, "before") };
  const { diff, reason, extra } = compared(fs, ignored, "as declared");
  if (diff.length === 0) return { change: change(addr, "noop", before, after, reason, false, extra), detail: null, after: [] };
  return { change: change(addr, "update", before, after, reason, false, extra), detail: { kind: "work-pool", name: p.name, create, update: updateBody(fs) }, after: [] };
}

function decideQueue(ctx: Context, p: ResolvedPool, q: ResolvedQueue, have: QueueFact | undefined, poolCreated: boolean, fresh: string): Decided {
  const addr = address.workQueue(p.name, q.name);
  const isDefault = q.name === DEFAULT_QUEUE;
  const create: JsonObject = { name: q.name, description: q.description, is_paused: q.paused, concurrency_limit: q.concurrencyLimit, ...(q.priority === null ? {} : { priority: q.priority }) };
  // Prefect makes the default queue with its pool: what the spec does not set on it is Prefect's.
  const current = have ?? (isDefault && poolCreated ? { ...NEW_DEFAULT_QUEUE, id: "", pool: p.name, name: q.name } : undefined);
  const all = [
    ...(isDefault && q.description === "" ? [] : [field("description", "description", q.description, current?.description ?? null)]),
    ...(q.priority === null ? [] : [field("priority", "priority", q.priority, current?.priority ?? null)]),
    field("concurrencyLimit", "concurrency_limit", q.concurrencyLimit, current?.concurrencyLimit ?? null),
    field("paused", "is_paused", q.paused, current?.paused ?? null),
  ];
  const { fields: fs, ignored } = current === undefined ? { fields: all, ignored: [] } : silenced(ctx, addr, all);
  const after = shown(fs, "after");
  const pool = [address.workPool(p.name)];
  const detail = (update: JsonObject): ApiDetail => ({ kind: "work-queue", pool: p.name, name: q.name, create, update });
  if (current === undefined) return { change: change(addr, "create", null, after, fresh), detail: detail({}), after: pool };
  const { diff, reason, extra } = compared(fs, ignored, have === undefined ? "made by Prefect with its pool" : "as declared");
  if (diff.length === 0) return { change: change(addr, "noop", shown(fs, "before"), after, reason, false, extra), detail: null, after: pool };
  return { change: change(addr, "update", shown(fs, "before"), after, `${reason}${have === undefined ? " from what Prefect makes with the pool" : ""}`, false, extra), detail: detail(updateBody(fs)), after: pool };
}

function decideDeployment(ctx: Context, flow: ResolvedFlow, d: ResolvedDeployment, have: DeploymentFact | undefined, fresh: string): Decided {
  const addr = address.deployment(flow.name, d.name);
  const root = poolRoot(ctx, flow);
  const vars = jobVariables(ctx, flow, d, root);
  const schedules = d.schedules.map(scheduleOf);
  const schema = parameterSchemaFor(flow, ctx.local);
  const tags = [...new Set(d.tags)].sort();
  const path = flowLink(root, flow.name);
  const parameters = d.parameters as JsonObject;
  const h = have;
  const all: Field[] = [
    field("description", "description", d.description, h?.description ?? null),
    field("pool", "work_pool_name", flow.pool, h?.pool ?? null),
    field("queue", "work_queue_name", d.queue, h?.queue ?? null),
    field("schedules", "schedules", sortedSchedules(schedules), h === undefined ? null : sortedSchedules(h.schedules), { body: schedules.map(scheduleBody), equal: h !== undefined && schedulesMatch(schedules, h.schedules) }),
    field("parameters", "parameters", parameters, h?.parameters ?? null),
    field("parameterSchema", "parameter_openapi_schema", schema, h?.parameterSchema ?? null),
    field("enforceParameterSchema", "enforce_parameter_schema", true, h?.enforceParameterSchema ?? null),
    field("tags", "tags", tags, h === undefined ? null : [...new Set(h.tags)].sort()),
    field("paused", "paused", d.paused, h?.paused ?? null),
    field("entrypoint", "entrypoint", flow.entrypoint, h?.entrypoint ?? null),
    field("path", "path", path, h?.path ?? null),
    field("jobVariables", "job_variables", vars.shown, h === undefined ? null : shownJobVariables(h.jobVariables, d), { body: vars.body, equal: h !== undefined && same(vars.resolved, h.jobVariables) }),
    ...(ctx.dialect === 3 ? [field("concurrencyLimit", "concurrency_limit", d.concurrencyLimit, h?.concurrencyLimit ?? null)] : []),
  ];
  const { fields: fs, ignored } = h === undefined ? { fields: all, ignored: [] } : silenced(ctx, addr, all);
  const create: JsonObject = { name: d.name, ...Object.fromEntries(fs.map((f) => [f.api, f.body])) };
  const after = shown(fs, "after");
  const refs = [address.workPool(flow.pool), address.workQueue(flow.pool, d.queue), address.flow(flow.name)];
  const detail = (update: JsonObject): ApiDetail => ({ kind: "deployment", flow: flow.name, name: d.name, id: have?.id ?? null, create, update });
  if (have === undefined) return { change: change(addr, "create", null, after, fresh), detail: detail({}), after: refs };
  const { diff, reason, extra } = compared(fs, ignored, "as declared");
  if (diff.length === 0) return { change: change(addr, "noop", shown(fs, "before"), after, reason, false, extra), detail: null, after: refs };
  return { change: change(addr, "update", shown(fs, "before"), after, reason, false, extra), detail: detail(updateBody(fs)), after: refs };
}

// ---- deletions ----------------------------------------------------------------------------------

const KIND_ORDER = { deployment: 0, "work-queue": 1, flow: 2, "work-pool": 3 } as const;

/** Recorded objects the spec no longer declares and the server still has, deployments first. */
function deletions(api: ApiFacts, managed: ManagedObjects, declared: ReadonlySet<string>, prune: boolean, warnings: string[]): Decided[] {
  const reason = prune ? "no longer declared (created by reconcile)" : "no longer declared; kept until apply --prune";
  const out: Decided[] = [];
  for (const recorded of Object.keys(managed.objects).sort()) {
    if (declared.has(recorded)) continue;
    const parsed = parseApiAddress(recorded);
    if (parsed === null) {
      warnings.push(`the record of Prefect objects holds ${recorded}, which is not a Prefect object's address; left alone`);
      continue;
    }
    const addr = recorded as Address;
    const gone = (before: Json, detail: ApiDeleteDetail, after: Address[] = []) => out.push({ change: change(addr, "delete", before, null, reason, true), detail, after });
    if (parsed.kind === "work-pool") {
      const p = api.pools.find((x) => x.name === parsed.pool);
      if (p !== undefined) gone({ type: p.type, description: p.description }, { kind: "work-pool", name: p.name });
    } else if (parsed.kind === "work-queue") {
      // The default queue goes only with its pool.
      const q = parsed.queue === DEFAULT_QUEUE ? undefined : api.queues.find((x) => x.pool === parsed.pool && x.name === parsed.queue);
      if (q !== undefined) gone({ description: q.description, priority: q.priority }, { kind: "work-queue", pool: q.pool, name: q.name });
    } else if (parsed.kind === "flow") {
      const f = api.flows.find((x) => x.name === parsed.flow);
      if (f !== undefined) gone({ id: f.id }, { kind: "flow", name: f.name, id: f.id });
    } else {
      const d = api.deployments.find((x) => x.flow === parsed.flow && x.name === parsed.deployment);
      if (d !== undefined) gone({ id: d.id, pool: d.pool, queue: d.queue }, { kind: "deployment", flow: d.flow, name: d.name, id: d.id });
    }
  }
  return out.sort((a, b) => KIND_ORDER[a.change.kind as keyof typeof KIND_ORDER] - KIND_ORDER[b.change.kind as keyof typeof KIND_ORDER]);
}

/**
 * Queues and deployments on the server, in a pool the spec declares, that the spec does not
 * declare and reconcile did not create (someone made them in the UI or with `prefect deploy`):
 * drift, deleted only with --prune. Prefect's own `default` queue is never one.
 */
function outOfBand(api: ApiFacts, cluster: ResolvedCluster, managed: ManagedObjects | null, declared: ReadonlySet<string>, prune: boolean): Decided[] {
  const pools = new Set(cluster.workPools.map((p) => p.name));
  const known = (addr: Address) => declared.has(addr) || (managed !== null && addr in managed.objects);
  const reason = (pool: string) => `made outside reconcile in pool ${pool}, which it manages${prune ? "" : "; deleted only with apply --prune"}`;
  const out: Decided[] = [];
  // Deployments first: a queue goes after the deployments that leave it.
  for (const d of api.deployments) {
    const addr = address.deployment(d.flow, d.name);
    if (d.pool === null || !pools.has(d.pool) || known(addr)) continue;
    out.push({ change: change(addr, "delete", { id: d.id, pool: d.pool, queue: d.queue }, null, reason(d.pool), true, { outOfBand: true }), detail: { kind: "deployment", flow: d.flow, name: d.name, id: d.id }, after: [] });
  }
  for (const q of api.queues) {
    const addr = address.workQueue(q.pool, q.name);
    if (!pools.has(q.pool) || q.name === DEFAULT_QUEUE || known(addr)) continue;
    out.push({ change: change(addr, "delete", { description: q.description, priority: q.priority, paused: q.paused }, null, reason(q.pool), true, { outOfBand: true }), detail: { kind: "work-queue", pool: q.pool, name: q.name }, after: [] });
  }
  return out;
}

/** An update a drift policy (`warn`, `ignore`) holds back: kept as a noop that remembers what differs. */
function heldByPolicy(cluster: ResolvedCluster, d: Decided): Decided {
  if (d.change.action !== "update") return d;
  const policy = policyFor(cluster.drift, null, d.change.address);
  if (policy.policy === "fix") return d;
  const why = `policy ${policy.policy}${policy.reason === null ? "" : `: ${policy.reason}`}; not changed`;
  return { change: { ...d.change, action: "noop", held: { policy: policy.policy, reason: policy.reason }, reason: `${d.change.reason} (${why})` }, detail: null, after: d.after };
}

/** What a deletion waits for: a queue or pool for the deployments that leave it, a flow for its deployments, a pool for its queues. */
function deleteAfter(d: Decided, steps: readonly Decided[]): Address[] {
  const target = parseApiAddress(d.change.address)!;
  const deps: Address[] = [];
  for (const s of steps) {
    if (s === d || s.detail === null) continue;
    const other = parseApiAddress(s.change.address)!;
    const deploymentIn = other.kind === "deployment" && s.detail.kind === "deployment";
    if (target.kind === "flow" && other.kind === "deployment" && other.flow === target.flow && s.change.action === "delete") deps.push(s.change.address);
    if ((target.kind === "work-queue" || target.kind === "work-pool") && deploymentIn) deps.push(s.change.address);
    if (target.kind === "work-pool" && other.kind === "work-queue" && other.pool === target.pool && s.change.action === "delete") deps.push(s.change.address);
  }
  return deps;
}

// ---- the section --------------------------------------------------------------------------------

/**
 * Plans the Prefect objects.
 *
 * @example
 * const wide = planClusterWide(cluster, { api: parseApiFacts(raw), managed: managedRecordOf(facts[server]) }, local, secrets, { prune: false });
 * wide.steps.map((s) => s.id) // ["work-pool:etl", "work-queue:etl/high", "flow:ingest", "deployment:ingest/hourly"]
 */
export function planClusterWide(cluster: ResolvedCluster, inputs: ClusterWideInputs, local: LocalInputs, secrets: ReadonlyMap<string, Sensitive>, options: Pick<PlanOptions, "prune">): ClusterWidePlan {
  const server = cluster.server.node;
  const out: ClusterWidePlan = { status: "planned", server, version: null, errors: [], warnings: [], changes: [], steps: [] };
  const { api, managed } = inputs;
  if (api.state === "not-gathered") return { ...out, status: "not-gathered" };
  const fail = (...errors: string[]): ClusterWidePlan => ({ ...out, status: "errored", errors: [...out.errors, ...errors] });
  if (api.state === "error") return fail(`the Prefect API on ${server}: ${api.error}`);
  const gathered = api.state === "gathered" ? api : null;
  out.version = gathered?.version ?? prefectVersionOf(local, cluster.server.prefect.env);
  const dialect = dialectOf(out.version);
  if ("error" in dialect) return fail(dialect.error);
  if (dialect.warning !== undefined) out.warnings.push(dialect.warning);
  if (managed !== null && "error" in managed) return fail(`node ${server}: ${managed.error}`);
  const ctx: Context = { cluster, local, secrets, dialect: dialect.dialect, errors: [] };

  const serverMajor = prefectMajor(out.version);
  for (const flow of cluster.flows) {
    const envVersion = prefectVersionOf(local, flow.env);
    const envMajor = prefectMajor(envVersion);
    if (serverMajor !== null && envMajor !== null && envMajor !== serverMajor) {
      ctx.errors.push(`flow ${flow.name}: its environment ${flow.env} has Prefect ${envVersion} but the server runs ${out.version}; a flow runs with its server's major version`);
    }
    if (dialect.dialect === 2) {
      for (const d of flow.deployments) if (d.concurrencyLimit !== null) ctx.errors.push(`deployment ${flow.name}/${d.name}: concurrencyLimit needs Prefect 3 (the server runs ${out.version})`);
    }
  }

  const fresh = gathered === null ? "the server does not run yet" : "not on the server";
  const decided: Decided[] = [];
  const pools = gathered?.pools ?? [];
  const queues = gathered?.queues ?? [];
  const flows = gathered?.flows ?? [];
  const deployments = gathered?.deployments ?? [];
  for (const p of cluster.workPools) decided.push(decidePool(ctx, p, pools.find((x) => x.name === p.name), fresh));
  for (const p of cluster.workPools) {
    const created = decided.some((d) => d.change.address === address.workPool(p.name) && d.change.action === "create");
    for (const q of p.queues) decided.push(decideQueue(ctx, p, q, queues.find((x) => x.pool === p.name && x.name === q.name), created, fresh));
  }
  for (const f of cluster.flows) {
    const addr = address.flow(f.name);
    const have = flows.find((x) => x.name === f.name);
    decided.push(
      have === undefined
        ? { change: change(addr, "create", null, { name: f.name }, fresh), detail: { kind: "flow", name: f.name, create: { name: f.name } }, after: [] }
        : { change: change(addr, "noop", { name: have.name }, { name: f.name }, "as declared"), detail: null, after: [] },
    );
  }
  for (const f of cluster.flows) for (const d of f.deployments) decided.push(decideDeployment(ctx, f, d, deployments.find((x) => x.flow === f.name && x.name === d.name), fresh));
  decided.splice(0, decided.length, ...decided.map((d) => heldByPolicy(cluster, d)));

  if (gathered !== null) {
    const declared = new Set<string>(decided.map((d) => d.change.address));
    const extra = outOfBand(gathered, cluster, managed, declared, options.prune);
    decided.push(...extra);
  }
  if (gathered !== null && managed !== null) {
    const declared = new Set<string>(decided.map((d) => d.change.address));
    const gone = deletions(gathered, managed, declared, options.prune, out.warnings);
    const recorded = Object.keys(managed.objects).length;
    if (gone.length > 0 && cluster.workPools.length === 0 && cluster.flows.length === 0) {
      ctx.errors.push(`the spec declares no work pools and no flows, so reconcile will not delete all ${recorded} Prefect objects it recorded; declare them again, or remove ${"`"}prefect-objects.json${"`"} on ${server} to forget them`);
    }
    decided.push(...gone);
  }
  if (ctx.errors.length > 0) return fail(...ctx.errors);

  out.changes = decided.map((d) => d.change);
  const withSteps = decided.filter((d) => d.detail !== null && (d.change.action !== "delete" || options.prune));
  const stepAddresses = new Set(withSteps.map((d) => d.change.address));
  out.steps = withSteps.map((d): ApiStep => {
    const refs = d.change.action === "delete" ? deleteAfter(d, withSteps) : d.after;
    const dependsOn = [...new Set(refs)].filter((a) => a !== d.change.address && stepAddresses.has(a));
    const base = { id: d.change.address, address: d.change.address, dependsOn };
    return d.change.action === "delete" ? { ...base, action: "delete", detail: d.detail as ApiDeleteDetail } : { ...base, action: d.change.action as "create" | "update", detail: d.detail as ApiDetail };
  });
  return out;
}

/** The digest of the inputs a cluster-wide plan rests on (ClusterWidePlan.factsDigest); undefined when they were not gathered. */
export function clusterWideDigest(inputs: ClusterWideInputs): string | undefined {
  if (inputs.api.state === "not-gathered") return undefined;
  return `sha256:${createHash("sha256").update(canonicalJson({ api: inputs.api, managed: inputs.managed })).digest("hex")}`;
}
