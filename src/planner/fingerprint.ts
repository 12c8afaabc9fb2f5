/**
 * Fact fingerprints: a saved plan records, for each node, the digest of every fact its decisions
 * rest on; apply gathers again and refuses, naming the key, if one has moved. Keys name one
 * resource's facts: `store:<sha256>`, `link:<path>`, `file:<path>`, `unit:<name>`,
 * `package:<name>`, `user:<name>`, `postgres-role:<name>`, `postgres-database:<name>`, `state`
 * (built and read in address.ts).
 */
import { createHash } from "node:crypto";
import type { NodeFacts } from "../facts/types.js";
import { parseFactKey } from "./address.js";
import type { Json } from "./types.js";

/** JSON with object keys sorted, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

const value = <T>(fact: { ok: true; value: T } | { ok: false; error: string }): T | undefined => (fact.ok ? fact.value : undefined);

/**
 * The part of a node's facts that key names, reduced to what decisions depend on (no free disk,
 * no transient sub-states), or `undefined` when that fact failed to parse.
 */
export function factValue(facts: NodeFacts, key: string): Json | undefined {
  const parsed = parseFactKey(key);
  if (parsed === null) return undefined;
  const { kind, name } = parsed;
  switch (kind) {
    case "store": {
      const store = value(facts.store);
      return store === undefined ? undefined : { complete: store.complete.includes(name) };
    }
    case "link": {
      const links = value(facts.links);
      return links === undefined ? undefined : (links[name] ?? { state: "absent" });
    }
    case "file": {
      const files = value(facts.files);
      if (files === undefined) return undefined;
      const f = files[name] ?? { state: "absent" };
      return f.state === "file" ? { state: f.state, mode: f.mode, owner: f.owner, group: f.group, sha256: f.sha256 } : f;
    }
    case "unit": {
      const units = value(facts.units);
      if (units === undefined) return undefined;
      const u = units[name];
      return u === undefined ? { load: "not-found" } : { load: u.load, active: u.active, unitFileState: u.unitFileState };
    }
    case "package": {
      const packages = value(facts.packages);
      return packages === undefined ? undefined : (packages[name] ?? null) === null ? null : { version: packages[name]?.version ?? "" };
    }
    case "user": {
      const users = value(facts.users);
      return users === undefined ? undefined : (users[name] ?? null) === null ? null : { uid: users[name]?.uid ?? 0 };
    }
    case "postgres-role":
    case "postgres-database": {
      // Not asked for (no PostgreSQL on this node's plan) is a value too: the decision read nothing.
      if (facts.postgres === undefined) return { state: "not-gathered" };
      const pg = value(facts.postgres);
      if (pg === undefined) return undefined;
      if (pg.state !== "running") return { state: pg.state };
      return { present: (kind === "postgres-role" ? pg.roles : pg.databases).includes(name) };
    }
    case "state": {
      const state = value(facts.state);
      return state === undefined ? undefined : state === null ? null : { generation: state.generation, resources: state.resources.map((r) => r.id).sort() };
    }
    default:
      return undefined;
  }
}

/** `sha256:<hex>` of the fact behind `key`; "unknown" when it could not be read. */
export function factDigest(facts: NodeFacts, key: string): string {
  const v = factValue(facts, key);
  return v === undefined ? "unknown" : `sha256:${createHash("sha256").update(canonicalJson(v)).digest("hex")}`;
}

/** Keys whose digest differs between a saved plan and facts gathered now, sorted. */
export function movedFacts(saved: Record<string, string>, now: NodeFacts): string[] {
  return Object.keys(saved)
    .filter((key) => factDigest(now, key) !== saved[key])
    .sort();
}
