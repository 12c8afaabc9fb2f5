/**
 * Drift rules (cluster.yaml `drift`): `ignore` silences chosen fields of chosen resources, and
 * `policies` say per resource whether a difference is fixed (the default), only reported (`warn`)
 * or neither (`ignore`). The planner honours them where it decides (node-plan.ts for node
 * resources, cluster-wide.ts field by field for the Prefect objects), so plan, apply, watch and
 * drift agree. Pure.
 *
 * Rules name resources as plans and drift reports do (`deployment:etl/daily`, `file:/etc/x`) with
 * globs (picomatch: `*` stops at `/`, `**` does not), and nodes by name or glob; a rule with a
 * `node` never matches the Prefect objects, which belong to no node. Fields are a name or a
 * dotted path into the resource (`schedules`, `parameters.limit`) or a JSON pointer
 * (`/parameters/limit`); a rule's field covers every path under it.
 */
import picomatch from "picomatch";
import type { DriftIgnoreRule, DriftPolicy } from "../spec/resolved.js";
import type { Address } from "./address.js";
import { canonicalJson } from "./fingerprint.js";
import type { Change, Json } from "./types.js";

export interface DriftRules {
  ignore: readonly DriftIgnoreRule[];
  policies: readonly DriftPolicy[];
}

export const NO_DRIFT_RULES: DriftRules = { ignore: [], policies: [] };

export type PolicyName = DriftPolicy["policy"];

const globMatch = (glob: string | undefined, value: string | null): boolean => glob === undefined || (value !== null && picomatch.isMatch(value, glob, { dot: true }));

const applies = (rule: { node?: string; resource?: string }, node: string | null, addr: Address): boolean => globMatch(rule.node, node) && globMatch(rule.resource, addr);

/** The policy for a resource (`node` null for the Prefect objects): the first matching entry's, else `fix`. */
export function policyFor(rules: DriftRules, node: string | null, addr: Address): { policy: PolicyName; reason: string | null } {
  const rule = rules.policies.find((r) => applies(r, node, addr));
  return rule === undefined ? { policy: "fix", reason: null } : { policy: rule.policy, reason: rule.reason ?? null };
}

/** `/parameters/limit`, `parameters.limit` → `parameters.limit` (JSON pointer escapes undone). */
export function fieldPath(field: string): string {
  if (!field.startsWith("/")) return field;
  return field
    .slice(1)
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .join(".");
}

/**
 * What silences fields of one resource: `(path) → reason | null`. A rule without `fields`
 * silences every field (`*`).
 */
export function ignoredBy(rules: DriftRules, node: string | null, addr: Address): ((path: string) => string | null) | null {
  const matching = rules.ignore.filter((r) => applies(r, node, addr));
  if (matching.length === 0) return null;
  return (path) => {
    for (const r of matching) {
      if (r.fields === undefined) return r.reason;
      for (const f of r.fields.map(fieldPath)) if (path === f || path.startsWith(`${f}.`) || f === "*") return r.reason;
    }
    return null;
  };
}

/** One differing value: where in the resource, and both sides (secrets already masked by the planner). */
export interface FieldDiff {
  path: string;
  before: Json;
  after: Json;
}

const isObject = (v: Json): v is { [key: string]: Json } => v !== null && typeof v === "object" && !Array.isArray(v);
const same = (a: Json, b: Json) => canonicalJson(a) === canonicalJson(b);

/**
 * The differing leaves between two values under `path` (objects key by key, lists of equal length
 * item by item, anything else as a whole). `keys` limits the top level (the fields a resource
 * declares: a service's `state` is shown, not compared).
 */
export function leafDiffs(before: Json, after: Json, path = "", keys?: readonly string[]): FieldDiff[] {
  if (same(before, after) && keys === undefined) return [];
  const join = (k: string | number) => (path === "" ? String(k) : `${path}.${k}`);
  if (isObject(before) && isObject(after)) {
    const names = keys ?? [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return names.flatMap((k) => leafDiffs(before[k] ?? null, after[k] ?? null, join(k)));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length && keys === undefined) {
    return before.flatMap((b, i) => leafDiffs(b, after[i] ?? null, join(i)));
  }
  if (same(before, after)) return [];
  return [{ path: path === "" ? "*" : path, before, after }];
}

/**
 * The fields a change's resource differs in: the planner's own list when it named one (the Prefect
 * objects, whose comparison normalizes values), else the leaves of `before` → `after` over the
 * fields `after` declares. Creates and deletes have none (the whole resource is missing or extra).
 */
export function changedFields(c: Change): FieldDiff[] {
  if (c.before === null || c.after === null) return [];
  if (c.fields !== undefined) {
    const b = isObject(c.before) ? c.before : {};
    const a = isObject(c.after) ? c.after : {};
    // Each named field down to its differing leaves (`schedules.0.cron`), or whole when the
    // difference is one the planner's normalization sees and a plain comparison does not.
    return c.fields.flatMap((f) => {
      const leaves = leafDiffs(b[f] ?? null, a[f] ?? null, f);
      return leaves.length > 0 ? leaves : [{ path: f, before: b[f] ?? null, after: a[f] ?? null }];
    });
  }
  return leafDiffs(c.before, c.after, "", isObject(c.after) ? Object.keys(c.after) : undefined);
}

/** Actions that fix a difference of an existing resource: what policies and ignore rules may hold back. */
const DRIFT_ACTIONS: ReadonlySet<Change["action"]> = new Set(["update", "replace", "restart", "reload"]);

/**
 * A node resource's change with the rules applied: differing fields that ignore rules silence are
 * recorded in `ignored`, and a change left with nothing to fix, or held by a `warn`/`ignore`
 * policy, becomes a `noop` (`held` says which policy). Returns the change as it was when no rule
 * touches it. The caller drops the steps of a change that became a noop.
 */
export function honourDriftRules(c: Change, rules: DriftRules, node: string | null): Change {
  if (!DRIFT_ACTIONS.has(c.action)) return c;
  const silence = ignoredBy(rules, node, c.address);
  let out = c;
  if (silence !== null) {
    const fields = changedFields(c);
    // A restart or reload differs in no field of its own: only a rule for every field holds it.
    const all = silence("*");
    const ignored = fields.length === 0 ? (all === null ? [] : [{ field: "*", reason: all }]) : fields.flatMap((f) => {
      const why = silence(f.path);
      return why === null ? [] : [{ field: f.path, reason: why }];
    });
    if (ignored.length > 0) {
      out = { ...c, ignored };
      if (fields.length === 0 || ignored.length === fields.length) return { ...out, action: "noop", reason: `differs only where drift.ignore allows (${[...new Set(ignored.map((i) => i.reason))].join("; ")}): ${c.reason}` };
    }
  }
  const policy = policyFor(rules, node, c.address);
  if (policy.policy === "fix") return out;
  return { ...out, action: "noop", held: { policy: policy.policy, reason: policy.reason }, reason: `${c.reason} (policy ${policy.policy}${policy.reason === null ? "" : `: ${policy.reason}`}; not changed)` };
}
