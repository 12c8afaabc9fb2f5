/**
 * run/flow-run.ts against a fake PrefectApi that answers what a real Prefect 3.4.25 server answered
 * (the sessions in test/fixtures/prefect/3.4.25/run), on a fake clock.
 */
import { describe, expect, it } from "vitest";
import { ReconcileError } from "../../src/errors.js";
import { PrefectApiError } from "../../src/executors/prefect-api.js";
import { createFlowRun, followFlowRun, LOG_GRACE_MS, outcomeExitCode, type FlowRunEvent } from "../../src/run/flow-run.js";
import { FakePrefectApi, fakeClock, fixture } from "./prefect-fakes.js";

const SERVER = { node: "srv" };
const DECLARED = ["hello/daily", "hello/weekly", "etl/nightly"];

async function createAndFollow(api: FakePrefectApi, options: { timeoutMs?: number; signal?: AbortSignal; onEvent?: (e: FlowRunEvent) => void } = {}) {
  const clock = fakeClock();
  const events: FlowRunEvent[] = [];
  const run = await createFlowRun(api, { flow: "hello", deployment: "daily", parameters: {}, declared: DECLARED, server: SERVER });
  const started = clock.now();
  const outcome = await followFlowRun(api, run, {
    timeoutMs: options.timeoutMs ?? 60_000,
    server: SERVER,
    clock,
    onEvent: (e) => {
      events.push(e);
      options.onEvent?.(e);
    },
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return { run, outcome, events, elapsed: clock.now() - started, clock };
}

const logs = (events: FlowRunEvent[]) => events.flatMap((e) => (e.type === "flowRun.log" ? [e.line.message.split("\n")[0]] : []));
const states = (events: FlowRunEvent[]) => events.flatMap((e) => (e.type === "flowRun.state" ? [e.state.type] : []));

describe("followFlowRun on real sessions", () => {
  it("completed: every state once, every log line once in arrival order, the worker named, exit 0", async () => {
    const api = FakePrefectApi.fromSession("session-completed.json");
    const { run, outcome, events } = await createAndFollow(api);
    expect(run).toEqual({ id: "9ec09480-eb3c-4b38-8787-5e7932992441", name: "ancient-seal", deployment: "hello/daily", created: "2026-12-06T15:43:04.042673Z" });
    expect(states(events)).toEqual(["SCHEDULED", "PENDING", "COMPLETED"]);
    expect(logs(events)).toEqual([
      "Worker 'w1' submitting flow run '9ec09480-eb3c-4b38-8787-5e7932992441'",
      "Opening process...",
      "Completed submission of flow run '9ec09480-eb3c-4b38-8787-5e7932992441'",
      "Downloading flow code from storage at '/srv/flows/hello4413'",
      "Beginning flow run 'ancient-seal' for flow 'hello'",
      "hello session from /usr/bin/python3",
      "Finished in state Completed()",
      // Reached the server after the run was COMPLETED: followed during the grace.
      "Process for flow run 'ancient-seal' exited cleanly.",
    ]);
    expect(events.filter((e) => e.type === "flowRun.worker")).toEqual([{ type: "flowRun.worker", run, worker: "w1" }]);
    expect(outcome).toEqual({ status: "ended", state: { type: "COMPLETED", name: "Completed", message: null }, worker: "w1" });
    expect(outcomeExitCode(outcome)).toBe(0);
    expect(events.at(-1)).toEqual({ type: "flowRun.ended", run, outcome });
  });

  it("asks for logs from a little before the last line seen (late lines), and the worker from events filtered by the run", async () => {
    const api = FakePrefectApi.fromSession("session-completed.json");
    await createAndFollow(api);
    const logCalls = api.calls.filter((c) => c.path === "/logs/filter").map((c) => c.body as { logs: { timestamp?: { after_: string } }; sort: string });
    expect(logCalls[0]).toEqual({ logs: { flow_run_id: { any_: ["9ec09480-eb3c-4b38-8787-5e7932992441"] } }, sort: "TIMESTAMP_ASC" });
    // The last line seen at that point was 15:43:13.904812; asked again from 10 s before it.
    expect(logCalls.map((b) => b.logs.timestamp?.after_)).toContain("2026-12-06T15:43:03.904Z");
    const eventCalls = api.calls.filter((c) => c.path === "/events/filter");
    expect(eventCalls).toHaveLength(1); // asked once the run left SCHEDULED, never again once named
    expect(eventCalls[0]?.body).toEqual({
      filter: { event: { prefix: ["prefect.worker."] }, related: { id: ["prefect.flow-run.9ec09480-eb3c-4b38-8787-5e7932992441"] }, occurred: { since: "2026-12-06T15:43:04.042673Z" } },
      limit: 50,
    });
  });

  it("polls about once a second, and follows the logs for the grace after the end", async () => {
    const api = FakePrefectApi.fromSession("session-completed.json");
    const { clock } = await createAndFollow(api);
    expect(new Set(clock.slept)).toEqual(new Set([1000]));
    const polls = api.calls.filter((c) => c.path.startsWith("/flow_runs/")).length;
    expect(clock.slept.length).toBe(polls - 1 + LOG_GRACE_MS / 1000);
  });

  it("failed: exit 1 with the server's reason", async () => {
    const { outcome, events } = await createAndFollow(FakePrefectApi.fromSession("session-failed.json"));
    expect(outcome).toEqual({ status: "ended", state: { type: "FAILED", name: "Failed", message: "Flow run encountered an exception: RuntimeError: asked to fail" }, worker: "w1" });
    expect(outcomeExitCode(outcome)).toBe(1);
    expect(logs(events)).toContain("Encountered exception during execution: RuntimeError('asked to fail')");
  });

  it("crashed: exit 1, the process's exit named", async () => {
    const api = FakePrefectApi.fromSession("session-completed.json", {
      runs: [{ status: 200, body: fixture("flow-run-crashed.json") }],
      logs: [fixture("logs-crashed.json")],
      events: { status: 200, body: fixture("worker-events-crashed.json") },
    });
    const { outcome, events } = await createAndFollow(api);
    expect(outcome).toEqual({ status: "ended", state: { type: "CRASHED", name: "Crashed", message: "Flow run process exited with non-zero status code 3." }, worker: "w1" });
    expect(outcomeExitCode(outcome)).toBe(1);
    expect(logs(events)).toContain("Process for flow run 'tactful-lemur' exited with status code: 3");
  });

  it("cancelled: exit 1", async () => {
    const api = FakePrefectApi.fromSession("session-completed.json", {
      runs: [{ status: 200, body: fixture("flow-run-cancelled.json") }],
      logs: [[]],
      events: { status: 200, body: { events: [], total: 0, next_page: null } },
    });
    const { outcome } = await createAndFollow(api);
    expect(outcome).toMatchObject({ status: "ended", state: { type: "CANCELLED", message: "cancelled by hand" }, worker: null });
    expect(outcomeExitCode(outcome)).toBe(1);
  });

  it("a server without events (404) still names the worker from its log line", async () => {
    const api = FakePrefectApi.fromSession("session-completed.json", { events: new PrefectApiError("POST", "/events/filter", 404, "Not Found") });
    const { outcome } = await createAndFollow(api);
    expect(outcome).toMatchObject({ status: "ended", worker: "w1" });
    expect(api.calls.filter((c) => c.path === "/events/filter")).toHaveLength(1);
  });
});

describe("the bound", () => {
  it("a run that never starts: timed out at the bound (exit 2), the run left alone", async () => {
    const first = fixture<{ response: unknown }[]>("session-completed.json")[1]!.response;
    const api = FakePrefectApi.fromSession("session-completed.json", { runs: [{ status: 200, body: first }], logs: [[]] });
    const { outcome, elapsed } = await createAndFollow(api, { timeoutMs: 5000 });
    expect(outcome).toEqual({ status: "timedOut", state: { type: "SCHEDULED", name: "Scheduled", message: null }, worker: null });
    expect(outcomeExitCode(outcome)).toBe(2);
    expect(elapsed).toBe(5000);
    expect(api.calls.some((c) => c.method === "POST" && /set_state|cancel/.test(c.path))).toBe(false);
  });

  it("a server that stops answering cannot hold the wait past the bound", async () => {
    const api = FakePrefectApi.fromSession("session-completed.json", { runs: ["hang"] });
    const { outcome, elapsed } = await createAndFollow(api, { timeoutMs: 7000 });
    expect(outcome).toEqual({ status: "timedOut", state: null, worker: null });
    expect(elapsed).toBe(7000);
  });
});

describe("stopping (Ctrl-C)", () => {
  it("stops following at once, without cancelling the run (exit 130)", async () => {
    const api = FakePrefectApi.fromSession("session-completed.json");
    const controller = new AbortController();
    let polls = 0;
    const { outcome, events } = await createAndFollow(api, {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === "flowRun.state" && ++polls === 1) controller.abort();
      },
    });
    expect(outcome).toEqual({ status: "stopped", state: { type: "SCHEDULED", name: "Scheduled", message: null }, worker: null });
    expect(outcomeExitCode(outcome)).toBe(130);
    expect(api.calls.filter((c) => c.path.startsWith("/flow_runs/"))).toHaveLength(1);
    expect(api.calls.every((c) => c.method === "GET" || c.method === "LIST" || c.path.endsWith("/create_flow_run"))).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: "flowRun.ended", outcome: { status: "stopped" } });
  });

  it("a request the signal cut off ends as stopped, not as an error", async () => {
    const controller = new AbortController();
    const api = FakePrefectApi.fromSession("session-completed.json", { runs: ["hang"] });
    const request = api.request.bind(api);
    api.request = (method, path, ...rest) => {
      if (path.startsWith("/flow_runs/")) queueMicrotask(() => controller.abort());
      return request(method, path, ...rest);
    };
    const { outcome, elapsed } = await createAndFollow(api, { signal: controller.signal });
    expect(outcome.status).toBe("stopped");
    expect(elapsed).toBe(0);
  });
});

describe("createFlowRun", () => {
  it("looks the deployment up by name and creates a run with the parameters (no --wait: nothing more)", async () => {
    const api = FakePrefectApi.fromSession("session-completed.json");
    const run = await createFlowRun(api, { flow: "hello", deployment: "daily", parameters: { name: "x", n: 3 }, declared: DECLARED, server: SERVER });
    expect(run.name).toBe("ancient-seal");
    expect(api.calls).toEqual([
      { method: "GET", path: "/deployments/name/hello/daily", body: undefined },
      { method: "POST", path: "/deployments/21ff977d-70ed-47bc-b24c-21466b624359/create_flow_run", body: { parameters: { name: "x", n: 3 } } },
    ]);
  });

  it("names are escaped in the path", async () => {
    const api = FakePrefectApi.fromSession("session-completed.json");
    await createFlowRun(api, { flow: "my flow", deployment: "a/b", parameters: {}, declared: [], server: SERVER });
    expect(api.calls[0]?.path).toBe("/deployments/name/my%20flow/a%2Fb");
    expect(api.calls[1]?.body).toEqual({});
  });

  const notFound = { status: 404, body: fixture("deployment-not-found.json") };
  it.each([
    ["hello/dayly", "no deployment hello/dayly on the Prefect server on srv", "did you mean 'hello/daily'?"],
    ["zzz/qqqqq", "no deployment zzz/qqqqq on the Prefect server on srv", "declared: hello/daily, hello/weekly, etl/nightly"],
    ["etl/nightly", "deployment etl/nightly is declared in cluster.yaml but not on the Prefect server on srv", "run `reconcile apply` to create it"],
  ])("unknown deployment %s: a clear error with a suggestion", async (name, message, hint) => {
    const [flow, deployment] = name.split("/") as [string, string];
    const api = FakePrefectApi.fromSession("session-completed.json", { deployment: notFound });
    const error = await createFlowRun(api, { flow, deployment, parameters: {}, declared: DECLARED, server: SERVER }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReconcileError);
    expect(error).toMatchObject({ message, hint, exitCode: 1 });
    expect(api.calls).toHaveLength(1);
  });

  it("401: the server's reason and a hint about the auth string", async () => {
    const api = FakePrefectApi.fromSession("session-completed.json", { deployment: new PrefectApiError("GET", "/deployments/name/hello/daily", 401, "Unauthorized") });
    const error = await createFlowRun(api, { flow: "hello", deployment: "daily", parameters: {}, declared: DECLARED, server: SERVER }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      message: "looking up deployment hello/daily: the Prefect server on srv answered 401: Unauthorized",
      hint: "the auth string does not match the server's: check the secret server.prefect.authString names, then `reconcile apply`",
      exitCode: 1,
    });
  });

  it("5xx: the server's reason and where its log is; no answer at all: says so", async () => {
    const api = FakePrefectApi.fromSession("session-completed.json", { create: new PrefectApiError("POST", "/deployments/x/create_flow_run", 503, "Service Unavailable") });
    const error = await createFlowRun(api, { flow: "hello", deployment: "daily", parameters: {}, declared: DECLARED, server: SERVER }).catch((e: unknown) => e);
    expect(error).toMatchObject({ message: "creating a flow run of hello/daily: the Prefect server on srv answered 503: Service Unavailable", hint: "see the server's log on srv: journalctl -u prefect-server" });
    const silent = FakePrefectApi.fromSession("session-completed.json", { deployment: new PrefectApiError("GET", "/deployments/name/hello/daily", null, "connection refused") });
    const e2 = await createFlowRun(silent, { flow: "hello", deployment: "daily", parameters: {}, declared: DECLARED, server: SERVER }).catch((e: unknown) => e);
    expect(e2).toMatchObject({ message: "looking up deployment hello/daily: the Prefect server on srv did not answer: connection refused" });
  });

  it("parameters the deployment's schema refuses (409): the server's words", async () => {
    const api = FakePrefectApi.fromSession("session-completed.json", {
      create: new PrefectApiError("POST", "/deployments/x/create_flow_run", 409, fixture<{ detail: string }>("create-flow-run-409.json").detail),
    });
    const error = await createFlowRun(api, { flow: "hello", deployment: "daily", parameters: { fail: "yes please" }, declared: DECLARED, server: SERVER }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      message: "deployment hello/daily refused the parameters: Error creating flow run: Validation failed for field 'fail'. Failure reason: 'yes please' is not valid under any of the given schemas",
    });
  });
});

describe("errors while following", () => {
  it("a 5xx after the run was created names the run, so it can be found", async () => {
    const api = FakePrefectApi.fromSession("session-completed.json", { runs: [new PrefectApiError("GET", "/flow_runs/x", 500, "Internal Server Error")] });
    const error = await createAndFollow(api).catch((e: unknown) => e);
    expect(error).toMatchObject({
      message: "following flow run ancient-seal (9ec09480-eb3c-4b38-8787-5e7932992441) of hello/daily: the Prefect server on srv answered 500: Internal Server Error",
    });
  });
});
