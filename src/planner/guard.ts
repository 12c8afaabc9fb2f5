/**
 * The empty-state guard of `watch --prune`: a spec that suddenly declares none of a kind it
 * declared before (a file emptied by a bad merge, a half-written save that still validates) would
 * make a pruning apply delete every worker, pool or flow at once. Such a revision is refused; an
 * explicit `reconcile apply --prune` is the way to really remove all of a kind. Pure.
 */
import type { ResolvedCluster } from "../spec/resolved.js";

/** The kinds counted, each with how many the spec declares. */
const KINDS: readonly { name: string; count: (c: ResolvedCluster) => number }[] = [
  { name: "workers", count: (c) => c.workers.length },
  { name: "work pools", count: (c) => c.workPools.length },
  { name: "flows", count: (c) => c.flows.length },
  { name: "deployments", count: (c) => c.flows.reduce((n, f) => n + f.deployments.length, 0) },
];

/**
 * Why `next` must not be applied with prune after `previous`: one line per kind that `previous`
 * declared some of and `next` declares none of; empty when it may be applied.
 *
 * @example
 * emptyStateGuard(previous, { ...previous, workers: [] })
 * // ["workers: 3 declared before, none now (a pruning apply would remove them all)"]
 */
export function emptyStateGuard(previous: ResolvedCluster, next: ResolvedCluster): string[] {
  const out: string[] = [];
  for (const kind of KINDS) {
    const before = kind.count(previous);
    if (before > 0 && kind.count(next) === 0) out.push(`${kind.name}: ${before} declared before, none now (a pruning apply would remove them all)`);
  }
  return out;
}
