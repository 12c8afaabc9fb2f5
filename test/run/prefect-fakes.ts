/**
 * A fake PrefectApi scripted from what a real Prefect 3.4.25 server answered
 * (test/fixtures/prefect/3.4.25/run/README.md), and a fake clock, for the flow-run tests.
 */
import { readFileSync } from "node:fs";
import { PrefectApiError, type ApiResponse, type HttpMethod, type PrefectApi } from "../../src/executors/prefect-api.js";
import type { Clock } from "../../src/run/flow-run.js";

const DIR = new URL("../fixtures/prefect/3.4.25/run/", import.meta.url);

export function fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, DIR), "utf8")) as T;
}

/** One call of a recorded session (capture.py). */
export interface RecordedCall {
  method: HttpMethod;
  path: string;
  body: unknown;
  status: number;
  response: unknown;
}

export interface Call {
  method: HttpMethod | "LIST";
  path: string;
  body: unknown;
}

/** What each kind of call answers: a value, a function of the call, or an error to throw; a list is replayed in order, its last entry repeated. */
type Answer = ApiResponse | PrefectApiError | "hang";
export interface Script {
  deployment?: Answer;
  create?: Answer;
  /** GET /flow_runs/{id}, poll after poll. */
  runs?: Answer[];
  /** POST /logs/filter (through list), poll after poll: the items. */
  logs?: (unknown[] | PrefectApiError | "hang")[];
  events?: Answer;
}

export class FakePrefectApi implements PrefectApi {
  readonly calls: Call[] = [];
  private runPoll = 0;
  private logPoll = 0;
  constructor(private readonly script: Script) {}

  /** The script of a session capture.py recorded: the run's polls, the log polls, the worker events. */
  static fromSession(name: string, extra: Script = {}): FakePrefectApi {
    const calls = fixture<RecordedCall[]>(name);
    const ok = (c: RecordedCall): ApiResponse => ({ status: c.status, body: c.response });
    return new FakePrefectApi({
      deployment: { status: 200, body: fixture("deployment.json") },
      create: ok(calls.find((c) => c.path.endsWith("/create_flow_run"))!),
      runs: calls.filter((c) => c.path.startsWith("/flow_runs/")).map(ok),
      logs: calls.filter((c) => c.path === "/logs/filter").map((c) => c.response as unknown[]),
      events: ok(calls.find((c) => c.path === "/events/filter")!),
      ...extra,
    });
  }

  version(): Promise<string> {
    return Promise.resolve("3.4.25");
  }

  async request(method: HttpMethod, path: string, body?: unknown, options: { expect?: readonly number[] } = {}): Promise<ApiResponse> {
    this.calls.push({ method, path, body });
    const answer = path.startsWith("/deployments/name/")
      ? this.script.deployment
      : path.endsWith("/create_flow_run")
        ? this.script.create
        : path.startsWith("/flow_runs/")
          ? pick(this.script.runs, this.runPoll++)
          : path === "/events/filter"
            ? this.script.events
            : undefined;
    if (answer === undefined) throw new Error(`fake Prefect API: nothing scripted for ${method} ${path}`);
    const response = await settle(answer);
    const expected = options.expect ?? [];
    if (!(response.status < 300 || expected.includes(response.status))) {
      throw new PrefectApiError(method, path, response.status, String((response.body as { detail?: unknown } | null)?.detail ?? response.status));
    }
    return response;
  }

  async list(path: string, body: Record<string, unknown> = {}): Promise<unknown[]> {
    this.calls.push({ method: "LIST", path, body });
    const answer = pick(this.script.logs, this.logPoll++);
    if (path !== "/logs/filter" || answer === undefined) throw new Error(`fake Prefect API: nothing scripted for list ${path}`);
    return settle(answer);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function pick<T>(list: readonly T[] | undefined, i: number): T | undefined {
  return list === undefined || list.length === 0 ? undefined : list[Math.min(i, list.length - 1)];
}

function settle<T>(answer: T | PrefectApiError | "hang"): Promise<T> {
  if (answer === "hang") return new Promise<T>(() => undefined);
  if (answer instanceof PrefectApiError) return Promise.reject(answer);
  return Promise.resolve(answer);
}

/**
 * Time that moves only when something sleeps: a sleep advances it by its length when it fires
 * (on the next turn of the event loop, after any answer already there), not when its signal
 * stopped it first.
 */
export function fakeClock(start = 1_000_000): Clock & { slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve) =>
        setImmediate(() => {
          if (signal?.aborted !== true) {
            now += ms;
            slept.push(ms);
          }
          resolve();
        }),
      ),
  };
}
