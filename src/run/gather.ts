/** Gathering: the local inputs, then every node's facts (all nodes at once, one round trip each). */
import { gatherFacts } from "../executors/gather-facts.js";
import { gatherLocalInputs, inspectCacheDir } from "../executors/local-inputs.js";
import type { FactSet } from "../facts/types.js";
import { factsRequestFor } from "../planner/desired.js";
import type { LocalInputs } from "../planner/types.js";
import type { ResolvedCluster, ResolvedNode } from "../spec/resolved.js";
import type { Session } from "./session.js";

export interface Gathered {
  facts: FactSet;
  local: LocalInputs;
  durationMs: { local: number; facts: number };
}

export interface GatherOptions {
  /** Only these nodes; default every node of the cluster. */
  nodes?: readonly ResolvedNode[];
  /** Local inputs that cannot be read are left out instead of failing (`reconcile facts`). */
  tolerant?: boolean;
  /** Also stops this gathering (the session's signal always does). */
  signal?: AbortSignal;
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
  const facts = await gatherFacts(nodes, (n) => factsRequestFor(cluster, n, local), (n) => session.connections.get(n.name), { signal, logger: session.log });
  // An interrupted gathering is not a result: nothing may be planned, printed or saved from it.
  signal.throwIfAborted();
  const t2 = performance.now();
  return { facts, local, durationMs: { local: Math.round(t1 - t0), facts: Math.round(t2 - t1) } };
}
