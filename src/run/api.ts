/** The cluster's Prefect API, reached through the server node's SSH connection (executors/prefect-api.ts). */
import { openPrefectApi, type PrefectApi } from "../executors/prefect-api.js";
import type { ResolvedCluster } from "../spec/resolved.js";
import type { Sensitive } from "../spec/secrets.js";
import type { Session } from "./session.js";

/**
 * A client of the cluster's Prefect server: a channel forwarded by the server node's connection to
 * its loopback port, with the auth string when the spec sets one (its value from `secrets`).
 *
 * @example
 * const api = await openClusterApi(session, cluster, secrets.values);
 * try { console.log(await api.version()); } finally { await api.close(); }
 */
export async function openClusterApi(session: Session, cluster: ResolvedCluster, secrets: ReadonlyMap<string, Sensitive>, options: { signal?: AbortSignal } = {}): Promise<PrefectApi> {
  const transport = await session.connections.get(cluster.server.node);
  const ref = cluster.server.prefect.authString;
  const authString = ref === null ? null : (secrets.get(ref.secret)?.reveal() ?? null);
  const signal = options.signal === undefined ? session.signal : AbortSignal.any([session.signal, options.signal]);
  return openPrefectApi(transport, { port: cluster.server.prefect.port, authString, signal, logger: session.log });
}
