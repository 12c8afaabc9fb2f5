/**
 * `reconcile watch` for people and machines. For a terminal: the watch's state folded from its
 * events ({@link foldWatch}) and drawn as a block of lines ({@link watchLines}) that the CLI
 * redraws in place: the watched source, the live revision, each node's stage and last result, the
 * last run, the next drift check and the last drift found. For pipes: one JSON line per event
 * ({@link watchEventLine}), errors as their messages. Pure: times come in as arguments.
 */
import { formatDiagnostic, type Diagnostic } from "../errors.js";
import type { RunEvent } from "../run/events.js";
import type { RunReason, WatchEvent } from "../run/watch.js";
import { formatDuration } from "./progress.js";
import { plain, type Style } from "./style.js";

/** What the live view shows, folded from the events; `at` times are ms since the epoch. */
export interface WatchState {
  source: string;
  planOnly: boolean;
  selfHeal: boolean;
  intervalMs: number | null;
  /** The revision applied last (a commit in git mode). */
  live: string | null;
  running: { revision: string; reason: RunReason; since: number } | null;
  /** Per node, in the order they were first seen: the stage under way (null when idle) and how its last run ended. */
  nodes: Record<string, { stage: string | null; last: string | null }>;
  lastRun: { revision: string; ok: boolean; at: number; durationMs: number; error: string | null } | null;
  nextCheckAt: number | null;
  drift: { at: number; inSync: boolean; drifted: number; fix: number; warn: number } | null;
  /** The last thing refused (an invalid spec, a rejected commit, the guard), until a run starts. */
  problem: string | null;
}

export function initialWatchState(): WatchState {
  return { source: "", planOnly: false, selfHeal: false, intervalMs: null, live: null, running: null, nodes: {}, lastRun: null, nextCheckAt: null, drift: null, problem: null };
}

/** A commit or a spec digest (with its secrets' part) cut to 12 characters; anything else as it is. */
const short = (revision: string): string => (/^([0-9a-f]{40}|[0-9a-f]{64}(:[0-9a-f]+)?)$/.test(revision) ? revision.slice(0, 12) : revision);

/** Problems of a load as lines: a positioned diagnostic as `file:line:col path: message`, anything else as its text. */
export function loadErrorLines(errors: unknown): string[] {
  const list = Array.isArray(errors) ? (errors as unknown[]) : [errors];
  return list.map((e) => {
    if (typeof e === "object" && e !== null && "severity" in e && "message" in e) return formatDiagnostic(e as Diagnostic);
    return e instanceof Error ? e.message : typeof e === "string" ? e : JSON.stringify(e);
  });
}

function foldRun(s: WatchState, e: RunEvent): WatchState {
  switch (e.type) {
    case "plan.made": {
      const nodes = { ...s.nodes };
      for (const n of e.plan.nodes) nodes[n.name] = { stage: n.status === "planned" && n.steps.length > 0 ? "planned" : null, last: nodes[n.name]?.last ?? null };
      return { ...s, nodes };
    }
    case "stage.started":
      return { ...s, nodes: { ...s.nodes, [e.node]: { stage: `${e.stage}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ""}`, last: s.nodes[e.node]?.last ?? null } } };
    case "node.outcome":
      return { ...s, nodes: { ...s.nodes, [e.outcome.node]: { stage: null, last: e.outcome.status } } };
    default:
      return s;
  }
}

/**
 * The state after one event at time `at`.
 *
 * @example
 * let state = initialWatchState();
 * state = foldWatch(state, { type: "run.started", revision: "abc", reason: "change" }, Date.now());
 */
export function foldWatch(s: WatchState, e: WatchEvent, at: number): WatchState {
  switch (e.type) {
    case "watch.started":
      return { ...s, source: e.source, planOnly: e.planOnly, selfHeal: e.selfHeal, intervalMs: e.intervalMs, nextCheckAt: e.intervalMs === null ? null : at + e.intervalMs };
    case "spec.invalid":
      return { ...s, problem: `the spec does not validate (${count(loadErrorLines(e.errors).length, "problem")}); ${e.lastGood === null ? "nothing applied yet" : `${short(e.lastGood)} stays live`}` };
    case "source.unavailable":
      return { ...s, problem: `${e.error}; ${e.live === null ? "nothing applied yet" : `${short(e.live)} stays live`}` };
    case "git.rejected":
      return { ...s, problem: `commit ${short(e.commit)} does not validate: not applied` };
    case "guard.refused":
      return { ...s, problem: `refused ${short(e.revision)}: ${e.reasons.join("; ")}` };
    case "run.skipped":
      return { ...s, problem: e.why === "applied" ? null : `${short(e.revision)} failed last time: it is retried after the backoff` };
    case "run.started":
      return { ...s, running: { revision: e.revision, reason: e.reason, since: at }, problem: null };
    case "run.event":
      return foldRun(s, e.event);
    case "run.finished": {
      const nodes = { ...s.nodes };
      for (const n of e.nodes) nodes[n.node] = { stage: null, last: n.status };
      for (const [name, n] of Object.entries(nodes)) if (n.stage !== null) nodes[name] = { ...n, stage: null };
      return { ...s, nodes, running: null, live: e.ok && !s.planOnly ? e.revision : s.live, lastRun: { revision: e.revision, ok: e.ok, at, durationMs: e.durationMs, error: e.error } };
    }
    case "drift.checked":
      return { ...s, drift: { at, inSync: e.inSync, drifted: e.drifted, fix: e.fix, warn: e.warn }, nextCheckAt: e.nextCheckMs === null ? null : at + e.nextCheckMs };
    case "drift.failed":
      return { ...s, problem: `drift check failed: ${e.error}`, nextCheckAt: s.intervalMs === null ? null : at + s.intervalMs };
    default:
      return s;
  }
}

const count = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
const ago = (now: number, at: number): string => `${formatDuration((now - at) / 1000)} ago`;

/**
 * The live block: a few lines, redrawn in place by the CLI.
 *
 * @example
 * watchLines(state, Date.now())
 * // ["watching cluster.yaml · live abc123def456", "  worker-1  transfer  (last: converged)", "last run: ok 2 min 05 s ago (14 s)", ...]
 */
export function watchLines(s: WatchState, now: number, style: Style = plain): string[] {
  const mode = [s.planOnly ? "plan only" : null, s.selfHeal ? "self-heal" : null].filter((m) => m !== null).join(", ");
  const out = [style("heading", `watching ${s.source}${mode === "" ? "" : ` (${mode})`} · live ${s.live === null ? "none yet" : short(s.live)}`)];
  const width = Math.max(0, ...Object.keys(s.nodes).map((n) => n.length));
  for (const [name, n] of Object.entries(s.nodes)) {
    const last = n.last === null ? "" : style(n.last === "converged" || n.last === "unchanged" ? "muted" : "error", `last: ${n.last}`);
    out.push(`  ${name.padEnd(width)}  ${n.stage === null ? style("muted", "idle") : style("change", n.stage)}${last === "" ? "" : `  ${last}`}`);
  }
  if (s.running !== null) out.push(style("change", `running ${short(s.running.revision)} (${s.running.reason}) for ${formatDuration((now - s.running.since) / 1000)}`));
  if (s.lastRun !== null) {
    const r = s.lastRun;
    const how = r.ok ? style("add", "ok") : style("error", `failed: ${r.error ?? "see above"}`);
    out.push(`last run: ${short(r.revision)} ${how}, ${ago(now, r.at)} (took ${formatDuration(r.durationMs / 1000)})`);
  }
  if (s.drift !== null) {
    const d = s.drift;
    const what = d.inSync ? style("add", "in sync") : d.drifted === 0 ? style("warning", "not everything could be looked at") : style("warning", `${d.drifted} drifted (${d.fix} to fix, ${d.warn} warn only)`);
    out.push(`drift: ${what}, checked ${ago(now, d.at)}`);
  }
  if (s.nextCheckAt !== null) out.push(style("muted", `next drift check in ${formatDuration(Math.max(0, s.nextCheckAt - now) / 1000)}`));
  if (s.problem !== null) out.push(style("error", s.problem));
  return out;
}

/** JSON.stringify's replacer: an Error becomes its message (never its stack or its own fields). */
function errorsAsMessages(_key: string, value: unknown): unknown {
  return value instanceof Error ? value.message : value;
}

/**
 * One event as one JSON line, stamped with `time` (ISO). Plans already carry `(sensitive)` for
 * secrets, and Errors become their messages.
 *
 * @example
 * watchEventLine({ type: "run.started", revision: "abc", reason: "change" }, new Date("2026-12-06T10:00:00Z"))
 * // '{"time":"2026-12-06T10:00:00.000Z","type":"run.started","revision":"abc","reason":"change"}'
 */
export function watchEventLine(e: WatchEvent, time: Date): string {
  return JSON.stringify({ time: time.toISOString(), ...e }, errorsAsMessages);
}
