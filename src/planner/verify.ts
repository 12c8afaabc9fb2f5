/**
 * What a node's verify step proves besides its units and links: the real thing answers. Pure:
 * built from the resolved cluster alone; executors/steps/probes.ts runs it on the node.
 *
 * - The server node: the API on loopback is healthy and reports the Prefect version of the
 *   environment it was started from (so an old process cannot pass), PostgreSQL listens on
 *   loopback only, and through the proxy, the way clients come, the API answers over TLS with the
 *   credentials while without them everything but the health check is refused.
 * - A worker node: the API through the proxy, with the CA and credentials the workers use, and
 *   each of its worker processes ONLINE in its pool (any node that runs workers, the server node too).
 */
import { envLink, storeFile } from "../facts/layout.js";
import type { ResolvedCluster, ResolvedNode } from "../spec/resolved.js";
import { CADDY_ROOT_CERT, PROXY_CA_FILE, apiUrl, proxyCaNeeded, workerInstances } from "./templates.js";
import type { Probe, VerifyChecks } from "./types.js";
import { prefectHasAuthString } from "./versions.js";

/** Where a node's probes run from: the Prefect environment's own interpreter. */
const pythonOf = (node: ResolvedNode, env: string) => `${envLink(node.root, env)}/bin/python`;

/** The CA a client on `node` verifies the proxy's certificate with; null for the system's trust (or no TLS). */
function proxyCa(cluster: ResolvedCluster, node: ResolvedNode): string | null {
  const tls = cluster.server.proxy?.tls;
  if (tls === undefined || !proxyCaNeeded(cluster)) return null;
  if (!node.server) return PROXY_CA_FILE;
  // The server node reads Caddy's own root, or the CA artifact in its store.
  if (tls.mode === "files" && tls.ca !== null) return storeFile(node.root, cluster.artifacts[tls.ca]?.sha256 ?? "", tls.ca);
  return CADDY_ROOT_CERT;
}

/** `serverPrefect`: the Prefect version of the server's environment (null when unknown: as 3.x). */
export function verifyChecks(cluster: ResolvedCluster, node: ResolvedNode, serverPrefect: string | null): VerifyChecks {
  const { server } = cluster;
  // Only a server with an auth string of its own checks credentials on the API (3.1.8+).
  const auth = server.prefect.authString === null || !prefectHasAuthString(serverPrefect) ? null : { secret: server.prefect.authString.secret };
  const probes: Probe[] = [];
  const loopbackOnly: { what: string; port: number }[] = [];
  let python: string | null = null;
  const api = apiUrl(cluster);
  const root = api.replace(/\/api$/, "/");
  if (node.server) {
    python = pythonOf(node, server.prefect.env);
    const local = `http://127.0.0.1:${server.prefect.port}/api`;
    probes.push({ what: "the API on loopback", url: `${local}/health`, caFile: null, auth: null, expect: "health" });
    probes.push({ what: "the API on loopback", url: `${local}/admin/version`, caFile: null, auth, expect: "version" });
    if (server.database.type === "postgresql") loopbackOnly.push({ what: "PostgreSQL", port: server.database.port });
    if (server.proxy !== null) {
      const caFile = proxyCa(cluster, node);
      probes.push({ what: "the API through the proxy", url: `${api}/health`, caFile, auth, expect: "health" });
      probes.push({ what: "the API through the proxy", url: `${api}/admin/version`, caFile, auth, expect: "version" });
      // Without credentials: the API (Prefect's auth string) and the UI (the proxy's users) refuse.
      // Only where the server's version is known to have an auth string of its own (3.1.8+).
      if (auth !== null && serverPrefect !== null) probes.push({ what: "the API through the proxy without credentials", url: `${api}/admin/version`, caFile, auth: null, expect: "unauthorized" });
      if (server.proxy.basicAuth.length > 0) probes.push({ what: "the UI through the proxy without credentials", url: root, caFile, auth: null, expect: "unauthorized" });
    }
  }
  const worker = cluster.workers.find((w) => w.node === node.name);
  if (worker !== undefined && !node.server) {
    python = pythonOf(node, worker.env);
    const caFile = proxyCa(cluster, node);
    probes.push({ what: "the API as the workers reach it", url: `${api}/health`, caFile, auth, expect: "health" });
    probes.push({ what: "the API as the workers reach it", url: `${api}/admin/version`, caFile, auth, expect: "ok" });
  }
  if (worker !== undefined) {
    const caFile = proxyCa(cluster, node);
    for (const w of workerInstances(node, cluster)) {
      const url = `${api}/work_pools/${encodeURIComponent(w.pool)}/workers/filter`;
      probes.push({ what: `worker ${w.workerName}`, url, caFile, auth, expect: "worker-online", worker: { pool: w.pool, name: w.workerName } });
    }
  }
  return { python, probes, loopbackOnly };
}
