/**
 * The migration decision (resources/migrations.ts) as a table: what changed on the node (the
 * environment link, the database) → action, reason and the backup the step makes. The plan
 * fixtures show it in whole plans: fresh-cluster (PostgreSQL, first install), partial-upload
 * (a new environment: back up, migrate, then restart), server-and-worker-on-one-node (SQLite, first
 * install) and converged (nothing changed: no step).
 */
import { describe, expect, it } from "vitest";
import type { NodeFacts } from "../../src/facts/types.js";
import { address, type Address } from "../../src/planner/address.js";
import { backupName, desiredFor, type Desired } from "../../src/planner/desired.js";
import type { DesiredOf } from "../../src/planner/resources/decision.js";
import { decideMigration } from "../../src/planner/resources/migrations.js";
import type { Action, MigrationDetail } from "../../src/planner/types.js";
import { loadCase } from "./cases.js";

const LINK = address.link("/opt/prefect/envs/prefect-env");
const DB = address.database("prefect");

const MARKED = "database postgresql prefect\nenvironment /opt/prefect/store/aaaa/prefect-3.4.25\n";
const detail = (database: MigrationDetail["database"]): MigrationDetail => ({
  kind: "migration",
  unit: "prefect-server.service",
  env: "/opt/prefect/envs/prefect-env",
  envFile: "/etc/prefect/server.env",
  secretsFile: "/etc/prefect/server.secrets.env",
  database,
  backup: { dir: "/var/backups/reconcile", name: "plant-prefect", keep: 5 },
  marker: { path: "/var/lib/reconcile/migration", text: MARKED },
});
const pg: DesiredOf<"migration"> = { kind: "migration", address: address.migration("prefect-server"), env: "prefect-env", link: LINK, databaseAddress: DB, detail: detail({ type: "postgresql", name: "prefect", owner: "prefect" }), needs: [], inputs: [LINK, DB] };
const sqlite: DesiredOf<"migration"> = { ...pg, databaseAddress: null, detail: detail({ type: "sqlite", path: "/var/lib/prefect/prefect.db" }), inputs: [LINK] };

type Decided = { link?: Action; db?: Action };
/** A context where the link and the database were decided with these actions. */
const ctx = (decided: Decided) => {
  const actionOf = (a: Address): Action | null => (a === LINK ? decided.link : a === DB ? decided.db : undefined) ?? null;
  return { cluster: "plant", secrets: new Map(), actionOf, changed: (a: Address) => ![null, "noop"].includes(actionOf(a)) };
};
const NO_FACTS = { files: { ok: true, value: {} } } as unknown as NodeFacts;

describe("the migration decision", () => {
  const cases: [string, DesiredOf<"migration">, Decided, Action, string, boolean | null][] = [
    // name, desired, decided before, action, reason, backed up (null: no step)
    ["nothing changed: no step", pg, { link: "noop", db: "noop" }, "noop", "the Prefect environment and the database did not change: nothing to migrate", null],
    ["a password set again is no reason to migrate", pg, { link: "noop", db: "update" }, "noop", "nothing to migrate", null],
    ["a new environment on PostgreSQL: back up, then migrate", pg, { link: "update", db: "noop" }, "update", "prefect-env changed: back up prefect, then migrate it", true],
    ["a link of the wrong kind replaced is a new environment too", pg, { link: "replace", db: "noop" }, "update", "prefect-env changed: back up prefect, then migrate it", true],
    ["first install on PostgreSQL: the database made in this plan holds nothing to back up", pg, { link: "create", db: "create" }, "create", "prefect-env is new and database prefect is new: nothing to back up yet; migrate prefect", false],
    ["a database made again under an old environment (state lost) is migrated, without a backup", pg, { link: "noop", db: "create" }, "create", "database prefect is new: nothing to back up yet; migrate prefect", false],
    ["a new environment on SQLite: back up the file, then migrate it", sqlite, { link: "update" }, "update", "prefect-env changed: back up /var/lib/prefect/prefect.db, then migrate it", true],
    ["first install on SQLite: the node skips the backup while the file does not exist", sqlite, { link: "create" }, "create", "prefect-env is new: back up /var/lib/prefect/prefect.db (if it exists yet), then migrate it", true],
    ["SQLite, nothing changed", sqlite, { link: "noop" }, "noop", "nothing to migrate", null],
  ];
  it.each(cases)("%s", (_, d, decided, action, reason, backedUp) => {
    const decision = decideMigration(d, NO_FACTS, ctx(decided));
    expect(decision.change.action).toBe(action);
    expect(decision.change.reason).toContain(reason);
    expect(decision.facts).toContain("link:/opt/prefect/envs/prefect-env");
    if (backedUp === null) {
      expect(decision.steps).toEqual([]);
      return;
    }
    expect(decision.steps).toHaveLength(1);
    const step = decision.steps[0]!;
    expect(step.stage).toBe("configure");
    expect(step.detail).toEqual({ ...d.detail, backup: backedUp ? d.detail.backup : null });
  });
});

describe("the migration marker: a migration cut short, or made for another environment, is planned again", () => {
  const withMarker = (content: string | null) => ({ files: { ok: true, value: { "/var/lib/reconcile/migration": content === null ? { state: "absent" } : { state: "file", content } } } }) as unknown as NodeFacts;
  const cases: [string, string | null, Action, string][] = [
    ["the marker of this environment: nothing to do", MARKED, "noop", "nothing to migrate"],
    ["no marker (a server migrated before markers): taken as migrated", null, "noop", "nothing to migrate"],
    ["pending: the run was cut short during the migration", `pending\n${MARKED}`, "update", "the migration for /opt/prefect/store/aaaa/prefect-3.4.25 did not finish (the run was cut short): back up prefect, then migrate it"],
    ["another environment: the link switched but the migration never ran", "database postgresql prefect\nenvironment /opt/prefect/store/bbbb/prefect-3.4.24\n", "update", "the database was last migrated for /opt/prefect/store/bbbb/prefect-3.4.24: back up prefect, then migrate it"],
  ];
  it.each(cases)("%s", (_, content, action, reason) => {
    const decision = decideMigration(pg, withMarker(content), ctx({ link: "noop", db: "noop" }));
    expect(decision.change.action).toBe(action);
    expect(decision.change.reason).toContain(reason);
    expect(decision.steps).toHaveLength(action === "noop" ? 0 : 1);
    // A saved plan is stale when the marker moved.
    expect(decision.facts).toContain("file:/var/lib/reconcile/migration");
  });
});

describe("the migration as a desired resource", () => {
  it("on the server node: after the link, the env files and the database; the server restarts after it", () => {
    const c = loadCase("fresh-cluster");
    const server = c.cluster.nodes.find((n) => n.server)!;
    const desired = desiredFor(c.cluster, server, c.local);
    const at = (a: string) => desired.findIndex((d) => d.address === a);
    const migration = desired.find((d): d is Extract<Desired, { kind: "migration" }> => d.kind === "migration")!;
    expect(migration.address).toBe("migration:prefect-server");
    expect(migration.needs).toEqual(["user:prefect", "database:prefect", LINK, "file:/etc/prefect/server.env", "file:/etc/prefect/server.secrets.env"]);
    expect(migration.inputs).toEqual([LINK, "database:prefect"]);
    expect(migration.detail).toEqual({
      ...detail({ type: "postgresql", name: "prefect", owner: "prefect" }),
      backup: { dir: "/var/backups/reconcile", name: "plant-prefect", keep: 5 },
      marker: { path: "/var/lib/reconcile/migration", text: expect.stringMatching(/^database postgresql prefect\nenvironment \/opt\/prefect\/store\/[0-9a-f]{64}\S*\n$/) },
    });
    // Decided after the database and before the service, which reads whether it changed.
    expect(at("database:prefect")).toBeLessThan(at("migration:prefect-server"));
    expect(at("migration:prefect-server")).toBeLessThan(at("service:prefect-server.service"));
    const service = desired[at("service:prefect-server.service")] as Extract<Desired, { kind: "service" }>;
    expect(service.inputs).toContain("migration:prefect-server");
    expect(service.needs).toContain("migration:prefect-server");
  });

  it("workers have none", () => {
    const c = loadCase("fresh-cluster");
    for (const node of c.cluster.nodes.filter((n) => !n.server)) expect(desiredFor(c.cluster, node, c.local).some((d) => d.kind === "migration")).toBe(false);
  });

  it("a backup's name: the cluster, then the database (a SQLite file without its extension), characters a file name should not hold made `_`", () => {
    expect(backupName("plant", { type: "postgresql", name: "prefect", owner: "p" })).toBe("plant-prefect");
    expect(backupName("plant", { type: "sqlite", path: "/var/lib/prefect/prefect.db" })).toBe("plant-prefect");
    expect(backupName("plant", { type: "sqlite", path: "/srv/my data/db one.sqlite3" })).toBe("plant-db_one");
    expect(backupName("plant", { type: "sqlite", path: "/srv/.db" })).toBe("plant-sqlite");
  });
});
