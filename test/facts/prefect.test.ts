/** parseApiFacts over real 3.4.25 answers and 2.20-shaped ones (test/fixtures/prefect), and what it refuses; managedRecordOf. */
import { describe, expect, it } from "vitest";
import { apiFactsOf, managedRecordOf, parseApiFacts } from "../../src/facts/prefect.js";
import { MANAGED_OBJECTS_FILE } from "../../src/facts/layout.js";
import type { NodeFactsResult } from "../../src/facts/types.js";
import { rawFacts } from "../helpers/prefect.js";

describe("parseApiFacts: 3.4.25", () => {
  const f = parseApiFacts(rawFacts());

  it("reads pools, queues and flows", () => {
    expect(f.version).toBe("3.4.25");
    expect(f.pools.map((p) => [p.name, p.type, p.description, p.concurrencyLimit, p.paused])).toEqual([
      ["adhoc", "process", "", null, false],
      ["etl", "process", "ETL runs", 10, false],
      ["ml", "process", "", null, true],
    ]);
    expect(f.queues.find((q) => q.pool === "etl" && q.name === "default")).toMatchObject({ description: "The work pool's default queue.", priority: 3, concurrencyLimit: null, paused: false });
    expect(f.flows.map((x) => x.name).sort()).toEqual(["ingest", "manual", "train"]);
  });

  it("joins a deployment's flow by id, reads 3.4's limit from its global concurrency limit, normalizes schedules", () => {
    const hourly = f.deployments.find((d) => d.name === "hourly")!;
    expect(hourly).toMatchObject({ flow: "ingest", pool: "etl", queue: "high", concurrencyLimit: 2, tags: ["etl", "hourly"], enforceParameterSchema: true, path: "/opt/prefect/flows/ingest" });
    expect(hourly.schedules).toEqual([{ cron: "5 * * * *", timezone: "Europe/Berlin", dayOr: true, active: true }]);
    const every = f.deployments.find((d) => d.name === "every-15m")!;
    expect(every.schedules).toContainEqual({ interval: 900, anchorDate: "2026-01-01T00:00:00Z", timezone: "UTC", active: true });
    expect(every.schedules).toContainEqual({ cron: "0 0 * * *", timezone: "UTC", dayOr: true, active: false });
    expect(f.deployments.find((d) => d.name === "weekly")!.jobVariables).toMatchObject({ env: { MODE: "prod", TOKEN: "s3cret-token" } });
  });
});

describe("parseApiFacts: 2.20 shapes (built from the reference)", () => {
  const f = parseApiFacts(rawFacts("2.20"));
  it("job variables from infra_overrides, a legacy single schedule with is_schedule_active", () => {
    const weekly = f.deployments.find((d) => d.name === "weekly")!;
    expect(weekly.jobVariables).toMatchObject({ command: "/opt/prefect/envs/flow-env/bin/python -m prefect.engine" });
    expect(weekly.schedules).toEqual([{ rrule: "FREQ=WEEKLY;BYDAY=MO;BYHOUR=7;BYMINUTE=0", timezone: "Europe/Berlin", active: true }]);
    expect(f.deployments.find((d) => d.name === "hourly")!.concurrencyLimit).toBeNull();
  });
});

describe("parseApiFacts: malformed answers name the object", () => {
  const raw = rawFacts();
  const cases: [string, () => typeof raw, string][] = [
    ["a pool without a name", () => ({ ...raw, pools: [{ id: "1", type: "process" }] }), 'work pool[0]: name is not a string'],
    ["a queue of an unknown pool", () => ({ ...raw, queues: [{ id: "q", name: "x", priority: 1, work_pool_id: "nope" }] }), 'work queue "x": no work_pool_name, and its work_pool_id is not a listed pool'],
    ["a deployment of an unlisted flow", () => ({ ...raw, flows: [] }), 'deployment "every-15m": its flow_id 0aa6b05b-93b0-46bb-a53b-20c2ef2a2a95 is not a listed flow'],
    [
      "a schedule of no known shape",
      () => ({ ...raw, deployments: [{ ...(raw.deployments[0] as object), schedules: [{ schedule: { every: "day" }, active: true }] }] }),
      'deployment "every-15m" schedules[0].schedule: is not a cron, interval (seconds) or rrule schedule',
    ],
    ["tags that are not strings", () => ({ ...raw, deployments: [{ ...(raw.deployments[0] as object), tags: [1] }] }), 'deployment "every-15m": tags is not a list of strings'],
    ["no version", () => ({ ...raw, version: "" }), "version: not a version string"],
  ];
  it.each(cases)("%s", (_what, make, message) => {
    expect(() => parseApiFacts(make())).toThrow(message);
    expect(apiFactsOf(make())).toEqual({ state: "error", error: `the Prefect API's answer: ${message}` });
  });
});

describe("managedRecordOf", () => {
  const withFile = (content: string | null): NodeFactsResult =>
    ({ reachable: true, facts: { files: { ok: true, value: { [MANAGED_OBJECTS_FILE]: content === null ? { state: "absent" } : { state: "file", mode: "0600", owner: "root", group: "root", bytes: content.length, sha256: "0".repeat(64), content } } } } }) as unknown as NodeFactsResult;
  it.each([
    ["absent", withFile(null), null],
    ["a record", withFile('{"version":1,"objects":{"work-pool:etl":"etl","flow:x":"id-1"}}'), { objects: { "work-pool:etl": "etl", "flow:x": "id-1" } }],
    ["not JSON", withFile("{"), { error: `${MANAGED_OBJECTS_FILE}: not JSON` }],
    ["another version", withFile('{"version":2,"objects":{}}'), { error: `${MANAGED_OBJECTS_FILE}: not {"version": 1, "objects": {...}}` }],
    ["an id that is not a string", withFile('{"version":1,"objects":{"flow:x":1}}'), { error: `${MANAGED_OBJECTS_FILE}: an object's id is not a string` }],
    ["an unreachable node", { reachable: false, error: { category: "x", message: "x", hint: null } } as NodeFactsResult, null],
  ])("%s", (_what, result, expected) => expect(managedRecordOf(result)).toEqual(expected));
});
