/**
 * The migration step: the Prefect server stopped (its activity journaled), its database backed up
 * once per generation (journaled as `restore-db`, so a rollback restores it before the services
 * restart), then migrated by `prefect server database upgrade -y` of the new environment, run by
 * systemd as the service user with exactly the server unit's env files: systemd parses them as it
 * does for the unit, and no secret is on a command line.
 */
import { SERVICE_USER } from "../../facts/layout.js";
import { shellQuote as q } from "../../facts/shell.js";
import type { MigrationDetail } from "../../planner/types.js";
import { SERVICE_HOME } from "../../planner/templates.js";
import { base64, journalOnce, makeJournalDir, rememberFile, rememberServiceActivity } from "./journal.js";

/** Lines of the upgrade's output a failure shows (the step's error keeps the last three). */
const OUTPUT_TAIL = 20;

/** An online copy through SQLite's backup API: consistent whatever the database's journal mode. */
const SQLITE_BACKUP = "import sqlite3, sys\nsrc = sqlite3.connect(sys.argv[1])\ndst = sqlite3.connect(sys.argv[2])\nsrc.backup(dst)\ndst.close()\nsrc.close()\n";

/** A libpq connection string naming database `name` (single-quoted, `\` and `'` escaped): never taken for an option or a URI. */
export const pgConninfo = (name: string) => `dbname='${name.replace(/[\\']/g, "\\$&")}'`;

/** The transient unit the upgrade runs in: a try cut short stops it, and the next try stops a leftover one. */
export const migrationUnit = (unit: string) => `reconcile-migrate-${unit.replace(/\.service$/, "")}`;

/**
 * Shell that backs the database up into `backup.dir` (0700) as a 0600 file written under a
 * `.part` name and then renamed, keeps the newest `backup.keep`, and sets `rec` to its `restore-db`
 * record (left empty when a SQLite file does not exist yet). Runs inside {@link journalOnce}.
 */
function backupShell(d: MigrationDetail, backup: NonNullable<MigrationDetail["backup"]>, generation: number): string {
  const db = d.database;
  const ext = db.type === "postgresql" ? "dump" : "sqlite";
  const stamp = "[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z";
  const lines = [
    `dir=${q(backup.dir)}`,
    `(umask 077 && mkdir -p "$dir") && chmod 0700 "$dir"`,
    // What a backup cut short (a cancelled or timed-out run) left behind.
    `for p in "$dir"/${q(`${backup.name}-`)}*.part; do if [ -f "$p" ]; then rm -f -- "$p"; fi; done`,
    `f="$dir"/${q(`${backup.name}-`)}"$(date -u +%Y%m%dT%H%M%SZ)"${q(`-g${generation}.${ext}`)}`,
  ];
  const failed = (what: string) => `{ rm -f -- "$f.part"; echo ${q(`${what}: the database was not backed up, so it was not migrated`)} >&2; exit 1; }`;
  const keepNewest = [
    // Names sort by their UTC stamp: everything before the newest `keep` goes.
    `set -- "$dir"/${q(`${backup.name}-`)}${stamp}${q(`-g`)}[0-9]*${q(`.${ext}`)}`,
    `n=$#`,
    `for old in "$@"; do [ "$n" -gt ${backup.keep} ] || break; if [ -f "$old" ]; then rm -f -- "$old"; fi; n=$((n - 1)); done`,
  ];
  const done = `chmod 0600 "$f.part" && mv -f -- "$f.part" "$f"`;
  if (db.type === "postgresql") {
    return [
      ...lines,
      // As postgres (peer authentication), from / (postgres may not read the caller's folder); the
      // archive is written by this root shell.
      `(umask 077 && cd / && runuser -u postgres -- pg_dump -Fc -d ${q(pgConninfo(db.name))} > "$f.part") || ${failed(`pg_dump of database ${db.name} failed`)}`,
      done,
      `rec=${q(`restore-db postgresql ${base64(db.name)} ${base64(db.owner)}`)}" $(printf '%s' "$f" | base64 -w0)"`,
      ...keepNewest,
    ].join("\n");
  }
  const python = `${d.env}/bin/python`;
  return [
    `if [ -f ${q(db.path)} ]; then`,
    ...lines,
    `py=${q(python)}; [ -x "$py" ] || py=python3`,
    `(umask 077 && "$py" -c ${q(SQLITE_BACKUP)} ${q(db.path)} "$f.part") || ${failed(`the online copy of ${db.path} failed`)}`,
    // Root opened the database: a -wal or -shm it left must stay the service user's.
    `for x in ${q(`${db.path}-wal`)} ${q(`${db.path}-shm`)}; do if [ -e "$x" ]; then chown --reference=${q(db.path)} "$x"; fi; done`,
    done,
    `rec=${q(`restore-db sqlite ${base64(db.path)}`)}" $(printf '%s' "$f" | base64 -w0)"`,
    ...keepNewest,
    "fi",
  ].join("\n");
}

/**
 * The step's script, run as root: a. the server unit stopped when it runs (the rollback restarts
 * it), b. the backup (once per generation: a retry keeps the first, taken before anything of the
 * generation touched the database), c. the upgrade with the environment at `env`, whose failure
 * fails the step with the tail of its output.
 */
export function migrationScript(d: MigrationDetail, journalDir: string, generation: number): string {
  const u = q(d.unit);
  const key = d.database.type === "postgresql" ? d.database.name : d.database.path;
  const transient = q(`${migrationUnit(d.unit)}.service`);
  const upgrade = [
    "systemd-run",
    `--unit=${migrationUnit(d.unit)}`,
    "--wait --pipe --collect --quiet",
    `-p User=${SERVICE_USER} -p Group=${SERVICE_USER}`,
    `-p ${q(`WorkingDirectory=${SERVICE_HOME}`)}`,
    `-p ${q(`EnvironmentFile=${d.envFile}`)}`,
    `-p ${q(`EnvironmentFile=-${d.secretsFile}`)}`,
    `${q(`${d.env}/bin/prefect`)} server database upgrade -y`,
  ].join(" ");
  const marker = q(d.marker.path);
  /** The marker replaced atomically by `text` (a file beside it, renamed over it). */
  const mark = (text: string) => `t=$(mktemp ${q(`${d.marker.path}.XXXXXX`)}) && printf '%s' ${q(text)} > "$t" && chmod 0644 "$t" && mv -f "$t" ${marker}`;
  return [
    "set -e",
    makeJournalDir(journalDir),
    rememberServiceActivity(d.unit, journalDir),
    `case "$(systemctl is-active ${u} || true)" in active | activating | reloading | deactivating) systemctl stop ${u} ;; esac`,
    ...(d.backup === null ? [] : [journalOnce(journalDir, "db", key, backupShell(d, d.backup, generation))]),
    // A try cancelled (its process group killed) or cut short leaves no migration running.
    `systemctl stop ${transient} 2>/dev/null || true`,
    // A rollback puts the marker back as it was; a run cut short from here on leaves it pending.
    rememberFile(d.marker.path, journalDir),
    `mkdir -p ${q(d.marker.path.slice(0, d.marker.path.lastIndexOf("/")))}`,
    mark(`pending\n${d.marker.text}`),
    `trap 'systemctl stop ${transient} 2>/dev/null; exit 143' HUP INT TERM`,
    `rc=0; out=$(${upgrade} 2>&1) || rc=$?`,
    `if [ "$rc" != 0 ]; then`,
    `  echo ${q(`prefect server database upgrade -y with ${d.env} failed`)}" (exit $rc); ${d.unit} stays stopped; its last lines:" >&2`,
    `  printf '%s\\n' "$out" | tail -n ${OUTPUT_TAIL} >&2`,
    "  exit 1",
    "fi",
    "trap - HUP INT TERM",
    mark(d.marker.text),
  ].join("\n");
}
