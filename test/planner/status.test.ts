/**
 * The status model from fixture tables: the planner's cases (test/fixtures/plans: spec + facts +
 * local inputs, their drift report planned from the same facts) and the Prefect fixtures (the
 * objects a real 3.4.25 listed), with API extras written here, → ClusterStatus.
 */
import { describe, expect, it } from "vitest";
import type { FactSet, RawApiStatus } from "../../src/facts/types.js";
import { driftReport } from "../../src/planner/drift.js";
import { clusterStatus, shortDigest, statusExitCode, targetDigest, type ClusterStatus, type StatusApiInput } from "../../src/planner/status.js";
import { rawFacts, specOf } from "../helpers/prefect.js";
import { loadCase, planCase } from "./cases.js";

const NOT_GATHERED: StatusApiInput = { state: "not-gathered" };

/** A plan fixture's status: its facts, local inputs and the drift report of the same facts. */
function caseStatus(name: string, api: StatusApiInput = NOT_GATHERED, extras: RawApiStatus | null = null): ClusterStatus {
  const c = loadCase(name);
  return clusterStatus(c.cluster, { facts: c.facts, local: c.local, api }, extras, driftReport(planCase(c)));
}

const node = (s: ClusterStatus, name: string) => s.nodes.find((n) => n.name === name)!;

describe("clusterStatus from the planner's fixtures", () => {
  const cases: { name: string; check: (s: ClusterStatus) => void }[] = [
    {
      name: "converged",
      check(s) {
        expect(s.nodes.map((n) => [n.name, n.roles, n.pools])).toEqual([
          ["server", ["server", "proxy"], []],
          ["worker-1", ["worker"], ["production"]],
          ["worker-2", ["worker"], ["production"]],
        ]);
        expect(node(s, "server").services.map((x) => [x.unit, x.state, `${x.active}/${x.sub}`, x.enabled, x.declared])).toEqual([
          ["prefect-server.service", "ok", "active/running", "enabled", true],
          ["caddy.service", "ok", "active/running", "enabled", true],
        ]);
        expect(node(s, "worker-2").services.map((x) => x.unit)).toEqual(["prefect-worker@production.1.service", "prefect-worker@production.2.service"]);
        expect(node(s, "worker-1").envs.map((l) => [l.name, l.artifact, l.digest, l.current])).toEqual([
          ["prefect-env", "prefect-env", "a1a1a1a1a1a1", true],
          ["flow-env", "flow-env", "f1f1f1f1f1f1", true],
        ]);
        expect(node(s, "worker-1").flows.map((l) => [l.name, l.artifact, l.digest, l.current])).toEqual([["etl", "flow-code:etl", "e1e1e1e1e1e1", true]]);
        expect(node(s, "server")).toMatchObject({ generation: 3, appliedAt: "2026-11-01T09:00:00.000Z", specDigest: "5d5d5d5d5d5d", specCurrent: false, revision: null, lock: null, factErrors: [] });
        expect(s.drift).toEqual({ inSync: true, items: [], silenced: 0 });
        // Nothing was asked of the API: that is the one thing status could not read.
        expect(s.prefect).toEqual({ state: "not-gathered", version: null, error: null, health: null });
        expect(s.problems).toEqual(["the Prefect API was not read"]);
        expect(statusExitCode(s)).toBe(1);
      },
    },
    {
      name: "link-old-version",
      check(s) {
        // worker-1 still points at the flow-env the spec no longer names: a digest no artifact has.
        expect(node(s, "worker-1").envs.find((l) => l.name === "flow-env")).toEqual({
          name: "flow-env",
          path: "/opt/prefect/envs/flow-env",
          state: "link",
          artifact: null,
          digest: "f1f1f1f1f1f1",
          current: false,
          declared: true,
        });
        expect(s.drift.items.filter((d) => d.address === "link:/opt/prefect/envs/flow-env").map((d) => d.node)).toEqual(["worker-1", "worker-2"]);
      },
    },
    {
      name: "unreachable-node",
      check(s) {
        expect(node(s, "worker-2")).toMatchObject({ reachable: false, services: [], generation: null, hint: "run `reconcile trust` to record it (it shows the fingerprint first)" });
        expect(node(s, "worker-2").error).toContain("unknown host key");
        // The transport's message names the node already: not twice.
        expect(s.problems[0]).toMatch(/^node worker-2: unknown host key/);
      },
    },
    {
      name: "fact-parse-error",
      check(s) {
        // The fact that failed is named once, and the others of the node are still shown.
        const error = `files: unexpected line "stat: cannot statx '/etc/prefect/worker.env': Permission denied"`;
        expect(node(s, "worker-1")).toMatchObject({ reachable: true, factErrors: [error], generation: 3 });
        expect(node(s, "worker-1").services.map((x) => x.state)).toEqual(["ok"]);
        expect(s.problems).toEqual([`node worker-1: ${error}`, "the Prefect API was not read"]);
      },
    },
  ];
  it.each(cases)("$name", ({ name, check }) => check(caseStatus(name)));

  it("a unit not found, one that failed and one no longer declared", () => {
    const c = loadCase("converged");
    const facts = structuredClone(c.facts) as FactSet;
    const server = facts.server!;
    if (!server.reachable || !server.facts.units.ok) throw new Error("fixture changed");
    server.facts.units.value["caddy.service"] = { load: "loaded", active: "failed", sub: "failed", unitFileState: "enabled" };
    delete server.facts.units.value["prefect-server.service"];
    server.facts.units.value["prefect-worker@old.service"] = { load: "loaded", active: "inactive", sub: "dead", unitFileState: "disabled" };
    const s = clusterStatus(c.cluster, { facts, local: c.local, api: NOT_GATHERED }, null, driftReport(planCase(c, facts)));
    expect(node(s, "server").services.map((x) => [x.unit, x.state, x.declared])).toEqual([
      ["prefect-server.service", "missing", true],
      ["caddy.service", "down", true],
      ["prefect-worker@old.service", "down", false],
    ]);
  });

  it("the commit and the current spec digest an apply recorded", () => {
    const c = loadCase("converged");
    const facts = structuredClone(c.facts) as FactSet;
    const w = facts["worker-1"]!;
    if (!w.reachable || !w.facts.state.ok || w.facts.state.value === null) throw new Error("fixture changed");
    w.facts.state.value = { ...w.facts.state.value, specDigest: c.cluster.specDigest, revision: "0123456789abcdef0123456789abcdef01234567" };
    const s = clusterStatus(c.cluster, { facts, local: c.local, api: NOT_GATHERED }, null, driftReport(planCase(c, facts)));
    expect(node(s, "worker-1")).toMatchObject({ specDigest: shortDigest(c.cluster.specDigest), specCurrent: true, revision: "0123456789abcdef0123456789abcdef01234567" });
  });
});

describe("clusterStatus with the Prefect objects and the API's extras", () => {
  // The Prefect fixtures' spec: pools etl (worker-1) and ml (worker-2); its nodes are the converged case's names.
  const cluster = specOf();
  const facts = loadCase("converged").facts;
  const local = { artifacts: {}, flows: {} };
  const gathered: StatusApiInput = { state: "gathered", raw: rawFacts("3.4.25") };
  const inSync = { ...driftReport(planCase(loadCase("converged"))), inSync: true, drift: [], silenced: [] };
  const worker = (name: string, status: string, beat: string | null = "2026-12-06T09:00:00Z") => ({ id: name, name, status, last_heartbeat_time: beat, heartbeat_interval_seconds: 30 });

  const table: { title: string; extras: RawApiStatus; pools: Record<string, unknown>; health: unknown; problems: string[] }[] = [
    {
      title: "healthy: every declared worker online, late runs counted, an extra offline worker listed",
      extras: {
        health: { ok: true, value: true },
        pools: {
          etl: { workers: { ok: true, value: [worker("ProcessWorker 1b2", "OFFLINE", "2026-11-30T00:00:00Z"), worker("worker-1-etl", "ONLINE")] }, lateRuns: { ok: true, value: { count: 3, more: false } } },
          ml: { workers: { ok: true, value: [worker("worker-2-ml", "ONLINE")] }, lateRuns: { ok: true, value: { count: 200, more: true } } },
        },
      },
      pools: {
        etl: { online: 1, total: 2, lateRuns: 3, lateRunsMore: false, errors: [], workers: [["worker-1-etl", "ONLINE", "worker-1"], ["ProcessWorker 1b2", "OFFLINE", null]] },
        ml: { online: 1, total: 1, lateRuns: 200, lateRunsMore: true, errors: [], workers: [["worker-2-ml", "ONLINE", "worker-2"]] },
      },
      health: { ok: true, detail: "ok" },
      problems: [],
    },
    {
      title: "a declared worker that never registered, an unhealthy answer, a pool whose reads failed",
      extras: {
        health: { ok: true, value: false },
        pools: {
          etl: { workers: { ok: true, value: [] }, lateRuns: { ok: true, value: { count: 0, more: false } } },
          ml: { workers: { ok: false, error: 'POST /work_pools/ml/workers/filter: 404 Work pool "ml" not found.' }, lateRuns: { ok: false, error: "POST /flow_runs/filter: no answer within 30000 ms" } },
        },
      },
      pools: {
        etl: { workersRead: true, online: 0, total: 1, lateRuns: 0, errors: [], workers: [["worker-1-etl", "MISSING", "worker-1"]] },
        ml: { workersRead: false, online: 0, total: 0, lateRuns: null, errors: ['workers: POST /work_pools/ml/workers/filter: 404 Work pool "ml" not found.', "late runs: POST /flow_runs/filter: no answer within 30000 ms"], workers: [] },
      },
      health: { ok: false, detail: "answered false" },
      problems: ['pool ml: workers: POST /work_pools/ml/workers/filter: 404 Work pool "ml" not found.', "pool ml: late runs: POST /flow_runs/filter: no answer within 30000 ms"],
    },
    {
      title: "the health route failed",
      extras: { health: { ok: false, error: "GET /health: 502 Bad Gateway" }, pools: { etl: { workers: { ok: true, value: [worker("worker-1-etl", "ONLINE")] }, lateRuns: { ok: true, value: { count: 0, more: false } } }, ml: { workers: { ok: true, value: [worker("worker-2-ml", "ONLINE")] }, lateRuns: { ok: true, value: { count: 0, more: false } } } } },
      pools: { etl: { online: 1, total: 1 }, ml: { online: 1, total: 1 } },
      health: { ok: false, detail: "failed (GET /health: 502 Bad Gateway)" },
      problems: ["the Prefect API's health: failed (GET /health: 502 Bad Gateway)"],
    },
  ];

  it.each(table)("$title", ({ extras, pools, health, problems }) => {
    const s = clusterStatus(cluster, { facts, local, api: gathered }, extras, inSync);
    expect(s.prefect).toEqual({ state: "gathered", version: "3.4.25", error: null, health });
    for (const [name, want] of Object.entries(pools)) {
      const p = s.pools.find((x) => x.name === name)!;
      const { workers, ...rest } = want as { workers?: unknown[] };
      expect(p).toMatchObject(rest);
      if (workers !== undefined) expect(p.workers.map((w) => [w.name, w.status, w.node])).toEqual(workers);
    }
    expect(s.problems).toEqual(problems);
  });

  it("pools carry the server's queues by priority, and the pool's paused flag and limit", () => {
    const s = clusterStatus(cluster, { facts, local, api: gathered }, null, inSync);
    expect(s.pools.map((p) => [p.name, p.exists, p.paused, p.concurrencyLimit])).toEqual([
      ["etl", true, false, 10],
      ["ml", true, true, null],
    ]);
    expect(s.pools[0]!.queues).toEqual([
      { name: "high", paused: false, concurrencyLimit: 3, priority: 1, declared: true },
      { name: "low", paused: true, concurrencyLimit: null, priority: 2, declared: true },
      { name: "default", paused: false, concurrencyLimit: null, priority: 3, declared: true },
    ]);
    // The objects were read but the extras were not: said so, not hidden.
    expect(s.problems).toEqual(["the Prefect API's health, workers and late runs were not read"]);
  });

  it("a server that does not run, and an API that failed, are the Prefect line's error and a problem", () => {
    const down = clusterStatus(cluster, { facts, local, api: { state: "unavailable", reason: "prefect-server.service does not run on server" } }, null, inSync);
    expect(down.prefect).toEqual({ state: "unavailable", version: null, error: "prefect-server.service does not run on server", health: null });
    expect(down.pools.map((p) => [p.exists, p.queues, p.workers])).toEqual([
      [null, [], []],
      [null, [], []],
    ]);
    expect(down.problems).toEqual(["the Prefect API: prefect-server.service does not run on server"]);
    const failed = clusterStatus(cluster, { facts, local, api: { state: "error", error: "the Prefect API on server failed: GET /admin/version: 401 Unauthorized" } }, null, inSync);
    expect(failed.problems).toEqual(["the Prefect API: the Prefect API on server failed: GET /admin/version: 401 Unauthorized"]);
  });
});

describe("targetDigest", () => {
  it.each([
    ["/opt/prefect/store/" + "a".repeat(64), "a".repeat(64)],
    ["/opt/prefect/store/" + "b".repeat(64) + "/env", "b".repeat(64)],
    ["/usr/lib/python3", null],
    ["/opt/prefect/store/" + "c".repeat(63), null],
  ])("%s → %s", (target, want) => expect(targetDigest(target)).toBe(want));
});
