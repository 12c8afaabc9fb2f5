/** The resolver: defaults, SSH precedence, absolute paths, implicit queues, secret names. */
import { describe, expect, it } from "vitest";
import { durationMs } from "../../src/spec/normalize.js";
import type { ResolvedCluster } from "../../src/spec/resolved.js";
import { check, fixture } from "../helpers/spec.js";

function resolved(text: string): ResolvedCluster {
  const result = check(text);
  if (result.cluster === undefined) throw new Error(result.diagnostics.map((d) => d.message).join("\n"));
  return result.cluster;
}

describe("normalize", () => {
  it("applies every default to the minimal spec", () => {
    const c = resolved(fixture("valid/minimal.yaml"));
    expect(c.nodes).toEqual([
      {
        name: "node-1",
        address: "198.51.100.11",
        root: "/opt/prefect",
        server: true,
        workerPools: [],
        ssh: {
          user: "root",
          port: 22,
          identityFile: null,
          knownHostsFile: "/work/known_hosts",
          connectTimeoutMs: 10_000,
          commandTimeoutMs: 600_000,
          keepaliveIntervalMs: 15_000,
          progressTimeoutMs: 60_000,
          become: "none",
        },
      },
    ]);
    expect(c.server).toEqual({
      node: "node-1",
      prefect: { env: "prefect-env", port: 4200, settings: {}, authString: null },
      database: { type: "sqlite", path: "/var/lib/prefect/prefect.db", backups: { keep: 5 } },
      proxy: null,
    });
    expect(c.artifacts["prefect-env"]).toEqual({
      name: "prefect-env",
      kind: "tar",
      source: { type: "path", path: "/work/artifacts/prefect.tar" },
      sha256: "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
      path: null,
      packages: [],
    });
    expect(c.workPools).toEqual([]);
    expect(c.secretsFile).toBeNull();
    expect(c.secretNames).toEqual([]);
    expect(c.specDigest).toMatch(/^[a-f0-9]{64}$/);
  });

  it("merges SSH settings cluster → node, key by key", () => {
    const c = resolved(fixture("valid/full.yaml"));
    const [server, worker1, worker2] = c.nodes;
    expect(server?.ssh).toMatchObject({ user: "deploy", port: 22, become: "sudo", identityFile: "/work/keys/id_ed25519", knownHostsFile: "/work/keys/known_hosts", connectTimeoutMs: 5000, commandTimeoutMs: 1_800_000, keepaliveIntervalMs: 20_000 });
    expect(worker1?.ssh).toMatchObject({ user: "ops", port: 2222, become: "none", identityFile: "/work/keys/id_ed25519" });
    expect(worker1?.root).toBe("/data/prefect");
    expect(worker2?.root).toBe("/srv/prefect");
    expect(worker1?.workerPools).toEqual(["production", "staging"]);
  });

  it("resolves paths: relative to cluster.yaml, absolute kept, ~ to home, URLs untouched", () => {
    const c = resolved(fixture("valid/full.yaml"));
    expect(c.artifacts["prefect-env"]?.source).toEqual({ type: "path", path: "/work/artifacts/prefect.tar" });
    expect(c.artifacts["plain-env"]?.source).toEqual({ type: "path", path: "/var/cache/envs/plain.tar" });
    expect(c.artifacts["flow-env"]?.source).toEqual({ type: "url", url: "https://mirror.internal/envs/flow-env.tar.gz" });
    expect(c.flows.map((f) => f.source)).toEqual(["/work/flows/etl", "/opt/flows/smoke"]);
    expect(c.secretsFile).toBe("/work/secrets.env");
    const home = resolved(fixture("valid/minimal.yaml").replace("nodes:", "ssh:\n  identityFile: ~/.ssh/id_ed25519\nnodes:"));
    expect(home.nodes[0]?.ssh.identityFile).toBe("/home/ops/.ssh/id_ed25519");
  });

  it("keeps the declared number of database backups, 5 when unset", () => {
    expect(resolved(fixture("valid/full.yaml")).server.database.backups).toEqual({ keep: 3 });
    expect(resolved(fixture("base.yaml")).server.database.backups).toEqual({ keep: 5 });
  });

  it("adds Prefect's default queue unless declared, keeping declared order", () => {
    const base = resolved(fixture("base.yaml"));
    expect(base.workPools[0]?.queues.map((q) => [q.name, q.priority])).toEqual([
      ["default", null],
      ["prod-main", 1],
      ["prod-secondary", 2],
    ]);
    const full = resolved(fixture("valid/full.yaml"));
    expect(full.workPools[0]?.queues.map((q) => q.name)).toEqual(["default", "prod-main", "prod-secondary"]);
    expect(full.workPools[0]?.queues[0]?.priority).toBe(3);
    expect(full.workPools[1]).toEqual({ name: "staging", type: "process", description: "", concurrencyLimit: null, paused: false, baseJobTemplate: null, queues: [{ name: "default", description: "", priority: null, concurrencyLimit: null, paused: false }] });
  });

  it("resolves workers, deployments and every kind of schedule", () => {
    const c = resolved(fixture("valid/full.yaml"));
    expect(c.workers[0]).toMatchObject({ node: "worker-1", processes: 2, limit: 8, pools: [{ pool: "production", queues: ["prod-main", "default"] }, { pool: "staging", queues: "all" }] });
    expect(c.workers[1]).toMatchObject({ processes: 1, limit: null, settings: {} });
    const [hourly, adHoc] = c.flows[0]?.deployments ?? [];
    expect(hourly?.schedules).toEqual([
      { type: "cron", cron: "5 * * * *", timezone: "Europe/Berlin", dayOr: false, active: true },
      { type: "interval", seconds: 900, anchorDate: "2026-01-01T00:00:00Z", timezone: "UTC", active: true },
      { type: "interval", seconds: 7200, anchorDate: null, timezone: "America/New_York", active: true },
      { type: "rrule", rrule: "FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=7", timezone: "Asia/Kolkata", active: false },
    ]);
    expect(adHoc).toEqual({ name: "ad-hoc", description: "", queue: "default", schedules: [], parameters: {}, tags: [], paused: false, concurrencyLimit: null, env: {} });
  });

  it("collects every secret name once, sorted", () => {
    expect(resolved(fixture("valid/full.yaml")).secretNames).toEqual(["ETL_DB_PASSWORD", "PG_PASSWORD", "PREFECT_AUTH_STRING"]);
  });

  it("is JSON-serializable and deterministic", () => {
    const a = resolved(fixture("valid/full.yaml"));
    const b = resolved(fixture("valid/full.yaml"));
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it.each([
    ["500ms", 500],
    ["30s", 30_000],
    ["5m", 300_000],
    ["2h", 7_200_000],
  ])("duration %s is %i ms", (text, ms) => {
    expect(durationMs(text)).toBe(ms);
  });
});
