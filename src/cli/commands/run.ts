/**
 * `reconcile run FLOW/DEPLOYMENT [--param k=v]… [--wait] [--timeout D]`: create a flow run of a
 * deployment through the cluster's Prefect API (the server node's SSH connection) and, with
 * --wait, follow it to its end (run/flow-run.ts), printing its states, its log lines and the
 * worker that ran it. Exit 0 completed, 1 failed/crashed/cancelled, 2 timed out, 130 interrupted.
 */
import { ExitCode, ReconcileError, UsageError } from "../../errors.js";
import { flowRunEventLines, outcomeLines, createdLine } from "../../display/flow-run.js";
import type { Logger } from "../../log.js";
import { workerInstances } from "../../planner/templates.js";
import { openClusterApi } from "../../run/api.js";
import { createFlowRun, followFlowRun, outcomeExitCode, type Clock, type FlowRunEvent } from "../../run/flow-run.js";
import { loadCluster } from "../../spec/load.js";
import { durationMs } from "../../spec/normalize.js";
import type { ResolvedCluster } from "../../spec/resolved.js";
import { missingSecretHint } from "../../spec/secrets.js";
import { didYouMean } from "../../spec/suggest.js";
import { print, streamStyle, type CliIO } from "../io.js";
import { interruptible, openSession, type SpecArgs } from "../remote.js";

export const DEFAULT_TIMEOUT = "30m";

export interface RunArgs extends SpecArgs {
  /** `FLOW/DEPLOYMENT`. */
  target: string;
  /** `k=v`, as given. */
  params: readonly string[];
  wait: boolean;
  /** A duration (`90s`, `10m`); only with --wait. */
  timeout?: string;
}

/** `etl/daily` → { flow: "etl", deployment: "daily" }; the deployment part may hold more slashes. */
export function parseTarget(text: string, declared: readonly string[] = []): { flow: string; deployment: string } {
  const slash = text.indexOf("/");
  if (slash <= 0 || slash === text.length - 1) {
    const guess = didYouMean(text, declared);
    throw new UsageError(`'${text}' is not FLOW/DEPLOYMENT`, guess ?? (declared.length === 0 ? "name the flow and its deployment: etl/daily" : `declared: ${declared.join(", ")}`));
  }
  return { flow: text.slice(0, slash), deployment: text.slice(slash + 1) };
}

/**
 * `--param k=v`… → parameters: a value that is valid JSON is taken as JSON (`3`, `true`, `null`,
 * `[1,2]`, `{"a":1}`, `"quoted"`), anything else as the string it is. A key given twice is an error.
 */
export function parseParams(pairs: readonly string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--param ${pair}: expected NAME=VALUE`, "for example --param day=3 --param names='[\"a\",\"b\"]'");
    const key = pair.slice(0, eq);
    const text = pair.slice(eq + 1);
    if (Object.hasOwn(params, key)) throw new UsageError(`--param ${key} is given twice`, "give each parameter once (a list is one JSON value: --param k='[1,2]')");
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
    params[key] = value;
  }
  return params;
}

/** --timeout in milliseconds (default {@link DEFAULT_TIMEOUT}); refused without --wait. */
export function parseTimeout(args: Pick<RunArgs, "wait" | "timeout">): number {
  if (args.timeout === undefined) return durationMs(DEFAULT_TIMEOUT);
  if (!args.wait) throw new UsageError("--timeout goes with --wait", "add --wait to follow the run until it ends");
  let ms: number;
  try {
    ms = durationMs(args.timeout);
  } catch {
    throw new UsageError(`--timeout ${args.timeout}: not a duration`, "use a number with ms, s, m or h: 90s, 10m, 2h");
  }
  if (ms <= 0) throw new UsageError(`--timeout ${args.timeout}: must be longer than 0`);
  return ms;
}

/** Every deployment the spec declares, as `flow/deployment`. */
export function declaredDeployments(cluster: ResolvedCluster): string[] {
  return cluster.flows.flatMap((f) => f.deployments.map((d) => `${f.name}/${d.name}`));
}

/** The node a worker name belongs to, when it is one reconcile gave (`<node>-<pool>[-n]`). */
function workerNodes(cluster: ResolvedCluster): (worker: string) => string | undefined {
  const byName = new Map(cluster.nodes.flatMap((node) => workerInstances(node, cluster).map((w) => [w.workerName, node.name] as const)));
  return (worker) => byName.get(worker);
}

/** What tests swap: the API client (a fake instead of the server node's channel) and the clock. */
export interface RunDeps {
  openApi?: typeof openClusterApi;
  clock?: Clock;
}

export async function runCommand(args: RunArgs, io: CliIO, log: Logger, deps: RunDeps = {}): Promise<number> {
  const parameters = parseParams(args.params);
  const timeoutMs = parseTimeout(args);
  // Only the spec and the auth string's secret matter here: artifacts and flow folders are not looked at.
  const { cluster, secrets } = await loadCluster(args.file, { strict: false, env: io.env, ...(args.secretsFile === undefined ? {} : { secretsFile: args.secretsFile }) });
  const declared = declaredDeployments(cluster);
  const { flow, deployment } = parseTarget(args.target, declared);
  const auth = cluster.server.prefect.authString;
  if (auth !== null && secrets.missing.includes(auth.secret)) {
    throw new ReconcileError(`secret '${auth.secret}' (server.prefect.authString) is not set: the Prefect server would refuse every request`, {
      hint: missingSecretHint(auth.secret, cluster.secretsFile ?? args.secretsFile),
    });
  }
  const server = { node: cluster.server.node };
  const nodeOf = workerNodes(cluster);
  const style = streamStyle(io, io.stdout);
  return interruptible(async (signal) => {
    const session = openSession(cluster, io, log, signal);
    try {
      const api = await (deps.openApi ?? openClusterApi)(session, cluster, secrets.values);
      try {
        const run = await createFlowRun(api, { flow, deployment, parameters, declared, server });
        log.info({ event: "flowRun.created", id: run.id, name: run.name, deployment: run.deployment }, "flow run created");
        print(io.stdout, createdLine(run));
        if (!args.wait) return ExitCode.ok;
        const onEvent = (event: FlowRunEvent) => {
          if (event.type === "flowRun.state" || event.type === "flowRun.worker") log.info({ event: event.type, id: run.id, ...(event.type === "flowRun.state" ? { state: event.state.type } : { worker: event.worker }) }, "flow run");
          for (const line of flowRunEventLines(event, nodeOf, style)) print(io.stdout, line);
        };
        const outcome = await followFlowRun(api, run, { timeoutMs, signal, server, onEvent, ...(deps.clock === undefined ? {} : { clock: deps.clock }) });
        const code = outcomeExitCode(outcome);
        log.info({ event: "flowRun.ended", id: run.id, status: outcome.status, state: outcome.state?.type ?? null, worker: outcome.worker }, "flow run followed");
        for (const line of outcomeLines(run, outcome, { timeoutMs, nodeOf, ...(style === undefined ? {} : { style }) })) print(code === ExitCode.ok ? io.stdout : io.stderr, line);
        return code;
      } finally {
        await api.close();
      }
    } finally {
      await session.close();
    }
  });
}
