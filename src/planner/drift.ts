/**
 * The drift report: every difference between the nodes (and the Prefect objects) and the declared
 * state, per resource and per field, read off a plan made with the drift rules applied. Pure and
 * deterministic (the CLI stamps the time). `reconcile drift --format json` prints it as it is:
 * the format is versioned ({@link DRIFT_FORMAT}) and documented in the README.
 */
import { changedFields, type FieldDiff } from "./drift-rules.js";
import type { Address } from "./address.js";
import type { Action, Change, Plan, ResourceKind } from "./types.js";

/** The version of the report's JSON shape: bumped when a field changes meaning or goes away. */
export const DRIFT_FORMAT = 1;

/** One resource that differs. */
export interface DriftItem {
  /** The node it is on; null for the Prefect objects (cluster-wide). */
  node: string | null;
  address: Address;
  kind: ResourceKind;
  /** What converging it would do (`create` when it is missing, `delete` when it should not be there). */
  action: Exclude<Action, "noop">;
  /** In words: `stopped → enabled, active`, `schedules differ`, `no such file`. */
  summary: string;
  /** The differing fields (none for a missing or extra resource); secrets read `(sensitive)`. */
  fields: FieldDiff[];
  /** A changed text file's unified diff (never for files holding secrets). */
  diff: string | null;
  /** `fix`: apply, `watch --self-heal` converge it; `warn`: reported only. */
  policy: "fix" | "warn";
  /** The policy's reason, when a rule set one. */
  policyReason: string | null;
  /** Fields of this resource that drift.ignore silenced, with the rule's reason. */
  ignored: { field: string; reason: string }[];
  /** Not declared: deleted only with `--prune` (`outOfBand`: made outside reconcile, in a pool it manages). */
  prune: boolean;
  outOfBand: boolean;
}

/** A resource whose differences the rules silenced completely: listed so nothing is hidden silently. */
export interface SilencedItem {
  node: string | null;
  address: Address;
  /** `ignore` (drift.ignore rules, with the fields) or `policy` (an `ignore` policy). */
  by: "ignore" | "policy";
  fields: string[];
  reason: string | null;
}

export type DriftStatus = "in-sync" | "drifted" | "unreachable" | "errored" | "not-gathered";

export interface DriftReport {
  format: typeof DRIFT_FORMAT;
  cluster: string;
  specFile: string;
  specDigest: string;
  /** No difference with policy fix or warn, and everything could be looked at. */
  inSync: boolean;
  /**
   * Every node: in sync, drifted, or why it could not be looked at (`errors`); `warnings` are what
   * is worth knowing besides (a lock held, store folders installed before content digests).
   */
  nodes: { name: string; status: Exclude<DriftStatus, "not-gathered">; errors: string[]; warnings: string[] }[];
  /** The Prefect objects: `not-gathered` when the API was not asked. */
  prefect: { status: DriftStatus; version: string | null; errors: string[] };
  /** Every difference, nodes in spec order then the Prefect objects, each in plan order. */
  drift: DriftItem[];
  silenced: SilencedItem[];
  summary: { drifted: number; fix: number; warn: number; silenced: number; byKind: Record<string, number> };
}

function item(node: string | null, c: Change): DriftItem | null {
  const warn = c.held?.policy === "warn";
  if (c.action === "noop" && !warn) return null;
  const action = c.action === "noop" ? heldAction(c) : c.action;
  return {
    node,
    address: c.address,
    kind: c.kind,
    action,
    summary: c.reason,
    fields: changedFields(c),
    diff: c.sensitive ? null : c.diff,
    policy: warn ? "warn" : "fix",
    policyReason: c.held?.reason ?? null,
    ignored: c.ignored ?? [],
    prune: c.prune,
    outOfBand: c.outOfBand === true,
  };
}

/** What a held change would have done: it kept its before and after. */
const heldAction = (c: Change): Exclude<Action, "noop"> => (c.before === null ? "create" : c.after === null ? "delete" : "update");

function silenced(node: string | null, c: Change): SilencedItem | null {
  if (c.held?.policy === "ignore") return { node, address: c.address, by: "policy", fields: [], reason: c.held.reason };
  if (c.action === "noop" && c.ignored !== undefined && c.ignored.length > 0) {
    return { node, address: c.address, by: "ignore", fields: c.ignored.map((i) => i.field), reason: [...new Set(c.ignored.map((i) => i.reason))].join("; ") };
  }
  return null;
}

/**
 * The report of a plan made from fresh facts (prune off: what is no longer declared shows as
 * drift to prune).
 *
 * @example
 * const report = driftReport(planGathered(cluster, gathered, secrets, { prune: false }));
 * report.inSync // false
 * report.drift[0] // { node: "worker-1", address: "service:prefect-worker@production.service", summary: "inactive/dead → enabled, active", ... }
 */
export function driftReport(p: Plan): DriftReport {
  const drift: DriftItem[] = [];
  const quiet: SilencedItem[] = [];
  const nodes: DriftReport["nodes"] = [];
  const collect = (node: string | null, changes: readonly Change[]) => {
    let found = 0;
    for (const c of changes) {
      const d = item(node, c);
      if (d !== null) {
        drift.push(d);
        found++;
      }
      const s = silenced(node, c);
      if (s !== null) quiet.push(s);
    }
    return found;
  };
  for (const n of p.nodes) {
    if (n.status !== "planned") {
      nodes.push({ name: n.name, status: n.status === "unreachable" ? "unreachable" : "errored", errors: n.errors, warnings: n.warnings });
      continue;
    }
    const found = collect(n.name, n.changes);
    nodes.push({ name: n.name, status: found > 0 ? "drifted" : "in-sync", errors: [], warnings: n.warnings });
  }
  const wide = p.clusterWide;
  let prefect: DriftReport["prefect"];
  if (wide.status === "not-gathered") prefect = { status: "not-gathered", version: null, errors: [] };
  else if (wide.status === "errored") prefect = { status: wide.errors.some((e) => /unreachable|does not run|failed/.test(e)) ? "unreachable" : "errored", version: wide.version, errors: wide.errors };
  else prefect = { status: collect(null, wide.changes) > 0 ? "drifted" : "in-sync", version: wide.version, errors: [] };
  const byKind: Record<string, number> = {};
  for (const d of drift) byKind[d.kind] = (byKind[d.kind] ?? 0) + 1;
  const warn = drift.filter((d) => d.policy === "warn").length;
  const complete = nodes.every((n) => n.status === "in-sync" || n.status === "drifted") && prefect.status !== "unreachable" && prefect.status !== "errored";
  return {
    format: DRIFT_FORMAT,
    cluster: p.cluster,
    specFile: p.specFile,
    specDigest: p.specDigest,
    inSync: complete && drift.length === 0,
    nodes,
    prefect,
    drift,
    silenced: quiet,
    summary: { drifted: drift.length, fix: drift.length - warn, warn, silenced: quiet.length, byKind },
  };
}

/** Exit status of a report: 0 in sync, 2 drift, 1 something could not be looked at (the rest is still reported). */
export function driftExitCode(r: DriftReport): 0 | 1 | 2 {
  const failed = r.nodes.some((n) => n.status === "unreachable" || n.status === "errored") || r.prefect.status === "unreachable" || r.prefect.status === "errored";
  if (failed) return 1;
  return r.drift.length > 0 ? 2 : 0;
}
