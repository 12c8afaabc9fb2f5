import { describe, expect, it } from "vitest";
import { RemoteCommandError } from "../../src/errors.js";
import type { ApiStep, Plan, Stage } from "../../src/planner/types.js";
import type { ApiWrite } from "../../src/executors/prefect-objects.js";
import { defaultRollingLimit } from "../../src/planner/order.js";
import { runCluster, type ClusterWideRunner } from "../../src/state-machine/cluster-run.js";
import { createNodeMachine, type NodeMachineEmitted } from "../../src/state-machine/node-machine.js";
import { clusterPlan, deferred, FakeExecutors, flush, FULL, nodePlan, type Deferred } from "./helpers.js";

const exit = (node: string) => new RemoteCommandError(node, "exit", "exit 1");

/**
 * Fake executors whose `held` stages wait until the test releases them, with a count of nodes "in
 * flight" between two marks (first call of `from`, end of `to`) and the most seen at once.
 */
class Controlled {
  readonly pending: { key: string; gate: Deferred }[] = [];
  readonly active = new Set<string>();
  max = 0;
  readonly fake: FakeExecutors;
  constructor(held: (Stage | "rollback")[], from: Stage, to: Stage, fail: (node: string, stage: Stage | "rollback") => boolean = () => false) {
    this.fake = new FakeExecutors((node, stage) => {
      if (stage === from) {
        this.active.add(node);
        this.max = Math.max(this.max, this.active.size);
      }
      const end = () => {
        if (stage === to) this.active.delete(node);
      };
      const outcome = () => {
        end();
        if (fail(node, stage)) throw exit(node);
      };
      if (!held.includes(stage)) return Promise.resolve().then(outcome);
      const gate = deferred();
      this.pending.push({ key: `${node}/${stage}`, gate });
      return gate.promise.then(outcome);
    });
  }

  /** Releases held stages one at a time, oldest first, until `done` settles. */
  async drain<T>(done: Promise<T>): Promise<T> {
    let finished = false;
    void done.then(() => (finished = true));
    for (let i = 0; i < 1000 && !finished; i++) {
      await flush();
      this.pending.shift()?.gate.resolve();
    }
    return done;
  }
}

describe("runCluster", () => {
  it("stages and transfers to workers while the server converges; workers install only after it converged", async () => {
    const c = new Controlled(["verify"], "stage", "verify");
    const plan = clusterPlan([nodePlan("w1", FULL), nodePlan("srv", FULL, { roles: ["server"] }), nodePlan("w2", FULL)]);
    const done = runCluster(plan, createNodeMachine(c.fake));
    await flush();
    // The server waits in verify; the workers have staged and transferred and wait before install.
    expect(c.pending.map((p) => p.key)).toEqual(["srv/verify"]);
    expect(c.fake.calls.filter((x) => x.node !== "srv").map((x) => `${x.node}/${x.stage}`).sort()).toEqual(["w1/stage", "w1/transfer", "w2/stage", "w2/transfer"]);
    const result = await c.drain(done);
    const serverVerified = c.fake.calls.findIndex((x) => x.node === "srv" && x.stage === "verify");
    for (const w of ["w1", "w2"]) expect(c.fake.calls.findIndex((x) => x.node === w && x.stage === "install")).toBeGreaterThan(serverVerified);
    expect(result.converged).toBe(true);
    expect(result.nodes.map((n) => [n.node, n.status])).toEqual([
      ["w1", "converged"],
      ["srv", "converged"],
      ["w2", "converged"],
    ]);
  });

  it("workers unpack into their store while the server converges; only the switch waits for it", async () => {
    const c = new Controlled(["verify"], "stage", "verify");
    const plan = clusterPlan([nodePlan("srv", FULL, { roles: ["server"] }), nodePlan("w1", FULL, { unpacks: 1 })]);
    const done = runCluster(plan, createNodeMachine(c.fake));
    await flush();
    expect(c.pending.map((p) => p.key)).toEqual(["srv/verify"]);
    expect(c.fake.calls.filter((x) => x.node === "w1").map((x) => `${x.stage}:${x.steps}`)).toEqual(["stage:1", "transfer:1", "install:1"]);
    await c.drain(done);
    const serverVerified = c.fake.calls.findIndex((x) => x.node === "srv" && x.stage === "verify");
    const installs = c.fake.calls.flatMap((x, i) => (x.node === "w1" && x.stage === "install" ? [i] : []));
    expect(installs).toHaveLength(2);
    expect(installs[0]).toBeLessThan(serverVerified);
    expect(installs[1]).toBeGreaterThan(serverVerified);
  });

  it("runs workers in parallel up to `concurrency`", async () => {
    const c = new Controlled(["verify"], "stage", "verify");
    const workers = Array.from({ length: 7 }, (_, i) => nodePlan(`w${i}`, FULL));
    const done = runCluster(clusterPlan(workers), createNodeMachine(c.fake), { concurrency: 3 });
    await flush();
    expect(c.active.size).toBe(3);
    const result = await c.drain(done);
    expect(c.max).toBe(3);
    expect(result.nodes.every((n) => n.status === "converged")).toBe(true);
    expect(new Set(c.fake.calls.map((x) => x.node)).size).toBe(7);
  });

  it("keeps within a pool at most ceil(n/2) nodes in install, configure and verify", async () => {
    const c = new Controlled(["install", "verify"], "install", "verify");
    const workers = Array.from({ length: 5 }, (_, i) => nodePlan(`w${i}`, FULL, { pools: ["etl"] }));
    const done = runCluster(clusterPlan(workers), createNodeMachine(c.fake), { concurrency: 10 });
    await flush();
    // All five staged and transferred; only three (ceil(5/2)) got past the gate.
    expect(c.fake.calls.filter((x) => x.stage === "transfer")).toHaveLength(5);
    expect(c.fake.calls.filter((x) => x.stage === "install")).toHaveLength(3);
    const result = await c.drain(done);
    expect(c.max).toBe(3);
    expect(result.converged).toBe(true);
  });

  it("never lets a pool lose all its workers, whatever rollingLimit says; a one-node pool still runs", async () => {
    const c = new Controlled(["install", "verify"], "install", "verify");
    const plan = clusterPlan([
      nodePlan("a1", FULL, { pools: ["a"] }),
      nodePlan("a2", FULL, { pools: ["a"] }),
      nodePlan("a3", FULL, { pools: ["a"] }),
      nodePlan("solo", FULL, { pools: ["b"] }),
    ], { rollingLimit: (n) => n });
    const result = await c.drain(runCluster(plan, createNodeMachine(c.fake), { concurrency: 10 }));
    expect(c.max).toBe(3); // a: 2 of 3, plus solo
    expect(result.converged).toBe(true);
    expect([1, 2, 3, 4, 5].map(defaultRollingLimit)).toEqual([1, 1, 2, 2, 3]);
  });

  it("counts pool members that have nothing to change, and a node in two pools takes room in both", async () => {
    const c = new Controlled(["install", "verify"], "install", "verify");
    const plan = clusterPlan([
      nodePlan("idle1", {}, { pools: ["a"] }),
      nodePlan("idle2", {}, { pools: ["a"] }),
      nodePlan("ab", FULL, { pools: ["a", "b"] }),
      nodePlan("a", FULL, { pools: ["a"] }),
      nodePlan("b1", FULL, { pools: ["b"] }),
      nodePlan("b2", FULL, { pools: ["b"] }),
    ]);
    // a has 4 members → 2 at once; b has 3 → 2 at once.
    const done = runCluster(plan, createNodeMachine(c.fake), { concurrency: 10 });
    await flush();
    expect(c.fake.calls.filter((x) => x.stage === "install").map((x) => x.node).sort()).toEqual(["a", "ab", "b1"]);
    const result = await c.drain(done);
    expect(result.nodes.map((n) => n.status)).toEqual(["unchanged", "unchanged", "converged", "converged", "converged", "converged"]);
  });

  it("takes pool membership and limits from the plan's order, and nothing else", async () => {
    const c = new Controlled(["install", "verify"], "install", "verify");
    const plan = clusterPlan([nodePlan("w1", FULL), nodePlan("w2", FULL), nodePlan("w3", FULL)]);
    plan.order.rolling = [{ pool: "p", nodes: ["w1", "w2"], limit: 1 }];
    const done = runCluster(plan, createNodeMachine(c.fake), { concurrency: 10 });
    await flush();
    expect(c.fake.calls.filter((x) => x.stage === "install").map((x) => x.node).sort()).toEqual(["w1", "w3"]);
    await c.drain(done);
    expect(c.max).toBe(2);
  });

  it("never installs on workers when the server node fails", async () => {
    const fake = new FakeExecutors((node, stage) => (node === "srv" && stage === "verify" ? Promise.reject(exit(node)) : undefined));
    const plan = clusterPlan([nodePlan("srv", FULL, { roles: ["server", "worker"] }), nodePlan("w1", FULL), nodePlan("w2", FULL)]);
    const result = await runCluster(plan, createNodeMachine(fake), { generations: { srv: 5 } });
    // Workers only staged and transferred (nothing they run changed).
    expect(fake.calls.filter((x) => x.node !== "srv").every((x) => x.stage === "stage" || x.stage === "transfer")).toBe(true);
    expect(result.converged).toBe(false);
    const skipped = "stopped before install: server node srv did not converge (uploads already made stay for the next run)";
    expect(result.nodes).toEqual([
      expect.objectContaining({ node: "srv", status: "rolledBack", generation: 5, message: "rolled back to generation 5 after verify failed: node srv: exit 1" }),
      { node: "w1", status: "skipped", message: skipped },
      { node: "w2", status: "skipped", message: skipped },
    ]);
  });

  // Regression tests (found in review): a hand-edited plan whose dependencies do not follow its
  // waves made nodes wait for each other forever while the lease kept being renewed.
  it("a node whose plan makes it wait for a node of its own or a later wave stops at its gate instead of waiting forever", async () => {
    const fake = new FakeExecutors();
    const w1 = nodePlan("w1", FULL);
    const w2 = nodePlan("w2", FULL);
    w1.steps.find((s) => s.stage === "configure")!.dependsOn.push(w2.steps.at(-1)!.id);
    const plan = clusterPlan([nodePlan("srv", FULL, { roles: ["server"] }), w1, w2]);
    const result = await runCluster(plan, createNodeMachine(fake), { concurrency: 1 });
    expect(result.nodes.map((n) => [n.node, n.status, n.message])).toEqual([
      ["srv", "converged", "converged"],
      ["w1", "skipped", "stopped before install: the plan makes it wait for node w2, which does not run before it (uploads already made stay for the next run)"],
      ["w2", "converged", "converged"],
    ]);
    // Reordered waves: the server waits for the workers, whose services wait for its verify.
    const reordered = clusterPlan([nodePlan("srv", FULL, { roles: ["server"] }), nodePlan("w1", FULL)]);
    const verify = reordered.nodes[0]!.steps.at(-1)!.id;
    reordered.nodes[1]!.steps.find((s) => s.stage === "configure")!.dependsOn.push(verify);
    reordered.order.waves.reverse();
    const again = await runCluster(reordered, createNodeMachine(new FakeExecutors()));
    expect(again.nodes.map((n) => n.status)).toEqual(["skipped", "skipped"]);
  });

  describe("the cluster-wide wave (Prefect objects)", () => {
    const apiStep = (address: string) => ({ id: address, address, action: "create", dependsOn: [], detail: { kind: "flow", name: address.slice(5), create: { name: address.slice(5) } } }) as unknown as ApiStep;
    const withObjects = (plan: Plan, n = 2): Plan => ({ ...plan, clusterWide: { ...plan.clusterWide, steps: Array.from({ length: n }, (_, i) => apiStep(`flow:f${i}`)) } });
    const write = (address: string) => ({ address, action: "create", id: `id-${address}` }) as ApiWrite;

    it("writes the objects once the server node converged, before any worker passes its gate", async () => {
      const c = new Controlled(["verify"], "stage", "verify");
      const order: string[] = [];
      const gate = deferred();
      const runner: ClusterWideRunner = async (steps) => {
        order.push(`api:${steps.length}`);
        await gate.promise;
        return { status: "converged", writes: steps.map((s) => write(s.address)), message: "2 Prefect objects written" };
      };
      const plan = withObjects(clusterPlan([nodePlan("srv", FULL, { roles: ["server"] }), nodePlan("w1", FULL)]));
      const done = runCluster(plan, createNodeMachine(c.fake), { clusterWide: runner });
      await flush();
      expect(order).toEqual([]);
      c.pending.shift()?.gate.resolve();
      for (let i = 0; i < 20; i++) await flush();
      // The server verified; the objects are being written and the worker still waits at its gate.
      expect(order).toEqual(["api:2"]);
      expect(c.fake.calls.some((x) => x.node === "w1" && x.stage === "configure")).toBe(false);
      gate.resolve();
      const result = await c.drain(done);
      expect(c.fake.calls.some((x) => x.node === "w1" && x.stage === "configure")).toBe(true);
      expect(result.clusterWide).toMatchObject({ status: "converged", writes: [{ address: "flow:f0" }, { address: "flow:f1" }] });
      expect(result.converged).toBe(true);
    });

    it("a failed write stops the workers at their gate, and the result keeps the writes made before it", async () => {
      const fake = new FakeExecutors();
      const runner: ClusterWideRunner = async () => ({ status: "failed", writes: [write("flow:f0")], address: "flow:f1", error: new Error("422"), message: "failed at create flow:f1: 422; written before it: create flow:f0" });
      const plan = withObjects(clusterPlan([nodePlan("srv", FULL, { roles: ["server"] }), nodePlan("w1", FULL)]));
      const result = await runCluster(plan, createNodeMachine(fake), { clusterWide: runner });
      expect(result.converged).toBe(false);
      expect(result.clusterWide).toMatchObject({ status: "failed", writes: [{ address: "flow:f0" }] });
      expect(result.nodes[1]).toEqual({ node: "w1", status: "skipped", message: "stopped before install: the Prefect objects were not all written (uploads already made stay for the next run)" });
      expect(fake.calls.filter((x) => x.node === "w1").every((x) => x.stage === "stage" || x.stage === "transfer")).toBe(true);
    });

    it("is skipped when the server node did not converge, and a runner that throws is a failure, not a crash", async () => {
      const failing = new FakeExecutors((node, stage) => (node === "srv" && stage === "verify" ? Promise.reject(exit(node)) : undefined));
      let called = false;
      const plan = withObjects(clusterPlan([nodePlan("srv", FULL, { roles: ["server"] }), nodePlan("w1", FULL)]));
      const skipped = await runCluster(plan, createNodeMachine(failing), { clusterWide: async () => ((called = true), { status: "unchanged", writes: [], message: "" }) });
      expect(called).toBe(false);
      expect(skipped.clusterWide).toEqual({ status: "skipped", writes: [], message: "not started: server node srv did not converge" });
      const thrown = await runCluster(plan, createNodeMachine(new FakeExecutors()), { clusterWide: () => Promise.reject(new Error("no tunnel")) });
      expect(thrown.clusterWide).toMatchObject({ status: "failed", message: "failed: no tunnel" });
      expect(thrown.converged).toBe(false);
    });

    it("a plan with objects and no runner is refused; a plan without any needs none", async () => {
      const plan = clusterPlan([nodePlan("srv", FULL, { roles: ["server"] })]);
      await expect(runCluster(withObjects(plan), createNodeMachine(new FakeExecutors()))).rejects.toThrow("cannot carry out cluster-wide steps");
      expect((await runCluster(plan, createNodeMachine(new FakeExecutors()))).clusterWide.status).toBe("unchanged");
    });
  });

  it("runs workers when the server node has nothing to change", async () => {
    const fake = new FakeExecutors();
    const plan = clusterPlan([nodePlan("srv", {}, { roles: ["server"] }), nodePlan("w1", FULL)]);
    const result = await runCluster(plan, createNodeMachine(fake));
    expect(result.nodes.map((n) => n.status)).toEqual(["unchanged", "converged"]);
    expect(fake.calls.some((x) => x.node === "srv")).toBe(false);
  });

  it("keeps going when a worker fails and reports every node", async () => {
    const fake = new FakeExecutors((node, stage) => (node === "w2" && stage === "transfer" ? Promise.reject(exit(node)) : undefined));
    const plan = clusterPlan([nodePlan("srv", FULL, { roles: ["server"] }), nodePlan("w1", FULL), nodePlan("w2", FULL), nodePlan("w3", FULL), nodePlan("w4", {})]);
    const result = await runCluster(plan, createNodeMachine(fake), { concurrency: 1 });
    expect(result.converged).toBe(false);
    expect(result.nodes.map((n) => [n.node, n.status])).toEqual([
      ["srv", "converged"],
      ["w1", "converged"],
      ["w2", "failed"],
      ["w3", "converged"],
      ["w4", "unchanged"],
    ]);
    expect(result.nodes[2]!.message).toBe("failed at transfer: node w2: exit 1");
    expect(fake.calls.some((x) => x.node === "w4")).toBe(false);
  });

  it("skips nodes that could not be planned", async () => {
    const fake = new FakeExecutors();
    const down = { ...nodePlan("w1", {}, { status: "unreachable" }), errors: ["connection refused"] };
    const result = await runCluster(clusterPlan([down, nodePlan("w2", FULL)]), createNodeMachine(fake));
    expect(result.nodes[0]).toEqual({ node: "w1", status: "skipped", message: "not started: the node was not planned (unreachable: connection refused)" });
    expect(result.nodes[1]!.status).toBe("converged");
    expect(result.converged).toBe(false);
  });

  it("on abort, stops running nodes (aborting their stage) and starts no more", async () => {
    const controller = new AbortController();
    const c = new Controlled(["configure"], "stage", "verify");
    const plan = clusterPlan([nodePlan("w1", FULL), nodePlan("w2", FULL), nodePlan("w3", FULL)]);
    const done = runCluster(plan, createNodeMachine(c.fake), { concurrency: 2, signal: controller.signal });
    await flush();
    const signals = c.fake.calls.filter((x) => x.stage === "configure").map((x) => x.signal);
    expect(signals).toHaveLength(2);
    controller.abort();
    const result = await done;
    expect(signals.every((s) => s.aborted)).toBe(true);
    expect(result.nodes).toEqual([
      { node: "w1", status: "cancelled", stage: "configure", message: "cancelled during configure" },
      { node: "w2", status: "cancelled", stage: "configure", message: "cancelled during configure" },
      { node: "w3", status: "cancelled", stage: null, message: "cancelled before it started" },
    ]);
    expect(c.fake.calls.some((x) => x.node === "w3")).toBe(false);
  });

  it("a node stopped while unpacking says nothing was switched", async () => {
    const controller = new AbortController();
    const c = new Controlled(["install"], "stage", "verify");
    const done = runCluster(clusterPlan([nodePlan("w1", FULL, { unpacks: 1 })]), createNodeMachine(c.fake), { signal: controller.signal });
    await flush();
    expect(c.pending.map((p) => p.key)).toEqual(["w1/install"]);
    controller.abort();
    expect((await done).nodes).toEqual([{ node: "w1", status: "cancelled", stage: "unpack", message: "cancelled while unpacking into the store (nothing was switched)" }]);
  });

  it("forwards what node machines emit", async () => {
    const events: NodeMachineEmitted[] = [];
    await runCluster(clusterPlan([nodePlan("w1", { verify: 1 }, { pools: ["p"] })]), createNodeMachine(new FakeExecutors()), { onEvent: (e) => events.push(e) });
    expect(events.map((e) => e.type)).toEqual(["slot.requested", "stage.started"]);
  });

  it("refuses a concurrency below 1", async () => {
    await expect(runCluster(clusterPlan([]), createNodeMachine(new FakeExecutors()), { concurrency: 0 })).rejects.toThrow(RangeError);
  });
});
