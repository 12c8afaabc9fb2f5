/**
 * The undo journal a generation keeps on the node (/var/lib/reconcile/rollback/<G>/): the record
 * format, the shell that step scripts use to append records (once per generation), and the one
 * fixed replay script that reads the records and puts the node back as it was before the
 * generation. Also the script that drops the journals no longer needed once a generation is recorded.
 */
import { posix } from "node:path";
import { SERVICE_USER, STATE_DIR } from "../../facts/layout.js";
import { shellQuote as q } from "../../facts/shell.js";
import { SERVER_UNIT } from "../../planner/templates.js";
import { MARKER_PREFIX } from "../remote-script.js";

/** Where the undo journals live: one folder per generation, 0700 (they hold copies of secret files). */
export const ROLLBACK_ROOT = `${STATE_DIR}/rollback`;
/** The undo journal of generation G; `stateDir` is the node's state folder (tests put it in a temp folder). */
export const rollbackDir = (generation: number, stateDir: string = STATE_DIR) => `${stateDir}/rollback/${generation}`;

/*
 * The undo journal is DATA, never shell code: one record per line, `<operation> <value>...`, the
 * operation a fixed word and every value (path, link target, unit) base64 (RFC 4648, one line).
 * Any byte sequence survives that: spaces, quotes, `$`, `\`, newlines, bytes that are not UTF-8
 * (a link's old target is read on the node and may hold anything). Base64 rather than JSON: the
 * node's sh and coreutils write and read it exactly (`readlink -n | base64 -w0`, `base64 -d`),
 * while JSON would need an encoder on the node (python3) and cannot hold bytes that are not UTF-8.
 *
 * `undo` (replayed newest first; links, files and unit enablement):
 *   restore-file PATH           put the copy <journal>/files<PATH> back at PATH
 *   remove-file PATH            PATH did not exist
 *   restore-link PATH TARGET    PATH was a link to TARGET
 *   remove-link PATH            PATH was no link
 *   enable UNIT                 UNIT was enabled (the generation disables it)
 *   disable UNIT                UNIT was not enabled (the generation enables it)
 *   restore-db postgresql DB OWNER FILE
 *                               database DB (owned by role OWNER) is dropped, made again and
 *                               restored from the pg_dump archive FILE (as postgres)
 *   restore-db sqlite PATH FILE the SQLite database PATH is replaced by the copy FILE (owned by the
 *                               service user; its -wal and -shm removed)
 *                               Both stop the Prefect server first, and print a marker line (see
 *                               {@link RESTORED_MARKER}) on stdout; the type is a plain word.
 *   once KIND KEY               KIND (file, link, enable, disable, db) of KEY is journaled already
 *                               in this generation (KIND is a plain word); the replay skips it
 * `services` (replayed newest first, after the undo and a daemon-reload):
 *   restart UNIT                UNIT was active
 *   reload UNIT                 UNIT was active and the generation only reloaded it: it reads its
 *                               old files again (`systemctl reload-or-restart`: started if it died)
 *   stop UNIT                   UNIT was not active
 * Step scripts append records whose values are known here as constant text; the only values made
 * on the node, a link's old target and a backup's file name, go straight through `base64 -w0`.
 * One fixed script ({@link rollbackScript}) reads the records and carries them out.
 */
const UNDO = "undo";
const SERVICES = "services";
const undoFile = (journalDir: string) => `${journalDir}/${UNDO}`;
const servicesFile = (journalDir: string) => `${journalDir}/${SERVICES}`;
const backupPath = (journalDir: string, path: string) => `${journalDir}/files${path}`;

type UndoOperation = "restore-file" | "remove-file" | "restore-link" | "remove-link" | "enable" | "disable";
type ServiceOperation = "restart" | "reload" | "stop";
type JournalKind = "file" | "link" | "enable" | "disable" | "db";

/**
 * What the replay prints on stdout for each database it restored:
 * `@@reconcile-restored-db <type> <base64 database name or path> <base64 backup file>`
 * ({@link parseRestoredMarkers} reads it back).
 */
export const RESTORED_MARKER = `${MARKER_PREFIX}restored-db`;

/** A database the replay restored, as its marker line says. */
export interface RestoredDatabase {
  type: "postgresql" | "sqlite";
  /** The PostgreSQL database's name, or the SQLite file's path. */
  database: string;
  backup: string;
}

/** The databases a replay's output says it restored, in the order it restored them. */
export function parseRestoredMarkers(stdout: string): RestoredDatabase[] {
  const out: RestoredDatabase[] = [];
  const line = new RegExp(`^${RESTORED_MARKER} (postgresql|sqlite) ([A-Za-z0-9+/=]+) ([A-Za-z0-9+/=]+)$`, "gm");
  for (const m of stdout.matchAll(line)) {
    out.push({ type: m[1] as RestoredDatabase["type"], database: Buffer.from(m[2]!, "base64").toString("utf8"), backup: Buffer.from(m[3]!, "base64").toString("utf8") });
  }
  return out;
}

/** `database prefect restored from /var/backups/reconcile/…`, for the rollback's outcome. */
export function describeRestored(r: RestoredDatabase): string {
  return `${r.type === "postgresql" ? `database ${r.database}` : `SQLite database ${r.database}`} restored from ${r.backup}`;
}

export const base64 = (value: string) => Buffer.from(value, "utf8").toString("base64");
/** One journal record with values known here: `<operation> <base64 value>...`. */
export const journalRecord = (operation: UndoOperation | ServiceOperation, ...values: string[]) => [operation, ...values.map(base64)].join(" ");

/** What a journal written by an older reconcile (shell lines in undo.sh and services.sh) asks of people. */
const LEGACY_JOURNAL =
  "holds an undo journal of shell lines written by an older reconcile, which this one does not replay: " +
  "roll the node back by hand (in that folder, as root: tac undo.sh | grep -v '^#' | sh -e && systemctl daemon-reload && tac services.sh | sh) " +
  "or remove the folder to keep the node as it is, then apply again";

/**
 * Makes the journal folder (and the folders above it) readable by root only: the journal keeps
 * the previous content of env files, secrets included. Existing folders are tightened too. A
 * journal in the older format is refused: appending records beside it would lose what it holds.
 */
export const makeJournalDir = (journalDir: string) =>
  [
    `(umask 077 && mkdir -p ${q(journalDir)}) && chmod 0700 ${q(posix.dirname(journalDir))} ${q(journalDir)}`,
    `if [ -e ${q(`${journalDir}/undo.sh`)} ] || [ -e ${q(`${journalDir}/services.sh`)} ]; then echo ${q(`${journalDir} ${LEGACY_JOURNAL}`)} >&2; exit 1; fi`,
  ].join("\n");

/**
 * Shell that records how to undo a change of `kind` to `key`, once per generation: `record`
 * (shell that sets `rec` to the record line, or leaves it empty when there is nothing to undo)
 * runs only the first time, so the undo restores what was there before the run, however often the
 * run is retried. The record and its `once` mark go in one write, the record first.
 */
export function journalOnce(journalDir: string, kind: JournalKind, key: string, record: string): string {
  const mark = `once ${kind} ${base64(key)}`;
  const undo = q(undoFile(journalDir));
  return `if ! grep -qxF ${q(mark)} ${undo} 2>/dev/null; then rec=; ${record}; printf '%s\\n' \${rec:+"$rec"} ${q(mark)} >> ${undo}; fi`;
}

/** Records how to put `path` back as it is now: its content (copied aside, restored atomically), or its absence. */
export function rememberFile(path: string, journalDir: string): string {
  const backup = backupPath(journalDir, path);
  return journalOnce(
    journalDir,
    "file",
    path,
    // The copy is complete before its record is written: a copy cut short is made again by the retry.
    `if [ -f ${q(path)} ]; then mkdir -p ${q(posix.dirname(backup))}; cp -p ${q(path)} ${q(backup)}; rec=${q(journalRecord("restore-file", path))}; else rec=${q(journalRecord("remove-file", path))}; fi`,
  );
}

/**
 * Records whether `unit` is active now, so the rollback restarts it (or reloads it, when the step
 * only reloads it: `how`), or stops it, after the files and links are back. Appended on every
 * run; the replay goes newest first, so the state from before the generation's first run is the
 * one that stands last.
 */
export function rememberServiceActivity(unit: string, journalDir: string, how: "restart" | "reload" = "restart"): string {
  const u = q(unit);
  const services = q(servicesFile(journalDir));
  return (
    `if systemctl is-active --quiet ${u}; then printf '%s\\n' ${q(journalRecord(how, unit))} >> ${services}; ` +
    `else printf '%s\\n' ${q(journalRecord("stop", unit))} >> ${services}; fi`
  );
}

/*
 * The replay: ONE fixed script, the same for every journal, whose only input is the journal
 * folder in $1. It reads the records as data and never runs anything they hold. Every record is
 * checked before anything is touched, so a corrupt journal changes nothing (and stays).
 * (String.raw: the shell gets every backslash as written; `${"$"}{` is how it gets a `${`.)
 */
const REPLAY_FUNCTIONS = String.raw`J=$1
[ -d "$J" ] || exit 0
say() { printf 'rollback: %s\n' "$*" >&2; }
for old in "$J/undo.sh" "$J/services.sh"; do
  if [ -e "$old" ]; then say "$J ${LEGACY_JOURNAL}"; exit 1; fi
done
# v := the bytes the base64 value $1 stands for, exactly (trailing newlines too: the "." keeps
# them from $(...)). Fails unless $1 is the canonical base64 of a value that is not empty and
# holds no NUL (which a shell variable would drop): encoding v again must give $1 back.
decode() {
  case $1 in '' | *[!A-Za-z0-9+/=]*) return 1 ;; esac
  v=$(printf '%s' "$1" | base64 -d 2>/dev/null && echo .) || return 1
  v=${"$"}{v%.}
  [ -n "$v" ] && [ "$(printf '%s' "$v" | base64 -w0)" = "$1" ]
}
# v is a path ($1 = path), a unit name ($1 = unit) or a PostgreSQL name on one line ($1 = name).
valid() {
  case $1:$v in path:/*) return 0 ;; unit:-* | unit:*/*) return 1 ;; unit:*) return 0 ;; name:*"$NL"*) return 1 ;; name:*) return 0 ;; esac
  return 1
}
NL='
'
# A PostgreSQL identifier, double-quoted ("" inside), and a connection string naming database $1
# (single-quoted, \ and ' escaped), so no name is ever taken for SQL, an option or a conninfo.
pg_ident() { printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')"; }
pg_conninfo() { printf "dbname='%s'" "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g")"; }
# The Prefect server stops before its database is put back (it may run the new environment).
stop_server() { systemctl stop ${SERVER_UNIT} 2>/dev/null || ! systemctl is-active --quiet ${SERVER_UNIT}; }
# Database $1 owned by $2 dropped, made again (from template0, as pg_restore wants: nothing that
# template1 may hold clashes) and restored from archive $3, as postgres. The archive is root's:
# pg_restore reads it on its stdin.
restore_pg() {
  # Restored into a database of its own first, and swapped in only once pg_restore succeeded: a
  # restore that fails (a full disk, a damaged archive) leaves the database as it was.
  db=$(pg_ident "$1") && owner=$(pg_ident "$2") && side=$(pg_ident reconcile_restore) && info=$(pg_conninfo reconcile_restore) || return 1
  printf 'DROP DATABASE IF EXISTS %s WITH (FORCE);\nCREATE DATABASE %s OWNER %s TEMPLATE template0;\n' "$side" "$side" "$owner" |
    (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -d postgres) &&
    (cd / && runuser -u postgres -- pg_restore --exit-on-error --single-transaction --no-password -d "$info") < "$3" &&
    printf 'DROP DATABASE IF EXISTS %s WITH (FORCE);\nALTER DATABASE %s RENAME TO %s;\n' "$db" "$side" "$db" |
    (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -d postgres)
}
# SQLite file $1 replaced by copy $2 in one rename, the service user's; its -wal and -shm (of the
# database it replaces) go first.
restore_sqlite() {
  cp -- "$2" "$1.reconcile-rb" && chown ${SERVICE_USER}:${SERVICE_USER} "$1.reconcile-rb" && chmod 0600 "$1.reconcile-rb" &&
    rm -f -- "$1-wal" "$1-shm" && mv -f -- "$1.reconcile-rb" "$1"
}
# restore-db, as undo_record: $1 check or apply, $2 where, $4 the type, $5... its values.
restore_db() {
  case $4 in
    postgresql)
      [ -n "$7" ] && [ -z "$8" ] || { say "$2: restore-db postgresql takes a database, its owner and a backup file"; return 1; }
      decode "$5" && valid name || { say "$2: '$5' is not the base64 of a database name"; return 1; }
      name=$v
      decode "$6" && valid name || { say "$2: '$6' is not the base64 of a role name"; return 1; }
      owner_name=$v
      file_b64=$7 ;;
    sqlite)
      [ -n "$6" ] && [ -z "$7$8" ] || { say "$2: restore-db sqlite takes a database file and a backup file"; return 1; }
      decode "$5" && valid path || { say "$2: '$5' is not the base64 of a path"; return 1; }
      name=$v
      file_b64=$6 ;;
    *) say "$2: unknown database type '$4'"; return 1 ;;
  esac
  decode "$file_b64" && valid path || { say "$2: '$file_b64' is not the base64 of a path"; return 1; }
  file=$v
  if [ "$1" = check ]; then
    [ -f "$file" ] || { say "$2: the backup $file of $name is missing"; return 1; }
    return 0
  fi
  stop_server || { say "$2: could not stop ${SERVER_UNIT} to restore $name"; return 1; }
  if [ "$4" = postgresql ]; then restore_pg "$name" "$owner_name" "$file"; else restore_sqlite "$name" "$file"; fi ||
    { say "$2: could not restore $name from $file"; return 1; }
  printf '%s %s %s %s\n' ${q(RESTORED_MARKER)} "$4" "$5" "$file_b64"
}
# One record of the undo file: $1 check or apply, $2 where it is, $3 the operation, $4... its values.
undo_record() {
  case $3 in
    once)
      case $4 in file | link | enable | disable | db) ;; *) say "$2: unknown kind '$4'"; return 1 ;; esac
      [ -n "$5" ] && [ -z "$6$7$8" ] || { say "$2: once takes a kind and one value"; return 1; }
      decode "$5" || { say "$2: '$5' is not the base64 of a key"; return 1; }
      return 0 ;;
    restore-link)
      [ -n "$4" ] && [ -n "$5" ] && [ -z "$6$7$8" ] || { say "$2: restore-link takes two values"; return 1; }
      decode "$5" || { say "$2: '$5' is not the base64 of a link target"; return 1; }
      t=$v ;;
    restore-db) restore_db "$@"; return ;;
    restore-file | remove-file | remove-link | enable | disable)
      [ -n "$4" ] && [ -z "$5$6$7$8" ] || { say "$2: $3 takes one value"; return 1; } ;;
    *) say "$2: unknown operation '$3'"; return 1 ;;
  esac
  case $3 in enable | disable) kind=unit ;; *) kind=path ;; esac
  decode "$4" && valid "$kind" || { say "$2: '$4' is not the base64 of a $kind"; return 1; }
  if [ "$1" = check ]; then
    if [ "$3" = restore-file ] && [ ! -f "$J/files$v" ]; then say "$2: the copy of $v is missing ($J/files$v)"; return 1; fi
    return 0
  fi
  case $3 in
    restore-file) cp -p -- "$J/files$v" "$v.reconcile-rb" && mv -f -- "$v.reconcile-rb" "$v" ;;
    remove-file | remove-link) rm -f -- "$v" ;;
    restore-link) ln -sfn -- "$t" "$v.reconcile-new" && mv -Tf -- "$v.reconcile-new" "$v" ;;
    enable) systemctl enable --no-reload "$v" || true ;;
    disable) systemctl disable --no-reload "$v" || true ;;
  esac || { say "$2: could not $3 $v"; return 1; }
}
# One record of the services file, as undo_record.
service_record() {
  case $3 in restart | reload | stop) ;; *) say "$2: unknown operation '$3'"; return 1 ;; esac
  [ -n "$4" ] && [ -z "$5$6$7$8" ] || { say "$2: $3 takes one value"; return 1; }
  decode "$4" && valid unit || { say "$2: '$4' is not the base64 of a unit"; return 1; }
  [ "$1" = check ] && return 0
  case $3 in
    restart) systemctl restart "$v" || { say "$2: could not restart $v"; return 1; } ;;
    reload) systemctl reload-or-restart "$v" || { say "$2: could not reload $v"; return 1; } ;;
    *) systemctl stop "$v" || true ;;
  esac
}
# The records of file $2, newest first, through function $1 in mode $3 (check or apply); after a
# record that fails, $4 says whether to stop or go on. Fails when any record failed, or when the
# file could not be read whole.
replay() {
  [ -f "$2" ] || return 0
  last=$(tail -c 1 -- "$2") && total=$(wc -l < "$2") || { say "cannot read $2"; return 1; }
  [ -z "$last" ] || { say "$2: its last record is cut off (no newline at its end)"; return 1; }
  grep -an '' -- "$2" | tac | {
    rc=0 seen=0
    while IFS=' ' read -r at a b c d e; do
      seen=$((seen + 1))
      "$1" "$3" "$2, record ${"$"}{at%%:*}" "${"$"}{at#*:}" "$a" "$b" "$c" "$d" "$e" && continue
      rc=1
      [ "$4" = go-on ] || break
    done
    [ "$rc" = 1 ] || [ "$seen" -eq "$total" ] || { say "$2: read $seen of its $total records"; rc=1; }
    exit "$rc"
  }
}
if ! { replay undo_record "$J/${UNDO}" check go-on && replay service_record "$J/${SERVICES}" check go-on; }; then
  say "could not put the links and files back: the journal $J holds records it cannot read; nothing was changed, and the journal is kept"
  exit 1
fi`;

/** The links-and-files half of the replay: the undo records carried out, newest first, stopping at the first that fails. */
const REPLAY_FILES = `${REPLAY_FUNCTIONS}
replay undo_record "$J/${UNDO}" apply stop || { say "could not put the links and files back; the journal $J is kept for the next try"; exit 1; }`;

/**
 * The whole replay: links and files (if they cannot be put back the rollback failed, and is tried
 * again), systemd reloaded, the services restarted (or stopped) as they were, newest record first.
 * A unit that cannot be restarted fails the rollback once all were tried; only a replay that did
 * everything removes the journal (its copies hold secrets).
 */
const REPLAY = `${REPLAY_FILES}
rc=0
systemctl daemon-reload || { say "systemctl daemon-reload failed"; rc=1; }
replay service_record "$J/${SERVICES}" apply go-on || rc=1
if [ "$rc" = 0 ]; then rm -rf -- "$J"; else say "the journal $J is kept for the next try"; fi
exit "$rc"`;

/** A fixed replay script given its one input, the journal folder, as $1 (quoted here, whatever it holds). */
const withJournal = (journalDir: string, script: string) => `set -- ${q(journalDir)}\n${script}`;

/**
 * Puts the node back as it was before the generation whose journal is `journalDir`: links and
 * files restored in reverse order, systemd reloaded, then the services restarted (or stopped) as
 * they were. The script is the same for every journal; only `journalDir` is passed to it.
 */
export function rollbackScript(journalDir: string): string {
  return withJournal(journalDir, REPLAY);
}

/**
 * After generation `generation` is recorded: every other journal goes. Only this generation's
 * journal stays, the one that leads back to the previous generation.
 */
export function pruneJournalsScript(generation: number, root = ROLLBACK_ROOT): string {
  return [
    `for d in ${q(root)}/*; do`,
    `  g=\${d##*/}`,
    `  case "$g" in ''|*[!0-9]*) continue ;; esac`,
    // Every other journal goes, newer numbers too: after a reset state.json the numbers start over,
    // and a stale journal's "already journaled" marks would hide what the new run changed.
    `  if [ "$g" -ne ${generation} ]; then rm -rf -- "$d"; fi`,
    "done",
  ].join("\n");
}

/** The links-and-files half of a rollback: the undo records replayed newest first (the journal stays). */
export function rollbackFilesScript(journalDir: string): string {
  return withJournal(journalDir, REPLAY_FILES);
}
