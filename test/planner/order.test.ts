/** The order of work as data: waves, rolling groups, and what a node waits for at its gate. */
import { describe, expect, it } from "vitest";
import { clampRollingLimit, planOrder, poolsOf, prerequisites, rollingGroups } from "../../src/planner/order.js";
import { clusterPlan, FULL, nodePlan } from "../state-machine/helpers.js";
import { loadCase, planCase } from "./cases.js";

describe("poolsOf", () => {
  it("derives node → pools from the worker services a node runs now (noops and updates; not those being created)", () => {
    const n1 = nodePlan("n1", {}, { pools: ["etl"] });
    const n2 = nodePlan("n2", {});
    n2.changes.push({ ...n1.changes[0]!, address: "service:prefect-worker@etl.2.service", action: "restart" }, { ...n1.changes[0]!, address: "service:prefect-worker@ml_gpu.service" });
    const n3 = nodePlan("n3", {}, { roles: ["server"] });
    n3.changes.push({ ...n1.changes[0]!, address: "service:prefect-server.service" });
    n3.changes.push({ ...n1.changes[0]!, address: "service:prefect-worker@adhoc.service", action: "create" });
    expect(poolsOf([n1, n2, n3])).toEqual({ n1: ["etl"], n2: ["etl", "ml_gpu"] });
  });
});

describe("rolling groups", () => {
  it("one per pool, sorted, with ceil(n/2) kept to 1…n−1", () => {
    const nodes = [nodePlan("a1", {}, { pools: ["b", "a"] }), nodePlan("a2", {}, { pools: ["a"] }), nodePlan("a3", {}, { pools: ["a"] })];
    expect(rollingGroups(nodes)).toEqual([
      { pool: "a", nodes: ["a1", "a2", "a3"], limit: 2 },
      { pool: "b", nodes: ["a1"], limit: 1 },
    ]);
    expect(rollingGroups(nodes, (n) => n).map((g) => g.limit)).toEqual([2, 1]);
    expect(rollingGroups(nodes, () => 0).map((g) => g.limit)).toEqual([1, 1]);
  });

  it("clamps what a limit function or a hand-edited plan says", () => {
    expect([clampRollingLimit(5, 3), clampRollingLimit(0, 3), clampRollingLimit(Number.NaN, 3), clampRollingLimit(2.7, 4), clampRollingLimit(3, 1)]).toEqual([2, 1, 1, 2, 1]);
  });
});

describe("waves", () => {
  it("server node, then cluster-wide resources (none yet), then every other node", () => {
    const nodes = [nodePlan("w1", FULL), nodePlan("srv", FULL, { roles: ["server", "worker"] }), nodePlan("spare", {}, { roles: [] })];
    expect(planOrder(nodes).waves).toEqual([
      { name: "server", nodes: ["srv"] },
      { name: "cluster-wide", addresses: [] },
      { name: "workers", nodes: ["w1", "spare"] },
    ]);
  });

  it("a node waits for the nodes of earlier waves and for the nodes of the steps it depends on", () => {
    const plan = clusterPlan([nodePlan("srv", FULL, { roles: ["server"] }), nodePlan("w1", FULL), nodePlan("w2", FULL)]);
    expect(prerequisites(plan, "srv")).toEqual([]);
    expect(prerequisites(plan, "w1")).toEqual(["srv"]);
    const w2 = plan.nodes[2]!;
    w2.steps.find((s) => s.stage === "configure")!.dependsOn.push(plan.nodes[1]!.steps.at(-1)!.id);
    expect(prerequisites(plan, "w2")).toEqual(["srv", "w1"]);
  });

  it("the planner writes them for a real cluster, and its workers' services depend on the server's verify", () => {
    const p = planCase(loadCase("fresh-cluster"));
    expect(p.order.waves).toEqual([
      { name: "server", nodes: ["server"] },
      { name: "cluster-wide", addresses: [] },
      { name: "workers", nodes: ["worker-1", "worker-2"] },
    ]);
    const verify = p.nodes[0]!.steps.find((s) => s.stage === "verify")!.id;
    for (const n of p.nodes.slice(1)) {
      const services = n.steps.filter((s) => s.detail.kind === "service");
      expect(services.length).toBeGreaterThan(0);
      for (const s of services) expect(s.dependsOn).toContain(verify);
    }
    expect(p.clusterWide).toEqual({ status: "not-gathered", server: "server", version: null, errors: [], warnings: [], changes: [], steps: [] });
  });
});
