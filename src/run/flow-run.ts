/**
 * `reconcile run`, headless: create a flow run of a deployment and follow it (its states, its log
 * lines, the worker that took it) until it ends, the time is up, or the caller stops following.
 * Nothing here prints: progress goes to `onEvent`, the CLI renders it and sets the exit code.
 *
 * Seen on a real Prefect 3.4.25 server (test/fixtures/prefect/3.4.25/run/README.md):
 * - `GET /api/flow_runs/{id}` goes SCHEDULED → PENDING → (RUNNING) → COMPLETED | FAILED | CRASHED;
 *   a 1 s poll often never sees RUNNING.
 * - Log lines reach the server in batches, up to a few seconds after their `timestamp`, and not in
 *   timestamp order across processes (the worker's lines came after the flow's later ones); the
 *   last lines ("Process for flow run … exited") arrive after the run is already COMPLETED, and
 *   `timestamp.after_` includes its bound. So each poll asks again from a little before the last
 *   line seen ({@link LOG_LOOKBACK_MS}), lines are deduplicated by id, and logs are followed for a
 *   short while after the end ({@link LOG_GRACE_MS}).
 * - The worker that ran it is named by the event `prefect.worker.submitted-flow-run` (resource
 *   `prefect.worker.<type>.<name>`, `prefect.resource.name` = the worker's `--name`), related to
 *   `prefect.flow-run.<id>`; a server without events (404) still has the worker's log line
 *   "Worker '<name>' submitting flow run '<id>'".
 */
import { ExitCode, ReconcileError } from "../errors.js";
import { PrefectApiError, type PrefectApi } from "../executors/prefect-api.js";
import { didYouMean } from "../spec/suggest.js";

/** A flow run, as the server named it. */
export interface FlowRunRef {
  id: string;
  /** The server's name for it ("tactful-zebra"). */
  name: string;
  /** `flow/deployment`. */
  deployment: string;
  /** When the server created it (its clock), the lower bound for its events. */
  created: string;
}

/** State types of Prefect 2.x and 3.x; terminal: COMPLETED, FAILED, CANCELLED, CRASHED. */
export type StateType = "SCHEDULED" | "PENDING" | "RUNNING" | "COMPLETED" | "FAILED" | "CANCELLED" | "CRASHED" | "PAUSED" | "CANCELLING";

export interface FlowRunState {
  type: StateType;
  /** "Completed", "Late", "AwaitingRetry"… */
  name: string;
  /** Why, in the server's words ("Flow run encountered an exception: RuntimeError: …"), or null. */
  message: string | null;
}

export interface LogLine {
  id: string;
  timestamp: string;
  /** Python logging level: 10 debug, 20 info, 30 warning, 40 error, 50 critical. */
  level: number;
  /** The logger: `prefect.flow_runs`, `prefect.flow_runs.worker`, `prefect.task_runs`… */
  logger: string;
  message: string;
}

/** How following ended. */
export type FollowOutcome =
  /** The run reached a terminal state. */
  | { status: "ended"; state: FlowRunState; worker: string | null }
  /** The bound passed first; the run goes on. */
  | { status: "timedOut"; state: FlowRunState | null; worker: string | null }
  /** The caller's signal stopped following; the run goes on (it is not cancelled). */
  | { status: "stopped"; state: FlowRunState | null; worker: string | null };

export type FlowRunEvent =
  | { type: "flowRun.created"; run: FlowRunRef }
  /** A new state (each state the polls see, once). */
  | { type: "flowRun.state"; run: FlowRunRef; state: FlowRunState }
  /** A log line, once each, in the order they reach the server. */
  | { type: "flowRun.log"; run: FlowRunRef; line: LogLine }
  /** The worker that took the run (its `--name`). */
  | { type: "flowRun.worker"; run: FlowRunRef; worker: string }
  | { type: "flowRun.ended"; run: FlowRunRef; outcome: FollowOutcome };

/** Time, passed in so tests run on a fake clock. `sleep` resolves early (never rejects) when `signal` aborts. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted === true) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
    }),
};

export const TERMINAL_STATES: ReadonlySet<StateType> = new Set(["COMPLETED", "FAILED", "CANCELLED", "CRASHED"]);
export const POLL_MS = 1000;
/** How far before the last line seen each log poll asks again (lines arrive late and out of order). */
export const LOG_LOOKBACK_MS = 10_000;
/** How long logs are still followed once the run ended (the last lines come after the state). */
export const LOG_GRACE_MS = 3000;

/** Exit code of `reconcile run --wait` for an outcome: 0 completed, 1 failed/crashed/cancelled, 2 timed out, 130 stopped. */
export function outcomeExitCode(outcome: FollowOutcome): number {
  if (outcome.status === "timedOut") return ExitCode.timedOut;
  if (outcome.status === "stopped") return ExitCode.interrupted;
  return outcome.state.type === "COMPLETED" ? ExitCode.ok : ExitCode.failure;
}

/** Where the server is, for messages: the server node's name. */
export interface ServerInfo {
  node: string;
}

/**
 * A PrefectApiError as a message a user can act on: what was being done, what the server said,
 * and a hint for the status (401: the auth string; 5xx: the server's log).
 */
export function apiFailure(error: unknown, doing: string, server: ServerInfo): unknown {
  if (!(error instanceof PrefectApiError)) return error;
  const on = `the Prefect server on ${server.node}`;
  if (error.status === null) return new ReconcileError(`${doing}: ${on} did not answer: ${error.reason}`, { hint: `check that prefect-server is running on ${server.node} (\`reconcile status\`)`, cause: error });
  const said = `${on} answered ${error.status}: ${error.reason}`;
  if (error.status === 401 || error.status === 403) {
    return new ReconcileError(`${doing}: ${said}`, { hint: "the auth string does not match the server's: check the secret server.prefect.authString names, then `reconcile apply`", cause: error });
  }
  if (error.status >= 500) return new ReconcileError(`${doing}: ${said}`, { hint: `see the server's log on ${server.node}: journalctl -u prefect-server`, cause: error });
  return new ReconcileError(`${doing}: ${said}`, { cause: error });
}

export interface CreateOptions {
  flow: string;
  deployment: string;
  /** Merged by the server over the deployment's own parameters. */
  parameters: Record<string, unknown>;
  /** `flow/deployment` of every deployment the spec declares, for "did you mean" and the apply hint. */
  declared: readonly string[];
  server: ServerInfo;
}

/**
 * Finds the deployment by name and creates a flow run of it (state SCHEDULED, now).
 *
 * @example
 * const run = await createFlowRun(api, { flow: "etl", deployment: "daily", parameters: { day: 3 }, declared: ["etl/daily"], server: { node: "srv" } });
 */
export async function createFlowRun(api: PrefectApi, options: CreateOptions): Promise<FlowRunRef> {
  const name = `${options.flow}/${options.deployment}`;
  const path = `/deployments/name/${encodeURIComponent(options.flow)}/${encodeURIComponent(options.deployment)}`;
  let found;
  try {
    found = await api.request("GET", path, undefined, { expect: [200, 404] });
  } catch (error) {
    throw apiFailure(error, `looking up deployment ${name}`, options.server);
  }
  if (found.status === 404) throw unknownDeployment(name, options);
  const deploymentId = field(found.body, "id");
  let created;
  try {
    created = await api.request("POST", `/deployments/${deploymentId}/create_flow_run`, Object.keys(options.parameters).length === 0 ? {} : { parameters: options.parameters });
  } catch (error) {
    if (error instanceof PrefectApiError && error.status === 409) {
      throw new ReconcileError(`deployment ${name} refused the parameters: ${error.reason}`, { hint: "pass --param NAME=VALUE with values of the types the flow's signature declares", cause: error });
    }
    throw apiFailure(error, `creating a flow run of ${name}`, options.server);
  }
  return { id: field(created.body, "id"), name: field(created.body, "name"), deployment: name, created: field(created.body, "created") };
}

function unknownDeployment(name: string, options: CreateOptions): ReconcileError {
  if (options.declared.includes(name)) {
    return new ReconcileError(`deployment ${name} is declared in cluster.yaml but not on the Prefect server on ${options.server.node}`, { hint: "run `reconcile apply` to create it" });
  }
  const guess = didYouMean(name, options.declared);
  const known = options.declared.length === 0 ? "cluster.yaml declares no deployments" : `declared: ${options.declared.join(", ")}`;
  return new ReconcileError(`no deployment ${name} on the Prefect server on ${options.server.node}`, { hint: guess ?? known });
}

function field(body: unknown, key: string): string {
  const value = (body as Record<string, unknown> | null)?.[key];
  return typeof value === "string" ? value : "";
}

export interface FollowOptions {
  /** The bound on the whole wait. */
  timeoutMs: number;
  /** Stops following (Ctrl-C); the run is not cancelled. */
  signal?: AbortSignal;
  onEvent?: (event: FlowRunEvent) => void;
  server: ServerInfo;
  clock?: Clock;
  pollMs?: number;
}

const TIMED_OUT = Symbol("timed out");

/**
 * Polls the run about every second until it ends (then its last log lines for {@link LOG_GRACE_MS}),
 * the bound passes, or `signal` aborts; reports each new state, log line and the worker as events.
 * Every request is raced against the bound, so a server that stops answering cannot hold it past it.
 */
export async function followFlowRun(api: PrefectApi, run: FlowRunRef, options: FollowOptions): Promise<FollowOutcome> {
  const clock = options.clock ?? realClock;
  const pollMs = options.pollMs ?? POLL_MS;
  const emit = options.onEvent ?? (() => undefined);
  const signal = options.signal ?? new AbortController().signal;
  const deadline = clock.now() + options.timeoutMs;
  const seen = new Set<string>();
  let lastLog: string | null = null;
  // `as`: the closures below assign it, which narrowing from a plain `= null` would not see.
  let state = null as FlowRunState | null;
  let stateKey = "";
  let worker: string | null = null;
  let askEvents = true;

  /** The call's answer, or TIMED_OUT when the bound passes or the signal aborts first. */
  const within = async <T>(call: () => Promise<T>): Promise<T | typeof TIMED_OUT> => {
    const stop = new AbortController();
    try {
      return await Promise.race([call(), clock.sleep(Math.max(0, deadline - clock.now()), AbortSignal.any([stop.signal, signal])).then((): typeof TIMED_OUT => TIMED_OUT)]);
    } finally {
      stop.abort();
    }
  };
  const named = (name: string) => {
    if (worker !== null) return;
    worker = name;
    emit({ type: "flowRun.worker", run, worker: name });
  };
  const pollState = async (): Promise<boolean> => {
    const answer = await within(() => api.request("GET", `/flow_runs/${run.id}`));
    if (answer === TIMED_OUT) return false;
    const next = stateOf(answer.body);
    const key = `${stateIdOf(answer.body)}|${next.type}|${next.name}`;
    if (key !== stateKey) {
      stateKey = key;
      state = next;
      emit({ type: "flowRun.state", run, state: next });
    }
    return true;
  };
  const pollLogs = async (): Promise<boolean> => {
    const filter: Record<string, unknown> = { flow_run_id: { any_: [run.id] } };
    if (lastLog !== null) filter.timestamp = { after_: new Date(Date.parse(lastLog) - LOG_LOOKBACK_MS).toISOString() };
    const answer = await within(() => api.list("/logs/filter", { logs: filter, sort: "TIMESTAMP_ASC" }));
    if (answer === TIMED_OUT) return false;
    for (const line of answer.map(logLineOf)) {
      if (line === null || seen.has(line.id)) continue;
      seen.add(line.id);
      if (lastLog === null || Date.parse(line.timestamp) > Date.parse(lastLog)) lastLog = line.timestamp;
      emit({ type: "flowRun.log", run, line });
      const submitted = line.logger === "prefect.flow_runs.worker" ? /^Worker '(.+)' submitting flow run/.exec(line.message) : null;
      if (submitted?.[1] !== undefined) named(submitted[1]);
    }
    return true;
  };
  const pollWorker = async (): Promise<boolean> => {
    if (worker !== null || !askEvents || state === null || state.type === "SCHEDULED") return true;
    const body = { filter: { event: { prefix: ["prefect.worker."] }, related: { id: [`prefect.flow-run.${run.id}`] }, occurred: { since: run.created } }, limit: 50 };
    try {
      const answer = await within(() => api.request("POST", "/events/filter", body));
      if (answer === TIMED_OUT) return false;
      const name = workerOf(answer.body);
      if (name !== null) named(name);
    } catch (error) {
      // A server without events (2.x: 404) still names the worker in its log line.
      if (!(error instanceof PrefectApiError) || error.status === null || error.status >= 500) throw error;
      askEvents = false;
    }
    return true;
  };
  const poll = async (): Promise<boolean> => (await pollState()) && (await pollWorker()) && (await pollLogs());
  const end = (outcome: FollowOutcome): FollowOutcome => {
    emit({ type: "flowRun.ended", run, outcome });
    return outcome;
  };
  const notEnded = (): FollowOutcome => (signal.aborted ? { status: "stopped", state, worker } : { status: "timedOut", state, worker });

  try {
    for (;;) {
      if (signal.aborted || !(await poll())) return end(notEnded());
      const current = state;
      if (current !== null && TERMINAL_STATES.has(current.type)) {
        const graceEnd = Math.min(clock.now() + LOG_GRACE_MS, deadline);
        while (clock.now() < graceEnd && !signal.aborted) {
          await clock.sleep(Math.min(pollMs, graceEnd - clock.now()), signal);
          if (signal.aborted || !(await pollLogs()) || !(await pollWorker())) break;
        }
        return end({ status: "ended", state: current, worker });
      }
      if (clock.now() >= deadline) return end(notEnded());
      await clock.sleep(Math.min(pollMs, deadline - clock.now()), signal);
    }
  } catch (error) {
    if (signal.aborted) return end({ status: "stopped", state, worker });
    throw apiFailure(error, `following flow run ${run.name} (${run.id}) of ${run.deployment}`, options.server);
  }
}

function stateOf(body: unknown): FlowRunState {
  const b = (body ?? {}) as { state?: { type?: unknown; name?: unknown; message?: unknown } | null; state_type?: unknown; state_name?: unknown };
  const type = (typeof b.state?.type === "string" ? b.state.type : typeof b.state_type === "string" ? b.state_type : "SCHEDULED") as StateType;
  const name = typeof b.state?.name === "string" ? b.state.name : typeof b.state_name === "string" ? b.state_name : type;
  return { type, name, message: typeof b.state?.message === "string" && b.state.message !== "" ? b.state.message : null };
}

function stateIdOf(body: unknown): string {
  const s = (body as { state?: { id?: unknown } | null } | null)?.state;
  return typeof s?.id === "string" ? s.id : "";
}

function logLineOf(item: unknown): LogLine | null {
  const l = item as Record<string, unknown> | null;
  if (l === null || typeof l !== "object" || typeof l.id !== "string" || typeof l.timestamp !== "string") return null;
  return {
    id: l.id,
    timestamp: l.timestamp,
    level: typeof l.level === "number" ? l.level : 20,
    logger: typeof l.name === "string" ? l.name : "",
    message: typeof l.message === "string" ? l.message : "",
  };
}

/** The worker's name from the `prefect.worker.submitted-flow-run` (or any worker) event, or null. */
function workerOf(body: unknown): string | null {
  const events = (body as { events?: unknown } | null)?.events;
  if (!Array.isArray(events)) return null;
  const ofWorker = events.filter((e): e is { event: string; resource: Record<string, unknown> } => typeof (e as { event?: unknown }).event === "string" && typeof (e as { resource?: unknown }).resource === "object");
  const submitted = ofWorker.find((e) => e.event === "prefect.worker.submitted-flow-run") ?? ofWorker[0];
  const name = submitted?.resource["prefect.resource.name"];
  return typeof name === "string" && name !== "" ? name : null;
}
