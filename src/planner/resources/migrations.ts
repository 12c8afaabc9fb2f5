/**
 * The server's database migration: planned when the server's Prefect environment link is created
 * or switched, or when its PostgreSQL database is created, in this plan (the server migrates
 * nothing at start: templates.ts `MIGRATE_ON_START`). Its step backs the database up first, except
 * a PostgreSQL database created in the same plan, which holds nothing yet.
 */
import type { NodeFacts } from "../../facts/types.js";
import { factKey, nameIfKind } from "../address.js";
import type { Json, MigrationDetail } from "../types.js";
import { change, type DecideContext, type Decision, type DesiredOf } from "./decision.js";

/** How a backup file of `detail` is named, for people (the node fills in the stamp and generation). */
export function backupPattern(detail: MigrationDetail): string | null {
  if (detail.backup === null) return null;
  const ext = detail.database.type === "postgresql" ? "dump" : "sqlite";
  return `${detail.backup.dir}/${detail.backup.name}-<UTC time>-g<generation>.${ext}`;
}

/**
 * Why the marker says the database is not migrated for the desired environment, or null when it
 * does (or there is none: a server migrated before markers were written, taken as migrated).
 */
function unfinished(marker: string | null, expected: string): string | null {
  if (marker === null || marker === expected) return null;
  const env = /^environment (.*)$/m.exec(marker)?.[1] ?? "an unknown environment";
  if (marker.startsWith("pending\n")) return `the migration for ${env} did not finish (the run was cut short)`;
  return `the database was last migrated for ${env}`;
}

/** `ctx.changed`/`ctx.actionOf` read the link and the database, decided before this one. */
export function decideMigration(d: DesiredOf<"migration">, facts: NodeFacts, ctx: DecideContext): Decision {
  const linkAction = ctx.actionOf(d.link);
  const markerPath = d.detail.marker.path;
  const markerFact = facts.files.ok ? facts.files.value[markerPath] : undefined;
  const marker = markerFact?.state === "file" ? (markerFact.content ?? null) : null;
  const leftOver = unfinished(marker, d.detail.marker.text);
  const envChanged = ctx.changed(d.link) || leftOver !== null;
  const dbCreated = d.databaseAddress !== null && ctx.actionOf(d.databaseAddress) === "create";
  const db = d.detail.database;
  const label = db.type === "postgresql" ? db.name : db.path;
  const keys = [factKey.link(nameIfKind(d.link, "link") ?? ""), factKey.file(markerPath), ...(d.databaseAddress === null ? [] : [factKey.state])];
  const detail: MigrationDetail = dbCreated ? { ...d.detail, backup: null } : d.detail;
  const after: Json = { database: label, environment: d.env, backup: backupPattern(detail) };
  if (!envChanged && !dbCreated) {
    return { change: change(d, "noop", after, after, "the Prefect environment and the database did not change: nothing to migrate"), steps: [], facts: keys };
  }
  const envWhy = ctx.changed(d.link) ? `${d.env} ${linkAction === "create" ? "is new" : "changed"}` : (leftOver ?? "");
  const why = [envWhy, dbCreated ? `database ${label} is new` : ""].filter((s) => s !== "").join(" and ");
  const what = dbCreated
    ? `nothing to back up yet; migrate ${label}`
    : db.type === "sqlite" && linkAction === "create"
      ? `back up ${label} (if it exists yet), then migrate it`
      : `back up ${label}, then migrate it`;
  // A database made in this plan, or a first environment, is a first migration: it creates the schema.
  const action = dbCreated || linkAction === "create" ? "create" : "update";
  return {
    change: change(d, action, action === "create" ? null : { database: label }, after, `${why}: ${what}`),
    steps: [{ stage: "configure", detail, bytes: null }],
    facts: keys,
  };
}
