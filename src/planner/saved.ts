/**
 * Saved plans (`plan --out`): what makes one safe to apply. A saved plan is applied exactly as it
 * was made, so it is refused when cluster.yaml changed, when it was not applyable, or when any fact
 * it was decided on has moved since (each moved fact is named).
 */
import type { FactSet } from "../facts/types.js";
import { parseApiAddress, type ApiResourceKind } from "./address.js";
import { canonicalJson, movedFacts } from "./fingerprint.js";
import { stepOrderProblem } from "./order.js";
import { describeBlocker } from "./plan.js";
import { PLAN_FORMAT, type Plan } from "./types.js";

/** The document `plan --json` prints and `plan --out` saves. */
export interface SavedPlan extends Plan {
  format: "reconcile-plan";
  createdAt: string;
  reconcileVersion: string;
}

/** Checks the shape of a parsed saved plan; returns why it is not one, or null. */
export function savedPlanProblem(value: unknown): string | null {
  if (typeof value !== "object" || value === null) return "not a JSON object";
  const v = value as Partial<SavedPlan>;
  if (v.format !== "reconcile-plan") return "not a reconcile plan (no \"format\": \"reconcile-plan\")";
  if (v.formatVersion !== PLAN_FORMAT) {
    const older = typeof v.formatVersion === "number" && v.formatVersion < PLAN_FORMAT;
    return `plan format ${String(v.formatVersion)} ${older ? "was written by an older reconcile" : "is not one this reconcile knows"} (this one applies format ${PLAN_FORMAT}): make a new plan`;
  }
  if (typeof v.specDigest !== "string" || !Array.isArray(v.nodes) || typeof v.facts !== "object" || v.facts === null) return "the plan is incomplete";
  if (typeof v.clusterWide !== "object" || v.clusterWide === null || typeof v.order !== "object" || v.order === null || !Array.isArray(v.order.waves) || !Array.isArray(v.order.rolling) || !Array.isArray(v.blockers)) {
    return "the plan is incomplete (no cluster-wide section, order or blockers)";
  }
  const isList = (x: unknown) => Array.isArray(x);
  if (!v.order.waves.every((w) => typeof w === "object" && w !== null && (w.name === "cluster-wide" ? isList(w.addresses) : (w.name === "server" || w.name === "workers") && isList(w.nodes)))) {
    return "the plan's order has a wave that is not one of server, cluster-wide, workers with its list";
  }
  if (!v.order.rolling.every((g) => typeof g === "object" && g !== null && typeof g.pool === "string" && isList(g.nodes) && typeof g.limit === "number")) return "the plan's order has a rolling group without pool, nodes and limit";
  if (!v.nodes.every((n) => typeof n === "object" && n !== null && typeof n.name === "string" && isList(n.steps) && isList(n.changes))) return "the plan has a node without name, changes and steps";
  if (!isList(v.clusterWide.steps) || !isList(v.clusterWide.changes)) return "the plan's cluster-wide section has no changes and steps";
  const wide = clusterWideProblem(v.clusterWide as unknown as Record<string, unknown>);
  if (wide !== null) return wide;
  const wave = v.order.waves.find((w) => w.name === "cluster-wide");
  const ids = v.clusterWide.steps.map((s) => s.id);
  if (wave !== undefined && wave.name === "cluster-wide" && canonicalJson(wave.addresses) !== canonicalJson(ids)) return "the plan's cluster-wide wave does not list the cluster-wide steps";
  // Every node runs in exactly one wave: the cluster run reads nothing else.
  const inWaves = v.order.waves.flatMap((w) => (w.name === "cluster-wide" ? [] : w.nodes));
  for (const node of v.nodes) {
    const times = inWaves.filter((n) => n === node.name).length;
    if (times !== 1) return `the plan's order has node ${node.name} in ${times} waves (expected 1)`;
  }
  return stepOrderProblem(v as SavedPlan);
}

const API_DETAIL_FIELDS: Record<ApiResourceKind, { write: string[]; delete: string[] }> = {
  "work-pool": { write: ["name", "create", "update"], delete: ["name"] },
  "work-queue": { write: ["pool", "name", "create", "update"], delete: ["pool", "name"] },
  flow: { write: ["name", "create"], delete: ["name", "id"] },
  deployment: { write: ["flow", "name", "create", "update"], delete: ["flow", "name", "id"] },
};

/**
 * Why the cluster-wide section cannot be carried out as it is, or null: every step one of a known
 * kind at its own address, with what its action needs, and depending only on steps listed before it.
 */
function clusterWideProblem(wide: Record<string, unknown>): string | null {
  if (!["planned", "not-gathered", "errored"].includes(wide.status as string) || typeof wide.server !== "string" || !Array.isArray(wide.errors) || !Array.isArray(wide.warnings)) {
    return "the plan's cluster-wide section is incomplete (no status, server, errors or warnings): make a new plan";
  }
  const seen = new Set<string>();
  for (const step of wide.steps as unknown[]) {
    if (typeof step !== "object" || step === null) return "the plan has a cluster-wide step that is not an object";
    const s = step as Record<string, unknown>;
    const id = typeof s.id === "string" ? s.id : "?";
    const parsed = parseApiAddress(id);
    if (parsed === null || s.address !== id) return `the plan's cluster-wide step ${id} is not at the address of a work pool, queue, flow or deployment`;
    if (s.action !== "create" && s.action !== "update" && s.action !== "delete") return `the plan's cluster-wide step ${id} has action ${String(s.action)}, not create, update or delete`;
    const detail = s.detail as Record<string, unknown> | null;
    if (typeof detail !== "object" || detail === null || detail.kind !== parsed.kind) return `the plan's cluster-wide step ${id} has no ${parsed.kind} detail`;
    const fields = API_DETAIL_FIELDS[parsed.kind][s.action === "delete" ? "delete" : "write"];
    const missing = fields.filter((f) => detail[f] === undefined || ((f === "create" || f === "update") && (typeof detail[f] !== "object" || detail[f] === null)));
    if (missing.length > 0) return `the plan's cluster-wide step ${id} has no ${missing.join(", ")} in its detail`;
    if (!Array.isArray(s.dependsOn) || !s.dependsOn.every((d) => typeof d === "string" && seen.has(d))) return `the plan's cluster-wide step ${id} depends on a step that is not listed before it`;
    if (seen.has(id)) return `the plan has cluster-wide step ${id} twice`;
    seen.add(id);
  }
  return null;
}

/**
 * Why a saved plan cannot be applied now, one line each; empty when it can.
 *
 * @example
 * stalePlanReasons(saved, cluster.specDigest, factsNow)
 * // → ["node worker-a: file:/etc/prefect/worker.env changed since the plan was made"]
 */
export function stalePlanReasons(saved: SavedPlan, specDigest: string, now: FactSet, clusterWideNow?: string): string[] {
  const reasons: string[] = [];
  const planned = saved.clusterWide.factsDigest;
  if (planned !== undefined && planned !== clusterWideNow) reasons.push(`the Prefect objects on the server (or the record of those reconcile created) changed since the plan was made`);
  if (saved.specDigest !== specDigest) reasons.push("cluster.yaml changed since the plan was made");
  if (!saved.applyable) reasons.push(`the plan was not applyable when it was made: ${saved.blockers.length > 0 ? saved.blockers.map(describeBlocker).join("; ") : "no reason recorded"}`);
  for (const [node, digests] of Object.entries(saved.facts).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const result = now[node];
    if (result === undefined) {
      reasons.push(`node ${node}: not in this run`);
      continue;
    }
    if (!result.reachable) {
      reasons.push(`node ${node}: cannot check the plan's facts: ${result.error.message}`);
      continue;
    }
    for (const key of movedFacts(digests, result.facts)) reasons.push(`node ${node}: ${key} changed since the plan was made`);
  }
  return reasons;
}
