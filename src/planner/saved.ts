/**
 * Saved plans (`plan --out`): what makes one safe to apply. A saved plan is applied exactly as it
 * was made, so it is refused when cluster.yaml changed, when it was not applyable, or when any fact
 * it was decided on has moved since (each moved fact is named).
 */
import type { FactSet } from "../facts/types.js";
import { movedFacts } from "./fingerprint.js";
import type { Plan } from "./types.js";

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
  if (v.formatVersion !== 1) return `plan format version ${String(v.formatVersion)} is not supported (expected 1)`;
  if (typeof v.specDigest !== "string" || !Array.isArray(v.nodes) || typeof v.facts !== "object" || v.facts === null) return "the plan is incomplete";
  return null;
}

/**
 * Why a saved plan cannot be applied now, one line each; empty when it can.
 *
 * @example
 * stalePlanReasons(saved, cluster.specDigest, factsNow)
 * // → ["node worker-a: file:/etc/prefect/worker.env changed since the plan was made"]
 */
export function stalePlanReasons(saved: SavedPlan, specDigest: string, now: FactSet): string[] {
  const reasons: string[] = [];
  if (saved.specDigest !== specDigest) reasons.push("cluster.yaml changed since the plan was made");
  if (!saved.applyable) reasons.push("the plan was not applyable when it was made (a node was unreachable or errored)");
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
