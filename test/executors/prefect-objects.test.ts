import { describe, expect, it } from "vitest";
import { PrefectApiError, type ApiResponse, type HttpMethod, type PrefectApi } from "../../src/executors/prefect-api.js";
import { applyApiStep, recordAfter, revealSecrets } from "../../src/executors/prefect-objects.js";
import type { ApiStep } from "../../src/planner/types.js";
import { Sensitive } from "../../src/spec/secrets.js";

/** A PrefectApi that answers from a table (`METHOD path` → status and body) and records every call. */
class FakeApi implements PrefectApi {
  readonly calls: { method: HttpMethod; path: string; body: unknown }[] = [];
  constructor(private readonly answers: Record<string, ApiResponse | ((body: unknown) => ApiResponse)>) {}
  version(): Promise<string> {
    return Promise.resolve("3.4.25");
  }
  request(method: HttpMethod, path: string, body?: unknown, options: { expect?: readonly number[] } = {}): Promise<ApiResponse> {
    this.calls.push({ method, path, body });
    const answer = this.answers[`${method} ${path}`];
    const r = typeof answer === "function" ? answer(body) : (answer ?? { status: method === "POST" ? 201 : 204, body: null });
    const ok = options.expect ?? [200, 201, 202, 204];
    if (!ok.includes(r.status)) return Promise.reject(new PrefectApiError(method, path, r.status, JSON.stringify(r.body)));
    return Promise.resolve(r);
  }
  list(): Promise<unknown[]> {
    return Promise.resolve([]);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const step = (s: Partial<ApiStep> & Pick<ApiStep, "address" | "action" | "detail">): ApiStep => ({ id: s.address, dependsOn: [], ...s }) as ApiStep;
const secrets = new Map([["API_TOKEN", new Sensitive("s3cret")]]);

describe("applyApiStep", () => {
  it("creates a pool, and a pool that is there already (409) gets every declared field by PATCH", async () => {
    const created = new FakeApi({});
    const pool = step({ address: "work-pool:production", action: "create", detail: { kind: "work-pool", name: "production", create: { name: "production", type: "process", is_paused: false }, update: {} } });
    expect(await applyApiStep(created, pool, secrets, new Map())).toEqual({ address: "work-pool:production", action: "create", id: "production" });
    expect(created.calls).toEqual([{ method: "POST", path: "/work_pools/", body: { name: "production", type: "process", is_paused: false } }]);
    const there = new FakeApi({ "POST /work_pools/": { status: 409, body: { detail: "exists" } } });
    await applyApiStep(there, pool, secrets, new Map());
    expect(there.calls.at(-1)).toEqual({ method: "PATCH", path: "/work_pools/production", body: { is_paused: false } });
  });

  it("updates a queue with only the fields that differ, by its pool and name (URL-encoded)", async () => {
    const api = new FakeApi({});
    await applyApiStep(api, step({ address: "work-queue:production/prod main", action: "update", detail: { kind: "work-queue", pool: "production", name: "prod main", create: {}, update: { priority: 5 } } }), secrets, new Map());
    expect(api.calls).toEqual([{ method: "PATCH", path: "/work_pools/production/queues/prod%20main", body: { priority: 5 } }]);
  });

  it("creates a deployment with the id of the flow made before it, secrets revealed only in the request", async () => {
    const api = new FakeApi({ "POST /flows/": { status: 201, body: { id: "flow-1" } }, "POST /deployments/": { status: 201, body: { id: "dep-1" } } });
    const flowIds = new Map<string, string>();
    await applyApiStep(api, step({ address: "flow:etl", action: "create", detail: { kind: "flow", name: "etl", create: { name: "etl" } } }), secrets, flowIds);
    const dep = step({
      address: "deployment:etl/daily",
      action: "create",
      detail: { kind: "deployment", flow: "etl", name: "daily", id: null, create: { name: "daily", job_variables: { env: { TOKEN: { secret: "API_TOKEN" } } } }, update: {} },
    });
    expect(await applyApiStep(api, dep, secrets, flowIds)).toEqual({ address: "deployment:etl/daily", action: "create", id: "dep-1" });
    expect(api.calls.at(-1)).toEqual({ method: "POST", path: "/deployments/", body: { name: "daily", job_variables: { env: { TOKEN: "s3cret" } }, flow_id: "flow-1" } });
    // The step itself still holds the reference.
    expect(JSON.stringify(dep)).not.toContain("s3cret");
  });

  it("looks a flow up by name when no flow step ran in this apply", async () => {
    const api = new FakeApi({ "GET /flows/name/etl": { status: 200, body: { id: "flow-9" } }, "POST /deployments/": { status: 200, body: { id: "dep-1" } } });
    await applyApiStep(api, step({ address: "deployment:etl/daily", action: "create", detail: { kind: "deployment", flow: "etl", name: "daily", id: null, create: { name: "daily" }, update: {} } }), secrets, new Map());
    expect(api.calls.map((c) => `${c.method} ${c.path}`)).toEqual(["GET /flows/name/etl", "POST /deployments/"]);
  });

  it("updates a deployment in place by its id (PATCH, never delete and create)", async () => {
    const api = new FakeApi({});
    const w = await applyApiStep(api, step({ address: "deployment:etl/daily", action: "update", detail: { kind: "deployment", flow: "etl", name: "daily", id: "dep-1", create: {}, update: { parameters: { rows: 2 } } } }), secrets, new Map());
    expect(w.id).toBe("dep-1");
    expect(api.calls).toEqual([{ method: "PATCH", path: "/deployments/dep-1", body: { parameters: { rows: 2 } } }]);
  });

  it("deletes; what is gone already (404) counts as deleted", async () => {
    const api = new FakeApi({ "DELETE /deployments/dep-1": { status: 404, body: { detail: "Deployment not found" } } });
    const w = await applyApiStep(api, step({ address: "deployment:etl/hourly", action: "delete", detail: { kind: "deployment", flow: "etl", name: "hourly", id: "dep-1" } }), secrets, new Map());
    expect(w).toEqual({ address: "deployment:etl/hourly", action: "delete", id: null });
  });

  it("a refusal of the server is a PrefectApiError with its words", async () => {
    const api = new FakeApi({ "PATCH /work_pools/production": { status: 422, body: { detail: "bad" } } });
    await expect(applyApiStep(api, step({ address: "work-pool:production", action: "update", detail: { kind: "work-pool", name: "production", create: {}, update: { concurrency_limit: -1 } } }), secrets, new Map())).rejects.toThrow(PrefectApiError);
  });
});

describe("recordAfter", () => {
  it("adds what was created, drops what was deleted, and leaves objects reconcile did not create unowned", () => {
    const before = { version: 1 as const, objects: { "deployment:etl/hourly": "dep-0", "work-pool:production": "production" } };
    const after = recordAfter(before, [
      { address: "deployment:etl/hourly", action: "delete", id: null },
      { address: "deployment:etl/daily", action: "create", id: "dep-1" },
      { address: "work-queue:production/default", action: "update", id: "production/default" },
    ]);
    expect(after).toEqual({ version: 1, objects: { "deployment:etl/daily": "dep-1", "work-pool:production": "production" } });
  });
});

describe("revealSecrets", () => {
  it("replaces references anywhere in a body and refuses one without a value", () => {
    expect(revealSecrets({ a: [{ secret: "API_TOKEN" }], b: { secret: 1 } } as never, secrets)).toEqual({ a: ["s3cret"], b: { secret: 1 } });
    expect(() => revealSecrets({ secret: "NOPE" }, secrets)).toThrow("the secret NOPE has no value");
  });
});
