/**
 * The facts `drift` reads beyond the state file, planned from fixture cases: a store folder whose
 * content a deep gathering found changed (repaired: sent and unpacked again), and the server's
 * PostgreSQL without the role or database reconcile created (created again). And the requests:
 * a plain gathering asks for no re-hash, PostgreSQL is asked of the server node only.
 */
import { describe, expect, it } from "vitest";
import type { FactSet, NodeFacts, PostgresFact } from "../../src/facts/types.js";
import { factsRequestFor } from "../../src/planner/desired.js";
import { factDigest, factValue } from "../../src/planner/fingerprint.js";
import { plan } from "../../src/planner/plan.js";
import type { NodePlan } from "../../src/planner/types.js";
import { loadCase, type PlanCase } from "./cases.js";

const PREFECT_ENV = "a1".repeat(32);
const FLOW_ENV = "f1".repeat(32);

/** A deep copy of the case's facts with `edit` applied to one node's facts. */
function withFacts(c: PlanCase, node: string, edit: (facts: NodeFacts) => void): FactSet {
  const copy = JSON.parse(JSON.stringify(c.facts)) as FactSet;
  const result = copy[node];
  if (result === undefined || !result.reachable) throw new Error(`fixture: ${node} has no facts`);
  edit(result.facts);
  return copy;
}

function nodePlan(c: PlanCase, facts: FactSet, node: string): NodePlan {
  const n = plan(c.cluster, facts, c.local, c.secrets, c.options).nodes.find((x) => x.name === node);
  if (n === undefined) throw new Error(`no plan for ${node}`);
  return n;
}

describe("a corrupt store folder (deep gathering)", () => {
  const c = loadCase("converged");
  /** worker-1 with these digests found corrupt (and so not complete) and these unverified. */
  const deep = (corrupt: string[], unverified: string[] = []) =>
    withFacts(c, "worker-1", (f) => {
      if (!f.store.ok) throw new Error("fixture");
      f.store.value = { ...f.store.value, complete: f.store.value.complete.filter((s) => !corrupt.includes(s)), corrupt, unverified };
    });

  it.each([
    ["the worker's Prefect environment", PREFECT_ENV, "artifact:prefect-env"],
    ["the flow's environment", FLOW_ENV, "artifact:flow-env"],
  ])("%s: an update with its reason, and stage, transfer and install steps that repair the folder", (_what, sha, address) => {
    const n = nodePlan(c, deep([sha]), "worker-1");
    const ch = n.changes.find((x) => x.address === address);
    expect(ch).toMatchObject({ action: "update", reason: "content corrupt in the node's store (re-hashed)", before: { sha256: sha, content: "corrupt" }, after: { sha256: sha, content: "as installed" } });
    const steps = n.steps.filter((s) => s.address === address);
    expect(steps.map((s) => s.stage)).toEqual(["stage", "transfer", "install"]);
    // A link points into it: it is live, so the unpack waits for the rolling gate like a switch.
    for (const s of steps) expect(s.detail).toMatchObject({ kind: "artifact", sha256: sha, repair: true, live: true });
    // Nothing else on the node changes.
    expect(n.changes.filter((x) => x.action !== "noop").map((x) => x.address)).toEqual([address]);
  });

  it("an unverified folder (installed before digests were recorded) is used as it is, with a warning", () => {
    const n = nodePlan(c, deep([], [PREFECT_ENV]), "worker-1");
    expect(n.changes.filter((x) => x.action !== "noop")).toEqual([]);
    expect(n.warnings).toContain(`store: 1 folder(s) installed before content digests were recorded, so not checked: ${PREFECT_ENV}`);
  });

  it("a corrupt folder nothing references is left for prune, not repaired", () => {
    const stray = "b2".repeat(32);
    const n = nodePlan(c, deep([stray]), "worker-1");
    expect(n.changes.filter((x) => x.action !== "noop").map((x) => [x.address, x.action])).toEqual([[`artifact:store/${stray}`, "delete"]]);
  });

  it("the store fact key moves when a folder is found corrupt, so a saved plan sees it", () => {
    const plain = c.facts["worker-1"];
    const found = deep([PREFECT_ENV])["worker-1"];
    if (plain === undefined || !plain.reachable || found === undefined || !found.reachable) throw new Error("fixture");
    expect(factDigest(found.facts, `store:${PREFECT_ENV}`)).not.toBe(factDigest(plain.facts, `store:${PREFECT_ENV}`));
  });
});

describe("the server's PostgreSQL roles and databases", () => {
  const c = loadCase("secrets");
  const running = (roles: string[], databases: string[]): PostgresFact => ({ state: "running", roles, databases });
  /** The server with database:prefect recorded by generation 2 and `postgres` as the fact (absent: not gathered). */
  const facts = (postgres: NodeFacts["postgres"]) =>
    withFacts(c, "server", (f) => {
      f.state = { ok: true, value: { version: 1, generation: 3, cluster: "plant", specDigest: "0".repeat(64), appliedAt: "2026-12-01T00:00:00Z", resources: [{ id: "database:prefect", generation: 2 }] } };
      if (postgres === undefined) delete f.postgres;
      else f.postgres = postgres;
    });
  const database = (n: NodePlan) => n.changes.find((x) => x.address === "database:prefect");
  const today = database(nodePlan(c, facts(undefined), "server"));

  it.each([
    ["the role is missing", running(["postgres"], ["postgres", "prefect"]), "role prefect is missing"],
    ["the database is missing", running(["postgres", "prefect"], ["postgres"]), "database prefect is missing"],
    ["both are missing", running(["postgres"], ["postgres"]), "role prefect and database prefect are missing"],
  ])("%s: created again by the database step, saying what is missing", (_what, pg, reason) => {
    const n = nodePlan(c, facts({ ok: true, value: pg }), "server");
    expect(database(n)).toMatchObject({ action: "create", reason });
    expect(n.steps.filter((s) => s.address === "database:prefect").map((s) => s.id)).toEqual(["server/configure/database:prefect"]);
    // Saved plans record them, so apply sees them move.
    const keys = Object.keys(plan(c.cluster, facts({ ok: true, value: pg }), c.local, c.secrets, c.options).facts["server"] ?? {});
    expect(keys).toEqual(expect.arrayContaining(["postgres-role:prefect", "postgres-database:prefect"]));
  });

  it.each([
    ["both are there", { ok: true as const, value: running(["postgres", "prefect"], ["postgres", "prefect"]) }],
    ["PostgreSQL does not run", { ok: true as const, value: { state: "not-running" as const, reason: "psql is not installed" } }],
    ["the fact could not be read", { ok: false as const, error: "postgres: psql did not answer within 10 s" }],
    ["the fact was not gathered", undefined],
  ])("%s: decided from the state file, as without the fact", (_what, pg) => {
    expect(today).toBeDefined();
    const n = nodePlan(c, facts(pg), "server");
    const got = database(n);
    expect({ action: got?.action, reason: got?.reason }).toEqual({ action: today?.action, reason: today?.reason });
    // A fact that could not be read is said once, as a warning.
    expect(n.warnings.filter((w) => w.includes("postgres"))).toEqual(pg?.ok === false ? [`facts: ${pg.error} (the database is judged from the state file alone)`] : []);
  });

  it("the fact keys say what the decision read: present, not running, not gathered", () => {
    const server = (pg: NodeFacts["postgres"]) => {
      const r = facts(pg)["server"];
      if (r === undefined || !r.reachable) throw new Error("fixture");
      return r.facts;
    };
    expect(factValue(server({ ok: true, value: running(["prefect"], []) }), "postgres-role:prefect")).toEqual({ present: true });
    expect(factValue(server({ ok: true, value: running(["prefect"], []) }), "postgres-database:prefect")).toEqual({ present: false });
    expect(factValue(server({ ok: true, value: { state: "not-running", reason: "x" } }), "postgres-role:prefect")).toEqual({ state: "not-running" });
    expect(factValue(server(undefined), "postgres-role:prefect")).toEqual({ state: "not-gathered" });
    expect(factDigest(server({ ok: false, error: "x" }), "postgres-role:prefect")).toBe("unknown");
    // Not gathered: the decision read the state file only, and records only that.
    expect(Object.keys(plan(c.cluster, facts(undefined), c.local, c.secrets, c.options).facts["server"] ?? {}).filter((k) => k.startsWith("postgres"))).toEqual([]);
  });
});

describe("the facts request", () => {
  const pg = loadCase("secrets");
  const sqlite = loadCase("converged");
  const nodeOf = (c: PlanCase, name: string) => {
    const n = c.cluster.nodes.find((x) => x.name === name);
    if (n === undefined) throw new Error(`no node ${name}`);
    return n;
  };

  it.each([
    ["the PostgreSQL server, plain", pg, "server", {}, { deep: undefined, postgres: true }],
    ["the PostgreSQL server, deep", pg, "server", { deep: true }, { deep: true, postgres: true }],
    ["a worker of a PostgreSQL cluster, plain", pg, "worker-1", {}, { deep: undefined, postgres: undefined }],
    ["a worker, deep", pg, "worker-1", { deep: true }, { deep: true, postgres: undefined }],
    ["the SQLite server, plain", sqlite, "server", {}, { deep: undefined, postgres: undefined }],
    ["the SQLite server, deep: false", sqlite, "server", { deep: false }, { deep: undefined, postgres: undefined }],
  ])("%s", (_what, c, node, options, expected) => {
    const r = factsRequestFor(c.cluster, nodeOf(c, node), c.local, options);
    expect({ deep: r.deep, postgres: r.postgres }).toEqual(expected);
  });
});
