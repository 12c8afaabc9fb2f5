/**
 * The verify step's probes: the Python program run against a local HTTP server standing in for
 * the Prefect API (health, version, auth), and the loopback check over /proc/net rows.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scriptInput } from "../../src/executors/remote-script.js";
import { loopbackAwk, probesScript } from "../../src/executors/steps/probes.js";
import type { Probe, VerifyChecks } from "../../src/planner/types.js";
import { Sensitive } from "../../src/spec/secrets.js";
import { tempDir } from "../helpers/cli.js";

const AUTH = "admin:s3cret";
let server: Server;
let base = "";
/** What /api/admin/version answers; a test may change it. */
let version = "9.9.9";
let healthy = true;
/** The workers each pool lists (the real 3.4.25 answer's shape, test/fixtures/prefect/3.4.25/workers-filter-online.json); a test may change them. */
const realWorker = (JSON.parse(readFileSync(new URL("../fixtures/prefect/3.4.25/workers-filter-online.json", import.meta.url), "utf8")) as Record<string, unknown>[])[0]!;
let workers: Record<string, Record<string, unknown>[]> = {};
/** The server's clock, as its Date header says. */
let serverNow = new Date("2026-12-06T15:53:00Z");
const filterBodies: unknown[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const authorized = req.headers.authorization === `Basic ${Buffer.from(AUTH).toString("base64")}`;
    if (req.url === "/api/health") return void res.writeHead(healthy ? 200 : 503).end(healthy ? "true" : "starting");
    if (!authorized) return void res.writeHead(401).end('{"exception_message":"Unauthorized"}');
    if (req.url === "/api/admin/version") return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(version));
    const pool = /^\/api\/work_pools\/([^/]+)\/workers\/filter$/.exec(req.url ?? "")?.[1];
    if (pool !== undefined && req.method === "POST") {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        const { limit, offset } = JSON.parse(body) as { limit: number; offset: number };
        filterBodies.push(JSON.parse(body));
        const listed = workers[decodeURIComponent(pool)];
        if (listed === undefined) return void res.writeHead(404, { "content-type": "application/json" }).end(`{"detail":"Work pool \\"${pool}\\" not found."}`);
        res.writeHead(200, { "content-type": "application/json", date: serverNow.toUTCString() }).end(JSON.stringify(listed.slice(offset, offset + limit)));
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A stand-in environment: python3 with a `prefect` distribution of version 9.9.9 on its path. */
function fakeEnv(): string {
  const dir = tempDir("probes-");
  const site = join(dir, "site");
  mkdirSync(join(site, "prefect-9.9.9.dist-info"), { recursive: true });
  writeFileSync(join(site, "prefect-9.9.9.dist-info", "METADATA"), "Metadata-Version: 2.1\nName: prefect\nVersion: 9.9.9\n");
  mkdirSync(join(dir, "bin"));
  writeFileSync(join(dir, "bin", "python"), `#!/bin/sh\nPYTHONPATH=${site} exec python3 "$@"\n`, { mode: 0o755 });
  return join(dir, "bin", "python");
}

const probe = (expect: Probe["expect"], path: string, auth: boolean): Probe => ({ what: "the API", url: `${base}${path}`, caFile: null, auth: auth ? { secret: "AUTH" } : null, expect });

/** Runs the probes' script without blocking the event loop that serves the stand-in API. */
function run(checks: VerifyChecks, timeout = 2, auth = AUTH): Promise<{ status: number | null; stderr: string }> {
  const s = probesScript(checks, timeout, new Map([["AUTH", new Sensitive(auth)]]));
  if (s === null) throw new Error("no script");
  return new Promise((resolve) => {
    const child = spawn("sh", ["-s"], { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => resolve({ status, stderr }));
    child.stdin.end(scriptInput(s.script, "stdin" in s ? s.stdin : undefined));
  });
}

describe("the verify probes", () => {
  it("pass when the API is healthy, reports the environment's own Prefect version with the credentials, and refuses without them", async () => {
    const r = await run({ python: fakeEnv(), loopbackOnly: [], probes: [probe("health", "/health", false), probe("version", "/admin/version", true), probe("ok", "/admin/version", true), probe("unauthorized", "/admin/version", false)] });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("fail naming what answered wrong: an older version still running, a missing 401, a wrong password", async () => {
    version = "3.4.10";
    try {
      const r = await run({ python: fakeEnv(), loopbackOnly: [], probes: [probe("version", "/admin/version", true), probe("unauthorized", "/health", false)] }, 1);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`the API (${base}/admin/version): reports Prefect 3.4.10, the environment holds 9.9.9 (an old server still running?) after`);
      expect(r.stderr).toContain(`the API (${base}/health): HTTP 200 without credentials (401 expected) after`);
    } finally {
      version = "9.9.9";
    }
    const r = await run({ python: fakeEnv(), loopbackOnly: [], probes: [probe("ok", "/admin/version", true)] }, 1, "admin:wrong");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('HTTP 401: {"exception_message":"Unauthorized"}');
    expect(r.stderr).not.toContain("wrong");
  });

  it("keep polling a server that is still starting, within the bound", async () => {
    healthy = false;
    const started = Date.now();
    setTimeout(() => (healthy = true), 1500).unref();
    const r = await run({ python: fakeEnv(), loopbackOnly: [], probes: [probe("health", "/health", false)] }, 10);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
  });

  it("stop waiting for a probe that keeps getting 404 (not Prefect's API) after 10 s, well before the bound", async () => {
    const started = Date.now();
    const r = await run({ python: fakeEnv(), loopbackOnly: [], probes: [probe("health", "/nothing-here", true), probe("health", "/health", false)] }, 60);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^the API \(http:\/\/127\.0\.0\.1:\d+\/api\/nothing-here\): HTTP 404: not Prefect's API \(another program on that port, or a wrong path\?\) after 1\d s$/m);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 30_000);

  it("say the connection error when nothing answers", async () => {
    const r = await run({ python: fakeEnv(), loopbackOnly: [], probes: [{ what: "the API through the proxy", url: "http://127.0.0.1:9/api/health", caFile: null, auth: null, expect: "health" }] }, 1);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^the API through the proxy \(http:\/\/127\.0\.0\.1:9\/api\/health\): .*refused.* after \d+ s$/m);
  });

  it("keep the credentials out of the script: they travel on its stdin", () => {
    const s = probesScript({ python: "/e/bin/python", loopbackOnly: [], probes: [probe("ok", "/admin/version", true)] }, 5, new Map([["AUTH", new Sensitive(AUTH)]]))!;
    expect(s.script).not.toContain("s3cret");
    expect("stdin" in s && s.stdin).toContain("s3cret");
  });
});

describe("the worker ONLINE probe", () => {
  const online = (pool: string, name: string): Probe => ({ what: `worker ${name}`, url: `${base}/work_pools/${pool}/workers/filter`, caFile: null, auth: { secret: "AUTH" }, expect: "worker-online", worker: { pool, name } });
  const checks = (...probes: Probe[]): VerifyChecks => ({ python: fakeEnv(), loopbackOnly: [], probes });
  const at = (name: string, extra: Record<string, unknown> = {}) => ({ ...realWorker, name, ...extra });

  it("passes when the pool lists the worker ONLINE with a recent heartbeat, found past the first page (no filter by name in 3.4)", async () => {
    workers = { production: [...Array.from({ length: 250 }, (_, i) => at(`other-${i}`)), at("n2-production")] };
    filterBodies.length = 0;
    const r = await run(checks(online("production", "n2-production")));
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(filterBodies).toEqual([
      { limit: 200, offset: 0 },
      { limit: 200, offset: 200 },
    ]);
  });

  it.each([
    ["OFFLINE", { production: [at("n2-production", { status: "OFFLINE" })] }, "production", "worker n2-production is OFFLINE in pool production (last heartbeat 2026-12-06T15:52:44.901347Z) after"],
    ["never registered", { production: [at("n3-production")] }, "production", "worker n2-production never registered in pool production after"],
    ["the pool missing", {}, "production", "worker n2-production: pool production not found on the server (HTTP 404) after"],
    [
      "silent for longer than two heartbeats while the server still says ONLINE",
      { production: [at("n2-production", { last_heartbeat_time: "2026-12-06T15:50:00.000000Z" })] },
      "production",
      "worker n2-production in pool production sent no heartbeat for 180 s (last 2026-12-06T15:50:00.000000Z; the server still says ONLINE) after",
    ],
  ])("fails naming the worker, its pool and its last state: %s", async (_name, listed, pool, message) => {
    workers = listed;
    const r = await run(checks(online(pool, "n2-production")), 1);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain(`(${base}/work_pools/${pool}/workers/filter)`);
  });

  it("keeps polling until the worker registers, within the bound", async () => {
    workers = { production: [] };
    setTimeout(() => (workers = { production: [at("n2-production")] }), 1500).unref();
    const r = await run(checks(online("production", "n2-production")), 10);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("sends the credentials (a wrong password is Prefect's 401, named with the worker)", async () => {
    workers = { production: [at("n2-production")] };
    const r = await run(checks(online("production", "n2-production")), 1, "admin:wrong");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('worker n2-production in pool production: HTTP 401: {"exception_message":"Unauthorized"}');
  });
});

describe("loopbackAwk", () => {
  const header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
  const row = (local: string, state = "0A") => `   0: ${local} 00000000:0000 ${state} 00000000:00000000 00:00000000 00000000   104        0 1 1 0 100 0 0 10 0\n`;
  const cases: [string, string, number, string][] = [
    ["127.0.0.1 and ::1 only", header + row("0100007F:1538") + row("00000000000000000000000001000000:1538"), 0, ""],
    ["0.0.0.0", header + row("0100007F:1538") + row("00000000:1538"), 1, "listens beyond loopback (00000000)"],
    ["a node address", header + row("0200A8C0:1538"), 1, "listens beyond loopback (0200A8C0)"],
    ["::", header + row("00000000000000000000000000000000:1538"), 1, "listens beyond loopback (00000000000000000000000000000000)"],
    ["IPv4-mapped loopback", header + row("0000000000000000FFFF00000100007F:1538"), 0, ""],
    ["nothing on the port (another port open to all, a connection on ours)", header + row("00000000:0016") + row("0100007F:1538", "01"), 1, "nothing listens"],
  ];
  it.each(cases)("%s", (_name, table, status, out) => {
    const r = spawnSync("awk", [loopbackAwk(5432)], { input: table, encoding: "utf8" });
    expect(r.status).toBe(status);
    expect(r.stdout.trim()).toBe(out);
  });
});
