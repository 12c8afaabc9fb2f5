/**
 * The cluster-wide wave of an apply: the plan's Prefect objects written through the API of the
 * server node (after it verified, before any worker passes its gate), one step at a time, and the
 * record of what reconcile created kept on the server node, also when a write fails half-way.
 */
import { ReconcileError } from "../errors.js";
import { PrefectApiError, type PrefectApi } from "../executors/prefect-api.js";
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
    const started = performance.now();
    const outcome = await write(session, cluster, steps, signal, writes, options);
    session.log.info({ event: "cluster-wide", steps: steps.length, writes: writes.length, durationMs: Math.round(performance.now() - started) }, "prefect objects");
    if (!writes.some((w) => w.action !== "update")) return outcome;
    // Recorded whatever happened to the writes, or the objects made here could never be pruned.
    try {
      await record(session, cluster, writes);
      return outcome;
    } catch (error) {
      const made = writes.filter((w) => w.action === "create").map((w) => w.address);
      const why = error instanceof Error ? error.message : String(error);
      const message = `${outcome.message}; the record of the objects reconcile created on ${cluster.server.node} could not be written (${why})${made.length === 0 ? "" : `: ${made.join(", ")} will not be pruned by reconcile`}`;
      return { status: "failed", writes, address: null, error, message };
    }
  };
}

/** The steps in order through one client; `writes` gets each that succeeded, also when a later one fails. */
async function write(session: Session, cluster: ResolvedCluster, steps: readonly ApiStep[], signal: AbortSignal, writes: ApiWrite[], options: { secrets: ReadonlyMap<string, Sensitive>; version: string | null; onEvent?: RunEventHandler }): Promise<ClusterWideOutcome> {
  let current: ApiStep | null = null;
  let api: PrefectApi | undefined;
  try {
    api = await openClusterApi(session, cluster, options.secrets, { signal });
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
    await api?.close();
  }
}

const written = (writes: readonly ApiWrite[]) => (writes.length === 0 ? " (nothing was written)" : `; written before it: ${writes.map(what).join(", ")}`);

/** The record on the server node brought up to date with `writes` (read again: it is the truth, not the plan's copy). */
async function record(session: Session, cluster: ResolvedCluster, writes: readonly ApiWrite[]): Promise<void> {
  // A connection that dropped meanwhile is opened again (the host key checked again).
  const transport = await session.connections.ensure(cluster.server.node);
  const before = await readManagedRecord(transport);
  await writeManagedRecord(transport, recordAfter(before, writes));
}
