/**
 * One applyable flag, with its reasons: a node that could not be planned, or a step kind the
 * executors say they cannot carry out, keeps a plan from being applied, and says so (never a
 * throw mid-apply).
 */
import { describe, expect, it } from "vitest";
import { describeBlocker, plan } from "../../src/planner/plan.js";
import { renderPlan } from "../../src/display/plan.js";
import { UNSUPPORTED_STEPS } from "../../src/executors/steps/script-for-step.js";
import { loadCase } from "./cases.js";

const c = loadCase("fresh-cluster");

describe("blockers", () => {
  it("a step kind the executors cannot carry out: the plan is complete but not applyable, naming the step and why", () => {
    const p = plan(c.cluster, c.facts, c.local, c.secrets, { ...c.options, unsupported: { database: "PostgreSQL is not reachable here" } });
    expect(p.errored).toBe(false);
    expect(p.applyable).toBe(false);
    expect(p.blockers).toEqual([{ node: "server", step: "server/configure/database:prefect", reason: "PostgreSQL is not reachable here" }]);
    expect(p.blockers.map(describeBlocker)).toEqual(["node server: configure database:prefect: PostgreSQL is not reachable here"]);
    const lines = renderPlan(p);
    expect(lines).toContain("  ! cannot apply configure database:prefect: PostgreSQL is not reachable here");
    expect(lines).toContain("Cannot be applied: 1 step this reconcile cannot carry out (marked !).");
    expect(lines.at(-1)).toMatch(/^Plan: \d+ to add/);
  });

  it("kinds the executors do not name are applied as usual; today they name none", () => {
    expect(UNSUPPORTED_STEPS).toEqual({});
    const p = plan(c.cluster, c.facts, c.local, c.secrets, { ...c.options, unsupported: UNSUPPORTED_STEPS });
    expect({ applyable: p.applyable, blockers: p.blockers }).toEqual({ applyable: true, blockers: [] });
  });

  it("an unplanned node is a blocker of its own, said once per node", () => {
    const facts = { ...c.facts, "worker-2": { reachable: false as const, error: { category: "timeout" as const, message: "node worker-2: timed out", hint: null } } };
    const p = plan(c.cluster, facts, c.local, c.secrets, c.options);
    expect(p.blockers.map(describeBlocker)).toEqual(["node worker-2: could not be planned (unreachable)"]);
    expect(p.applyable).toBe(false);
  });
});
