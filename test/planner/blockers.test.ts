/**
 * One applyable flag, with its reasons: a node that could not be planned, or a step kind the
 * executors say they cannot carry out, keeps a plan from being applied, and says so (never a
 * throw mid-apply). And the database step that used to be such a kind: when its password is set.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fileText } from "../../src/planner/resources/files.js";
import { describeBlocker, plan } from "../../src/planner/plan.js";
import { renderPlan } from "../../src/display/plan.js";
import { UNSUPPORTED_STEPS } from "../../src/executors/steps/script-for-step.js";
import { loadCase } from "./cases.js";

const c = loadCase("fresh-cluster");
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

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

describe("the database's password", () => {
  const pg = loadCase("secrets");
  const withState = (facts: typeof pg.facts) => {
    const copy = JSON.parse(JSON.stringify(facts)) as typeof pg.facts;
    const server = copy["server"];
    if (server === undefined || !server.reachable) throw new Error("fixture");
    server.facts.state = { ok: true, value: { version: 1, generation: 3, cluster: "plant", specDigest: "0".repeat(64), appliedAt: "2026-12-01T00:00:00Z", resources: [{ id: "database:prefect", generation: 2 }] } };
    return copy;
  };

  it("is set again when the server's secrets file (which holds it) changes: a sensitive update with its step", () => {
    // In this case the secrets file on the node holds other values than the spec's.
    const p = plan(pg.cluster, withState(pg.facts), pg.local, pg.secrets, pg.options);
    const server = p.nodes.find((n) => n.name === "server")!;
    const db = server.changes.find((c) => c.address === "database:prefect")!;
    expect({ action: db.action, sensitive: db.sensitive, reason: db.reason }).toEqual({ action: "update", sensitive: true, reason: "the password is set again: file:/etc/prefect/server.secrets.env changed" });
    expect(server.steps.map((s) => s.id)).toContain("server/configure/database:prefect");
    expect(JSON.stringify(p)).not.toContain(pg.secretValues["PG_PASSWORD"]);
  });

  it("is left alone when the secrets file is as declared", () => {
    const facts = withState(pg.facts);
    const server = facts["server"];
    if (server === undefined || !server.reachable || !server.facts.files.ok) throw new Error("fixture");
    // The node's file made equal to what the spec renders (its hash is all the planner compares).
    const first = plan(pg.cluster, facts, pg.local, pg.secrets, pg.options).nodes.find((n) => n.name === "server")!;
    const wanted = first.changes.find((c) => c.address === "file:/etc/prefect/server.secrets.env")!;
    expect(wanted.action).toBe("update");
    const fileFact = server.facts.files.value["/etc/prefect/server.secrets.env"];
    if (fileFact?.state !== "file") throw new Error("fixture");
    fileFact.sha256 = sha256(fileText(pg.cluster.name, (first.steps.find((s) => s.address === "file:/etc/prefect/server.secrets.env")!.detail as { content: Parameters<typeof fileText>[1] }).content, pg.secrets));
    const again = plan(pg.cluster, facts, pg.local, pg.secrets, pg.options).nodes.find((n) => n.name === "server")!;
    expect(again.changes.find((c) => c.address === "database:prefect")?.action).toBe("noop");
  });
});
