/**
 * Planner fixture cases (STYLE.md §3.4, after pyinfra's tests/operations/<op>/*.json): one folder
 * per case under test/fixtures/plans/, read here and planned with the pure planner.
 *
 *   cluster.yaml        the spec, validated as /work/cluster.yaml (test/helpers/spec.ts `check`)
 *   facts.json          FactSet: NodeFactsResult by node name
 *   local.json          LocalInputs: artifact sizes and deb lists, flow code digests
 *   secrets.json?       secret name → value; wrapped in Sensitive here
 *   options.json?       { "prune": boolean }, default { "prune": false }
 *   expected.json       the hand-written expectation (see {@link Expected})
 *   plan.snapshot.json  the whole plan, checked with toMatchFileSnapshot
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { FactSet } from "../../src/facts/types.js";
import { plan } from "../../src/planner/plan.js";
import type { Action, DiskNeed, Json, LocalInputs, NodeStatus, Plan, PlanOptions, PlanSummary } from "../../src/planner/types.js";
import type { ResolvedCluster } from "../../src/spec/resolved.js";
import { Sensitive } from "../../src/spec/secrets.js";
import { check } from "../helpers/spec.js";

export const PLAN_FIXTURES = fileURLToPath(new URL("../fixtures/plans/", import.meta.url));

/** What one node's plan must say. Optional parts are checked only when present. */
export interface ExpectedNode {
  status: NodeStatus;
  /** Exact; [] when absent. */
  errors?: string[];
  /** Exact; null when absent. */
  hint?: string | null;
  /**
   * address → action. Without `noop`: every change of the node, exactly. With `noop`: every
   * change that is not a noop, exactly, and `noop` is how many noops there are besides.
   */
  changes: Record<string, Action>;
  noop?: number;
  bytesToSend: number;
  bytesUnknown?: boolean;
  /** Exact; [] when absent. */
  warnings?: string[];
  /** Every step id of the node, in plan order. */
  steps?: string[];
  /** step id → the ids it depends on (compared as sets). */
  dependsOn?: Record<string, string[]>;
  /** address → a substring of the change's reason. */
  reasons?: Record<string, string>;
  /** address → before and after, exactly. */
  values?: Record<string, { before: Json; after: Json }>;
  /** address → the lines the diff adds and removes (`+x`/`-x`, headers left out), or null for no diff. */
  diffs?: Record<string, string[] | null>;
  /** Exactly the addresses whose change is sensitive. */
  sensitive?: string[];
  /** The node's disk needs (NodePlan.disk), exactly. */
  disk?: DiskNeed[];
}

export interface Expected {
  description: string;
  /** Where the planner is known to be wrong in this case, each with the focused test that shows it. */
  knownBugs?: string[];
  summary: PlanSummary;
  applyable: boolean;
  errored: boolean;
  hasChanges: boolean;
  nodes: Record<string, ExpectedNode>;
}

export interface PlanCase {
  name: string;
  dir: string;
  cluster: ResolvedCluster;
  facts: FactSet;
  local: LocalInputs;
  /** The plain values, to check that none leaks. */
  secretValues: Record<string, string>;
  secrets: ReadonlyMap<string, Sensitive>;
  options: PlanOptions;
  expected: Expected;
}

const EXPECTED_KEYS = new Set(["description", "knownBugs", "summary", "applyable", "errored", "hasChanges", "nodes"]);
const NODE_KEYS = new Set(["status", "errors", "hint", "changes", "noop", "bytesToSend", "bytesUnknown", "warnings", "steps", "dependsOn", "reasons", "values", "diffs", "sensitive", "disk"]);
const CASE_FILES = new Set(["cluster.yaml", "facts.json", "local.json", "secrets.json", "options.json", "expected.json", "plan.snapshot.json"]);

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, "utf8"));

/** Rejects a malformed expected.json, so a typo fails loudly instead of testing nothing. */
function checkExpected(where: string, raw: unknown): Expected {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error(`${where}: not an object`);
  const e = raw as Record<string, unknown>;
  const unknown = Object.keys(e).filter((k) => !EXPECTED_KEYS.has(k));
  if (unknown.length > 0) throw new Error(`${where}: unknown keys ${unknown.join(", ")}`);
  if (typeof e.description !== "string" || e.description === "") throw new Error(`${where}: no description`);
  for (const flag of ["applyable", "errored", "hasChanges"]) if (typeof e[flag] !== "boolean") throw new Error(`${where}: ${flag} must be a boolean`);
  if (typeof e.nodes !== "object" || e.nodes === null) throw new Error(`${where}: nodes must be an object`);
  for (const [name, n] of Object.entries(e.nodes as Record<string, Record<string, unknown>>)) {
    const bad = Object.keys(n).filter((k) => !NODE_KEYS.has(k));
    if (bad.length > 0) throw new Error(`${where}: node ${name}: unknown keys ${bad.join(", ")}`);
    if (typeof n.changes !== "object" || typeof n.bytesToSend !== "number" || typeof n.status !== "string") throw new Error(`${where}: node ${name} needs status, changes and bytesToSend`);
  }
  return e as unknown as Expected;
}

export const caseNames = (): string[] =>
  readdirSync(PLAN_FIXTURES, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();

export function loadCase(name: string): PlanCase {
  const dir = `${PLAN_FIXTURES}${name}/`;
  const stray = readdirSync(dir).filter((f) => !CASE_FILES.has(f));
  if (stray.length > 0) throw new Error(`${name}: unexpected files ${stray.join(", ")}`);
  const result = check(readFileSync(`${dir}cluster.yaml`));
  if (result.cluster === undefined) throw new Error(`${name}/cluster.yaml: ${result.diagnostics.map((d) => d.message).join("; ")}`);
  const secretValues = existsSync(`${dir}secrets.json`) ? (readJson(`${dir}secrets.json`) as Record<string, string>) : {};
  return {
    name,
    dir,
    cluster: result.cluster,
    facts: readJson(`${dir}facts.json`) as FactSet,
    local: readJson(`${dir}local.json`) as LocalInputs,
    secretValues,
    secrets: new Map(Object.entries(secretValues).map(([k, v]) => [k, new Sensitive(v)])),
    options: existsSync(`${dir}options.json`) ? (readJson(`${dir}options.json`) as PlanOptions) : { prune: false },
    expected: checkExpected(`${name}/expected.json`, readJson(`${dir}expected.json`)),
  };
}

/** Plans a case; `facts` overrides the case's own (for variations). */
export function planCase(c: PlanCase, facts: FactSet = c.facts): Plan {
  return plan(c.cluster, facts, c.local, c.secrets, c.options);
}

/** A deep copy with every object's keys in reverse order (arrays keep theirs). */
export function reverseKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reverseKeys) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .reverse()
        .map((k) => [k, reverseKeys((value as Record<string, unknown>)[k])]),
    ) as T;
  }
  return value;
}

/** The lines a unified diff adds or removes, without its ---/+++ headers. */
export function diffBody(diff: string): string[] {
  return diff.split("\n").filter((l) => (l.startsWith("+") || l.startsWith("-")) && !l.startsWith("+++") && !l.startsWith("---"));
}

/** Every form a secret value could take in JSON or a systemd env file. */
export function leakForms(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  const env = value.replace(/[\\"]/g, (c) => `\\${c}`);
  return [...new Set([value, json, env])];
}
