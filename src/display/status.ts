/**
 * `reconcile status` for people: one compact screen of the whole cluster from a
 * {@link ClusterStatus}. Per node a heading line (roles, generation, when and from which spec or
 * commit it was applied), then its services, envs and flows; the Prefect server's version and
 * health; each pool with its queues, workers and late runs; drift, one line per resource. Pure:
 * colors are the caller's `style`, and ages come from the caller's `secondsSince` (the display
 * keeps no time).
 */
import type { ClusterStatus, LinkStatus, NodeStatusEntry, PoolStatus, ServiceStatus } from "../planner/status.js";
import { formatDuration } from "./progress.js";
import { plain, type Style, type Tone } from "./style.js";

export interface StatusRenderOptions {
  style?: Style;
  /** Seconds from an ISO time to now (null when it does not parse): ages are shown only with it. */
  secondsSince?: (iso: string) => number | null;
}

const SERVICE_TONE: Record<ServiceStatus["state"], Tone> = { ok: "add", down: "destroy", missing: "destroy" };
const SERVICE_MARK: Record<ServiceStatus["state"], string> = { ok: "●", down: "✗", missing: "?" };

/** `2026-11-01 09:00 UTC (3 h 05 min ago)`: the time as written, and its age when the caller keeps time. */
function when(iso: string, o: StatusRenderOptions): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(?::\d\d(?:\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.exec(iso);
  const text = m === null ? iso : `${m[1]} ${m[2]}${m[3] === "Z" ? " UTC" : ` ${m[3]}`}`;
  const age = o.secondsSince?.(iso) ?? null;
  return age === null ? text : `${text} (${ago(age)})`;
}

/** An age in words: seconds to hours as progress lines say them, whole days past two. */
function ago(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  return days >= 2 ? `${days} days ago` : `${formatDuration(seconds)} ago`;
}

/** Pads to the longest of `texts`, so columns line up inside a node or pool. */
const padTo = (texts: readonly string[]) => {
  const width = Math.max(0, ...texts.map((t) => t.length));
  return (t: string) => t.padEnd(width);
};

function applied(n: NodeStatusEntry, o: StatusRenderOptions, style: Style): string {
  if (n.generation === null) return style("warning", "never applied");
  const parts = [`generation ${n.generation}`];
  if (n.appliedAt !== null) parts.push(`applied ${when(n.appliedAt, o)}`);
  if (n.specDigest !== null) parts.push(`spec ${n.specDigest}${n.specCurrent === true ? "" : ` ${style("change", "(not the current spec)")}`}`);
  if (n.revision !== null) parts.push(`commit ${n.revision.slice(0, 12)}`);
  return parts.join(", ");
}

function linkLine(kind: "env" | "flow", l: LinkStatus, pad: (t: string) => string, style: Style): string {
  const head = `  ${kind.padEnd(4)} ${pad(l.name)}  `;
  if (l.state === "absent") return head + style("destroy", "missing");
  if (l.state === "other") return head + style("destroy", "not a link");
  const what = l.digest === null ? "points outside the store" : `${l.artifact ?? "unknown target"} ${l.digest}`;
  const note = !l.declared ? " (not declared)" : l.current ? "" : " (not the declared version)";
  return head + (l.current ? what : style("change", `${what}${note}`));
}

function nodeLines(n: NodeStatusEntry, o: StatusRenderOptions, style: Style): string[] {
  const roles = n.roles.length === 0 ? "" : `  ${n.roles.join(", ")}${n.pools.length === 0 ? "" : ` (${n.pools.join(", ")})`}`;
  const heading = `${style("heading", `node ${n.name}`)} ${n.address}${roles}`;
  if (!n.reachable) {
    const out = [heading, `  ${style("error", `unreachable: ${n.error ?? "no facts"}`)}`];
    if (n.hint !== null) out.push(`    hint: ${n.hint}`);
    return out;
  }
  const out = [heading, `  ${applied(n, o, style)}`];
  if (n.lock !== null) out.push(`  ${style("warning", `locked by ${n.lock.holder} on ${n.lock.host} (pid ${n.lock.pid}) until ${when(n.lock.expiresAt, {})}`)}`);
  const unit = padTo(n.services.map((s) => s.unit));
  for (const s of n.services) {
    const state = s.state === "missing" ? "not installed" : `${s.active}/${s.sub}${s.enabled === "" ? "" : `, ${s.enabled}`}`;
    out.push(`  ${style(SERVICE_TONE[s.state], SERVICE_MARK[s.state])} ${unit(s.unit)}  ${style(SERVICE_TONE[s.state], state)}${s.declared ? "" : style("muted", " (not declared)")}`);
  }
  const name = padTo([...n.envs, ...n.flows].map((l) => l.name));
  for (const l of n.envs) out.push(linkLine("env", l, name, style));
  for (const l of n.flows) out.push(linkLine("flow", l, name, style));
  for (const e of n.factErrors) out.push(`  ${style("error", `could not read ${e}`)}`);
  return out;
}

function prefectLine(s: ClusterStatus, style: Style): string {
  const p = s.prefect;
  const head = style("heading", "prefect");
  if (p.state === "not-gathered") return `${head} ${style("warning", "not read")}`;
  if (p.state !== "gathered") return `${head} ${style("error", p.error ?? p.state)}`;
  const health = p.health === null ? "health not read" : p.health.ok ? style("add", "health ok") : style("error", `health ${p.health.detail}`);
  const error = p.error === null ? "" : `, ${style("error", p.error)}`;
  return `${head} ${p.version ?? "unknown version"}, ${health}${error}`;
}

function poolLines(p: PoolStatus, o: StatusRenderOptions, style: Style): string[] {
  const head = style("heading", `pool ${p.name}`);
  if (p.exists === false) return [`${head} ${style("destroy", "not on the server")}`, ...p.errors.map((e) => `  ${style("error", e)}`)];
  const flags = [p.paused === true ? style("change", "paused") : "", p.concurrencyLimit === null ? "" : `limit ${p.concurrencyLimit}`].filter((x) => x !== "");
  const workers = p.workersRead ? `${p.online}/${p.total} workers online` : "workers not read";
  const late = p.lateRuns === null ? "late runs not read" : `${p.lateRuns}${p.lateRunsMore ? "+" : ""} late ${p.lateRuns === 1 && !p.lateRunsMore ? "run" : "runs"}`;
  const out = [
    `${head}${flags.length === 0 ? "" : ` (${flags.join(", ")})`}  ${style(p.workersRead && p.online === p.total && p.total > 0 ? "add" : "warning", workers)}, ${style(p.lateRuns === 0 ? "muted" : p.lateRuns === null ? "warning" : "change", late)}`,
  ];
  if (p.queues.length > 0) {
    const qs = p.queues.map((q) => {
      const extra = [`priority ${q.priority}`, q.concurrencyLimit === null ? "" : `limit ${q.concurrencyLimit}`, q.paused ? "paused" : "", q.declared ? "" : "not declared"].filter((x) => x !== "");
      const text = `${q.name} (${extra.join(", ")})`;
      return q.paused ? style("change", text) : text;
    });
    out.push(`  queues   ${qs.join(" · ")}`);
  }
  for (const w of p.workers.filter((w) => w.status !== "ONLINE")) {
    const beat = w.lastHeartbeat === null ? "" : `, last heartbeat ${when(w.lastHeartbeat, o)}`;
    const where = w.node === null ? "" : ` on ${w.node}`;
    out.push(`  ${style("destroy", w.status.toLowerCase().padEnd(8))} ${w.name}${where}${beat}`);
  }
  for (const e of p.errors) out.push(`  ${style("error", e)}`);
  return out;
}

function driftLines(s: ClusterStatus, style: Style): string[] {
  const d = s.drift;
  const silenced = d.silenced === 0 ? "" : style("muted", ` (${d.silenced} silenced by drift rules)`);
  if (d.items.length === 0) return [`${style("heading", "drift")}   ${d.inSync ? style("add", "no drift") : style("warning", "none found in what could be read")}${silenced}`];
  const out = [`${style("heading", "drift")}   ${style("change", `${d.items.length} ${d.items.length === 1 ? "resource differs" : "resources differ"}`)}${silenced}`];
  const where = padTo(d.items.map((i) => i.node ?? "prefect"));
  const addr = padTo(d.items.map((i) => i.address));
  for (const i of d.items) out.push(`  ${where(i.node ?? "prefect")}  ${addr(i.address)}  ${i.summary}${i.policy === "warn" ? style("muted", " (warn)") : ""}`);
  return out;
}

/**
 * The screen, line by line (no final blank line).
 *
 * @example
 * renderStatus(status, { style: plain })
 * // ["cluster plant, spec 5d5d5d5d5d5d", "", "node server 198.51.100.11  server, proxy", "  generation 3, applied 2026-11-01 09:00 UTC, spec 5d5d5d5d5d5d", "  ● prefect-server.service  active/running, enabled", ...]
 */
export function renderStatus(s: ClusterStatus, o: StatusRenderOptions = {}): string[] {
  const style = o.style ?? plain;
  const out = [`${style("heading", `cluster ${s.cluster}`)}, spec ${s.specDigest}`, ""];
  for (const n of s.nodes) out.push(...nodeLines(n, o, style), "");
  out.push(prefectLine(s, style));
  for (const p of s.pools) out.push(...poolLines(p, o, style));
  out.push("", ...driftLines(s, style));
  if (s.problems.length > 0) {
    out.push("", style("error", `${s.problems.length} ${s.problems.length === 1 ? "thing" : "things"} could not be read:`));
    for (const p of s.problems) out.push(`  ${p}`);
  }
  return out;
}

/** `--json`: the status as it is, versioned by its `format` (without the final newline). */
export function statusJson(s: ClusterStatus): string {
  return JSON.stringify(s, null, 2);
}
