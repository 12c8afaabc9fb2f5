/**
 * Drift in the pipeline: gather (the nodes and the Prefect objects), plan with the drift rules and
 * without prune, and read the report off the plan. `drift`, `watch --interval` and `status` all
 * look for drift through here.
 */
import { driftReport, type DriftReport } from "../planner/drift.js";
import type { Plan } from "../planner/types.js";
import type { ResolvedCluster } from "../spec/resolved.js";
import type { Sensitive } from "../spec/secrets.js";
import { gather, type Gathered } from "./gather.js";
import { planGathered } from "./plan.js";
import type { Session } from "./session.js";

export interface DriftCheck {
  report: DriftReport;
  plan: Plan;
  gathered: Gathered;
}

/**
 * @example
 * const { report } = await checkDrift(session, cluster, secrets.values, { deep: true });
 * if (!report.inSync) for (const d of report.drift) console.log(d.node, d.address, d.summary);
 */
export async function checkDrift(session: Session, cluster: ResolvedCluster, secrets: ReadonlyMap<string, Sensitive>, options: { deep?: boolean; signal?: AbortSignal } = {}): Promise<DriftCheck> {
  const gathered = await gather(session, cluster, { secrets, ...(options.deep === true ? { deep: true } : {}), ...(options.signal === undefined ? {} : { signal: options.signal }) });
  const plan = planGathered(cluster, gathered, secrets, { prune: false });
  return { report: driftReport(plan), plan, gathered };
}
