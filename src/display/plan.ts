/**
 * Plan → lines for people, in the shape Terraform users know: per node `+` create, `~` update,
 * `-` delete, `-/+` replace, a diff for changed text files, bytes to send and to unpack, warnings
 * (not enough disk, a lock held); then the Prefect objects (cluster-wide, with the fields an
 * update changes as `-`/`+` lines); and the summary line.
 * Pure: colors come from the `style` the CLI passes in (style.ts).
 */
import { API_RESOURCE_KINDS, parseAddress, parseStepId } from "../planner/address.js";
import { canonicalJson } from "../planner/fingerprint.js";
import type { Action, Change, Json, NodePlan, Plan } from "../planner/types.js";
import { formatBytes } from "../units.js";
import { plain, type Style, type Tone } from "./style.js";

export const MARKS: Record<Action, string> = { create: "+", update: "~", replace: "-/+", delete: "-", restart: "~", reload: "~", noop: " " };
/** How each action's row is painted (plans and drift reports alike). */
export const TONES: Record<Action, Tone> = { create: "add", update: "change", replace: "destroy", delete: "destroy", restart: "change", reload: "change", noop: "muted" };

function label(c: Change): string {
  return `${c.kind} ${parseAddress(c.address)?.name ?? c.address}`;
}

function detail(c: Change): string {
  if (c.action === "restart" || c.action === "reload") return c.action;
  if (c.prune && c.action === "delete") return c.reason;
  if (c.kind === "link" && c.after !== null && typeof c.after === "object" && !Array.isArray(c.after)) {
    const before = c.before !== null && typeof c.before === "object" && !Array.isArray(c.before) && typeof c.before.target === "string" ? `${c.before.target} → ` : "";
    return `${before}${String(c.after.target)}`;
  }
  if (c.sensitive && c.action === "update") return `${c.reason} (sensitive)`;
  return c.reason;
}

function nodeHeading(n: NodePlan): string {
  const roles = n.roles.length === 0 ? "" : ` [${n.roles.join(", ")}]`;
  return `node ${n.name} (${n.address})${roles}`;
}

export interface RenderOptions {
  style?: Style;
  /** Show unchanged resources too. */
  verbose?: boolean;
}

/** The plan as text lines; the last one is the summary. */
export function renderPlan(p: Plan, options: RenderOptions = {}): string[] {
  const style = options.style ?? plain;
  const out: string[] = [];
  for (const n of p.nodes) {
    out.push(style("heading", nodeHeading(n)));
    if (n.status === "unreachable") {
      out.push(style("error", `  ! unreachable: ${n.errors.join("; ")}`));
      if (n.hint !== null) out.push(style("muted", `    hint: ${n.hint}`));
      out.push("");
      continue;
    }
    for (const e of n.errors) out.push(style("error", `  ! ${e}`));
    for (const b of p.blockers) {
      const step = b.node === n.name && b.step !== null ? parseStepId(b.step) : null;
      if (step !== null) out.push(style("error", `  ! cannot apply ${step.stage} ${step.address}: ${b.reason}`));
    }
    for (const w of n.warnings) out.push(style("warning", `  warning: ${w}`));
    if (n.status === "errored") {
      out.push("");
      continue;
    }
    out.push(...changeLines(n.changes, p.prune, options, style));
    if (n.bytesToSend > 0 || n.bytesUnknown) {
      // What the node's store takes once installed (see disk.ts), beside what travels.
      const unpacked = n.disk.find((d) => d.path.endsWith("/store"))?.bytes ?? 0;
      const unpack = unpacked > 0 ? `; to unpack: about ${formatBytes(unpacked)}` : "";
      out.push(style("muted", `    to send: ${formatBytes(n.bytesToSend)}${n.bytesUnknown ? " plus sources not fetched yet" : ""}${unpack}`));
    }
    out.push("");
  }
  out.push(...clusterWideLines(p, options, style));
  const s = p.summary;
  if (s.kept > 0) out.push(style("muted", `${s.kept} resource${s.kept === 1 ? "" : "s"} no longer declared ${s.kept === 1 ? "is" : "are"} kept; apply --prune deletes ${s.kept === 1 ? "it" : "them"}.`));
  const unreachable = p.nodes.filter((n) => n.status !== "planned").map((n) => `${n.name} (${n.status})`);
  if (p.clusterWide.status === "errored") unreachable.push("the Prefect objects (errored)");
  if (unreachable.length > 0) out.push(style("error", `Not planned: ${unreachable.join(", ")}.`));
  const steps = p.blockers.filter((b) => b.step !== null).length;
  if (steps > 0) out.push(style("error", `Cannot be applied: ${steps} step${steps === 1 ? "" : "s"} this reconcile cannot carry out (marked !).`));
  if (p.hasChanges) out.push(`Plan: ${s.add} to add, ${s.change} to change, ${s.destroy} to destroy.`);
  else if (!p.errored) out.push("No changes. The nodes match cluster.yaml.");
  else if (p.nodes.some((n) => n.status === "planned")) out.push("No changes on the nodes that were planned; the others could not be checked.");
  else out.push("No node could be planned.");
  return out;
}

/** A list of changes as rows (mark, label, detail), with diffs, and a line on what is unchanged. */
function changeLines(changes: readonly Change[], prune: boolean, options: RenderOptions, style: Style): string[] {
  const out: string[] = [];
  // A difference a `warn` policy holds back is shown, marked `!`: drift that apply leaves alone.
  const warned = (c: Change) => c.held?.policy === "warn";
  const shown = changes.filter((c) => options.verbose === true || c.action !== "noop" || warned(c));
  const width = Math.min(60, Math.max(0, ...shown.map((c) => label(c).length)));
  for (const c of shown) {
    const mark = (warned(c) ? "!" : MARKS[c.action]).padStart(3);
    const held = c.action === "delete" && !prune;
    const tone: Tone = warned(c) ? "warning" : held ? "muted" : TONES[c.action];
    out.push(style(tone, `${mark} ${label(c).padEnd(width)}  `) + style("muted", detail(c)));
    // A new file's whole text is shown with --verbose only; changes to existing files always.
    const showDiff = c.diff !== null && (c.action !== "create" || options.verbose === true);
    if (showDiff && c.diff !== null) for (const line of c.diff.split("\n")) out.push(`      ${diffLine(line, style)}`);
    for (const line of fieldDiff(c)) out.push(`      ${diffLine(line, style)}`);
  }
  const unchanged = changes.filter((c) => c.action === "noop" && !warned(c)).length;
  const warnings = changes.filter(warned).length;
  const changing = changes.length - unchanged - warnings;
  if (changing === 0) out.push(style("muted", `    no changes (${unchanged} resource${unchanged === 1 ? "" : "s"} as declared)`));
  else if (options.verbose !== true && unchanged > 0) out.push(style("muted", `    (${unchanged} unchanged)`));
  return out;
}

const API_KINDS = new Set<string>(API_RESOURCE_KINDS);

/** For an update of a Prefect object: `-`/`+` per field that differs, values as JSON. */
function fieldDiff(c: Change): string[] {
  if ((c.action !== "update" && c.held === undefined) || !API_KINDS.has(c.kind)) return [];
  const isObject = (v: Json): v is { [key: string]: Json } => v !== null && typeof v === "object" && !Array.isArray(v);
  if (!isObject(c.before) || !isObject(c.after)) return [];
  const before = c.before;
  const after = c.after;
  // The planner names the fields that differ (silenced ones left out); older plans do not.
  const keys = c.fields ?? [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return keys.flatMap((k) => (canonicalJson(before[k]) === canonicalJson(after[k]) ? [] : [`-${k}: ${JSON.stringify(before[k] ?? null)}`, `+${k}: ${JSON.stringify(after[k] ?? null)}`]));
}

/** The Prefect objects, under their own heading: nothing when they were not gathered. */
function clusterWideLines(p: Plan, options: RenderOptions, style: Style): string[] {
  const w = p.clusterWide;
  if (w.status === "not-gathered") return [];
  const out = [style("heading", `cluster-wide (Prefect API on ${w.server})${w.version === null ? "" : ` [Prefect ${w.version}]`}`)];
  for (const e of w.errors) out.push(style("error", `  ! ${e}`));
  for (const warning of w.warnings) out.push(style("warning", `  warning: ${warning}`));
  if (w.status === "planned") out.push(...changeLines(w.changes, p.prune, options, style));
  out.push("");
  return out;
}

/** A line of a unified diff, painted: added lines green, removed red, hunk headers bold. */
export function diffLine(line: string, style: Style): string {
  if (line.startsWith("+++") || line.startsWith("---")) return style("muted", line);
  if (line.startsWith("+")) return style("add", line);
  if (line.startsWith("-")) return style("destroy", line);
  if (line.startsWith("@@")) return style("heading", line);
  return line;
}
