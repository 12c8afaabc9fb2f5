/**
 * The API reads of `reconcile status` against a fake PrefectApi: every request goes out at once,
 * the bodies are the reference's filters, and a failed read is data (the others still answer).
 */
import { describe, expect, it } from "vitest";
import { API_PAGE_LIMIT, PrefectApiError, type ApiResponse, type HttpMethod, type PrefectApi } from "../../src/executors/prefect-api.js";
import { API_STATUS_PATHS, failedApiStatus, gatherApiStatus, lateRunsFilter } from "../../src/executors/prefect-status.js";

interface Call {
  kind: "request" | "list";
  method: HttpMethod;
  path: string;
  body: unknown;
}

/** Answers by `METHOD path` (a value, or an error to throw); answers are released only once `hold` calls have arrived. */
class FakeApi implements PrefectApi {
  readonly calls: Call[] = [];
  private readonly waiting: (() => void)[] = [];
  constructor(
    private readonly answers: Record<string, unknown>,
    private readonly hold = 0,
  ) {}
  version(): Promise<string> {
    return Promise.resolve("3.4.25");
  }
  private answer(call: Call): Promise<unknown> {
    this.calls.push(call);
    const release = new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.waiting.length >= this.hold) this.waiting.splice(0).forEach((r) => r());
    return release.then(() => {
      const a = this.answers[`${call.method} ${call.path}`];
      if (a === undefined) throw new PrefectApiError(call.method, call.path, 404, "Not Found");
      if (a instanceof Error) throw a;
      return a;
    });
  }
  async request(method: HttpMethod, path: string, body?: unknown): Promise<ApiResponse> {
    return { status: 200, body: await this.answer({ kind: "request", method, path, body }) };
  }
  async list(path: string, body: Record<string, unknown> = {}): Promise<unknown[]> {
    return (await this.answer({ kind: "list", method: "POST", path, body })) as unknown[];
  }
  async close(): Promise<void> {}
}

const worker = { name: "w1-etl", status: "ONLINE", last_heartbeat_time: "2026-12-06T09:00:00Z" };

describe("gatherApiStatus", () => {
  it("asks health, and per pool its workers and its late runs, all at once", async () => {
    // 1 + 2 per pool: answered only once every request has arrived, so reads one after another would hang.
    const api = new FakeApi(
      {
        "GET /health": true,
        "POST /work_pools/etl/workers/filter": [worker],
        "POST /work_pools/ml/workers/filter": [],
        "POST /flow_runs/filter": [{ id: "r1" }, { id: "r2" }],
      },
      5,
    );
    const status = await gatherApiStatus(api, ["etl", "ml"]);
    expect(status).toEqual({
      health: { ok: true, value: true },
      pools: {
        etl: { workers: { ok: true, value: [worker] }, lateRuns: { ok: true, value: { count: 2, more: false } } },
        ml: { workers: { ok: true, value: [] }, lateRuns: { ok: true, value: { count: 2, more: false } } },
      },
    });
    expect(api.calls.filter((c) => c.path === API_STATUS_PATHS.flowRuns).map((c) => c.body)).toEqual([lateRunsFilter("etl"), lateRunsFilter("ml")]);
    expect(lateRunsFilter("etl")).toEqual({ flow_runs: { state: { name: { any_: ["Late"] } } }, work_pools: { name: { any_: ["etl"] } }, limit: API_PAGE_LIMIT, offset: 0 });
    // Workers are listed page by page by the client (list), health is a plain GET.
    expect(api.calls.map((c) => `${c.kind} ${c.method} ${c.path}`).sort()).toEqual([
      "list POST /work_pools/etl/workers/filter",
      "list POST /work_pools/ml/workers/filter",
      "request GET /health",
      "request POST /flow_runs/filter",
      "request POST /flow_runs/filter",
    ]);
  });

  it("a full page of late runs says there may be more", async () => {
    const api = new FakeApi({ "GET /health": true, "POST /work_pools/etl/workers/filter": [], "POST /flow_runs/filter": Array.from({ length: API_PAGE_LIMIT }, (_, i) => ({ id: `r${i}` })) });
    expect((await gatherApiStatus(api, ["etl"])).pools.etl?.lateRuns).toEqual({ ok: true, value: { count: API_PAGE_LIMIT, more: true } });
  });

  it("a failed read is data in the server's words; the other reads still answer", async () => {
    const api = new FakeApi({
      "GET /health": new PrefectApiError("GET", "/health", null, "no answer within 30000 ms (after 4 attempts)"),
      "POST /work_pools/etl/workers/filter": [worker],
      "POST /flow_runs/filter": { detail: "not a list" },
    });
    const status = await gatherApiStatus(api, ["etl", "gone"]);
    expect(status.health).toEqual({ ok: false, error: "GET /health: no answer within 30000 ms (after 4 attempts)" });
    expect(status.pools.etl).toEqual({ workers: { ok: true, value: [worker] }, lateRuns: { ok: false, error: "POST /flow_runs/filter: expected a list, got object" } });
    expect(status.pools.gone?.workers).toEqual({ ok: false, error: "POST /work_pools/gone/workers/filter: 404 Not Found" });
  });

  it("pool names are path-encoded", () => {
    expect(API_STATUS_PATHS.workers("a b/c")).toBe("/work_pools/a%20b%2Fc/workers/filter");
  });

  it("failedApiStatus: every read fails for the one reason the client could not open", () => {
    expect(failedApiStatus(["etl"], "the connection to server dropped")).toEqual({
      health: { ok: false, error: "the connection to server dropped" },
      pools: { etl: { workers: { ok: false, error: "the connection to server dropped" }, lateRuns: { ok: false, error: "the connection to server dropped" } } },
    });
  });
});
