/**
 * `reconcile run` as lines: the run created, its states, its log lines (a traceback's lines
 * indented under the first), the worker that took it (and its node), how following ended. Pure.
 */
import type { FlowRunEvent, FlowRunRef, FollowOutcome, LogLine } from "../run/flow-run.js";
import { formatDuration } from "./progress.js";
import { plain, type Style } from "./style.js";

/** `flow run ancient-seal (9ec0…) of hello/daily created`. */
export function createdLine(run: FlowRunRef): string {
  return `flow run ${run.name} (${run.id}) of ${run.deployment} created`;
}

const LEVELS: Record<number, string> = { 10: "DEBUG", 20: "INFO", 30: "WARNING", 40: "ERROR", 50: "CRITICAL" };

/** `15:43:17 INFO    hello session`, continuation lines indented to the message. */
export function logLines(line: LogLine, style: Style = plain): string[] {
  const time = /T(\d\d:\d\d:\d\d)/.exec(line.timestamp)?.[1] ?? line.timestamp;
  const level = (LEVELS[line.level] ?? `L${line.level}`).padEnd(8);
  const tone = line.level >= 40 ? "error" : line.level >= 30 ? "warning" : "muted";
  const [first = "", ...rest] = line.message.replace(/\n+$/, "").split("\n");
  const indent = " ".repeat(time.length + 1 + level.length);
  return [`${style(tone, `${time} ${level}`)}${first}`, ...rest.map((l) => `${indent}${l}`)];
}

/** `worker-a-etl` → `worker worker-a-etl (node worker-a)`: the node when the name is one reconcile gave. */
export function workerText(worker: string, nodeOf: (worker: string) => string | undefined): string {
  const node = nodeOf(worker);
  return `worker ${worker}${node === undefined ? "" : ` (node ${node})`}`;
}

/** A following event as lines; `flowRun.ended` is {@link outcomeLines}'s. */
export function flowRunEventLines(event: FlowRunEvent, nodeOf: (worker: string) => string | undefined, style: Style = plain): string[] {
  switch (event.type) {
    case "flowRun.created":
      return [createdLine(event.run)];
    case "flowRun.state":
      return [`state: ${event.state.name}${event.state.message === null ? "" : `: ${event.state.message}`}`];
    case "flowRun.worker":
      return [`taken by ${workerText(event.worker, nodeOf)}`];
    case "flowRun.log":
      return logLines(event.line, style);
    case "flowRun.ended":
      return [];
  }
}

/**
 * How following ended, for people: the final state and the worker; for a timeout or Ctrl-C, that
 * the run goes on (nothing cancels it) and how to find it.
 */
export function outcomeLines(run: FlowRunRef, outcome: FollowOutcome, options: { timeoutMs: number; nodeOf: (worker: string) => string | undefined; style?: Style }): string[] {
  const style = options.style ?? plain;
  const on = outcome.worker === null ? "" : ` on ${workerText(outcome.worker, options.nodeOf)}`;
  const goesOn = `the run goes on (it was not cancelled): flow run ${run.name} (${run.id})`;
  switch (outcome.status) {
    case "ended": {
      const s = outcome.state;
      const tone = s.type === "COMPLETED" ? "add" : "error";
      return [style(tone, `flow run ${run.name} ${s.type}${on}${s.message === null || s.type === "COMPLETED" ? "" : `: ${s.message}`}`)];
    }
    case "timedOut":
      return [style("error", `flow run ${run.name} had not ended after ${formatDuration(options.timeoutMs / 1000)} (state: ${outcome.state?.name ?? "unknown"}${on}); stopped waiting`), goesOn];
    case "stopped":
      return [`stopped following; ${goesOn}`];
  }
}
