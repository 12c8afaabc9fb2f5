/**
 * What `reconcile status` reads from the Prefect API besides the objects (issue 13, item 4): the
 * server's health, each managed pool's workers (ONLINE or OFFLINE, last heartbeat) and its late
 * runs. Every request goes out at once, each bounded by the client's own bound; a failed one is
 * recorded as data (`{ ok: false, error }`), so one pool the server does not know, or a health
 * route that does not answer, still leaves the rest of the screen.
 */
import type { ApiRead, RawApiStatus, RawPoolStatus } from "../facts/types.js";
import { API_PAGE_LIMIT, PrefectApiError, type PrefectApi } from "./prefect-api.js";

/** The endpoints read (reference §1.1, §1.4, §1.7). */
export const API_STATUS_PATHS = {
  health: "/health",
  workers: (pool: string) => `/work_pools/${encodeURIComponent(pool)}/workers/filter`,
  flowRuns: "/flow_runs/filter",
} as const;

/** A flow run the scheduler marked late is in state type SCHEDULED with the state name "Late". */
export const LATE_STATE_NAME = "Late";

/**
 * The filter of a pool's late runs: one page only, so a backlog of thousands costs one request
 * (status says "200+" then).
 */
export function lateRunsFilter(pool: string): Record<string, unknown> {
  return { flow_runs: { state: { name: { any_: [LATE_STATE_NAME] } } }, work_pools: { name: { any_: [pool] } }, limit: API_PAGE_LIMIT, offset: 0 };
}

/** A failed read in the server's words: `POST /path: 404 Work pool "x" not found.`. */
export function readError(error: unknown): string {
  if (error instanceof PrefectApiError) return `${error.method} ${error.path}: ${error.status === null ? "" : `${error.status} `}${error.reason}`;
  return error instanceof Error ? error.message : String(error);
}

async function read<T>(work: () => Promise<T>): Promise<ApiRead<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    return { ok: false, error: readError(error) };
  }
}

/**
 * Health, then per pool its workers and late runs, all requested at once. Never rejects: every
 * failure is in the result.
 *
 * @example
 * const extras = await gatherApiStatus(api, cluster.workPools.map((p) => p.name));
 * extras.pools.etl?.workers // { ok: true, value: [{ name: "worker-1-etl", status: "ONLINE", ... }] }
 */
export async function gatherApiStatus(api: PrefectApi, pools: readonly string[]): Promise<RawApiStatus> {
  const health = read(async () => (await api.request("GET", API_STATUS_PATHS.health)).body);
  const perPool = pools.map(async (pool): Promise<[string, RawPoolStatus]> => {
    const [workers, lateRuns] = await Promise.all([
      read(() => api.list(API_STATUS_PATHS.workers(pool))),
      read(async () => {
        const { body } = await api.request("POST", API_STATUS_PATHS.flowRuns, lateRunsFilter(pool));
        if (!Array.isArray(body)) throw new Error(`POST ${API_STATUS_PATHS.flowRuns}: expected a list, got ${body === null ? "nothing" : typeof body}`);
        return { count: body.length, more: body.length >= API_PAGE_LIMIT };
      }),
    ]);
    return [pool, { workers, lateRuns }];
  });
  const [h, entries] = await Promise.all([health, Promise.all(perPool)]);
  return { health: h, pools: Object.fromEntries(entries) };
}

/** The extras when the API could not even be opened: every read failed for the same reason. */
export function failedApiStatus(pools: readonly string[], error: string): RawApiStatus {
  const failed = { ok: false as const, error };
  return { health: failed, pools: Object.fromEntries(pools.map((p) => [p, { workers: failed, lateRuns: failed }])) };
}
