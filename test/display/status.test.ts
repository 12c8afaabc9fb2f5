/**
 * `reconcile status` as lines, from fixture tables: a planner case (spec + facts + local inputs,
 * its drift report from the same facts), the Prefect objects the server listed and the API's
 * extras → ClusterStatus (the pure model) → the screen; and the JSON of `--json` read back.
 */
import { describe, expect, it } from "vitest";
import { renderStatus, statusJson } from "../../src/display/status.js";
import type { Style } from "../../src/display/style.js";
import type { FactSet, RawApiFacts, RawApiStatus } from "../../src/facts/types.js";
import { driftReport } from "../../src/planner/drift.js";
import { clusterStatus, type ClusterStatus, type StatusApiInput } from "../../src/planner/status.js";
import { loadCase, planCase } from "../planner/cases.js";

/** What the server of the planner's "plant" cluster lists: its pool and queues (fields as 3.4.25 names them). */
const PLANT_OBJECTS: RawApiFacts = {
  version: "3.4.25",
  pools: [{ id: "p1", name: "production", type: "process", concurrency_limit: null, is_paused: false, base_job_template: {} }],
  queues: [
    { id: "q1", name: "default", work_pool_name: "production", priority: 2, concurrency_limit: null, is_paused: true },
    { id: "q2", name: "prod-main", work_pool_name: "production", priority: 1, concurrency_limit: 4, is_paused: false },
  ],
  flows: [],
  deployments: [],
};

const worker = (name: string, status: string, beat: string) => ({ id: name, name, status, last_heartbeat_time: beat, heartbeat_interval_seconds: 30 });

/** A planner case's status with the plant objects and these extras; `edit` changes the facts first. */
function statusOf(name: string, extras: RawApiStatus | null, edit: (facts: FactSet) => void = () => undefined, api: StatusApiInput = { state: "gathered", raw: PLANT_OBJECTS }): ClusterStatus {
  const c = loadCase(name);
  const facts = structuredClone(c.facts) as FactSet;
  edit(facts);
  return clusterStatus(c.cluster, { facts, local: c.local, api }, extras, driftReport(planCase(c, facts)));
}

const extras = (workers: unknown[], late = 0, health: RawApiStatus["health"] = { ok: true, value: true }): RawApiStatus => ({
  health,
  pools: { production: { workers: { ok: true, value: workers }, lateRuns: { ok: true, value: { count: late, more: false } } } },
});

const ALL_ONLINE = ["worker-1-production", "worker-2-production-1", "worker-2-production-2"].map((n) => worker(n, "ONLINE", "2026-12-06T09:59:40Z"));

/** Ages from a fixed now: 2026-12-06T10:00:00Z. */
const NOW = Date.parse("2026-12-06T10:00:00Z");
const secondsSince = (iso: string) => (Number.isNaN(Date.parse(iso)) ? null : (NOW - Date.parse(iso)) / 1000);

const recordCommit = (facts: FactSet) => {
  const w = facts["worker-1"];
  if (w?.reachable === true && w.facts.state.ok && w.facts.state.value !== null) w.facts.state.value.revision = "0123456789abcdef0123456789abcdef01234567";
};

describe("renderStatus", () => {
  it("a converged cluster: every node, service and version, Prefect healthy, workers online, no drift", () => {
    const s = statusOf("converged", extras(ALL_ONLINE), recordCommit);
    expect(renderStatus(s, { secondsSince })).toEqual([
      `cluster plant, spec ${s.specDigest}`,
      "",
      "node server 198.51.100.11  server, proxy",
      "  generation 3, applied 2026-11-01 09:00 UTC (35 days ago), spec 5d5d5d5d5d5d (not the current spec)",
      "  ● prefect-server.service  active/running, enabled",
      "  ● caddy.service           active/running, enabled",
      "  env  prefect-env  prefect-env a1a1a1a1a1a1",
      "",
      "node worker-1 198.51.100.12  worker (production)",
      "  generation 3, applied 2026-11-01 09:00 UTC (35 days ago), spec 5d5d5d5d5d5d (not the current spec), commit 0123456789ab",
      "  ● prefect-worker@production.service  active/running, enabled",
      "  env  prefect-env  prefect-env a1a1a1a1a1a1",
      "  env  flow-env     flow-env f1f1f1f1f1f1",
      "  flow etl          flow-code:etl e1e1e1e1e1e1",
      "",
      "node worker-2 198.51.100.13  worker (production)",
      "  generation 3, applied 2026-11-01 09:00 UTC (35 days ago), spec 5d5d5d5d5d5d (not the current spec)",
      "  ● prefect-worker@production.1.service  active/running, enabled",
      "  ● prefect-worker@production.2.service  active/running, enabled",
      "  env  prefect-env  prefect-env a1a1a1a1a1a1",
      "  env  flow-env     flow-env f1f1f1f1f1f1",
      "  flow etl          flow-code:etl e1e1e1e1e1e1",
      "",
      "prefect 3.4.25, health ok",
      "pool production  3/3 workers online, 0 late runs",
      "  queues   prod-main (priority 1, limit 4) · default (priority 2, paused)",
      "",
      "drift   no drift",
    ]);
  });

  const table: { title: string; status: () => ClusterStatus; lines: string[] }[] = [
    {
      title: "a worker offline and one that never registered, late runs",
      status: () => statusOf("converged", extras([worker("worker-1-production", "ONLINE", "2026-12-06T09:59:40Z"), worker("worker-2-production-1", "OFFLINE", "2026-12-06T08:30:00Z")], 7)),
      lines: ["pool production  1/3 workers online, 7 late runs", "  offline  worker-2-production-1 on worker-2, last heartbeat 2026-12-06 08:30 UTC (1 h 30 min ago)", "  missing  worker-2-production-2 on worker-2"],
    },
    {
      title: "drift: one line per resource",
      status: () => statusOf("worker-setting-changed", extras(ALL_ONLINE)),
      lines: ["drift   2 resources differ", "  worker-1  file:/etc/prefect/worker.env               content", "  worker-1  service:prefect-worker@production.service  inputs changed: file:/etc/prefect/worker.env"],
    },
    {
      title: "a unit that failed, a link to a version no artifact has",
      status: () =>
        statusOf("link-old-version", extras(ALL_ONLINE), (facts) => {
          const w = facts["worker-1"];
          if (w?.reachable === true && w.facts.units.ok) w.facts.units.value["prefect-worker@production.service"] = { load: "loaded", active: "failed", sub: "failed", unitFileState: "enabled" };
        }),
      lines: ["  ✗ prefect-worker@production.service  failed/failed, enabled", "  env  flow-env     unknown target f1f1f1f1f1f1 (not the declared version)"],
    },
    {
      title: "an unreachable node with its hint, and the problems listed last",
      status: () => statusOf("unreachable-node", extras(ALL_ONLINE)),
      lines: [
        "node worker-2 198.51.100.13  worker (production)",
        "  unreachable: node worker-2: unknown host key: 198.51.100.13:22 offers ssh-ed25519 key SHA256:7q5dJ0GZZq0kKQeFqZyQ0uN8l1Hc0T8s3M5R0t1yK2w and /work/known_hosts has no key for it",
        "    hint: run `reconcile trust` to record it (it shows the fingerprint first)",
        "1 thing could not be read:",
        "  node worker-2: unknown host key: 198.51.100.13:22 offers ssh-ed25519 key SHA256:7q5dJ0GZZq0kKQeFqZyQ0uN8l1Hc0T8s3M5R0t1yK2w and /work/known_hosts has no key for it",
      ],
    },
    {
      title: "the health route failed",
      status: () => statusOf("converged", extras(ALL_ONLINE, 0, { ok: false, error: "GET /health: 502 Bad Gateway" })),
      lines: ["prefect 3.4.25, health failed (GET /health: 502 Bad Gateway)", "  the Prefect API's health: failed (GET /health: 502 Bad Gateway)"],
    },
    {
      title: "a Prefect server that does not run: its pools are not read",
      status: () => statusOf("converged", null, undefined, { state: "unavailable", reason: "prefect-server.service does not run on server" }),
      lines: ["prefect prefect-server.service does not run on server", "pool production  workers not read, late runs not read", "  the Prefect API: prefect-server.service does not run on server"],
    },
  ];
  it.each(table)("$title", ({ status, lines }) => {
    const out = renderStatus(status(), { secondsSince });
    for (const line of lines) expect(out).toContain(line);
  });

  it("paints by tone: a running service green, a failed one red, drift yellow", () => {
    const tagged: Style = (tone, text) => `<${tone}>${text}</${tone}>`;
    const s = statusOf("worker-setting-changed", extras(ALL_ONLINE), (facts) => {
      const server = facts.server;
      if (server?.reachable === true && server.facts.units.ok) server.facts.units.value["caddy.service"] = { load: "loaded", active: "failed", sub: "failed", unitFileState: "enabled" };
    });
    const out = renderStatus(s, { style: tagged });
    expect(out).toContain("  <add>●</add> prefect-server.service  <add>active/running, enabled</add>");
    expect(out).toContain("  <destroy>✗</destroy> caddy.service           <destroy>failed/failed, enabled</destroy>");
    expect(out.find((l) => l.startsWith("<heading>drift</heading>"))).toBe("<heading>drift</heading>   <change>3 resources differ</change>");
  });

  it("ages are shown only when the caller keeps time", () => {
    expect(renderStatus(statusOf("converged", extras(ALL_ONLINE)))).toContain("  generation 3, applied 2026-11-01 09:00 UTC, spec 5d5d5d5d5d5d (not the current spec)");
  });
});

describe("statusJson", () => {
  it("reads back as the status it printed, versioned by its format", () => {
    const s = statusOf("worker-setting-changed", extras([worker("worker-1-production", "OFFLINE", "2026-12-06T08:30:00Z")], 2), recordCommit);
    const back = JSON.parse(statusJson(s)) as ClusterStatus;
    expect(back).toEqual(s);
    expect(back.format).toBe(1);
    expect(back.pools[0]).toMatchObject({ name: "production", online: 0, total: 3, lateRuns: 2 });
    expect(back.drift.items.map((d) => `${d.node} ${d.address}`)).toEqual(["worker-1 file:/etc/prefect/worker.env", "worker-1 service:prefect-worker@production.service"]);
  });
});
