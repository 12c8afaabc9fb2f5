/**
 * The migration step and the `restore-db` replay, run for real with `sh` in temp folders, with
 * stand-ins for systemctl, runuser, pg_dump, psql, pg_restore, systemd-run and chown on PATH that
 * record their calls (one log, in order). SQLite backups use the real python3 and sqlite3.
 * Real PostgreSQL, systemd and Prefect run on the test bed (test/e2e).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { scriptInput } from "../../src/executors/remote-script.js";
import { RESTORED_MARKER, describeRestored, parseRestoredMarkers, rollbackScript } from "../../src/executors/steps/journal.js";
import { migrationScript, pgConninfo } from "../../src/executors/steps/migration.js";
import { rollbackNode } from "../../src/executors/steps/runner.js";
import { stepScript } from "../../src/executors/steps/script-for-step.js";
import type { Logger } from "../../src/log.js";
import type { MigrationDetail, Step } from "../../src/planner/types.js";
import { tempDir } from "../helpers/cli.js";
import { LocalTransport } from "../helpers/local-transport.js";

const b64 = (v: string) => Buffer.from(v).toString("base64");
const STAMPED = /^plant-prefect-\d{8}T\d{6}Z-g4\.dump$/;

/**
 * A node in a temp folder. The stand-ins append `<name> <args>` to one log; psql and pg_restore
 * also log what they read on stdin (`  stdin: ...`). systemctl answers `is-active` from the file
 * `active` (units listed there are active) and `stop` removes the unit from it; `fail` names
 * stand-ins that exit 1 (after printing a few lines).
 */
function fakeNode(options: { active?: string[]; fail?: string[] } = {}) {
  const dir = tempDir("reconcile-migrate-");
  const bin = join(dir, "bin");
  mkdirSync(bin);
  const log = join(dir, "log");
  const active = join(dir, "active");
  writeFileSync(active, (options.active ?? []).map((u) => `${u}\n`).join(""));
  const fail = (name: string) => ((options.fail ?? []).includes(name) ? `printf 'line 1\\nline 2\\nline 3\\n${name}: it failed\\n' >&2; exit 1\n` : "");
  const stub = (name: string, body: string) => writeFileSync(join(bin, name), `#!/bin/sh\nprintf '%s\\n' "${name} $*" >> ${log}\n${fail(name)}${body}`, { mode: 0o755 });
  stub(
    "systemctl",
    `case "$1" in
  is-active) [ "$2" = --quiet ] && shift; if grep -qxF "$2" ${active}; then echo active; exit 0; fi; echo inactive; exit 3 ;;
  stop) grep -vxF "$2" ${active} > ${active}.new; mv ${active}.new ${active} ;;
  restart | start) echo "$2" >> ${active} ;;
esac
exit 0
`,
  );
  stub("runuser", `while [ "$1" != "--" ]; do shift; done; shift; exec "$@"\n`);
  stub("pg_dump", `printf 'PGDMP archive of %s\\n' "$*"\n`);
  stub("psql", `printf '  stdin: %s\\n' "$(cat)" >> ${log}\n`);
  stub("pg_restore", `printf '  stdin: %s\\n' "$(cat)" >> ${log}\n`);
  stub("systemd-run", `echo "INFO  [alembic] Running upgrade"\n`);
  stub("chown", "");
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}` };
  const run = (script: string) => {
    const r = spawnSync("sh", ["-s"], { input: scriptInput(script), encoding: "utf8", env });
    const calls = existsSync(log) ? readFileSync(log, "utf8").split("\n").slice(0, -1) : [];
    writeFileSync(log, "");
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls: calls.filter((c) => !c.startsWith("systemctl is-active")) };
  };
  return { dir, env, run, journal: join(dir, "rollback", "4"), backups: join(dir, "backups"), active: () => readFileSync(active, "utf8").split("\n").filter((l) => l !== "") };
}

const detail = (backups: string, database: MigrationDetail["database"], keep = 5, env = "/opt/prefect/envs/prefect-env"): MigrationDetail => ({
  kind: "migration",
  unit: "prefect-server.service",
  env,
  envFile: "/etc/prefect/server.env",
  secretsFile: "/etc/prefect/server.secrets.env",
  database,
  backup: { dir: backups, name: "plant-prefect", keep },
  marker: { path: join(dirname(backups), "migration"), text: `database x\nenvironment ${env}\n` },
});
const PG = { type: "postgresql", name: "prefect", owner: "prefect_owner" } as const;
const UPGRADE =
  "systemd-run --unit=reconcile-migrate-prefect-server --wait --pipe --collect --quiet -p User=prefect -p Group=prefect -p WorkingDirectory=/var/lib/prefect " +
  "-p EnvironmentFile=/etc/prefect/server.env -p EnvironmentFile=-/etc/prefect/server.secrets.env /opt/prefect/envs/prefect-env/bin/prefect server database upgrade -y";
const lines = (path: string) => readFileSync(path, "utf8").split("\n").slice(0, -1);
/** The journal lines of the marker (written after the backup: a rollback removes a marker that was not there). */
const markerUndo = (backups: string) => {
  const marker = join(dirname(backups), "migration");
  return [`remove-file ${b64(marker)}`, `once file ${b64(marker)}`];
};

describe("the migration step on PostgreSQL", () => {
  it("stops the server, backs the database up (0700 folder, 0600 file, renamed from .part), journals restore-db, then migrates as the service user with the unit's env files", () => {
    const node = fakeNode({ active: ["prefect-server.service"] });
    const r = node.run(migrationScript(detail(node.backups, PG), node.journal, 4));
    expect(r.status, r.stderr).toBe(0);
    expect(r.calls).toEqual([
      "systemctl stop prefect-server.service",
      "runuser -u postgres -- pg_dump -Fc -d dbname='prefect'",
      "pg_dump -Fc -d dbname='prefect'",
      "systemctl stop reconcile-migrate-prefect-server.service",
      UPGRADE,
    ]);
    const [file, ...others] = readdirSync(node.backups);
    expect(others).toEqual([]);
    expect(file).toMatch(STAMPED);
    const backup = join(node.backups, file!);
    expect(readFileSync(backup, "utf8")).toBe("PGDMP archive of -Fc -d dbname='prefect'\n");
    expect(statSync(node.backups).mode & 0o777).toBe(0o700);
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    expect(lines(join(node.journal, "undo"))).toEqual([`restore-db postgresql ${b64("prefect")} ${b64("prefect_owner")} ${b64(backup)}`, `once db ${b64("prefect")}`, ...markerUndo(node.backups)]);
    // The marker names the database and the environment it was migrated with, no longer pending.
    expect(readFileSync(join(dirname(node.backups), "migration"), "utf8")).toBe("database x\nenvironment /opt/prefect/envs/prefect-env\n");
    // The rollback restarts the server that ran before.
    expect(lines(join(node.journal, "services"))).toEqual([`restart ${b64("prefect-server.service")}`]);
    expect(node.active()).toEqual([]);
  });

  it("a retry in the same generation keeps the first backup (taken before the generation touched the database) and makes none", () => {
    const node = fakeNode();
    const script = migrationScript(detail(node.backups, PG), node.journal, 4);
    expect(node.run(script).status).toBe(0);
    const undo = lines(join(node.journal, "undo"));
    const again = node.run(script);
    expect(again.status, again.stderr).toBe(0);
    expect(again.calls).toEqual(["systemctl stop reconcile-migrate-prefect-server.service", UPGRADE]);
    expect(readdirSync(node.backups)).toHaveLength(1);
    expect(lines(join(node.journal, "undo"))).toEqual(undo);
  });

  it("keeps the newest `keep` backups of this cluster's database; other clusters' files, other databases' and stray files stay", () => {
    const node = fakeNode();
    mkdirSync(node.backups, { mode: 0o755 });
    const old = ["20250101T000000Z-g1", "20250201T000000Z-g2", "20250301T000000Z-g3", "20250401T000000Z-g4"].map((s) => `plant-prefect-${s}.dump`);
    const foreign = ["other-prefect-20240101T000000Z-g1.dump", "plant-prefect2-20240101T000000Z-g1.dump", "plant-prefect-20240101T000000Z-g1.sqlite", "plant-prefect-x.dump", "notes.txt"];
    for (const f of [...old, ...foreign]) writeFileSync(join(node.backups, f), "x");
    const r = node.run(migrationScript(detail(node.backups, PG, 3), node.journal, 4));
    expect(r.status, r.stderr).toBe(0);
    const left = readdirSync(node.backups).sort();
    const made = left.filter((f) => STAMPED.test(f) && !old.includes(f));
    expect(made).toHaveLength(1);
    expect(left).toEqual([...foreign, old[2]!, old[3]!, made[0]!].sort());
    // The folder is tightened even when it was there already.
    expect(statSync(node.backups).mode & 0o777).toBe(0o700);
  });

  it("a pg_dump that fails fails the step before the migration: no backup, no .part, nothing journaled for the database", () => {
    const node = fakeNode({ fail: ["pg_dump"] });
    const r = node.run(migrationScript(detail(node.backups, PG), node.journal, 4));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("pg_dump of database prefect failed: the database was not backed up, so it was not migrated");
    expect(r.calls.some((c) => c.startsWith("systemd-run"))).toBe(false);
    expect(readdirSync(node.backups)).toEqual([]);
    expect(existsSync(join(node.journal, "undo"))).toBe(false);
  });

  it("a database created in the same plan (backup null) is migrated without a backup and journals nothing for it", () => {
    const node = fakeNode();
    const r = node.run(migrationScript({ ...detail(node.backups, PG), backup: null }, node.journal, 4));
    expect(r.status, r.stderr).toBe(0);
    expect(r.calls).toEqual(["systemctl stop reconcile-migrate-prefect-server.service", UPGRADE]);
    expect(existsSync(node.backups)).toBe(false);
    expect(lines(join(node.journal, "undo"))).toEqual(markerUndo(node.backups));
  });

  it("a failed upgrade fails the step with what failed first and the tail of its output last (the step's error shows the last lines)", () => {
    const node = fakeNode({ fail: ["systemd-run"] });
    const r = node.run(migrationScript(detail(node.backups, PG), node.journal, 4));
    expect(r.status).toBe(1);
    expect(r.stderr.trimEnd().split("\n")).toEqual([
      "prefect server database upgrade -y with /opt/prefect/envs/prefect-env failed (exit 1); prefect-server.service stays stopped; its last lines:",
      "line 1",
      "line 2",
      "line 3",
      "systemd-run: it failed",
    ]);
    // Still pending: the next plan migrates again.
    expect(readFileSync(join(dirname(node.backups), "migration"), "utf8")).toBe("pending\ndatabase x\nenvironment /opt/prefect/envs/prefect-env\n");
  });

  it("database names reach pg_dump as a quoted connection string, never as an option or a shell word", () => {
    expect(pgConninfo("prefect")).toBe("dbname='prefect'");
    expect(pgConninfo("it's \\ -x $HOME")).toBe("dbname='it\\'s \\\\ -x $HOME'");
  });

  it("is the script of a migration step (the run's generation names the backup)", () => {
    const node = fakeNode();
    const d = detail(node.backups, PG);
    const step: Step = { id: "srv/configure/migration:prefect-server", node: "srv", stage: "configure", action: "update", address: "migration:prefect-server", dependsOn: [], facts: [], bytes: null, detail: d };
    const context = { root: "/opt/prefect", cluster: "plant", generation: 4, journalDir: node.journal, secrets: new Map(), transferSha: () => "", pixiUnpack: null, settleSeconds: 0, probeTimeoutSeconds: 5 };
    expect(stepScript(step, context, "srv")).toEqual({ script: migrationScript(d, node.journal, 4) });
  });
});

describe("the migration step on SQLite", () => {
  const sqlite = (path: string, sql: string) => execFileSync("python3", ["-c", `import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nr = c.executescript(sys.argv[2]) if sys.argv[2].strip().endswith(';') else c.execute(sys.argv[2])\nprint(r.fetchall() if hasattr(r, 'fetchall') else '')\nc.commit()\nc.close()`, path, sql], { encoding: "utf8" });

  it("copies the database online through python3's sqlite3 backup API: the copy holds the same rows", () => {
    const node = fakeNode();
    const db = join(node.dir, "var lib", "prefect.db");
    mkdirSync(join(node.dir, "var lib"));
    sqlite(db, "PRAGMA journal_mode = WAL; CREATE TABLE flows (name TEXT); INSERT INTO flows VALUES ('etl'), ('it''s');");
    // The environment has no python: python3 does it.
    const r = node.run(migrationScript(detail(node.backups, { type: "sqlite", path: db }, 5, join(node.dir, "no-env")), node.journal, 4));
    expect(r.status, r.stderr).toBe(0);
    const [file] = readdirSync(node.backups);
    expect(file).toMatch(/^plant-prefect-\d{8}T\d{6}Z-g4\.sqlite$/);
    const backup = join(node.backups, file!);
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    expect(sqlite(backup, "SELECT name FROM flows ORDER BY name").trim()).toBe(`[('etl',), ("it's",)]`);
    expect(lines(join(node.journal, "undo"))).toEqual([`restore-db sqlite ${b64(db)} ${b64(backup)}`, `once db ${b64(db)}`, ...markerUndo(node.backups)]);
    expect(r.calls.at(-1)).toContain("systemd-run");
  });

  it("first install: no database file yet, so no backup and nothing to restore; the migration creates it", () => {
    const node = fakeNode();
    const db = join(node.dir, "prefect.db");
    const r = node.run(migrationScript(detail(node.backups, { type: "sqlite", path: db }), node.journal, 4));
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(node.backups)).toBe(false);
    expect(lines(join(node.journal, "undo"))).toEqual([`once db ${b64(db)}`, ...markerUndo(node.backups)]);
    expect(r.calls).toEqual(["systemctl stop reconcile-migrate-prefect-server.service", expect.stringContaining("systemd-run ")]);
  });
});

describe("the replay restores the database before the services restart", () => {
  it("PostgreSQL: the server stops, the database is dropped, made again and restored as postgres from the archive on stdin; the marker says so; then daemon-reload and restarts", () => {
    const node = fakeNode({ active: ["prefect-server.service"] });
    expect(node.run(migrationScript(detail(node.backups, PG), node.journal, 4)).status).toBe(0);
    // The new server came up with the new environment (the service step) before verify failed.
    node.run("systemctl restart prefect-server.service");
    const backup = join(node.backups, readdirSync(node.backups)[0]!);
    const r = node.run(rollbackScript(node.journal));
    expect(r.status, r.stderr).toBe(0);
    expect(r.calls).toEqual([
      "systemctl stop prefect-server.service",
      "runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -d postgres",
      "psql -X -q -v ON_ERROR_STOP=1 -d postgres",
      // Restored beside the database first; swapped in only once pg_restore succeeded.
      `  stdin: DROP DATABASE IF EXISTS "reconcile_restore" WITH (FORCE);`,
      `CREATE DATABASE "reconcile_restore" OWNER "prefect_owner" TEMPLATE template0;`,
      "runuser -u postgres -- pg_restore --exit-on-error --single-transaction --no-password -d dbname='reconcile_restore'",
      "pg_restore --exit-on-error --single-transaction --no-password -d dbname='reconcile_restore'",
      "  stdin: PGDMP archive of -Fc -d dbname='prefect'",
      "runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -d postgres",
      "psql -X -q -v ON_ERROR_STOP=1 -d postgres",
      `  stdin: DROP DATABASE IF EXISTS "prefect" WITH (FORCE);`,
      `ALTER DATABASE "reconcile_restore" RENAME TO "prefect";`,
      "systemctl daemon-reload",
      "systemctl restart prefect-server.service",
    ]);
    expect(r.stdout).toBe(`${RESTORED_MARKER} postgresql ${b64("prefect")} ${b64(backup)}\n`);
    expect(parseRestoredMarkers(r.stdout).map(describeRestored)).toEqual([`database prefect restored from ${backup}`]);
    expect(existsSync(node.journal)).toBe(false);
    // The backup stays (the newest `keep` are kept whatever happens).
    expect(existsSync(backup)).toBe(true);
  });

  it("a restore that fails leaves the database as it was: nothing is dropped or renamed, and the rollback fails", () => {
    const node = fakeNode({ fail: ["pg_restore"] });
    expect(node.run(migrationScript(detail(node.backups, PG), node.journal, 4)).status).toBe(0);
    const r = node.run(rollbackScript(node.journal));
    expect(r.status).not.toBe(0);
    expect(r.calls.join("\n")).not.toContain(`DROP DATABASE IF EXISTS "prefect"`);
    expect(r.calls.join("\n")).not.toContain("RENAME TO");
  });

  it("names from the journal are quoted as identifiers and connection strings, and nothing in them runs", () => {
    const node = fakeNode();
    const pwned = join(node.dir, "pwned");
    const name = `we"ird' $(touch ${pwned}) \\`;
    const owner = `o"wner; DROP ROLE x`;
    const backup = join(node.dir, "b.dump");
    writeFileSync(backup, "ARCHIVE");
    mkdirSync(node.journal, { recursive: true });
    writeFileSync(join(node.journal, "undo"), `restore-db postgresql ${b64(name)} ${b64(owner)} ${b64(backup)}\nonce db ${b64(name)}\n`);
    const r = node.run(rollbackScript(node.journal));
    expect(r.status, r.stderr).toBe(0);
    expect(r.calls).toContain(`  stdin: DROP DATABASE IF EXISTS "we""ird' $(touch ${pwned}) \\" WITH (FORCE);`);
    expect(r.calls).toContain(`CREATE DATABASE "reconcile_restore" OWNER "o""wner; DROP ROLE x" TEMPLATE template0;`);
    expect(r.calls).toContain(`ALTER DATABASE "reconcile_restore" RENAME TO "we""ird' $(touch ${pwned}) \\";`);
    expect(existsSync(pwned)).toBe(false);
  });

  it("SQLite: the copy goes back in one rename, the service user's, without the stale -wal and -shm", () => {
    const node = fakeNode();
    const db = join(node.dir, "prefect.db");
    const backup = join(node.dir, "backup.sqlite");
    writeFileSync(db, "MIGRATED");
    writeFileSync(`${db}-wal`, "W");
    writeFileSync(`${db}-shm`, "S");
    writeFileSync(backup, "BEFORE");
    mkdirSync(node.journal, { recursive: true });
    writeFileSync(join(node.journal, "undo"), `restore-db sqlite ${b64(db)} ${b64(backup)}\nonce db ${b64(db)}\n`);
    writeFileSync(join(node.journal, "services"), `${["restart", b64("prefect-server.service")].join(" ")}\n`);
    const r = node.run(rollbackScript(node.journal));
    expect(r.status, r.stderr).toBe(0);
    expect(r.calls).toEqual(["systemctl stop prefect-server.service", `chown prefect:prefect ${db}.reconcile-rb`, "systemctl daemon-reload", "systemctl restart prefect-server.service"]);
    expect(readFileSync(db, "utf8")).toBe("BEFORE");
    expect(statSync(db).mode & 0o777).toBe(0o600);
    expect(readdirSync(node.dir).filter((f) => f.startsWith("prefect.db"))).toEqual(["prefect.db"]);
    expect(parseRestoredMarkers(r.stdout).map(describeRestored)).toEqual([`SQLite database ${db} restored from ${backup}`]);
  });

  it("a backup that is missing fails the rollback before anything is touched, and keeps the journal", () => {
    const node = fakeNode();
    const db = join(node.dir, "prefect.db");
    writeFileSync(db, "MIGRATED");
    mkdirSync(node.journal, { recursive: true });
    writeFileSync(join(node.journal, "undo"), `restore-db sqlite ${b64(db)} ${b64(join(node.dir, "gone.sqlite"))}\n`);
    const r = node.run(rollbackScript(node.journal));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`record 1: the backup ${join(node.dir, "gone.sqlite")} of ${db} is missing`);
    expect(r.calls).toEqual([]);
    expect(readFileSync(db, "utf8")).toBe("MIGRATED");
    expect(existsSync(node.journal)).toBe(true);
  });

  it.each([
    ["an unknown database type", `restore-db mysql ${b64("x")} ${b64("/b")}`, "unknown database type 'mysql'"],
    ["a PostgreSQL record without its owner", `restore-db postgresql ${b64("x")} ${b64("/b")}`, "restore-db postgresql takes a database, its owner and a backup file"],
    ["a SQLite record with a value too many", `restore-db sqlite ${b64("/x")} ${b64("/b")} ${b64("/c")}`, "restore-db sqlite takes a database file and a backup file"],
    ["a database name holding a newline", `restore-db postgresql ${b64("a\nb")} ${b64("o")} ${b64("/b")}`, `'${b64("a\nb")}' is not the base64 of a database name`],
    ["a backup path that is not absolute", `restore-db sqlite ${b64("/x")} ${b64("b")}`, `'${b64("b")}' is not the base64 of a path`],
  ])("refuses %s, changing nothing", (_, record, message) => {
    const node = fakeNode();
    mkdirSync(node.journal, { recursive: true });
    writeFileSync(join(node.journal, "undo"), `${record}\n`);
    const r = node.run(rollbackScript(node.journal));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(message);
    expect(r.calls).toEqual([]);
  });

  it("rollbackNode turns the markers into its report (and a log line each)", async () => {
    const node = fakeNode();
    const db = join(node.dir, "prefect.db");
    const backup = join(node.dir, "backup.sqlite");
    writeFileSync(backup, "BEFORE");
    mkdirSync(node.journal, { recursive: true });
    writeFileSync(join(node.journal, "undo"), `restore-db sqlite ${b64(db)} ${b64(backup)}\n`);
    const logged: unknown[] = [];
    const log = { info: (o: unknown) => logged.push(o) } as unknown as Logger;
    const previous = process.env.PATH;
    process.env.PATH = node.env.PATH;
    try {
      const report = await rollbackNode(new LocalTransport("srv"), node.journal, { log });
      expect(report).toEqual({ notes: [`SQLite database ${db} restored from ${backup}`] });
    } finally {
      process.env.PATH = previous;
    }
    expect(logged).toContainEqual({ event: "rollback.restored", node: "srv", database: db, type: "sqlite", backup });
  });
});
