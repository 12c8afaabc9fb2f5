/** Saved plans: the shape check, and refusal when the spec or a fact moved since planning. */
import { describe, expect, it } from "vitest";
import { savedPlanProblem, stalePlanReasons, type SavedPlan } from "../../src/planner/saved.js";
import type { FactSet, NodeFacts } from "../../src/facts/types.js";
import { loadCase, planCase } from "./cases.js";

const c = loadCase("worker-setting-changed");
const saved: SavedPlan = { format: "reconcile-plan", ...planCase(c), createdAt: "2026-11-21T00:00:00Z", reconcileVersion: "0.1.0" };
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe("saved plans", () => {
  it("recognises its own document and refuses others", () => {
    expect(savedPlanProblem(JSON.parse(JSON.stringify(saved)))).toBeNull();
    expect(savedPlanProblem([])).toBe("not a reconcile plan (no \"format\": \"reconcile-plan\")");
    expect(savedPlanProblem({ ...saved, formatVersion: 3 })).toBe("plan format 3 is not one this reconcile knows (this one applies format 2): make a new plan");
  });

  it("refuses a plan of format 1 (no order, no cluster-wide section): make a new plan", () => {
    const { clusterWide: _c, order: _o, blockers: _b, ...rest } = clone(saved);
    expect(savedPlanProblem({ ...rest, formatVersion: 1, complete: true })).toBe("plan format 1 was written by an older reconcile (this one applies format 2): make a new plan");
  });

  it("refuses a plan whose order leaves a node out or runs it twice", () => {
    const noWave = clone(saved);
    noWave.order.waves = noWave.order.waves.map((w) => (w.name === "workers" ? { ...w, nodes: w.nodes.filter((n) => n !== "worker-1") } : w));
    expect(savedPlanProblem(noWave)).toBe("the plan's order has node worker-1 in 0 waves (expected 1)");
    const twice = clone(saved);
    twice.order.waves = twice.order.waves.map((w) => (w.name === "server" ? { ...w, nodes: [...w.nodes, "worker-1"] } : w));
    expect(savedPlanProblem(twice)).toBe("the plan's order has node worker-1 in 2 waves (expected 1)");
  });

  it("refuses a malformed order or node, and cluster-wide steps this reconcile cannot carry out, before anything runs", () => {
    const badWave = clone(saved);
    (badWave.order.waves as unknown[])[0] = { name: "server" };
    expect(savedPlanProblem(badWave)).toBe("the plan's order has a wave that is not one of server, cluster-wide, workers with its list");
    const badGroup = clone(saved);
    (badGroup.order.rolling as unknown[]).push({ pool: "p" });
    expect(savedPlanProblem(badGroup)).toBe("the plan's order has a rolling group without pool, nodes and limit");
    const badNode = clone(saved);
    (badNode.nodes as unknown[]).push({ name: "x" });
    expect(savedPlanProblem(badNode)).toBe("the plan has a node without name, changes and steps");
    const wide = clone(saved);
    (wide.clusterWide.steps as unknown[]).push(wide.nodes.flatMap((n) => n.steps)[0]!);
    expect(savedPlanProblem(wide)).toMatch(/^the plan's cluster-wide step .* is not at the address of a work pool, queue, flow or deployment$/);
  });

  it("refuses a plan whose steps are not listed in an order that honours dependsOn", () => {
    const reversed = clone(saved);
    const node = reversed.nodes.find((n) => n.steps.some((s) => s.dependsOn.some((d) => d.startsWith(`${n.name}/`))))!;
    node.steps.reverse();
    expect(savedPlanProblem(reversed)).toMatch(new RegExp(`^step ${node.name}/\\S+ depends on ${node.name}/\\S+, which is listed after it$`));
    const dangling = clone(saved);
    const first = dangling.nodes.flatMap((n) => n.steps)[0]!;
    first.dependsOn.push("nowhere/install/link:/x");
    expect(savedPlanProblem(dangling)).toBe(`step ${first.id} depends on nowhere/install/link:/x, which is not in the plan`);
    // Waves reordered: the workers' services would wait for a server that waits for them.
    const reordered: SavedPlan = { ...saved, ...clone(planCase(loadCase("fresh-cluster"))) };
    reordered.order.waves.reverse();
    // (The first such step is the worker's copy of Caddy's root, which waits for the server's Caddy.)
    expect(savedPlanProblem(reordered)).toMatch(/^step worker-\d\/configure\/\S+ depends on server\/(verify\/verify:server|configure\/service:caddy\.service), but node server does not run in an earlier wave than node worker-\d$/);
  });

  it("applies when nothing moved", () => {
    expect(stalePlanReasons(saved, c.cluster.specDigest, c.facts)).toEqual([]);
  });

  it("is refused when the Prefect objects it was planned from moved (the digest of the API's objects and the record)", () => {
    const withObjects: SavedPlan = { ...saved, clusterWide: { ...saved.clusterWide, factsDigest: "sha256:aaaa" } };
    expect(stalePlanReasons(withObjects, c.cluster.specDigest, c.facts, "sha256:aaaa")).toEqual([]);
    const moved = ["the Prefect objects on the server (or the record of those reconcile created) changed since the plan was made"];
    expect(stalePlanReasons(withObjects, c.cluster.specDigest, c.facts, "sha256:bbbb")).toEqual(moved);
    expect(stalePlanReasons(withObjects, c.cluster.specDigest, c.facts, undefined)).toEqual(moved);
    // A plan made without them is not checked against them.
    expect(stalePlanReasons(saved, c.cluster.specDigest, c.facts, "sha256:bbbb")).toEqual([]);
  });

  it("is refused when cluster.yaml changed", () => {
    expect(stalePlanReasons(saved, "0".repeat(64), c.facts)).toEqual(["cluster.yaml changed since the plan was made"]);
  });

  it("names each fact that moved on a node, and only those", () => {
    const facts = clone(c.facts) as FactSet;
    const node = facts["worker-1"] as { reachable: true; facts: NodeFacts };
    if (!node.facts.files.ok) throw new Error("fixture");
    const path = "/etc/prefect/worker.env";
    const f = node.facts.files.value[path];
    if (f?.state !== "file") throw new Error("fixture");
    f.sha256 = "f".repeat(64);
    // Free disk moves all the time and decides nothing: it must not make a plan stale.
    if (node.facts.disk.ok) for (const f of node.facts.disk.value.filesystems) f.availableBytes -= 4096;
    expect(stalePlanReasons(saved, c.cluster.specDigest, facts)).toEqual([`node worker-1: file:${path} changed since the plan was made`]);
  });

  it("is refused when a node cannot be checked", () => {
    const facts = { ...c.facts, "worker-2": { reachable: false as const, error: { category: "timeout", message: "node worker-2: connecting to 198.51.100.13:22 timed out", hint: null } } };
    expect(stalePlanReasons(saved, c.cluster.specDigest, facts)).toEqual(["node worker-2: cannot check the plan's facts: node worker-2: connecting to 198.51.100.13:22 timed out"]);
  });
});
