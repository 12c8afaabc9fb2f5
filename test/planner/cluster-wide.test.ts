/** planClusterWide: the Prefect objects planned against real 3.4.25 answers (test/fixtures/prefect) and variations. */
import { describe, expect, it } from "vitest";
import { parseApiFacts, type ApiFacts } from "../../src/facts/prefect.js";
import { MANAGED_OBJECTS_FILE } from "../../src/facts/layout.js";
import { factsRequestFor } from "../../src/planner/desired.js";
import { plan } from "../../src/planner/plan.js";
import { savedPlanProblem, type SavedPlan } from "../../src/planner/saved.js";
import { DEFAULT_PROCESS_TEMPLATE } from "../../src/planner/process-template.js";
import { instantMs, planClusterWide, type ClusterWideInputs } from "../../src/planner/cluster-wide.js";
import type { LocalInputs } from "../../src/planner/types.js";
import { Sensitive } from "../../src/spec/secrets.js";
import { PREFECT_SPEC_TEXT, rawFacts, specOf } from "../helpers/prefect.js";

const LOCAL: LocalInputs = {
  artifacts: { "prefect-env": { bytes: 1, unpackedBytes: 1, debs: null, prefectVersion: "3.4.25" }, "flow-env": { bytes: 1, unpackedBytes: 1, debs: null, prefectVersion: "3.4.25" } },
  flows: {},
};
const SECRETS = new Map([["TRAIN_TOKEN", new Sensitive("s3cret-token")]]);

const SPEC_TEXT = PREFECT_SPEC_TEXT;
/** The fixture spec with textual replacements (each must match). */
function specWith(...replacements: [string | RegExp, string][]) {
  let text = SPEC_TEXT;
  for (const [from, to] of replacements) {
    if (!(typeof from === "string" ? text.includes(from) : from.test(text))) throw new Error(`cluster.yaml has no ${String(from)}`);
    text = text.replace(from, to);
  }
  return specOf(text);
}
const REAL = (): ApiFacts => parseApiFacts(rawFacts());
const EMPTY = (version = "3.4.25"): ApiFacts => ({ state: "gathered", version, pools: [], queues: [], flows: [], deployments: [] });
const wideOf = (api: ClusterWideInputs["api"], options: { spec?: ReturnType<typeof specOf>; managed?: ClusterWideInputs["managed"]; prune?: boolean; local?: LocalInputs; secrets?: ReadonlyMap<string, Sensitive> } = {}) =>
  planClusterWide(options.spec ?? specOf(), { api, managed: options.managed ?? null }, options.local ?? LOCAL, options.secrets ?? SECRETS, { prune: options.prune ?? false });
const changed = (w: ReturnType<typeof wideOf>) => Object.fromEntries(w.changes.filter((c) => c.action !== "noop").map((c) => [c.address, c.action]));
const stepOf = (w: ReturnType<typeof wideOf>, id: string) => {
  const s = w.steps.find((x) => x.id === id);
  if (s === undefined) throw new Error(`no step ${id}`);
  return s;
};
/** Every recorded address of the fixture's objects, as reconcile would have recorded them. */
const ALL_RECORDED = { objects: Object.fromEntries(["work-pool:etl", "work-pool:ml", "work-queue:etl/high", "work-queue:etl/low", "flow:ingest", "flow:train", "deployment:ingest/hourly", "deployment:ingest/every-15m", "deployment:train/weekly"].map((a) => [a, "x"])) };

describe("a fresh server", () => {
  const w = wideOf(EMPTY());

  it("creates everything, pools → queues → flows → deployments, each waiting for what it names", () => {
    expect(w.status).toBe("planned");
    expect(w.version).toBe("3.4.25");
    expect(w.steps.map((s) => `${s.action} ${s.id} <- ${s.dependsOn.join(",")}`)).toEqual([
      "create work-pool:etl <- ",
      "create work-pool:ml <- ",
      "create work-queue:etl/high <- work-pool:etl",
      "create work-queue:etl/low <- work-pool:etl",
      "create flow:ingest <- ",
      "create flow:train <- ",
      "create deployment:ingest/hourly <- work-pool:etl,work-queue:etl/high,flow:ingest",
      "create deployment:ingest/every-15m <- work-pool:etl,work-queue:etl/low,flow:ingest",
      "create deployment:train/weekly <- work-pool:ml,flow:train",
    ]);
    // The default queues come with their pools.
    expect(w.changes.find((c) => c.address === "work-queue:etl/default")).toMatchObject({ action: "noop", reason: "made by Prefect with its pool" });
  });

  it("a pool without a template gets Prefect's default process template; a declared one is sent as declared", () => {
    expect(stepOf(w, "work-pool:etl").detail).toEqual({
      kind: "work-pool",
      name: "etl",
      create: { name: "etl", type: "process", description: "ETL runs", base_job_template: DEFAULT_PROCESS_TEMPLATE, is_paused: false, concurrency_limit: 10 },
      update: {},
    });
    expect(stepOf(w, "work-queue:etl/low").detail).toMatchObject({ create: { name: "low", description: "", is_paused: true, concurrency_limit: null, priority: 2 } });
  });

  it("a deployment's body: no flow_id (the executor resolves it), the flow's env and code as job variables, secrets as references", () => {
    expect(stepOf(w, "deployment:train/weekly").detail).toEqual({
      kind: "deployment",
      flow: "train",
      name: "weekly",
      id: null,
      update: {},
      create: {
        name: "weekly",
        description: "",
        work_pool_name: "ml",
        work_queue_name: "default",
        schedules: [{ schedule: { rrule: "FREQ=WEEKLY;BYDAY=MO;BYHOUR=7;BYMINUTE=0", timezone: "Europe/Berlin" }, active: true }],
        parameters: {},
        parameter_openapi_schema: { type: "object", properties: {} },
        enforce_parameter_schema: true,
        tags: ["ml"],
        paused: false,
        entrypoint: "train.py:train",
        path: "/opt/prefect/flows/train",
        job_variables: { command: "/opt/prefect/envs/flow-env/bin/python -m prefect.engine", working_dir: "/opt/prefect/flows/train", env: { MODE: "prod", TOKEN: { secret: "TRAIN_TOKEN" } } },
        concurrency_limit: null,
      },
    });
    const every = stepOf(w, "deployment:ingest/every-15m").detail as unknown as { create: { schedules: unknown } };
    expect(every.create.schedules).toEqual([
      { schedule: { interval: 900, anchor_date: "2026-01-01T00:00:00Z", timezone: "UTC" }, active: true },
      { schedule: { cron: "0 0 * * *", timezone: "UTC", day_or: true }, active: false },
    ]);
  });

  it("the plan counts them, orders them in the cluster-wide wave and shows no secret", () => {
    const p = plan(specOf(), {}, LOCAL, SECRETS, { prune: false }, { api: EMPTY(), managed: null });
    expect(p.summary).toEqual({ add: 9, change: 0, destroy: 0, kept: 0 });
    expect(p.order.waves.find((x) => x.name === "cluster-wide")).toEqual({ name: "cluster-wide", addresses: w.steps.map((s) => s.address) });
    expect(JSON.stringify(p)).not.toContain("s3cret-token");
  });
});

describe("a server that does not run yet", () => {
  it("plans every object as a create for the server environment's version", () => {
    const w = wideOf({ state: "unavailable", reason: "connection refused" });
    expect(w.version).toBe("3.4.25");
    expect(new Set(w.changes.filter((c) => c.action !== "noop").map((c) => c.reason))).toEqual(new Set(["the server does not run yet"]));
    expect(w.steps).toHaveLength(9);
    expect(w.changes.some((c) => c.action === "delete")).toBe(false);
  });

  it("an unknown version is written as for 3.x, with a warning", () => {
    const local = { ...LOCAL, artifacts: { ...LOCAL.artifacts, "prefect-env": { ...LOCAL.artifacts["prefect-env"]!, prefectVersion: null } } };
    const w = wideOf({ state: "unavailable", reason: "x" }, { local });
    expect(w.status).toBe("planned");
    expect(w.warnings).toEqual(["the Prefect version of the server is not known: the objects are written as for Prefect 3"]);
    expect((stepOf(w, "deployment:ingest/hourly").detail as { create: Record<string, unknown> }).create.concurrency_limit).toBe(2);
  });
});

describe("converged", () => {
  it("plans nothing against the real server", () => {
    const wide = planClusterWide(specOf(), { api: parseApiFacts(rawFacts()), managed: null }, LOCAL, SECRETS, { prune: false });
    expect(wide.errors).toEqual([]);
    expect(wide.changes.filter((c) => c.action !== "noop")).toEqual([]);
    expect(wide.changes.map((c) => c.address)).toEqual(["work-pool:etl", "work-pool:ml", "work-queue:etl/default", "work-queue:etl/high", "work-queue:etl/low", "work-queue:ml/default", "flow:ingest", "flow:train", "deployment:ingest/hourly", "deployment:ingest/every-15m", "deployment:train/weekly"]);
  });
});

describe("instantMs", () => {
  it.each([
    ["2026-01-01T00:00:00Z", Date.UTC(2026, 0, 1)],
    ["2026-01-01T01:00:00+01:00", Date.UTC(2026, 0, 1)],
    ["2025-12-31T19:00:00.500-05:00", Date.UTC(2026, 0, 1, 0, 0, 0, 500)],
    ["2024-02-29T12:34:56", Date.UTC(2024, 1, 29, 12, 34, 56)],
    ["1969-07-20T20:17:00Z", Date.UTC(1969, 6, 20, 20, 17)],
  ])("%s", (text, ms) => expect(instantMs(text)).toBe(ms));
  it("null for what is not a date-time", () => expect(instantMs("next monday")).toBeNull());
});

describe("one field changed: an update with only that field", () => {
  const HOURLY_ID = "363404eb-dba4-4354-af93-7c412de41e4c";
  const cases: { what: string; edit: [string | RegExp, string][]; address: string; update: Record<string, unknown>; also?: string }[] = [
    { what: "pool description", edit: [["description: ETL runs", "description: ETL"]], address: "work-pool:etl", update: { description: "ETL" } },
    { what: "pool limit removed (explicit null clears it)", edit: [["    concurrencyLimit: 10\n", ""]], address: "work-pool:etl", update: { concurrency_limit: null } },
    { what: "pool unpaused", edit: [["  - name: ml\n    paused: true", "  - name: ml\n    paused: false"]], address: "work-pool:ml", update: { is_paused: false } },
    { what: "declared template", edit: [['"stream_output": "{{ stream_output }}", ', ""]], address: "work-pool:ml", update: { base_job_template: "(compared below)" } },
    { what: "queue priority", edit: [["        priority: 1\n", "        priority: 3\n"]], address: "work-queue:etl/high", update: { priority: 3 } },
    { what: "queue limit", edit: [["concurrencyLimit: 3", "concurrencyLimit: 4"]], address: "work-queue:etl/high", update: { concurrency_limit: 4 } },
    { what: "queue unpaused", edit: [["        priority: 2\n        paused: true", "        priority: 2"]], address: "work-queue:etl/low", update: { is_paused: false } },
    { what: "queue description", edit: [["description: first", "description: urgent"]], address: "work-queue:etl/high", update: { description: "urgent" } },
    { what: "deployment description", edit: [["description: Incremental load", "description: Delta"]], address: "deployment:ingest/hourly", update: { description: "Delta" } },
    { what: "deployment queue", edit: [["        queue: high", "        queue: low"]], address: "deployment:ingest/hourly", update: { work_queue_name: "low" } },
    {
      what: "deployment schedule",
      edit: [['"5 * * * *"', '"6 * * * *"']],
      address: "deployment:ingest/hourly",
      update: { schedules: [{ schedule: { cron: "6 * * * *", timezone: "Europe/Berlin", day_or: true }, active: true }] },
    },
    {
      what: "a schedule made active",
      edit: [["            active: false\n", ""]],
      address: "deployment:ingest/every-15m",
      update: {
        schedules: [
          { schedule: { interval: 900, anchor_date: "2026-01-01T00:00:00Z", timezone: "UTC" }, active: true },
          { schedule: { cron: "0 0 * * *", timezone: "UTC", day_or: true }, active: true },
        ],
      },
    },
    { what: "deployment parameters", edit: [["batch: 500", "batch: 600"]], address: "deployment:ingest/hourly", update: { parameters: { mode: "incremental", batch: 600 } } },
    { what: "deployment tags", edit: [["tags: [hourly, etl]", "tags: [etl]"]], address: "deployment:ingest/hourly", update: { tags: ["etl"] } },
    { what: "deployment paused", edit: [["        paused: true\n        schedules", "        schedules"]], address: "deployment:ingest/every-15m", update: { paused: false } },
    { what: "deployment limit", edit: [["concurrencyLimit: 2", "concurrencyLimit: 5"]], address: "deployment:ingest/hourly", update: { concurrency_limit: 5 } },
    { what: "deployment entrypoint", edit: [["entrypoint: ingest.py:ingest", "entrypoint: ingest.py:main"]], address: "deployment:ingest/hourly", update: { entrypoint: "ingest.py:main" }, also: "deployment:ingest/every-15m" },
    {
      what: "deployment env",
      edit: [["MODE: prod", "MODE: dev"]],
      address: "deployment:train/weekly",
      update: { job_variables: { command: "/opt/prefect/envs/flow-env/bin/python -m prefect.engine", working_dir: "/opt/prefect/flows/train", env: { MODE: "dev", TOKEN: { secret: "TRAIN_TOKEN" } } } },
    },
  ];
  it.each(cases)("$what", ({ what, edit, address, update, also }) => {
    const w = wideOf(REAL(), { spec: specWith(...edit) });
    expect(w.errors).toEqual([]);
    expect(changed(w)).toEqual({ [address]: "update", ...(also === undefined ? {} : { [also]: "update" }) });
    const detail = stepOf(w, address).detail as { update: Record<string, unknown>; id?: string };
    if (what === "declared template") expect(Object.keys(detail.update)).toEqual(["base_job_template"]);
    else expect(detail.update).toEqual(update);
    if (address === "deployment:ingest/hourly") expect(detail.id).toBe(HOURLY_ID);
  });

  it("tags in another order, a schedule list in another order, an anchor left to the server: no change", () => {
    const w = wideOf(REAL(), {
      spec: specWith(
        ["tags: [hourly, etl]", "tags: [etl, hourly]"],
        ['            anchorDate: "2026-01-01T00:00:00Z"\n', ""],
      ),
    });
    expect(changed(w)).toEqual({});
  });

  it("a secret's value changed: an update, the value in neither before nor after", () => {
    const w = wideOf(REAL(), { secrets: new Map([["TRAIN_TOKEN", new Sensitive("n3w-token")]]) });
    expect(changed(w)).toEqual({ "deployment:train/weekly": "update" });
    const c = w.changes.find((x) => x.address === "deployment:train/weekly")!;
    expect(c.reason).toBe("jobVariables differs");
    const text = JSON.stringify(w);
    for (const value of ["s3cret-token", "n3w-token"]) expect(text).not.toContain(value);
    expect((c.before as { jobVariables: { env: unknown } }).jobVariables.env).toEqual({ MODE: "prod", TOKEN: "(sensitive)" });
  });

  it("a secret that is not set is an error naming the deployment", () => {
    const w = wideOf(REAL(), { secrets: new Map() });
    expect(w.status).toBe("errored");
    expect(w.errors).toEqual(["deployment train/weekly: env TOKEN: secret TRAIN_TOKEN is not set"]);
  });
});

describe("versions", () => {
  const noLimit = () => specWith(["        concurrencyLimit: 2\n", ""]);
  const local2 = { ...LOCAL, artifacts: { ...LOCAL.artifacts, "flow-env": { ...LOCAL.artifacts["flow-env"]!, prefectVersion: "2.20.25" } } };

  it("2.x: bodies without concurrency_limit, job variables as job_variables", () => {
    const w = wideOf(EMPTY("2.20.25"), { spec: noLimit(), local: local2 });
    expect(w.status).toBe("planned");
    const create = (stepOf(w, "deployment:ingest/hourly").detail as { create: Record<string, unknown> }).create;
    expect(create).not.toHaveProperty("concurrency_limit");
    expect(create).toHaveProperty("job_variables");
    expect(create).toHaveProperty("schedules");
    for (const c of w.changes.filter((x) => x.kind === "deployment")) expect(c.after).not.toHaveProperty("concurrencyLimit");
  });

  it("2.20: converged against the server's 2.x shapes (infra_overrides, a legacy single schedule)", () => {
    const w = wideOf(parseApiFacts(rawFacts("2.20")), { spec: noLimit(), local: local2 });
    expect(w.errors).toEqual([]);
    expect(changed(w)).toEqual({});
  });

  it("2.x: a deployment concurrencyLimit is an error naming it", () => {
    const w = wideOf(EMPTY("2.20.25"), { local: local2 });
    expect(w.status).toBe("errored");
    expect(w.errors).toEqual(["deployment ingest/hourly: concurrencyLimit needs Prefect 3 (the server runs 2.20.25)"]);
    expect(w.changes).toEqual([]);
  });

  it.each(["2.16.3", "1.4.0", "4.0.0"])("Prefect %s is refused", (version) => {
    const w = wideOf(EMPTY(version), { spec: noLimit(), local: local2 });
    expect(w.status).toBe("errored");
    expect(w.errors).toEqual([`the server runs Prefect ${version}; reconcile writes work pools, queues, flows and deployments for Prefect 3, and 2.17 or later`]);
  });

  it("a flow environment of another major than the server is an error naming both versions", () => {
    const local = { ...LOCAL, artifacts: { ...LOCAL.artifacts, "flow-env": { ...LOCAL.artifacts["flow-env"]!, prefectVersion: "2.20.0" } } };
    const w = wideOf(REAL(), { local });
    expect(w.errors).toEqual([
      "flow ingest: its environment flow-env has Prefect 2.20.0 but the server runs 3.4.25; a flow runs with its server's major version",
      "flow train: its environment flow-env has Prefect 2.20.0 but the server runs 3.4.25; a flow runs with its server's major version",
    ]);
  });

  it("workers of one pool on different roots are an error naming them", () => {
    const spec = specWith(["  - name: worker-1\n    address: 198.51.100.12", "  - name: worker-1\n    address: 198.51.100.12\n    root: /srv/prefect"]);
    const w = wideOf(REAL(), { spec: { ...spec, nodes: [...spec.nodes, { ...spec.nodes[1]!, name: "worker-3", root: "/opt/prefect", workerPools: ["etl"] }] } });
    expect(w.errors[0]).toBe("flow ingest: the workers of pool etl use different roots (worker-1: /srv/prefect, worker-3: /opt/prefect); its deployments have one command and path, so give them one root");
  });
});

describe("deletions", () => {
  // The spec without flow `train`, pool `ml` (and its worker), and queue etl/low.
  const smaller = () =>
    specWith(
      [/  - name: train\n[\s\S]*$/, ""],
      [/  - name: ml\n[\s\S]*?baseJobTemplate: .*\n/, ""],
      ["  - node: worker-2\n    env: prefect-env\n    pools:\n      - pool: ml\n", ""],
      ["      - name: low\n        priority: 2\n        paused: true\n", ""],
      ["        queue: low\n", "        queue: high\n"],
    );

  it("without --prune: deletions of recorded objects, held back (no steps)", () => {
    const w = wideOf(REAL(), { spec: smaller(), managed: ALL_RECORDED });
    expect(changed(w)).toEqual({
      "deployment:ingest/every-15m": "update",
      "deployment:train/weekly": "delete",
      "work-queue:etl/low": "delete",
      "flow:train": "delete",
      "work-pool:ml": "delete",
    });
    expect(w.changes.filter((c) => c.action === "delete").every((c) => c.prune && c.reason === "no longer declared; kept until apply --prune")).toBe(true);
    expect(w.steps.map((s) => s.id)).toEqual(["deployment:ingest/every-15m"]);
    const p = plan(smaller(), {}, LOCAL, SECRETS, { prune: false }, { api: REAL(), managed: ALL_RECORDED });
    expect(p.summary).toEqual({ add: 0, change: 1, destroy: 0, kept: 4 });
  });

  it("with --prune: deployments go first, then the queue, flow and pool they used", () => {
    const w = wideOf(REAL(), { spec: smaller(), managed: ALL_RECORDED, prune: true });
    expect(w.steps.map((s) => `${s.action} ${s.id} <- ${s.dependsOn.join(",")}`)).toEqual([
      "update deployment:ingest/every-15m <- ",
      "delete deployment:train/weekly <- ",
      "delete work-queue:etl/low <- deployment:ingest/every-15m,deployment:train/weekly",
      "delete flow:train <- deployment:train/weekly",
      "delete work-pool:ml <- deployment:ingest/every-15m,deployment:train/weekly",
    ]);
    expect(stepOf(w, "deployment:train/weekly").detail).toEqual({ kind: "deployment", flow: "train", name: "weekly", id: "3f550022-1875-4bb1-b7d0-6c399ec2cd60" });
    expect(stepOf(w, "flow:train").detail).toMatchObject({ kind: "flow", name: "train", id: expect.any(String) });
  });

  it("objects reconcile did not create are left alone, and a default queue is never deleted", () => {
    const managed = { objects: { ...ALL_RECORDED.objects, "work-queue:adhoc/default": "x" } };
    const w = wideOf(REAL(), { managed, prune: true });
    expect(changed(w)).toEqual({});
    expect(w.changes.map((c) => c.address).filter((a) => a.includes("adhoc") || a.includes("manual"))).toEqual([]);
  });

  it("a recorded object the server no longer has: nothing to delete", () => {
    const w = wideOf(REAL(), { managed: { objects: { ...ALL_RECORDED.objects, "flow:gone": "id-1" } }, prune: true });
    expect(changed(w)).toEqual({});
  });

  it("a spec with no pools and no flows does not delete everything recorded", () => {
    const text = SPEC_TEXT.replace(/workPools:[\s\S]*$/, "");
    const w = wideOf(REAL(), { spec: specOf(text), managed: ALL_RECORDED, prune: true });
    expect(w.status).toBe("errored");
    expect(w.errors).toEqual([
      "the spec declares no work pools and no flows, so reconcile will not delete all 9 Prefect objects it recorded; declare them again, or remove `prefect-objects.json` on server to forget them",
    ]);
    expect(w.steps).toEqual([]);
  });
});

describe("inputs", () => {
  it("not gathered: nothing cluster-wide", () => {
    expect(wideOf({ state: "not-gathered" })).toEqual({ status: "not-gathered", server: "server", version: null, errors: [], warnings: [], changes: [], steps: [] });
  });

  it("an API error: errored, and the plan is not applyable, naming the server node", () => {
    const p = plan(specOf(), {}, LOCAL, SECRETS, { prune: false }, { api: { state: "error", error: "GET /api/admin/version: 401 Unauthorized" }, managed: null });
    expect(p.clusterWide.status).toBe("errored");
    expect(p.errored).toBe(true);
    expect(p.applyable).toBe(false);
    expect(p.blockers).toContainEqual({ node: "server", step: null, reason: "cluster-wide: the Prefect API on server: GET /api/admin/version: 401 Unauthorized" });
  });

  it("a record that is not one is an error naming the file", () => {
    const w = wideOf(REAL(), { managed: { error: "/var/lib/reconcile/prefect-objects.json: not JSON" } });
    expect(w.errors).toEqual(["node server: /var/lib/reconcile/prefect-objects.json: not JSON"]);
  });
});

describe("the record of created objects is gathered", () => {
  it("from the server node only, with its content", () => {
    const spec = specOf();
    const server = factsRequestFor(spec, spec.nodes.find((n) => n.server)!, LOCAL);
    expect(server.files).toContainEqual({ path: MANAGED_OBJECTS_FILE, content: true });
    const worker = factsRequestFor(spec, spec.nodes.find((n) => !n.server)!, LOCAL);
    expect(worker.files.map((f) => f.path)).not.toContain(MANAGED_OBJECTS_FILE);
  });
});

describe("saved plans with cluster-wide steps", () => {
  const saved = (): SavedPlan => JSON.parse(JSON.stringify({ format: "reconcile-plan", createdAt: "2026-12-06T00:00:00Z", reconcileVersion: "0.1.0", ...plan(specOf(), {}, LOCAL, SECRETS, { prune: false }, { api: EMPTY(), managed: null }) })) as SavedPlan;

  it("accepts the planner's own", () => {
    expect(saved().clusterWide.steps).toHaveLength(9);
    expect(savedPlanProblem(saved())).toBeNull();
  });

  const broken: [string, (p: SavedPlan) => void, string][] = [
    ["a step at a node's address", (p) => ((p.clusterWide.steps[0] as { id: string }).id = "file:/etc/x"), "the plan's cluster-wide step file:/etc/x is not at the address of a work pool, queue, flow or deployment"],
    ["an unknown action", (p) => ((p.clusterWide.steps[0] as { action: string }).action = "replace"), "the plan's cluster-wide step work-pool:etl has action replace, not create, update or delete"],
    ["a detail of another kind", (p) => ((p.clusterWide.steps[0]!.detail as { kind: string }).kind = "flow"), "the plan's cluster-wide step work-pool:etl has no work-pool detail"],
    ["a create without its body", (p) => delete (p.clusterWide.steps[0]!.detail as { create?: unknown }).create, "the plan's cluster-wide step work-pool:etl has no create in its detail"],
    ["a delete without an id", (p) => (p.clusterWide.steps[5] = { id: "flow:x", address: "flow:x", dependsOn: [], action: "delete", detail: { kind: "flow", name: "x" } } as never), "the plan's cluster-wide step flow:x has no id in its detail"],
    ["a dependency listed after it", (p) => p.clusterWide.steps.reverse(), "the plan's cluster-wide step deployment:train/weekly depends on a step that is not listed before it"],
    ["a wave that does not list the steps", (p) => p.order.waves.forEach((w) => w.name === "cluster-wide" && w.addresses.pop()), "the plan's cluster-wide wave does not list the cluster-wide steps"],
    ["no status", (p) => delete (p.clusterWide as { status?: unknown }).status, "the plan's cluster-wide section is incomplete (no status, server, errors or warnings): make a new plan"],
  ];
  it.each(broken)("refuses %s", (_what, breakIt, message) => {
    const p = saved();
    breakIt(p);
    expect(savedPlanProblem(p)).toBe(message);
  });
});
