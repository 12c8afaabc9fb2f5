/**
 * The Prefect objects as the API listed them (issue 12): work pools, queues, flows and deployments,
 * parsed from the raw answers ({@link RawApiFacts}) into typed facts the planner compares with the
 * spec. Pure. Tolerant of both 3.x and 2.x shapes: a 2.x deployment carries its job variables as
 * `infra_overrides` and may have only the legacy `schedule` + `is_schedule_active`; a 3.4
 * deployment's `concurrency_limit` comes back as `global_concurrency_limit.limit`. Anything
 * malformed is an {@link ApiFactsError} naming the object.
 */
import { MANAGED_OBJECTS_FILE } from "./layout.js";
import type { NodeFactsResult, RawApiFacts } from "./types.js";

/** A JSON value as the API gave it. */
export type ApiJson = null | boolean | number | string | ApiJson[] | { [key: string]: ApiJson };

export interface PoolFact {
  id: string;
  name: string;
  type: string;
  /** "" when the server has none (null). */
  description: string;
  concurrencyLimit: number | null;
  paused: boolean;
  /** `{}` until a worker fills in its default. */
  baseJobTemplate: { [key: string]: ApiJson };
}

export interface QueueFact {
  id: string;
  pool: string;
  name: string;
  description: string;
  priority: number;
  concurrencyLimit: number | null;
  paused: boolean;
}

export interface FlowFact {
  id: string;
  name: string;
}

/** A deployment's schedule; a missing timezone reads "UTC" (the server's default). */
export type ScheduleFact =
  | { cron: string; timezone: string; dayOr: boolean; active: boolean }
  | { interval: number; anchorDate: string | null; timezone: string; active: boolean }
  | { rrule: string; timezone: string; active: boolean };

export interface DeploymentFact {
  id: string;
  /** The flow's NAME (joined through `flow_id`). */
  flow: string;
  name: string;
  description: string;
  pool: string | null;
  queue: string | null;
  schedules: ScheduleFact[];
  parameters: { [key: string]: ApiJson };
  jobVariables: { [key: string]: ApiJson };
  tags: string[];
  paused: boolean;
  entrypoint: string | null;
  path: string | null;
  concurrencyLimit: number | null;
  parameterSchema: { [key: string]: ApiJson } | null;
  enforceParameterSchema: boolean;
}

/** The objects the API listed, and the server's version. */
export interface ApiFacts {
  state: "gathered";
  /** `GET /api/admin/version`: "3.4.25". */
  version: string;
  pools: PoolFact[];
  queues: QueueFact[];
  flows: FlowFact[];
  deployments: DeploymentFact[];
}

/** An answer of the API that is not the shape it should be: `where` names the object. */
export class ApiFactsError extends Error {
  constructor(
    readonly where: string,
    readonly problem: string,
  ) {
    super(`${where}: ${problem}`);
    this.name = "ApiFactsError";
  }
}

type Obj = { [key: string]: unknown };
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Reads the fields of one object, each failure naming the object and the field. */
class Reader {
  constructor(
    readonly where: string,
    readonly o: Obj,
  ) {}
  fail(problem: string): never {
    throw new ApiFactsError(this.where, problem);
  }
  string(key: string): string {
    const v = this.o[key];
    return typeof v === "string" ? v : this.fail(`${key} is not a string`);
  }
  optString(key: string): string | null {
    const v = this.o[key];
    return v === undefined || v === null ? null : typeof v === "string" ? v : this.fail(`${key} is not a string`);
  }
  bool(key: string, missing: boolean): boolean {
    const v = this.o[key];
    return v === undefined || v === null ? missing : typeof v === "boolean" ? v : this.fail(`${key} is not a boolean`);
  }
  optNumber(key: string): number | null {
    const v = this.o[key];
    return v === undefined || v === null ? null : typeof v === "number" && Number.isFinite(v) ? v : this.fail(`${key} is not a number`);
  }
  object(key: string): { [key: string]: ApiJson } | null {
    const v = this.o[key];
    return v === undefined || v === null ? null : isObj(v) ? (v as { [key: string]: ApiJson }) : this.fail(`${key} is not an object`);
  }
  strings(key: string): string[] {
    const v = this.o[key];
    if (v === undefined || v === null) return [];
    return Array.isArray(v) && v.every((x) => typeof x === "string") ? v : this.fail(`${key} is not a list of strings`);
  }
}

function reader(kind: string, i: number, value: unknown): Reader {
  const label = isObj(value) && typeof value.name === "string" ? `${kind} "${value.name}"` : `${kind}[${i}]`;
  if (!isObj(value)) throw new ApiFactsError(label, "not an object");
  return new Reader(label, value);
}

function pool(r: Reader): PoolFact {
  return {
    id: r.string("id"),
    name: r.string("name"),
    type: r.string("type"),
    description: r.optString("description") ?? "",
    concurrencyLimit: r.optNumber("concurrency_limit"),
    paused: r.bool("is_paused", false),
    baseJobTemplate: r.object("base_job_template") ?? {},
  };
}

function queue(r: Reader, poolNames: ReadonlyMap<string, string>): QueueFact {
  const poolId = r.optString("work_pool_id");
  const pool = r.optString("work_pool_name") ?? (poolId === null ? null : (poolNames.get(poolId) ?? null));
  if (pool === null) r.fail("no work_pool_name, and its work_pool_id is not a listed pool");
  const priority = r.optNumber("priority");
  return {
    id: r.string("id"),
    pool,
    name: r.string("name"),
    description: r.optString("description") ?? "",
    priority: priority ?? r.fail("priority is missing"),
    concurrencyLimit: r.optNumber("concurrency_limit"),
    paused: r.bool("is_paused", false),
  };
}

function schedule(r: Reader, key: string, value: unknown, active: boolean): ScheduleFact {
  if (!isObj(value)) r.fail(`${key} is not an object`);
  const s = new Reader(`${r.where} ${key}`, value);
  const timezone = s.optString("timezone") ?? "UTC";
  if (typeof value.cron === "string") return { cron: value.cron, timezone, dayOr: s.bool("day_or", true), active };
  if (typeof value.rrule === "string") return { rrule: value.rrule, timezone, active };
  if (typeof value.interval === "number" && Number.isFinite(value.interval)) return { interval: value.interval, anchorDate: s.optString("anchor_date"), timezone, active };
  return s.fail("is not a cron, interval (seconds) or rrule schedule");
}

/** 3.x and 2.18+ list `schedules`; an older 2.x has one `schedule` and `is_schedule_active`. */
function schedules(r: Reader): ScheduleFact[] {
  const list = r.o.schedules;
  if (Array.isArray(list) && list.length > 0) {
    return list.map((entry, i) => {
      if (!isObj(entry)) return r.fail(`schedules[${i}] is not an object`);
      const e = new Reader(`${r.where} schedules[${i}]`, entry);
      return schedule(r, `schedules[${i}].schedule`, entry.schedule, e.bool("active", true));
    });
  }
  if (list !== undefined && list !== null && !Array.isArray(list)) r.fail("schedules is not a list");
  const legacy = r.o.schedule;
  return legacy === undefined || legacy === null ? [] : [schedule(r, "schedule", legacy, r.bool("is_schedule_active", true))];
}

function deployment(r: Reader, flowNames: ReadonlyMap<string, string>): DeploymentFact {
  const flowId = r.string("flow_id");
  const flow = flowNames.get(flowId) ?? r.fail(`its flow_id ${flowId} is not a listed flow`);
  // 3.4 answers a deployment's own limit as a global concurrency limit it made for it.
  const limitObject = r.object("global_concurrency_limit");
  const globalLimit = limitObject !== null && typeof limitObject.limit === "number" ? limitObject.limit : null;
  return {
    id: r.string("id"),
    flow,
    name: r.string("name"),
    description: r.optString("description") ?? "",
    pool: r.optString("work_pool_name"),
    queue: r.optString("work_queue_name"),
    schedules: schedules(r),
    parameters: r.object("parameters") ?? {},
    jobVariables: r.object("job_variables") ?? r.object("infra_overrides") ?? {},
    tags: r.strings("tags"),
    paused: r.bool("paused", false),
    entrypoint: r.optString("entrypoint"),
    path: r.optString("path"),
    concurrencyLimit: r.optNumber("concurrency_limit") ?? globalLimit,
    parameterSchema: r.object("parameter_openapi_schema"),
    enforceParameterSchema: r.bool("enforce_parameter_schema", false),
  };
}

/**
 * The objects of a raw API answer; throws {@link ApiFactsError} naming the first malformed one.
 *
 * @example
 * const facts = parseApiFacts({ version: "3.4.25", pools, queues, flows, deployments });
 * facts.deployments[0]?.flow // "etl": the flow's name, not its id
 */
export function parseApiFacts(raw: RawApiFacts): ApiFacts {
  if (typeof raw.version !== "string" || raw.version === "") throw new ApiFactsError("version", "not a version string");
  const pools = raw.pools.map((p, i) => pool(reader("work pool", i, p)));
  const poolNames = new Map(pools.map((p) => [p.id, p.name]));
  const queues = raw.queues.map((q, i) => queue(reader("work queue", i, q), poolNames));
  const flows = raw.flows.map((f, i) => {
    const r = reader("flow", i, f);
    return { id: r.string("id"), name: r.string("name") };
  });
  const flowNames = new Map(flows.map((f) => [f.id, f.name]));
  const deployments = raw.deployments.map((d, i) => deployment(reader("deployment", i, d), flowNames));
  return { state: "gathered", version: raw.version, pools, queues, flows, deployments };
}

/** {@link parseApiFacts}, with a malformed answer as the `error` state the planner takes. */
export function apiFactsOf(raw: RawApiFacts): ApiFacts | { state: "error"; error: string } {
  try {
    return parseApiFacts(raw);
  } catch (e) {
    if (e instanceof ApiFactsError) return { state: "error", error: `the Prefect API's answer: ${e.message}` };
    throw e;
  }
}

/** What reconcile created on the Prefect server: address → id (flows, deployments) or name. */
export interface ManagedObjects {
  objects: Record<string, string>;
}

/**
 * The record of {@link MANAGED_OBJECTS_FILE} in the server node's facts: null when the file is
 * not there (nothing created yet) or the node gave no facts, `{error}` when it is not a record.
 */
export function managedRecordOf(result: NodeFactsResult | undefined): ManagedObjects | { error: string } | null {
  if (result?.reachable !== true || !result.facts.files.ok) return null;
  const file = result.facts.files.value[MANAGED_OBJECTS_FILE];
  if (file === undefined || file.state === "absent") return null;
  const bad = (why: string) => ({ error: `${MANAGED_OBJECTS_FILE}: ${why}` });
  if (file.state !== "file" || file.content === null) return bad("not a readable file");
  let parsed: unknown;
  try {
    parsed = JSON.parse(file.content);
  } catch {
    return bad("not JSON");
  }
  if (!isObj(parsed) || parsed.version !== 1 || !isObj(parsed.objects)) return bad('not {"version": 1, "objects": {...}}');
  const objects = parsed.objects;
  if (!Object.values(objects).every((v) => typeof v === "string")) return bad("an object's id is not a string");
  return { objects: objects as Record<string, string> };
}
