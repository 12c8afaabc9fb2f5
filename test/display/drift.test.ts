/**
 * The drift report's renderers (text, markdown, JSON) and its exit code, over reports made the
 * way `reconcile drift` makes them: facts (the converged fixture of test/fixtures/plans with what
 * an operator might have done on a node, the Prefect API fixtures with what they might have done
 * in the UI) → the planner → driftReport → the renderers.
 */
import { describe, expect, it } from "vitest";
import { driftJson, driftSummary, fieldValues, mdCode, mdText, renderDriftMarkdown, renderDriftText } from "../../src/display/drift.js";
import type { Style } from "../../src/display/style.js";
import type { FactSet, NodeFactsResult, RawApiFacts } from "../../src/facts/types.js";
import { parseApiFacts } from "../../src/facts/prefect.js";
import { driftExitCode, driftReport, type DriftReport } from "../../src/planner/drift.js";
import { honourDriftRules, type DriftRules } from "../../src/planner/drift-rules.js";
import { plan } from "../../src/planner/plan.js";
import type { LocalInputs, Plan } from "../../src/planner/types.js";
import { Sensitive } from "../../src/spec/secrets.js";
import { loadCase, planCase } from "../planner/cases.js";
import { PREFECT_SPEC_TEXT, rawFacts, specOf } from "../helpers/prefect.js";

const NOW = "2026-12-06T19:00:00.000Z";
const OTHER = `/opt/prefect/store/${"b2".repeat(32)}`;
const WORKER_UNIT = "prefect-worker@production.service";

type Reachable = Extract<NodeFactsResult, { reachable: true }>;
const reachable = (facts: FactSet, node: string): Reachable["facts"] => {
  const n = facts[node];
  if (n?.reachable !== true) throw new Error(`fixture changed: ${node} is not reachable`);
  return n.facts;
};

/** What was done on the nodes of the converged cluster, each a change to its facts. */
const NODE_EDITS = {
  /** `systemctl stop` of worker-1's worker. */
  unitStopped: (f: FactSet) => {
    const units = reachable(f, "worker-1").units;
    if (!units.ok) throw new Error("fixture changed");
    units.value[WORKER_UNIT] = { load: "loaded", active: "inactive", sub: "dead", unitFileState: "enabled" };
  },
  /** server.env edited by hand. */
  fileChanged: (f: FactSet) => {
    const files = reachable(f, "server").files;
    const file = files.ok ? files.value["/etc/prefect/server.env"] : undefined;
    if (file?.state !== "file" || file.content === null) throw new Error("fixture changed");
    file.content = file.content.replace('PREFECT_HOME="/var/lib/prefect"', 'PREFECT_HOME="/srv/prefect"');
    file.sha256 = "0".repeat(64);
  },
  /** The server's environment link switched to another store entry. */
  linkElsewhere: (f: FactSet) => {
    const links = reachable(f, "server").links;
    if (!links.ok || links.value["/opt/prefect/envs/prefect-env"] === undefined) throw new Error("fixture changed");
    links.value["/opt/prefect/envs/prefect-env"] = { state: "link", target: OTHER };
  },
  /** worker-2 does not answer. */
  unreachable: (f: FactSet) => {
    f["worker-2"] = { reachable: false, error: { category: "timeout", message: "node worker-2: no answer within 10s", hint: null } } as NodeFactsResult;
  },
} satisfies Record<string, (f: FactSet) => void>;

function nodePlan(...edits: (keyof typeof NODE_EDITS)[]): Plan {
  const c = loadCase("converged");
  const facts = structuredClone(c.facts);
  for (const e of edits) NODE_EDITS[e](facts);
  return planCase(c, facts);
}

const LOCAL: LocalInputs = {
  artifacts: { "prefect-env": { bytes: 1, unpackedBytes: 1, debs: null, prefectVersion: "3.4.25" }, "flow-env": { bytes: 1, unpackedBytes: 1, debs: null, prefectVersion: "3.4.25" } },
  flows: {},
};
const RECORDED = { objects: Object.fromEntries(["work-pool:etl", "work-pool:ml", "flow:train", "deployment:train/weekly"].map((a) => [a, "x"])) };
const TOKEN = "s3cret-token";

/** What was done through the Prefect UI, each a change to the API's answers. */
const API_EDITS = {
  scheduleChanged: (raw: RawApiFacts) => {
    const hourly = (raw.deployments as { name: string; schedules: { schedule: { cron?: string } }[] }[]).find((d) => d.name === "hourly");
    const schedule = hourly?.schedules[0]?.schedule;
    if (schedule?.cron === undefined) throw new Error("fixture changed");
    schedule.cron = "*/5 * * * *";
  },
  queuePaused: (raw: RawApiFacts) => {
    const high = (raw.queues as { name: string; is_paused: boolean }[]).find((q) => q.name === "high");
    if (high === undefined) throw new Error("fixture changed");
    high.is_paused = true;
  },
} satisfies Record<string, (raw: RawApiFacts) => void>;

/**
 * The Prefect objects of test/fixtures/prefect, edited through the "UI"; `trainRemoved` drops the
 * flow `train` from the spec, so its flow and deployment (created by reconcile) are to prune.
 */
function apiPlan(options: { edits?: (keyof typeof API_EDITS)[]; trainRemoved?: boolean; token?: string } = {}): Plan {
  const raw = rawFacts();
  for (const e of options.edits ?? []) API_EDITS[e](raw);
  const text = options.trainRemoved === true ? PREFECT_SPEC_TEXT.replace(/ {2}- name: train\n[\s\S]*$/, "") : PREFECT_SPEC_TEXT;
  return plan(specOf(text), {}, LOCAL, new Map([["TRAIN_TOKEN", new Sensitive(options.token ?? TOKEN)]]), { prune: false }, { api: parseApiFacts(raw), managed: RECORDED });
}

/**
 * The nodes of one fixture and the Prefect objects of the other, both planned for real: the two
 * fixture sets describe different clusters, and a report needs both halves.
 */
const joined = (nodes: Plan, api: Plan): Plan => ({ ...nodes, clusterWide: api.clusterWide });

/** The drift rules applied as the planner applies them (drift-rules.ts honourDriftRules). */
const withRules = (p: Plan, rules: DriftRules): Plan => ({
  ...p,
  nodes: p.nodes.map((n) => ({ ...n, changes: n.changes.map((c) => honourDriftRules(c, rules, n.name)) })),
  clusterWide: { ...p.clusterWide, changes: p.clusterWide.changes.map((c) => honourDriftRules(c, rules, null)) },
});

const ALL_EDITS = joined(nodePlan("unitStopped", "fileChanged", "linkElsewhere", "unreachable"), apiPlan({ edits: ["scheduleChanged", "queuePaused"], trainRemoved: true }));

/** The lines of a heading's section: from the heading to the next blank line. */
function section(lines: string[], heading: string): string[] {
  const i = lines.indexOf(heading);
  expect(i, `no line ${JSON.stringify(heading)}`).toBeGreaterThanOrEqual(0);
  const end = lines.indexOf("", i);
  return lines.slice(i, end);
}

describe("driftExitCode and the summary line, per situation", () => {
  it.each<[string, () => Plan, 0 | 1 | 2, string]>([
    ["a converged cluster without Prefect objects", () => nodePlan(), 0, "No drift: every node matches cluster.yaml."],
    ["a converged cluster with its Prefect objects", () => joined(nodePlan(), apiPlan()), 0, "No drift: every node and the Prefect objects match cluster.yaml."],
    ["a unit stopped", () => nodePlan("unitStopped"), 2, "Drift: 1 resource differs (1 fix, 0 warn) on node worker-1."],
    ["a node that does not answer, the rest in sync", () => nodePlan("unreachable"), 1, "No drift on what could be checked. Incomplete: worker-2 (unreachable) could not be checked."],
    ["a schedule changed in the UI", () => joined(nodePlan(), apiPlan({ edits: ["scheduleChanged"] })), 2, "Drift: 1 resource differs (1 fix, 0 warn) on the Prefect objects."],
    [
      "drift on nodes and objects, and a node that does not answer",
      () => ALL_EDITS,
      1,
      // server: the link, the file, the migration and the restart they cause; worker-1: its unit; the queue, the schedule, the flow and deployment to prune.
      "Drift: 9 resources differ (9 fix, 0 warn) on nodes server, worker-1 and the Prefect objects. Incomplete: worker-2 (unreachable) could not be checked.",
    ],
    [
      "an API that fails",
      () => joined(nodePlan(), plan(specOf(), {}, LOCAL, new Map(), { prune: false }, { api: { state: "error", error: "no answer" }, managed: null })),
      1,
      "No drift on what could be checked. Incomplete: the Prefect API (errored) could not be checked.",
    ],
  ])("%s: exit %s", (_name, make, code, summary) => {
    const report = driftReport(make());
    expect(driftExitCode(report)).toBe(code);
    expect(driftSummary(report)).toBe(summary);
    const lines = renderDriftText(report);
    expect(lines.at(-1)).toBe(summary);
  });
});

describe("renderDriftText", () => {
  const report = driftReport(ALL_EDITS);
  const lines = renderDriftText(report, { now: NOW });

  it("starts with the cluster, the spec and the time", () => {
    expect(lines[0]).toBe(`Drift report for cluster plant: cluster.yaml (spec ${report.specDigest.slice(0, 12)}), checked ${NOW}`);
  });

  it("a stopped unit: its node's heading, the mark, address and summary, then the field that differs", () => {
    expect(section(lines, "node worker-1")).toEqual(["node worker-1", `  ~ service:${WORKER_UNIT}  inactive → enabled, active`, "      active: false → true"]);
  });

  it("a link pointing elsewhere shows both targets, cut around where they differ", () => {
    const server = section(lines, "node server");
    const i = server.indexOf("  ~ link:/opt/prefect/envs/prefect-env  points at another version");
    expect(i).toBeGreaterThan(0);
    expect(server[i + 1]).toBe(`      target: …t/prefect/store/${"b2".repeat(22)}… → …t/prefect/store/${"a1".repeat(22)}…`);
  });

  it("a changed file shows its diff, indented, after its fields", () => {
    const server = section(lines, "node server");
    const i = server.indexOf("  ~ file:/etc/prefect/server.env  content");
    expect(server.slice(i + 2, i + 5)).toEqual(["      --- /etc/prefect/server.env", "      +++ /etc/prefect/server.env", "      @@ -1,7 +1,7 @@"]);
    expect(server.filter((l) => /^ {6}[-+]PREFECT_HOME/.test(l))).toEqual(['      -PREFECT_HOME="/srv/prefect"', '      +PREFECT_HOME="/var/lib/prefect"']);
  });

  it("an unreachable node is named with its error", () => {
    expect(section(lines, "node worker-2")).toEqual(["node worker-2", "  ! unreachable: node worker-2: no answer within 10s"]);
  });

  it("the Prefect objects: a paused queue and a changed schedule per field, objects no longer declared to prune", () => {
    expect(section(lines, "Prefect objects (Prefect 3.4.25)")).toEqual([
      "Prefect objects (Prefect 3.4.25)",
      "  ~ work-queue:etl/high  paused differs",
      "      paused: true → false",
      "  ~ deployment:ingest/hourly  schedules differs",
      '      schedules.0.cron: "*/5 * * * *" → "5 * * * *"',
      "  - deployment:train/weekly  no longer declared; deleted only with --prune",
      "  - flow:train  no longer declared; deleted only with --prune",
    ]);
  });

  it("in-sync nodes and objects share one line", () => {
    const quiet = renderDriftText(driftReport(joined(nodePlan("unitStopped"), apiPlan())));
    expect(quiet).toContain("in sync: server, worker-2, the Prefect objects");
    expect(quiet.some((l) => l.startsWith("node server") || l.startsWith("Prefect objects"))).toBe(false);
  });

  it("paints by tone: marks by action, errors red, the summary as drift or error", () => {
    const tagged: Style = (tone, text) => `<${tone}>${text}</${tone}>`;
    const painted = renderDriftText(report, { style: tagged });
    expect(painted).toContain(`<change>  ~ service:${WORKER_UNIT}</change>  <muted>inactive → enabled, active</muted>`);
    expect(painted).toContain("<muted>  - flow:train</muted>  <muted>no longer declared; deleted only with --prune</muted>");
    expect(painted).toContain("<error>  ! unreachable: node worker-2: no answer within 10s</error>");
    expect(painted.at(-1)).toBe(`<error>${driftSummary(report)}</error>`);
  });
});

describe("drift rules in the report", () => {
  const rules: DriftRules = {
    ignore: [{ resource: "link:/opt/prefect/envs/*", fields: ["target"], reason: "pinned by hand (incident 42)" }],
    policies: [
      { resource: "deployment:ingest/*", policy: "warn", reason: "ops tune schedules in the UI" },
      { resource: "work-queue:etl/high", policy: "ignore", reason: "paused for maintenance" },
    ],
  };
  const report = driftReport(withRules(joined(nodePlan("linkElsewhere"), apiPlan({ edits: ["scheduleChanged", "queuePaused"] })), rules));
  const lines = renderDriftText(report);

  it("a warn item is marked `! warn` with its reason; what the rules silenced is one muted line each", () => {
    expect(lines.find((l) => l.includes("deployment:ingest/hourly"))).toBe("  ! warn deployment:ingest/hourly  schedules differs (policy warn: ops tune schedules in the UI; not changed)");
    expect(lines.filter((l) => l.startsWith("ignored: "))).toEqual(["ignored: server link:/opt/prefect/envs/prefect-env target (pinned by hand (incident 42))", "ignored: work-queue:etl/high (policy ignore: paused for maintenance)"]);
  });

  it("the summary counts fix, warn and silenced; warn alone still exits 2", () => {
    expect(report.summary).toMatchObject({ warn: 1, silenced: 2 });
    expect(lines.at(-1)).toBe(`Drift: ${report.summary.drifted} resources differ (${report.summary.fix} fix, 1 warn) on node server and the Prefect objects, 2 resources silenced by drift rules.`);
    const warnOnly = driftReport(withRules(joined(nodePlan(), apiPlan({ edits: ["scheduleChanged"] })), rules));
    expect(driftExitCode(warnOnly)).toBe(2);
  });

  it("silenced only: no drift, and the rules' work is still said", () => {
    const quiet = driftReport(withRules(joined(nodePlan(), apiPlan({ edits: ["queuePaused"] })), rules));
    expect(driftExitCode(quiet)).toBe(0);
    expect(renderDriftText(quiet).slice(-3)).toEqual(["ignored: work-queue:etl/high (policy ignore: paused for maintenance)", "", "No drift: every node and the Prefect objects match cluster.yaml, 1 resource silenced by drift rules."]);
  });

  it("an object made outside reconcile says so", () => {
    const p = apiPlan({ trainRemoved: true });
    const outOfBand = { ...p, clusterWide: { ...p.clusterWide, changes: p.clusterWide.changes.map((c) => (c.address === "flow:train" ? { ...c, outOfBand: true as const } : c)) } };
    expect(renderDriftText(driftReport(joined(nodePlan(), outOfBand)))).toContain("  - flow:train  made outside reconcile in a pool it manages; deleted only with --prune");
  });
});

describe("renderDriftMarkdown", () => {
  const report = driftReport(ALL_EDITS);
  const md = renderDriftMarkdown(report, { now: NOW });
  const lines = md.split("\n");

  it("a title, a status line, the spec and time", () => {
    expect(lines.slice(0, 5)).toEqual(["## Drift in cluster plant", "", `**Status: incomplete.** ${driftSummary(report)}`, "", `Spec \`cluster.yaml\` (sha256 \`${report.specDigest.slice(0, 12)}\`), checked ${NOW}.`]);
  });

  it("a table row per difference, four cells each", () => {
    const rows = lines.filter((l) => l.startsWith("| "));
    expect(rows[0]).toBe("| Node | Resource | Change | Policy |");
    expect(rows).toHaveLength(2 + report.drift.length);
    expect(rows).toContain(`| \`worker-1\` | \`service:${WORKER_UNIT}\` | update: inactive → enabled, active | fix |`);
    expect(rows).toContain("| Prefect objects | `deployment:train/weekly` | delete: no longer declared; deleted only with --prune | fix with --prune |");
    for (const r of rows) expect(r.split(/(?<!\\)\|/).length, r).toBe(6);
  });

  it("details with before → after and the diff in a diff fence", () => {
    expect(md).toContain("<summary><code>server</code> <code>file:/etc/prefect/server.env</code>: content</summary>");
    expect(md).toContain('- `schedules.0.cron`: `"*/5 * * * *"` → `"5 * * * *"`');
    const fence = lines.indexOf("```diff");
    expect(lines.slice(fence + 1, fence + 3)).toEqual(["--- /etc/prefect/server.env", "+++ /etc/prefect/server.env"]);
    expect(lines.slice(fence).indexOf("```")).toBeGreaterThan(5);
  });

  it("errors under `Not checked`", () => {
    expect(md.endsWith("### Not checked\n\n- `worker-2` (unreachable): node worker-2: no answer within 10s\n")).toBe(true);
  });

  it("silenced items are listed", () => {
    const rules: DriftRules = { ignore: [{ resource: "deployment:ingest/*", fields: ["schedules"], reason: "set in the UI | by ops" }], policies: [] };
    const silenced = renderDriftMarkdown(driftReport(withRules(joined(nodePlan(), apiPlan({ edits: ["scheduleChanged"] })), rules)));
    expect(silenced).toContain("### Silenced by drift rules\n\n- `deployment:ingest/hourly` `schedules.0.cron`: set in the UI \\| by ops\n");
    expect(silenced).toContain("**Status: in sync.**");
  });

  it("a diff that holds a fence line gets a longer fence", () => {
    const item = report.drift.find((d) => d.diff !== null);
    if (item === undefined) throw new Error("fixture changed");
    const fenced: DriftReport = { ...report, drift: [{ ...item, diff: "--- a\n+++ a\n@@ -1 +1 @@\n ```\n-x\n+y" }] };
    expect(renderDriftMarkdown(fenced)).toContain("````diff\n--- a\n+++ a\n@@ -1 +1 @@\n ```\n-x\n+y\n````\n");
  });

  it.each<[string, boolean, string]>([
    ["plain", false, "`plain`"],
    ["a`b", false, "``a`b``"],
    ["`x`", false, "`` `x` ``"],
    ["a|b", true, "`a\\|b`"],
    ["a|b", false, "`a|b`"],
    ["two\nlines", false, "`two lines`"],
  ])("mdCode(%j, table %s) = %s", (text, table, expected) => {
    expect(mdCode(text, table)).toBe(expected);
  });

  it.each([
    ["a | b", "a \\| b"],
    ["`rm -rf`", "\\`rm -rf\\`"],
    ["<script>", "&lt;script&gt;"],
    ["*bold* _it_ [link]", "\\*bold\\* \\_it\\_ \\[link\\]"],
  ])("mdText(%j) = %j", (text, expected) => {
    expect(mdText(text)).toBe(expected);
  });
});

describe("driftJson", () => {
  it("is the report with the time it was made, and parses back", () => {
    const report = driftReport(ALL_EDITS);
    const text = driftJson(report, NOW);
    expect(text.endsWith("}\n")).toBe(true);
    expect(text.split("\n")[1]).toBe('  "format": 1,');
    const back = JSON.parse(text) as DriftReport & { generatedAt: string };
    expect(Object.keys(back).slice(0, 2)).toEqual(["format", "generatedAt"]);
    expect(back).toEqual({ ...report, generatedAt: NOW });
    expect(back.drift.find((d) => d.node === "worker-1")).toMatchObject({ address: `service:${WORKER_UNIT}`, kind: "service", action: "update", policy: "fix" });
  });
});

describe("secrets", () => {
  it("a changed secret in a deployment shows in no format", () => {
    const report = driftReport(joined(nodePlan(), apiPlan({ token: "n3w-token" })));
    expect(report.drift.map((d) => d.address)).toEqual(["deployment:train/weekly"]);
    for (const text of [renderDriftText(report).join("\n"), renderDriftMarkdown(report), driftJson(report, NOW)]) {
      expect(text).not.toContain("n3w-token");
      expect(text).not.toContain(TOKEN);
    }
  });
});

describe("fieldValues", () => {
  it.each<[unknown, unknown, [string, string]]>([
    [1, 2, ["1", "2"]],
    ["(sensitive)", "(sensitive)", ["(sensitive)", "(sensitive)"]],
    [{ a: [1, 2] }, null, ['{"a":[1,2]}', "null"]],
    // Long values: the window ends at the end when the difference is there, and keeps 16 characters before it.
    ["x".repeat(70), "x".repeat(69) + "y", [`…${"x".repeat(59)}"`, `…${"x".repeat(58)}y"`]],
    ["a".repeat(30) + "b".repeat(40), "a".repeat(30), [`…${"a".repeat(19)}${"b".repeat(40)}"`, `"${"a".repeat(30)}"`]],
    ["p".repeat(40) + "b".repeat(40), "p".repeat(40) + "a".repeat(40), [`…${"p".repeat(19)}${"b".repeat(40)}"`, `…${"p".repeat(19)}${"a".repeat(40)}"`]],
    ["p".repeat(40) + "b".repeat(80), "p".repeat(40) + "a".repeat(80), [`…${"p".repeat(16)}${"b".repeat(44)}…`, `…${"p".repeat(16)}${"a".repeat(44)}…`]],
  ])("%j, %j", (before, after, expected) => {
    expect(fieldValues(before as never, after as never)).toEqual(expected);
  });
});
