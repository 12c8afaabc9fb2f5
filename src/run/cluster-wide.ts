/**
 * The cluster-wide wave of an apply: the plan's Prefect objects written through the API of the
 * server node (after it verified, before any worker passes its gate), one step at a time, and the
 * record of what reconcile created kept on the server node, also when a write fails half-way.
 */
import { ReconcileError } from "../errors.js";
import { PrefectApiError } from "../executors/prefect-api.js";
import { applyApiStep, readManagedRecord, recordAfter, writeManagedRecord, type ApiWrite } from "../executors/prefect-objects.js";
import { prefectMajor } from "../planner/versions.js";
import type { ApiStep } from "../planner/types.js";
import type { ResolvedCluster } from "../spec/resolved.js";
import type { Sensitive } from "../spec/secrets.js";
import type { ClusterWideOutcome, ClusterWideRunner } from "../state-machine/cluster-run.js";
import { openClusterApi } from "./api.js";
import type { RunEventHandler } from "./events.js";
import type { Session } from "./session.js";

/** What one write is, in words: `create deployment:etl/daily`. */
const what = (w: Pick<ApiWrite, "action" | "address">) => `${w.action} ${w.address}`;

/**
 * The runner the cluster run calls with the plan's cluster-wide steps. `version` is the Prefect
 * version the plan's bodies were built for: a server of another major is refused before any write.
 */
export function clusterWideRunner(session: Session, cluster: ResolvedCluster, options: { secrets: ReadonlyMap<string, Sensitive>; version: string | null; onEvent?: RunEventHandler }): ClusterWideRunner {
  return async (steps: readonly ApiStep[], signal: AbortSignal): Promise<ClusterWideOutcome> => {
    const writes: ApiWrite[] = [];
    let current: ApiStep | null = null;
    const started = performance.now();
    const api = await openClusterApi(session, cluster, options.secrets, { signal });
    try {
      const live = await api.version();
      if (options.version !== null && prefectMajor(live) !== prefectMajor(options.version)) {
        throw new ReconcileError(`the server runs Prefect ${live}, but the plan's requests were made for Prefect ${options.version}`, { hint: "make a new plan" });
      }
      const flowIds = new Map<string, string>();
      for (const step of steps) {
        signal.throwIfAborted();
        current = step;
        options.onEvent?.({ type: "api.started", address: step.address, action: step.action });
        writes.push(await applyApiStep(api, step, options.secrets, flowIds));
      }
      current = null;
      return { status: "converged", writes, message: `${writes.length} Prefect ${writes.length === 1 ? "object" : "objects"} written` };
    } catch (error) {
      if (signal.aborted) return { status: "cancelled", writes, message: `cancelled${current === null ? "" : ` at ${what(current)}`}${written(writes)}` };
      const reason = error instanceof PrefectApiError ? `the server answered ${error.status ?? "nothing"}: ${error.reason}` : error instanceof Error ? error.message : String(error);
      return { status: "failed", writes, address: current?.address ?? null, error, message: `failed${current === null ? "" : ` at ${what(current)}`}: ${reason}${written(writes)}` };
    } finally {
      session.log.info({ event: "cluster-wide", steps: steps.length, writes: writes.length, durationMs: Math.round(performance.now() - started) }, "prefect objects");
      await api.close();
      if (writes.some((w) => w.action !== "update")) await record(session, cluster, writes);
    }
  };
}

const written = (writes: readonly ApiWrite[]) => (writes.length === 0 ? " (nothing was written)" : `; written before it: ${writes.map(what).join(", ")}`);

/** The record on the server node brought up to date with `writes` (read again: it is the truth, not the plan's copy). */
async function record(session: Session, cluster: ResolvedCluster, writes: readonly ApiWrite[]): Promise<void> {
  const transport = await session.connections.get(cluster.server.node);
  const before = await readManagedRecord(transport);
  await writeManagedRecord(transport, recordAfter(before, writes));
}
