/**
 * Planning in the pipeline: what was gathered → a plan, with the executors' own word on which step
 * kinds they cannot carry out (such a plan is not applyable, with the reason, rather than failing
 * mid-apply). `plan` and `apply` both plan through here.
 */
import { UNSUPPORTED_STEPS } from "../executors/steps/script-for-step.js";
import { SpecPathError } from "../errors.js";
import { flowSpecProblems } from "../planner/flow-parameters.js";
import { plan } from "../planner/plan.js";
import { NOT_GATHERED, type ClusterWideInputs } from "../planner/cluster-wide.js";
import { apiFactsOf, managedRecordOf } from "../facts/prefect.js";
import type { Plan, PlanOptions } from "../planner/types.js";
import type { ResolvedCluster } from "../spec/resolved.js";
import type { Sensitive } from "../spec/secrets.js";
import type { Gathered } from "./gather.js";

/**
 * The plan for what was gathered. Refuses (SpecPathError, placed in cluster.yaml by the CLI) a
 * deployment parameter its flow does not take and a flow whose parameters cannot be read.
 *
 * @example
 * const gathered = await gather(session, cluster);
 * const p = planGathered(cluster, gathered, secrets.values, { prune: false });
 */
export function planGathered(cluster: ResolvedCluster, gathered: Pick<Gathered, "facts" | "local"> & Partial<Pick<Gathered, "api">>, secrets: ReadonlyMap<string, Sensitive>, options: Omit<PlanOptions, "unsupported">): Plan {
  const problems = flowSpecProblems(cluster, gathered.local);
  if (problems.length > 0) throw new SpecPathError(cluster.specFile, problems);
  return plan(cluster, gathered.facts, gathered.local, secrets, { ...options, unsupported: UNSUPPORTED_STEPS }, clusterWideInputsOf(cluster, gathered));
}

/** The API's objects (parsed) and the record of those reconcile created, for the cluster-wide plan. */
export function clusterWideInputsOf(cluster: ResolvedCluster, gathered: Pick<Gathered, "facts"> & Partial<Pick<Gathered, "api">>): ClusterWideInputs {
  const api = gathered.api ?? { state: "not-gathered" };
  if (api.state === "not-gathered") return NOT_GATHERED;
  const managed = managedRecordOf(gathered.facts[cluster.server.node]);
  return { api: api.state === "gathered" ? apiFactsOf(api.raw) : api, managed };
}
