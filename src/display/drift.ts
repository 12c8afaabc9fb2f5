/**
 * The drift report (planner/drift.ts) for people and for machines: text for a terminal or a log,
 * in the shape Terraform and Argo CD users know (a heading per node that differs, a mark per
 * resource, its fields as `before → after`, the masked diff of a file); markdown to paste into an
 * issue or a pull request; and the JSON document, which is the report itself, versioned by its
 * `format`. Pure: the CLI passes the time and the colors in.
 */
import type { DriftItem, DriftReport, SilencedItem } from "../planner/drift.js";
import type { FieldDiff } from "../planner/drift-rules.js";
import type { Json } from "../planner/types.js";
import { REDACTED } from "../spec/secrets.js";
import { diffLine, MARKS, TONES } from "./plan.js";
import { plain, type Style, type Tone } from "./style.js";

export interface DriftRenderOptions {
  style?: Style;
  /** When the report was made (ISO 8601), shown in its first line; the display has no clock. */
  now?: string;
}

/** A value shown in a field line: JSON-compact, and a masked secret as it is (not as a JSON string). */
const shown = (v: Json): string => (v === REDACTED ? REDACTED : JSON.stringify(v));

/** Longest value shown in full; past it, a window around the first difference (digests, long paths). */
const MAX_VALUE = 60;
/** Characters kept before the first difference when a long value is cut. */
const LEAD = 16;

/**
 * Both sides of a field, cut to {@link MAX_VALUE} characters around where they first differ, so two
 * long store paths that differ in their digest still show the difference.
 *
 * @example
 * fieldValues("/opt/prefect/store/" + "b2".repeat(32), "/opt/prefect/store/" + "a1".repeat(32))
 * // ['…prefect/store/b2b2b2…', '…prefect/store/a1a1a1…'] (each at most 60 characters between the marks)
 */
export function fieldValues(before: Json, after: Json): [string, string] {
  const b = shown(before);
  const a = shown(after);
  if (b.length <= MAX_VALUE && a.length <= MAX_VALUE) return [b, a];
  let common = 0;
  while (common < b.length && common < a.length && b[common] === a[common]) common++;
  const start = Math.max(0, common - LEAD);
  const cut = (s: string) => {
    if (s.length <= MAX_VALUE && start === 0) return s;
    const from = Math.min(start, Math.max(0, s.length - MAX_VALUE));
    const end = from + MAX_VALUE;
    return `${from > 0 ? "…" : ""}${s.slice(from, end)}${end < s.length ? "…" : ""}`;
  };
  return [cut(b), cut(a)];
}

const fieldLine = (f: FieldDiff): string => {
  const [b, a] = fieldValues(f.before, f.after);
  return `${f.path}: ${b} → ${a}`;
};

/** What an item needing `--prune` is, in words (its planner reason says how a plan treats it, not why drift shows it). */
const pruneText = (d: DriftItem): string => `${d.outOfBand ? "made outside reconcile in a pool it manages" : "no longer declared"}; deleted only with --prune`;

/**
 * The item's words after its address: the summary, or what a prune item is; and the reason of a
 * `warn` policy when the summary does not already say it (the mark says `warn`).
 */
function itemText(d: DriftItem): string {
  const text = d.prune ? pruneText(d) : d.summary;
  if (d.policy !== "warn" || d.policyReason === null || text.includes(d.policyReason)) return text;
  return `${text} (${d.policyReason})`;
}

/** The mark column: the action's (as in plans), or `! warn` for a difference only reported, never changed. */
const markOf = (d: DriftItem): string => (d.policy === "warn" ? "  ! warn" : MARKS[d.action].padStart(3));

function itemLines(d: DriftItem, style: Style): string[] {
  const tone = d.policy === "warn" ? "warning" : d.prune ? "muted" : TONES[d.action];
  const out = [style(tone, `${markOf(d)} ${d.address}`) + `  ${style("muted", itemText(d))}`];
  for (const f of d.fields) out.push(`      ${fieldLine(f)}`);
  if (d.diff !== null) for (const line of d.diff.split("\n")) out.push(`      ${diffLine(line, style)}`);
  for (const i of d.ignored) out.push(style("muted", `      ignored: ${i.field} (${i.reason})`));
  return out;
}

const silencedFields = (s: SilencedItem): string => (s.fields.length === 0 || s.fields.includes("*") ? "" : ` ${s.fields.join(", ")}`);

function silencedText(s: SilencedItem): string {
  const where = s.node === null ? "" : `${s.node} `;
  const why = s.by === "policy" ? `policy ignore${s.reason === null ? "" : `: ${s.reason}`}` : s.reason;
  return `${where}${s.address}${silencedFields(s)}${why === null ? "" : ` (${why})`}`;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** `a`, `a and b`, `a, b and c`. */
const listed = (names: readonly string[]): string => (names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names.at(-1) ?? ""}`);

/** The spec file's name as users call it (`cluster.yaml`, `prod.yaml`), not its full path. */
const specName = (r: DriftReport): string => r.specFile.split("/").at(-1) ?? r.specFile;

/** What could not be looked at, as `worker-2 (unreachable)`, `the Prefect API (errored)`. */
function notChecked(r: DriftReport): string[] {
  const out = r.nodes.filter((n) => n.status === "unreachable" || n.status === "errored").map((n) => `${n.name} (${n.status})`);
  if (r.prefect.status === "unreachable" || r.prefect.status === "errored") out.push(`the Prefect API (${r.prefect.status})`);
  return out;
}

/**
 * The report in one line: what differs, where, how much the rules silenced, and whether anything
 * could not be looked at. The last line of the text; `drift --out` prints it alone.
 *
 * @example
 * driftSummary(report)
 * // "Drift: 3 resources differ (2 fix, 1 warn) on nodes server, worker-1 and the Prefect objects, 1 silenced by drift rules."
 */
export function driftSummary(r: DriftReport): string {
  const missing = notChecked(r);
  const incomplete = missing.length === 0 ? "" : ` Incomplete: ${listed(missing)} could not be checked.`;
  const silenced = r.summary.silenced === 0 ? "" : `, ${plural(r.summary.silenced, "resource", "resources")} silenced by drift rules`;
  if (r.drift.length === 0) {
    const scope = r.prefect.status === "not-gathered" ? "every node matches" : "every node and the Prefect objects match";
    if (missing.length === 0) return `No drift: ${scope} ${specName(r)}${silenced}.`;
    return `No drift on what could be checked${silenced}.${incomplete}`;
  }
  const nodes = r.nodes.filter((n) => n.status === "drifted").map((n) => n.name);
  const where = [...(nodes.length === 0 ? [] : [`${nodes.length === 1 ? "node" : "nodes"} ${nodes.join(", ")}`]), ...(r.drift.some((d) => d.node === null) ? ["the Prefect objects"] : [])];
  const differ = r.summary.drifted === 1 ? "1 resource differs" : `${r.summary.drifted} resources differ`;
  return `Drift: ${differ} (${r.summary.fix} fix, ${r.summary.warn} warn) on ${listed(where)}${silenced}.${incomplete}`;
}

/** The first line: which cluster, which spec, when. */
function heading(r: DriftReport, now: string | undefined): string {
  return `Drift report for cluster ${r.cluster}: ${specName(r)} (spec ${r.specDigest.slice(0, 12)})${now === undefined ? "" : `, checked ${now}`}`;
}

/**
 * The report as text lines for people; the last one is {@link driftSummary}.
 *
 * @example
 * renderDriftText(report, { now: "2026-12-06T19:00:00.000Z" })
 * // ["Drift report for cluster plant: cluster.yaml (spec ec2949689c30), checked 2026-12-06T19:00:00.000Z", "",
 * //  "node worker-1", "  ~ service:prefect-worker@production.service  inactive → enabled, active", "      active: false → true", "", ...]
 */
export function renderDriftText(report: DriftReport, options: DriftRenderOptions = {}): string[] {
  const style = options.style ?? plain;
  const out = [style("muted", heading(report, options.now)), ""];
  const inSync: string[] = [];
  for (const n of report.nodes) {
    if (n.status === "in-sync") {
      inSync.push(n.name);
      continue;
    }
    out.push(style("heading", `node ${n.name}`));
    for (const e of n.errors) out.push(style("error", `  ! ${n.status}: ${e}`));
    for (const d of report.drift.filter((i) => i.node === n.name)) out.push(...itemLines(d, style));
    out.push("");
  }
  const p = report.prefect;
  if (p.status === "in-sync") inSync.push("the Prefect objects");
  else if (p.status !== "not-gathered") {
    out.push(style("heading", `Prefect objects${p.version === null ? "" : ` (Prefect ${p.version})`}`));
    for (const e of p.errors) out.push(style("error", `  ! ${p.status}: ${e}`));
    for (const d of report.drift.filter((i) => i.node === null)) out.push(...itemLines(d, style));
    out.push("");
  }
  if (inSync.length > 0) out.push(style("muted", `in sync: ${inSync.join(", ")}`), "");
  const warnings = report.nodes.flatMap((n) => (n.warnings ?? []).map((w) => `warning: ${n.name}: ${w}`));
  if (warnings.length > 0) out.push(...warnings.map((w) => style("warning", w)), "");
  if (report.silenced.length > 0) {
    for (const s of report.silenced) out.push(style("muted", `ignored: ${silencedText(s)}`));
    out.push("");
  }
  out.push(style(summaryTone(report), driftSummary(report)));
  return out;
}

/** The summary line's tone follows the exit code: red when something was not checked, yellow for drift. */
const summaryTone = (r: DriftReport): Tone => (notChecked(r).length > 0 ? "error" : r.drift.length > 0 ? "change" : "heading");

/**
 * The report as JSON, stamped with the time it was made: what `drift --format json` prints and
 * `--out` keeps. The shape is the report's ({@link DriftReport}, versioned by `format`).
 *
 * @example
 * JSON.parse(driftJson(report, "2026-12-06T19:00:00.000Z")).generatedAt // "2026-12-06T19:00:00.000Z"
 */
export function driftJson(report: DriftReport, generatedAt: string): string {
  const { format, ...rest } = report;
  return `${JSON.stringify({ format, generatedAt, ...rest }, null, 2)}\n`;
}

// ---- markdown ----

/** Text in a markdown paragraph or table cell: HTML, emphasis and the cell separator kept literal. */
export function mdText(text: string): string {
  return text
    .replace(/[\r\n]+/g, " ")
    .replace(/[\\`*_[\]|<>]/g, (c) => (c === "<" ? "&lt;" : c === ">" ? "&gt;" : `\\${c}`));
}

/**
 * A code span that holds any text: its fence is one backtick longer than the longest run inside,
 * padded when the text starts or ends with a backtick. In a table cell `|` is escaped as well
 * (GitHub splits cells on it even inside code).
 */
export function mdCode(text: string, inTable = false): string {
  const flat = text.replace(/[\r\n]+/g, " ");
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  const body = inTable ? flat.replace(/\|/g, "\\|") : flat;
  return `${fence}${pad}${body}${pad}${fence}`;
}

/** A fenced block that no line of `text` can close early. */
function mdFence(lang: string, text: string): string[] {
  const longest = Math.max(0, ...text.split("\n").map((l) => /^\s*(`+)/.exec(l)?.[1]?.length ?? 0));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return [`${fence}${lang}`, ...text.split("\n"), fence];
}

const htmlText = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

const nodeCell = (node: string | null): string => (node === null ? "Prefect objects" : mdCode(node, true));

function policyCell(d: DriftItem): string {
  if (d.policy === "fix") return d.prune ? "fix with --prune" : "fix";
  return `warn${d.policyReason === null ? "" : `: ${mdText(d.policyReason)}`}`;
}

function mdStatus(r: DriftReport): string {
  const missing = notChecked(r);
  const status = missing.length > 0 ? "incomplete" : r.drift.length > 0 ? "drift" : "in sync";
  return `**Status: ${status}.** ${mdText(driftSummary(r))}`;
}

/** One item's details (fields, diff, ignored fields); null when the table row says it all. */
function mdDetails(d: DriftItem): string[] | null {
  if (d.fields.length === 0 && d.diff === null && d.ignored.length === 0) return null;
  const where = d.node === null ? "" : `<code>${htmlText(d.node)}</code> `;
  const out = ["<details>", `<summary>${where}<code>${htmlText(d.address)}</code>: ${htmlText(itemText(d))}</summary>`, ""];
  for (const f of d.fields) {
    const [b, a] = fieldValues(f.before, f.after);
    out.push(`- ${mdCode(f.path)}: ${mdCode(b)} → ${mdCode(a)}`);
  }
  for (const i of d.ignored) out.push(`- ${mdCode(i.field)}: ignored (${mdText(i.reason)})`);
  if (d.diff !== null) out.push("", ...mdFence("diff", d.diff));
  out.push("", "</details>", "");
  return out;
}

/**
 * The report in GitHub-flavoured markdown, for an issue or a pull request: a title, a status
 * line, a table of every difference, the details of each (fields, masked diffs), what the drift
 * rules silenced and what could not be checked.
 *
 * @example
 * renderDriftMarkdown(report, { now: "2026-12-06T19:00:00.000Z" }).split("\n")[0] // "## Drift in cluster plant"
 */
export function renderDriftMarkdown(report: DriftReport, options: { now?: string } = {}): string {
  const out = [`## Drift in cluster ${mdText(report.cluster)}`, "", mdStatus(report), ""];
  out.push(`Spec ${mdCode(specName(report))} (sha256 ${mdCode(report.specDigest.slice(0, 12))})${options.now === undefined ? "" : `, checked ${mdText(options.now)}`}.`, "");
  if (report.drift.length > 0) {
    out.push("| Node | Resource | Change | Policy |", "| --- | --- | --- | --- |");
    for (const d of report.drift) out.push(`| ${nodeCell(d.node)} | ${mdCode(d.address, true)} | ${d.action}: ${mdText(d.prune ? pruneText(d) : d.summary)} | ${policyCell(d)} |`);
    out.push("");
    const details = report.drift.map(mdDetails).filter((d): d is string[] => d !== null);
    if (details.length > 0) out.push("### Details", "", ...details.flat());
  }
  if (report.silenced.length > 0) {
    out.push("### Silenced by drift rules", "");
    for (const s of report.silenced) {
      const why = s.by === "policy" ? `policy ignore${s.reason === null ? "" : `: ${s.reason}`}` : s.reason;
      out.push(`- ${s.node === null ? "" : `${mdCode(s.node)} `}${mdCode(s.address)}${silencedFields(s) === "" ? "" : ` ${s.fields.map((f) => mdCode(f)).join(", ")}`}${why === null ? "" : `: ${mdText(why)}`}`);
    }
    out.push("");
  }
  const errors = [
    ...report.nodes.flatMap((n) => n.errors.map((e) => `- ${mdCode(n.name)} (${n.status}): ${mdText(e)}`)),
    ...report.prefect.errors.map((e) => `- the Prefect API (${report.prefect.status}): ${mdText(e)}`),
  ];
  if (errors.length > 0) out.push("### Not checked", "", ...errors, "");
  const warnings = report.nodes.flatMap((n) => (n.warnings ?? []).map((w) => `- ${mdCode(n.name)}: ${mdText(w)}`));
  if (warnings.length > 0) out.push("### Warnings", "", ...warnings, "");
  return `${out.join("\n").trimEnd()}\n`;
}
