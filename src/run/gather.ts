/** Gathering: the local inputs, then every node's facts (all nodes at once, one round trip each). */
import { gatherFacts } from "../executors/gather-facts.js";
import { gatherLocalInputs, inspectCacheDir } from "../executors/local-inputs.js";
import type { FactSet, RawApiFacts } from "../facts/types.js";
import { gatherApiFacts } from "../executors/prefect-facts.js";
import { PrefectApiError } from "../executors/prefect-api.js";
import { SERVER_UNIT } from "../planner/templates.js";
import type { Sensitive } from "../spec/secrets.js";
import { openClusterApi } from "./api.js";
import { factsRequestFor } from "../planner/desired.js";
import type { LocalInputs } from "../planner/types.js";
import type { ResolvedCluster, ResolvedNode } from "../spec/resolved.js";
import type { Session } from "./session.js";

/**
 * The Prefect objects as the server's API gave them, or why there are none: `unavailable` when the
 * server does not run (yet: everything will be created), `error` when it runs but its API failed
 * (nothing may be planned from that), `not-gathered` when the caller did not ask.
 */
export type GatheredApi = { state: "gathered"; raw: RawApiFacts } | { state: "unavailable"; reason: string } | { state: "error"; error: string } | { state: "not-gathered" };

export interface Gathered {
  facts: FactSet;
  local: LocalInputs;
  api: GatheredApi;
  durationMs: { local: number; facts: number; api: number };
}

export interface GatherOptions {
  /** Only these nodes; default every node of the cluster. */
  nodes?: readonly ResolvedNode[];
  /** Local inputs that cannot be read are left out instead of failing (`reconcile facts`). */
  tolerant?: boolean;
  /** Also stops this gathering (the session's signal always does). */
  signal?: AbortSignal;
  /**
   * Also gather the Prefect objects through the server's API, with these secrets (its auth
   * string). Absent: `api` is `not-gathered`.
   */
  secrets?: ReadonlyMap<string, Sensitive>;
  /** Re-hash the content of every complete store folder on the nodes (`drift --deep`): slower, finds corrupt environments. */
  deep?: boolean;
}

/**
 * Everything a plan needs, in one call: the local inputs (artifact sizes, flow code digests), then
 * the facts of the nodes. An unreachable node is a result (in `facts`), not a failure.
 *
 * @example
 * const { facts, local } = await gather(session, cluster);
 * const p = plan(cluster, facts, local, secrets.values, { prune: false });
 */
export async function gather(session: Session, cluster: ResolvedCluster, options: GatherOptions = {}): Promise<Gathered> {
  const signal = options.signal === undefined ? session.signal : AbortSignal.any([session.signal, options.signal]);
  const t0 = performance.now();
  const local = await gatherLocalInputs(cluster, { signal, tolerant: options.tolerant === true, inspectCache: inspectCacheDir(session.cache.dir) });
  const t1 = performance.now();
  const nodes = options.nodes ?? cluster.nodes;
  const facts = await gatherFacts(nodes, (n) => factsRequestFor(cluster, n, local, { deep: options.deep === true }), (n) => session.connections.get(n.name), { signal, logger: session.log });
  // An interrupted gathering is not a result: nothing may be planned, printed or saved from it.
  signal.throwIfAborted();
  const t2 = performance.now();
  const api = options.secrets === undefined ? ({ state: "not-gathered" } as const) : await gatherApi(session, cluster, facts, options.secrets, signal);
  signal.throwIfAborted();
  const t3 = performance.now();
  return { facts, local, api, durationMs: { local: Math.round(t1 - t0), facts: Math.round(t2 - t1), api: Math.round(t3 - t2) } };
}

/** The Prefect objects, when the server node was gathered and its Prefect server runs. */
async function gatherApi(session: Session, cluster: ResolvedCluster, facts: FactSet, secrets: ReadonlyMap<string, Sensitive>, signal: AbortSignal): Promise<GatheredApi> {
  const server = facts[cluster.server.node];
  if (server === undefined) return { state: "not-gathered" };
  if (!server.reachable) return { state: "error", error: `the server node ${cluster.server.node} is unreachable` };
  const unit = server.facts.units.ok ? server.facts.units.value[SERVER_UNIT] : undefined;
  if (unit === undefined || unit.active !== "active") return { state: "unavailable", reason: `${SERVER_UNIT} does not run on ${cluster.server.node}` };
  const api = await openClusterApi(session, cluster, secrets, { signal });
  try {
    return { state: "gathered", raw: await gatherApiFacts(api) };
  } catch (error) {
    signal.throwIfAborted();
    const why = error instanceof PrefectApiError ? `${error.method} ${error.path}: ${error.status === null ? "" : `${error.status} `}${error.reason}` : error instanceof Error ? error.message : String(error);
    return { state: "error", error: `the Prefect API on ${cluster.server.node} failed: ${why}` };
  } finally {
    await api.close();
  }
}
