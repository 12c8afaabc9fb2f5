/**
 * A run's events (src/run/events.ts) as lines for people: stages as they start, retries, uploads
 * done, warnings, a saved plan's staleness and each node's outcome. Pure: the CLI picks the stream
 * and prints them around its live progress line.
 */
import { ReconcileError } from "../errors.js";
import type { RunEvent, RunWarning } from "../run/events.js";
import type { ClusterWideOutcome, NodeOutcome } from "../state-machine/cluster-run.js";
import { formatBytes } from "../units.js";

type EventOf<T extends RunEvent["type"]> = Extract<RunEvent, { type: T }>;

/** What moved since a saved plan was made, one indented line each. */
export function staleLines(e: EventOf<"plan.stale">): string[] {
  return e.reasons.map((r) => `  ${r}`);
}

export function warningLine(e: RunWarning): string {
  return `warning: ${e.message}`;
}

/** `node n1: transfer`, `node n1: install: unpacking into the store`, `node n1: verify (attempt 2)`. */
export function stageLine(e: EventOf<"stage.started">): string {
  return `node ${e.node}: ${e.phase === "unpack" ? "install: unpacking into the store" : e.stage}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ""}`;
}

export function retryLine(e: EventOf<"retry.scheduled">): string {
  return `node ${e.node}: ${e.stage} failed, retrying in ${Math.round(e.delayMs / 1000)} s: ${e.error instanceof Error ? e.error.message : String(e.error)}`;
}

/** `node n1: env-1 sent 52.1 MiB (resumed at 10.0 MiB)`, or `already there`. */
export function transferDoneLine(e: EventOf<"transfer.done">): string {
  const r = e.result;
  return `node ${e.node}: ${e.artifact} ${r.skipped ? "already there" : `sent ${formatBytes(r.sent)}${r.resumedFrom > 0 ? ` (resumed at ${formatBytes(r.resumedFrom)})` : ""}`}`;
}

/** A node's outcome; a failure's hint (what to do about it) on the line below. */
/** `prefect api: create deployment:etl/daily` */
export function apiLine(e: EventOf<"api.started">): string {
  return `prefect api: ${e.action} ${e.address}`;
}

/** How the cluster-wide wave ended: `prefect api: 7 Prefect objects written`, or where it failed and what was written before. */
export function clusterWideLines(o: ClusterWideOutcome): string[] {
  const error = o.status === "failed" ? o.error : undefined;
  const hint = error instanceof ReconcileError ? error.hint : undefined;
  return [`prefect api: ${o.message}`, ...(hint === undefined ? [] : [`  hint: ${hint}`])];
}

export function outcomeLines(o: NodeOutcome): string[] {
  const error = o.status === "failed" || o.status === "rolledBack" ? o.error : undefined;
  const hint = error instanceof ReconcileError ? error.hint : undefined;
  return [`node ${o.node}: ${o.message}`, ...(hint === undefined ? [] : [`  hint: ${hint}`])];
}
