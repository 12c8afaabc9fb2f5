/**
 * `reconcile status` in the pipeline: ONE gather (the nodes and the Prefect objects), the drift
 * report planned from that same gather (without prune), and the API's extras (health, each
 * managed pool's workers and late runs) when the objects could be read. Nothing is gathered twice.
 */
import { failedApiStatus, gatherApiStatus, readError } from "../executors/prefect-status.js";
import type { RawApiStatus } from "../facts/types.js";
import { driftReport } from "../planner/drift.js";
import { clusterStatus, type ClusterStatus } from "../planner/status.js";
import type { Plan } from "../planner/types.js";
import type { ResolvedCluster } from "../spec/resolved.js";
import type { Sensitive } from "../spec/secrets.js";
import { openClusterApi } from "./api.js";
import { gather, type Gathered } from "./gather.js";
import { planGathered } from "./plan.js";
import type { Session } from "./session.js";

export interface StatusCheck {
  status: ClusterStatus;
  gathered: Gathered;
  /** The drift plan (prune off) the status's drift lines come from. */
  plan: Plan;
}

/**
 * @example
 * const { status } = await gatherStatus(session, cluster, secrets.values);
 * for (const line of renderStatus(status)) console.log(line);
 */
export async function gatherStatus(session: Session, cluster: ResolvedCluster, secrets: ReadonlyMap<string, Sensitive>, options: { signal?: AbortSignal } = {}): Promise<StatusCheck> {
  const signal = options.signal === undefined ? session.signal : AbortSignal.any([session.signal, options.signal]);
  const gathered = await gather(session, cluster, { secrets, signal });
  const plan = planGathered(cluster, gathered, secrets, { prune: false });
  const extras = gathered.api.state === "gathered" ? await readExtras(session, cluster, secrets, signal) : null;
  signal.throwIfAborted();
  return { status: clusterStatus(cluster, gathered, extras, driftReport(plan)), gathered, plan };
}

/** Health, workers and late runs through a client of its own; a client that cannot open fails every read, as data. */
async function readExtras(session: Session, cluster: ResolvedCluster, secrets: ReadonlyMap<string, Sensitive>, signal: AbortSignal): Promise<RawApiStatus> {
  const pools = cluster.workPools.map((p) => p.name);
  let api;
  try {
    api = await openClusterApi(session, cluster, secrets, { signal });
  } catch (error) {
    signal.throwIfAborted();
    return failedApiStatus(pools, readError(error));
  }
  try {
    return await gatherApiStatus(api, pools);
  } finally {
    await api.close();
  }
}

/**
 * Workers ONLINE and known per managed pool, as the server lists them (`watch --metrics`); pools
 * whose workers could not be read are left out.
 *
 * @example
 * metrics.recordWorkers(await workersOnline(session, cluster, secrets.values)); // { production: { online: 2, total: 2 } }
 */
export async function workersOnline(session: Session, cluster: ResolvedCluster, secrets: ReadonlyMap<string, Sensitive>, options: { signal?: AbortSignal } = {}): Promise<Record<string, { online: number; total: number }>> {
  const signal = options.signal === undefined ? session.signal : AbortSignal.any([session.signal, options.signal]);
  const extras = await readExtras(session, cluster, secrets, signal);
  const out: Record<string, { online: number; total: number }> = {};
  for (const [pool, read] of Object.entries(extras.pools)) {
    if (!read.workers.ok) continue;
    const workers = read.workers.value.filter((w): w is { status?: unknown } => w !== null && typeof w === "object");
    out[pool] = { online: workers.filter((w) => w.status === "ONLINE").length, total: workers.length };
  }
  return out;
}
