/**
 * The Prefect objects as the server holds them (issue 12, item 2): read through the API client,
 * one list request per kind, all four at once once the version is known. Nothing is interpreted
 * here; facts/ and the planner read the raw lists.
 */
import type { RawApiFacts } from "../facts/types.js";
import type { PrefectApi } from "./prefect-api.js";

/**
 * The list endpoints read for {@link RawApiFacts}. `/work_queues/filter` answers with the queues of
 * every pool, each naming its `work_pool_name` (seen on 3.4.25), so one request covers all pools.
 */
export const API_FACT_PATHS = {
  pools: "/work_pools/filter",
  queues: "/work_queues/filter",
  flows: "/flows/filter",
  deployments: "/deployments/filter",
} as const;

/**
 * The server's version, then its pools, queues, flows and deployments (every page of each).
 *
 * @example
 * const api = await openClusterApi(session, cluster, secrets);
 * try { const facts = await gatherApiFacts(api); } finally { await api.close(); }
 */
export async function gatherApiFacts(api: PrefectApi): Promise<RawApiFacts> {
  // The version first: a refused auth string or a server that is not Prefect fails once, clearly,
  // rather than four times at once.
  const version = await api.version();
  const [pools, queues, flows, deployments] = await Promise.all([
    api.list(API_FACT_PATHS.pools),
    api.list(API_FACT_PATHS.queues),
    api.list(API_FACT_PATHS.flows),
    api.list(API_FACT_PATHS.deployments),
  ]);
  return { version, pools, queues, flows, deployments };
}
