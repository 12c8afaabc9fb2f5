/** The empty-state guard of `watch --prune` (src/planner/guard.ts): which revisions it refuses. */
import { describe, expect, it } from "vitest";
import { emptyStateGuard } from "../../src/planner/guard.js";
import type { ResolvedCluster } from "../../src/spec/resolved.js";
import { check, fixture } from "../helpers/spec.js";

const base = (): ResolvedCluster => {
  const cluster = check(fixture("base.yaml")).cluster;
  if (cluster === undefined) throw new Error("base.yaml does not validate");
  return cluster;
};

describe("emptyStateGuard", () => {
  const previous = base();
  const flow = previous.flows[0]!;
  const cases: { name: string; next: (c: ResolvedCluster) => ResolvedCluster; expected: string[] }[] = [
    { name: "the same spec", next: (c) => c, expected: [] },
    { name: "one flow fewer of one (its deployments go too)", next: (c) => ({ ...c, flows: [] }), expected: ["flows: 1 declared before, none now (a pruning apply would remove them all)", "deployments: 1 declared before, none now (a pruning apply would remove them all)"] },
    { name: "no workers", next: (c) => ({ ...c, workers: [] }), expected: ["workers: 1 declared before, none now (a pruning apply would remove them all)"] },
    { name: "no work pools", next: (c) => ({ ...c, workPools: [] }), expected: ["work pools: 1 declared before, none now (a pruning apply would remove them all)"] },
    { name: "the flow kept without deployments", next: (c) => ({ ...c, flows: [{ ...flow, deployments: [] }] }), expected: ["deployments: 1 declared before, none now (a pruning apply would remove them all)"] },
    { name: "a second flow added", next: (c) => ({ ...c, flows: [flow, { ...flow, name: "other" }] }), expected: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(emptyStateGuard(previous, c.next(previous))).toEqual(c.expected);
    });
  }

  it("a kind that was empty before may stay empty", () => {
    const none = { ...previous, flows: [] };
    expect(emptyStateGuard(none, none)).toEqual([]);
  });
});
