/**
 * Writing the Prefect objects of the plan's cluster-wide section through the API (issue 12): one
 * step at a time, each an idempotent request (a create that finds the object there already turns
 * into an update of every field it declares, a delete of what is gone already succeeds), and the
 * record of what reconcile created (`MANAGED_OBJECTS_FILE` on the server node), which is the only
 * thing a prune ever deletes.
 */
import { MANAGED_OBJECTS_FILE } from "../facts/layout.js";
import type { ApiStep, Json } from "../planner/types.js";
import type { Sensitive } from "../spec/secrets.js";
import { PrefectApiError, type PrefectApi } from "./prefect-api.js";
import { runScriptOrThrow } from "./remote-script.js";
import { shellQuote as q, type Transport } from "./transport.js";

/** What one step did on the server: the object's id (or name, for pools and queues), null once deleted. */
export interface ApiWrite {
  address: ApiStep["address"];
  action: ApiStep["action"];
  id: string | null;
}

const seg = (name: string) => encodeURIComponent(name);

/** The record's file: `{"version": 1, "objects": {"<address>": "<id or name>"}}` (facts/prefect.ts `managedRecordOf` reads it). */
export interface ManagedRecord {
  version: 1;
  objects: Record<string, string>;
}

/** `{ secret: NAME }` placeholders (deployment env values) replaced by the secrets' values, at the last moment. */
export function revealSecrets(value: Json, secrets: ReadonlyMap<string, Sensitive>): Json {
  if (Array.isArray(value)) return value.map((v) => revealSecrets(v, secrets));
  if (value === null || typeof value !== "object") return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === "secret" && typeof value.secret === "string") {
    const secret = secrets.get(value.secret);
    if (secret === undefined) throw new Error(`the secret ${value.secret} has no value`);
    return secret.reveal();
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealSecrets(v, secrets)]));
}

/** The body without the keys a PATCH does not take (a pool's name and type, a queue's name). */
const without = (body: Json, keys: readonly string[]): Json =>
  body !== null && typeof body === "object" && !Array.isArray(body) ? Object.fromEntries(Object.entries(body).filter(([k]) => !keys.includes(k))) : body;

const idOf = (body: unknown, what: string): string => {
  const id = (body as { id?: unknown } | null)?.id;
  if (typeof id !== "string") throw new Error(`the server's answer to ${what} has no id`);
  return id;
};

/**
 * Carries out one cluster-wide step. `flowIds` (flow name → id) is filled by flow steps and read by
 * the deployment steps after them; a flow not in it is looked up by name.
 *
 * @example
 * const flowIds = new Map<string, string>();
 * for (const step of plan.clusterWide.steps) writes.push(await applyApiStep(api, step, secrets, flowIds));
 */
export async function applyApiStep(api: PrefectApi, step: ApiStep, secrets: ReadonlyMap<string, Sensitive>, flowIds: Map<string, string>): Promise<ApiWrite> {
  const done = (id: string | null): ApiWrite => ({ address: step.address, action: step.action, id });
  if (step.action === "delete") {
    const d = step.detail;
    switch (d.kind) {
      case "work-pool":
        await api.request("DELETE", `/work_pools/${seg(d.name)}`, undefined, { expect: [204, 404] });
        return done(null);
      case "work-queue":
        await api.request("DELETE", `/work_pools/${seg(d.pool)}/queues/${seg(d.name)}`, undefined, { expect: [204, 404] });
        return done(null);
      case "flow":
        await api.request("DELETE", `/flows/${seg(d.id)}`, undefined, { expect: [204, 404] });
        return done(null);
      case "deployment":
        await api.request("DELETE", `/deployments/${seg(d.id)}`, undefined, { expect: [204, 404] });
        return done(null);
    }
  }
  const d = step.detail;
  switch (d.kind) {
    case "work-pool": {
      const path = `/work_pools/${seg(d.name)}`;
      if (step.action === "create") {
        const r = await api.request("POST", "/work_pools/", d.create, { expect: [201, 409] });
        // There already (made meanwhile, or by a worker that started first): every declared field set.
        if (r.status === 409) await api.request("PATCH", path, without(d.create, ["name", "type"]));
      } else await api.request("PATCH", path, d.update);
      return done(d.name);
    }
    case "work-queue": {
      const path = `/work_pools/${seg(d.pool)}/queues/${seg(d.name)}`;
      if (step.action === "create") {
        // No trailing slash: with one the server answers 307 (reference §6).
        const r = await api.request("POST", `/work_pools/${seg(d.pool)}/queues`, d.create, { expect: [201, 409] });
        if (r.status === 409) await api.request("PATCH", path, without(d.create, []));
      } else await api.request("PATCH", path, d.update);
      return done(`${d.pool}/${d.name}`);
    }
    case "flow": {
      // Get-or-create by name: 201 new, 200 the flow that was there.
      const r = await api.request("POST", "/flows/", d.create, { expect: [200, 201] });
      const id = idOf(r.body, `the flow ${d.name}`);
      flowIds.set(d.name, id);
      return done(id);
    }
    case "deployment": {
      if (step.action === "update" && d.id !== null) {
        await api.request("PATCH", `/deployments/${seg(d.id)}`, revealSecrets(d.update, secrets));
        return done(d.id);
      }
      const flowId = flowIds.get(d.flow) ?? (await flowIdByName(api, d.flow));
      flowIds.set(d.flow, flowId);
      const body = revealSecrets(d.create, secrets) as Record<string, Json>;
      // An upsert on (flow, name): 201 new, 200 the deployment that was there, same id.
      const r = await api.request("POST", "/deployments/", { ...body, flow_id: flowId }, { expect: [200, 201] });
      return done(idOf(r.body, `the deployment ${d.flow}/${d.name}`));
    }
  }
}

async function flowIdByName(api: PrefectApi, flow: string): Promise<string> {
  try {
    return idOf((await api.request("GET", `/flows/name/${seg(flow)}`)).body, `the flow ${flow}`);
  } catch (error) {
    if (error instanceof PrefectApiError && error.status === 404) {
      const r = await api.request("POST", "/flows/", { name: flow }, { expect: [200, 201] });
      return idOf(r.body, `the flow ${flow}`);
    }
    throw error;
  }
}

/** The record after `writes`: created objects added (with their ids), deleted ones dropped. */
export function recordAfter(record: ManagedRecord | null, writes: readonly ApiWrite[]): ManagedRecord {
  const objects: Record<string, string> = { ...(record?.objects ?? {}) };
  for (const w of writes) {
    if (w.action === "delete") delete objects[w.address];
    else if (w.action === "create" && w.id !== null) objects[w.address] = w.id;
    // An update keeps the record as it was: an object reconcile did not create stays unowned.
    else if (w.id !== null && w.address in objects) objects[w.address] = w.id;
  }
  const sorted = Object.fromEntries(Object.entries(objects).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { version: 1, objects: sorted };
}

/** Reads the record on the server node (null when there is none yet). */
export async function readManagedRecord(transport: Transport, options: { signal?: AbortSignal } = {}): Promise<ManagedRecord | null> {
  const r = await transport.exec(`cat ${q(MANAGED_OBJECTS_FILE)} 2>/dev/null || true`, { step: "read the managed objects record", ...(options.signal === undefined ? {} : { signal: options.signal }) });
  if (r.stdout.trim() === "") return null;
  try {
    const parsed = JSON.parse(r.stdout) as Partial<ManagedRecord>;
    if (parsed.version === 1 && typeof parsed.objects === "object" && parsed.objects !== null) return { version: 1, objects: parsed.objects };
  } catch {
    // Said below.
  }
  throw new Error(`${MANAGED_OBJECTS_FILE} on ${transport.node} is not a record of managed objects; move it aside to let reconcile write a new one`);
}

/** Writes the record on the server node atomically (a file beside it, then renamed over it). */
export async function writeManagedRecord(transport: Transport, record: ManagedRecord, options: { signal?: AbortSignal } = {}): Promise<void> {
  const file = MANAGED_OBJECTS_FILE;
  const dir = file.slice(0, file.lastIndexOf("/"));
  const script = [
    "set -e",
    `mkdir -p ${q(dir)}`,
    `t=$(mktemp ${q(`${dir}/.reconcile.XXXXXX`)})`,
    `trap 'rm -f "$t"' EXIT`,
    `trap 'rm -f "$t"; exit 143' HUP INT TERM`,
    `cat > "$t"`,
    `chmod 0644 "$t"`,
    `sync "$t" 2>/dev/null || true`,
    `mv -f "$t" ${q(file)}`,
    "trap - EXIT HUP INT TERM",
  ].join("\n");
  await runScriptOrThrow(transport, { step: "record the managed objects", script, stdin: `${JSON.stringify(record, null, 2)}\n`, ...(options.signal === undefined ? {} : { signal: options.signal }) });
}
