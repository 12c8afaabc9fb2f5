/**
 * Drift rules and the drift report, from fixture tables: facts + spec (+ rules) → plan → report.
 * Node resources come from the `converged` plan case with one fact changed at a time; the Prefect
 * objects from real 3.4.25 answers (test/fixtures/prefect) edited as someone would in the UI.
 */
import { describe, expect, it } from "vitest";
import { parseApiFacts, type ApiFacts } from "../../src/facts/prefect.js";
import type { FactSet } from "../../src/facts/types.js";
import { plan } from "../../src/planner/plan.js";
import { driftExitCode, driftReport } from "../../src/planner/drift.js";
import { fieldPath, honourDriftRules, leafDiffs, policyFor, type DriftRules } from "../../src/planner/drift-rules.js";
import type { DriftIgnoreRule, DriftPolicy } from "../../src/spec/resolved.js";
import type { Change, LocalInputs } from "../../src/planner/types.js";
import { Sensitive } from "../../src/spec/secrets.js";
import { loadCase } from "./cases.js";
import { renderPlan } from "../../src/display/plan.js";
import { PREFECT_SPEC_TEXT, rawFacts, specOf } from "../helpers/prefect.js";

const converged = loadCase("converged");
const WORKER_UNIT = "prefect-worker@production.service";

/** The case's facts with worker-1's facts edited by `edit`. */
function factsWith(edit: (facts: Record<string, any>) => void): FactSet {
  const copy = structuredClone(converged.facts) as Record<string, any>;
  edit(copy["worker-1"].facts);
  return copy as FactSet;
}
const stopped = factsWith((f) => (f.units.value[WORKER_UNIT] = { load: "loaded", active: "inactive", sub: "dead", unitFileState: "enabled" }));
const chmodded = factsWith((f) => (f.files.value["/etc/prefect/worker.env"].mode = "0666"));

function nodePlan(facts: FactSet, rules: { ignore?: DriftIgnoreRule[]; policies?: DriftPolicy[] } = {}) {
  const cluster = { ...converged.cluster, drift: { ignore: rules.ignore ?? [], policies: rules.policies ?? [] } };
  return plan(cluster, facts, converged.local, converged.secrets, converged.options);
}

describe("node resources", () => {
  it("a converged cluster has no drift (exit 0)", () => {
    const r = driftReport(nodePlan(converged.facts));
    expect(r.inSync).toBe(true);
    expect(r.drift).toEqual([]);
    expect(r.nodes.map((n) => `${n.name} ${n.status}`)).toEqual(["server in-sync", "worker-1 in-sync", "worker-2 in-sync"]);
    expect(r.prefect.status).toBe("not-gathered");
    expect(driftExitCode(r)).toBe(0);
  });

  it("a stopped unit is drift on its node only, with the field that differs (exit 2)", () => {
    const r = driftReport(nodePlan(stopped));
    expect(r.drift.map((d) => [d.node, d.address, d.action, d.policy])).toEqual([["worker-1", `service:${WORKER_UNIT}`, "update", "fix"]]);
    expect(r.drift[0]?.fields).toEqual([{ path: "active", before: false, after: true }]);
    expect(r.nodes.map((n) => n.status)).toEqual(["in-sync", "drifted", "in-sync"]);
    expect(r.summary).toMatchObject({ drifted: 1, fix: 1, warn: 0, byKind: { service: 1 } });
    expect(driftExitCode(r)).toBe(2);
  });

  it("policy warn: reported, and plan/apply leave it (a noop without steps)", () => {
    const p = nodePlan(stopped, { policies: [{ node: "worker-*", resource: "service:prefect-worker@*.service", policy: "warn", reason: "ops restart it by hand" }] });
    const worker = p.nodes.find((n) => n.name === "worker-1")!;
    expect(worker.steps).toEqual([]);
    expect(p.hasChanges).toBe(false);
    const c = worker.changes.find((x) => x.address === `service:${WORKER_UNIT}`)!;
    expect(c).toMatchObject({ action: "noop", held: { policy: "warn", reason: "ops restart it by hand" } });
    const r = driftReport(p);
    expect(r.drift.map((d) => [d.address, d.action, d.policy, d.policyReason])).toEqual([[`service:${WORKER_UNIT}`, "update", "warn", "ops restart it by hand"]]);
    expect(driftExitCode(r)).toBe(2);
  });

  it("the plan shows a difference held by policy warn with `!` and its reason, and counts nothing to change", () => {
    const p = nodePlan(stopped, { policies: [{ resource: "service:prefect-worker@*.service", policy: "warn", reason: "maintenance" }] });
    const lines = renderPlan(p);
    expect(lines).toContain(`  ! service ${WORKER_UNIT}  inactive → enabled, active (policy warn: maintenance; not changed)`);
    expect(lines.at(-1)).toBe("No changes. The nodes match cluster.yaml.");
  });

  it("policy ignore: neither reported nor changed, but listed as silenced", () => {
    const r = driftReport(nodePlan(stopped, { policies: [{ resource: "service:*", policy: "ignore" }] }));
    expect(r.drift).toEqual([]);
    expect(r.silenced).toEqual([{ node: "worker-1", address: `service:${WORKER_UNIT}`, by: "policy", fields: [], reason: null }]);
    expect(driftExitCode(r)).toBe(0);
  });

  it("a node glob limits a rule to those nodes", () => {
    const p = nodePlan(stopped, { policies: [{ node: "server", resource: "service:*", policy: "ignore" }] });
    expect(driftReport(p).drift).toHaveLength(1);
  });

  it("drift.ignore of a file's mode silences exactly that field; the plan does not rewrite the file", () => {
    const p = nodePlan(chmodded, { ignore: [{ resource: "file:/etc/prefect/worker.env", fields: ["mode"], reason: "hardened by the CIS baseline" }] });
    expect(p.nodes.find((n) => n.name === "worker-1")!.steps).toEqual([]);
    const r = driftReport(p);
    expect(r.drift).toEqual([]);
    expect(r.silenced).toEqual([{ node: "worker-1", address: "file:/etc/prefect/worker.env", by: "ignore", fields: ["mode"], reason: "hardened by the CIS baseline" }]);
    // Without the rule, the mode is drift, and the unit that reads the file restarts with it.
    const plain = driftReport(nodePlan(chmodded));
    expect(plain.drift.map((d) => [d.address, d.action, d.fields.map((f) => `${f.path}: ${JSON.stringify(f.before)} → ${JSON.stringify(f.after)}`)])).toEqual([
      ["file:/etc/prefect/worker.env", "update", ['mode: "0666" → "0600"']],
      [`service:${WORKER_UNIT}`, "restart", []],
    ]);
  });

  it("an unreachable node is named and makes the report incomplete (exit 1), the rest is still reported", () => {
    const facts = { ...stopped, "worker-2": { reachable: false, error: { message: "connect ETIMEDOUT 10.0.0.12:22", hint: null } } } as unknown as FactSet;
    const r = driftReport(nodePlan(facts));
    expect(r.nodes.find((n) => n.name === "worker-2")).toEqual({ name: "worker-2", status: "unreachable", errors: ["connect ETIMEDOUT 10.0.0.12:22"], warnings: [] });
    expect(r.drift).toHaveLength(1);
    expect(r.inSync).toBe(false);
    expect(driftExitCode(r)).toBe(1);
  });
});

// ---- the Prefect objects ------------------------------------------------------------------------

const LOCAL: LocalInputs = {
  artifacts: { "prefect-env": { bytes: 1, unpackedBytes: 1, debs: null, prefectVersion: "3.4.25" }, "flow-env": { bytes: 1, unpackedBytes: 1, debs: null, prefectVersion: "3.4.25" } },
  flows: {},
};
const SECRETS = new Map([["TRAIN_TOKEN", new Sensitive("s3cret-token")]]);
const RECORDED = { objects: Object.fromEntries(["work-pool:etl", "work-pool:ml", "work-queue:etl/high", "work-queue:etl/low", "flow:ingest", "flow:train", "deployment:ingest/hourly", "deployment:ingest/every-15m", "deployment:train/weekly"].map((a) => [a, "x"])) };

/** Someone changed the hourly schedule and paused queue high in the UI. */
function editedInUi(): ApiFacts {
  const api = parseApiFacts(rawFacts());
  if (api.state !== "gathered") throw new Error("fixture");
  const hourly = api.deployments.find((d) => d.flow === "ingest" && d.name === "hourly")!;
  hourly.schedules = [{ cron: "30 * * * *", timezone: "UTC", dayOr: true, active: true }];
  api.queues.find((q) => q.pool === "etl" && q.name === "high")!.paused = true;
  return api;
}

function widePlan(api: ApiFacts, drift = "", prune = false) {
  return plan(specOf(`${PREFECT_SPEC_TEXT}${drift}`), {}, LOCAL, SECRETS, { prune }, { api, managed: RECORDED }).clusterWide;
}
const wideReport = (api: ApiFacts, drift = "", prune = false) => driftReport({ ...plan(specOf(`${PREFECT_SPEC_TEXT}${drift}`), {}, LOCAL, SECRETS, { prune }, { api, managed: RECORDED }), nodes: [] });

describe("Prefect objects", () => {
  it("real 3.4.25 answers for the declared objects: no drift", () => {
    const r = wideReport(parseApiFacts(rawFacts()));
    expect(r.prefect).toEqual({ status: "in-sync", version: "3.4.25", errors: [] });
    expect(r.drift).toEqual([]);
  });

  it("a schedule changed and a queue paused in the UI: both reported, per field", () => {
    const r = wideReport(editedInUi());
    expect(r.drift.map((d) => [d.node, d.address, d.action, d.fields.map((f) => f.path)])).toEqual([
      [null, "work-queue:etl/high", "update", ["paused"]],
      [null, "deployment:ingest/hourly", "update", ["schedules.0.cron", "schedules.0.timezone"]],
    ]);
    expect(r.drift[0]?.fields[0]).toEqual({ path: "paused", before: true, after: false });
    expect(r.prefect.status).toBe("drifted");
    expect(driftExitCode(r)).toBe(2);
  });

  it("drift.ignore on the deployment's schedules silences exactly that field; the queue stays drift and the PATCH leaves schedules out", () => {
    const rule = `drift:\n  ignore:\n    - resource: deployment:ingest/*\n      fields: [schedules]\n      reason: the on-call team moves it\n`;
    const r = wideReport(editedInUi(), rule);
    expect(r.drift.map((d) => d.address)).toEqual(["work-queue:etl/high"]);
    expect(r.silenced).toEqual([{ node: null, address: "deployment:ingest/hourly", by: "ignore", fields: ["schedules"], reason: "the on-call team moves it" }]);
    const w = widePlan(editedInUi(), rule);
    expect(w.steps.map((s) => s.id)).toEqual(["work-queue:etl/high"]);
  });

  it("a deeper field path: only the parameter named is silenced", () => {
    const api = editedInUi();
    const hourly = api.state === "gathered" ? api.deployments.find((d) => d.name === "hourly")! : undefined!;
    hourly.parameters = { ...hourly.parameters, extra: 1 };
    const only = wideReport(api, `drift:\n  ignore:\n    - resource: deployment:ingest/hourly\n      fields: [/parameters/extra, schedules]\n      reason: tuned live\n`);
    expect(only.drift.map((d) => d.address)).toEqual(["work-queue:etl/high"]);
    expect(only.silenced[0]?.fields).toEqual(["schedules", "parameters.extra"]);
  });

  it("policy warn on the queues: reported as warn, no API write", () => {
    const w = widePlan(editedInUi(), `drift:\n  policies:\n    - resource: work-queue:etl/*\n      policy: warn\n`);
    expect(w.steps.map((s) => s.id)).toEqual(["deployment:ingest/hourly"]);
    const r = wideReport(editedInUi(), `drift:\n  policies:\n    - resource: work-queue:etl/*\n      policy: warn\n`);
    expect(r.drift.map((d) => [d.address, d.policy])).toEqual([
      ["work-queue:etl/high", "warn"],
      ["deployment:ingest/hourly", "fix"],
    ]);
    expect(r.summary).toMatchObject({ fix: 1, warn: 1 });
  });

  it("a deployment made in the UI in a managed pool: drift to prune, deleted only with --prune", () => {
    const api = parseApiFacts(rawFacts());
    if (api.state !== "gathered") throw new Error("fixture");
    const hourly = api.deployments.find((d) => d.name === "hourly")!;
    api.deployments.push({ ...hourly, id: "0b3e1f3e-0000-4000-8000-000000000001", name: "by-hand" });
    const r = wideReport(api);
    expect(r.drift.map((d) => [d.address, d.action, d.prune, d.outOfBand])).toEqual([["deployment:ingest/by-hand", "delete", true, true]]);
    expect(widePlan(api).steps).toEqual([]);
    expect(widePlan(api, "", true).steps.map((s) => `${s.action} ${s.id}`)).toEqual(["delete deployment:ingest/by-hand"]);
  });
});

describe("rules", () => {
  it("field paths: names, dotted paths and JSON pointers", () => {
    expect(["mode", "parameters.limit", "/parameters/limit", "/a~1b/c~0d"].map(fieldPath)).toEqual(["mode", "parameters.limit", "parameters.limit", "a/b.c~d"]);
  });

  it("leaf differences: objects by key, equal-length lists by item, the rest whole", () => {
    expect(leafDiffs({ a: 1, b: { c: [1, 2], d: "x" } }, { a: 1, b: { c: [1, 3], d: "y" } })).toEqual([
      { path: "b.c.1", before: 2, after: 3 },
      { path: "b.d", before: "x", after: "y" },
    ]);
    expect(leafDiffs([1], [1, 2], "tags")).toEqual([{ path: "tags", before: [1], after: [1, 2] }]);
  });

  it("the first matching policy wins; none means fix", () => {
    const rules = { ignore: [], policies: [{ resource: "deployment:etl/daily", policy: "fix" as const }, { resource: "deployment:etl/*", policy: "warn" as const, reason: "r" }] };
    expect(policyFor(rules, null, "deployment:etl/daily")).toEqual({ policy: "fix", reason: null });
    expect(policyFor(rules, null, "deployment:etl/hourly")).toEqual({ policy: "warn", reason: "r" });
    expect(policyFor(rules, null, "work-pool:etl")).toEqual({ policy: "fix", reason: null });
    // A rule with a node never matches the Prefect objects.
    expect(policyFor({ ignore: [], policies: [{ node: "*", policy: "warn" }] }, null, "work-pool:etl").policy).toBe("fix");
  });

  it("a restart is held only by a rule for every field; creates and deletes are never held", () => {
    const restart: Change = { address: "service:caddy.service", kind: "service", action: "restart", before: { active: true }, after: { active: true }, reason: "inputs changed", sensitive: false, diff: null, prune: false };
    const some: DriftRules = { ignore: [{ resource: "service:*", fields: ["active"], reason: "x" }], policies: [] };
    const all: DriftRules = { ignore: [{ resource: "service:*", reason: "y" }], policies: [] };
    expect(honourDriftRules(restart, some, "n").action).toBe("restart");
    expect(honourDriftRules(restart, all, "n")).toMatchObject({ action: "noop", ignored: [{ field: "*", reason: "y" }] });
    const create: Change = { ...restart, action: "create", before: null };
    expect(honourDriftRules(create, all, "n")).toBe(create);
  });
});
