/**
 * Carries out a node's install, configure and verify steps over its Transport, and rolls them back.
 * It never decides what to do (the plan did); it only builds the commands for each step's detail
 * and runs them. Every change to a link or a file first records how to undo it in the
 * generation's journal on the node (/var/lib/reconcile/rollback/<G>/), so a failed verify can put
 * the node back exactly as it was.
 *
 * The command builders are pure and exported for tests; the runners are thin.
 */
import { posix } from "node:path";
import { ReconcileError } from "../errors.js";
import { STATE_DIR, STATE_FILE, completeMarker, incomingFile, storeFile, storePath } from "../facts/layout.js";
import { shellQuote as q } from "../facts/shell.js";
import type { NodeState, StateResource } from "../facts/types.js";
import { fileText } from "../planner/plan.js";
import type { Step, StepDetail } from "../planner/types.js";
import type { Sensitive } from "../spec/secrets.js";
import type { Logger } from "../log.js";
import { MARKER_PREFIX, StepError, runScriptOrThrow, shellBlock } from "./remote-script.js";
import type { Transport } from "./transport.js";

export { StepError } from "./remote-script.js";

/** Where the undo journals live: one folder per generation, 0700 (they hold copies of secret files). */
export const ROLLBACK_ROOT = `${STATE_DIR}/rollback`;
/** Where generation G keeps its undo journal on the node. */
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
 *   once KIND KEY               KIND (file, link, enable, disable) of KEY is journaled already in
 *                               this generation (KIND is a plain word); the replay skips it
 * `services` (replayed newest first, after the undo and a daemon-reload):
 *   restart UNIT                UNIT was active
 *   stop UNIT                   UNIT was not active
 * Step scripts append records whose values are known here as constant text; the only value read
 * on the node, a link's old target, goes from `readlink -n` straight through `base64 -w0`.
 * One fixed script ({@link rollbackScript}) reads the records and carries them out.
 */
const UNDO = "undo";
const SERVICES = "services";
const undoFile = (journalDir: string) => `${journalDir}/${UNDO}`;
const servicesFile = (journalDir: string) => `${journalDir}/${SERVICES}`;
const backupPath = (journalDir: string, path: string) => `${journalDir}/files${path}`;

type UndoOperation = "restore-file" | "remove-file" | "restore-link" | "remove-link" | "enable" | "disable";
type ServiceOperation = "restart" | "stop";
type JournalKind = "file" | "link" | "enable" | "disable";

const base64 = (value: string) => Buffer.from(value, "utf8").toString("base64");
/** One journal record with values known here: `<operation> <base64 value>...`. */
const journalRecord = (operation: UndoOperation | ServiceOperation, ...values: string[]) => [operation, ...values.map(base64)].join(" ");

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
const makeJournalDir = (journalDir: string) =>
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
function journalOnce(journalDir: string, kind: JournalKind, key: string, record: string): string {
  const mark = `once ${kind} ${base64(key)}`;
  const undo = q(undoFile(journalDir));
  return `if ! grep -qxF ${q(mark)} ${undo} 2>/dev/null; then rec=; ${record}; printf '%s\\n' \${rec:+"$rec"} ${q(mark)} >> ${undo}; fi`;
}

/** Records how to put `path` back as it is now: its content (copied aside, restored atomically), or its absence. */
function rememberFile(path: string, journalDir: string): string {
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
 * Writes stdin to `path` atomically: a temporary file in the same folder, fsync'd, mode and owner
 * set, renamed over the target. The old file (or its absence) is journaled first.
 */
export function writeFileScript(path: string, mode: string, owner: string, group: string, journalDir: string): string {
  const dir = posix.dirname(path);
  return [
    "set -e",
    makeJournalDir(journalDir),
    `mkdir -p ${q(dir)}`,
    rememberFile(path, journalDir),
    `t=$(mktemp ${q(`${dir}/.reconcile.XXXXXX`)})`,
    `trap 'rm -f "$t"' EXIT`,
    `cat > "$t"`,
    `chmod ${q(mode)} "$t"`,
    `chown ${q(`${owner}:${group}`)} "$t"`,
    `sync "$t" 2>/dev/null || true`,
    `mv -f "$t" ${q(path)}`,
    "trap - EXIT",
  ].join("\n");
}

/** Removes a file no longer declared (journaled, so a rollback brings it back). */
export function deleteFileScript(path: string, journalDir: string): string {
  return ["set -e", `[ -e ${q(path)} ] || exit 0`, makeJournalDir(journalDir), rememberFile(path, journalDir), `rm -f ${q(path)}`].join("\n");
}

/**
 * Points `path` at `target` atomically: a new link beside it renamed over the old one (rename is
 * atomic; a reader sees the old or the new target, never none). `target` "" removes the link.
 */
export function switchLinkScript(path: string, target: string, journalDir: string): string {
  const next = `${path}.reconcile-new`;
  // The old target is known on the node alone: its bytes go from readlink (-n: no newline added)
  // through base64 into the record, never through shell quoting. A link never has an empty target.
  const readOld = `old=$(readlink -n -- ${q(path)} | base64 -w0) && [ -n "$old" ] || { echo ${q(`cannot read the link ${path}`)} >&2; exit 1; }`;
  return [
    "set -e",
    makeJournalDir(journalDir),
    `mkdir -p ${q(posix.dirname(path))}`,
    journalOnce(
      journalDir,
      "link",
      path,
      `if [ -L ${q(path)} ]; then ${readOld}; rec=${q(`${journalRecord("restore-link", path)} `)}"$old"; else rec=${q(journalRecord("remove-link", path))}; fi`,
    ),
    target === "" ? `rm -f ${q(path)}` : `ln -sfn ${q(target)} ${q(next)} && mv -Tf ${q(next)} ${q(path)}`,
  ].join("\n");
}

/**
 * Installs an uploaded artifact (store/.incoming/<transferSha>) into store/<sha>: extracted or
 * placed, then `.complete` written last, so a half-done folder is never taken for a finished one.
 */
export function installArtifactScript(root: string, detail: Extract<StepDetail, { kind: "artifact" }>, transferSha: string, pixiUnpack: string | null): string {
  const target = storePath(root, detail.sha256);
  const incoming = incomingFile(root, transferSha);
  const complete = q(completeMarker(root, detail.sha256));
  const t = q(target);
  const lines = [
    "set -e",
    `[ -f ${complete} ] && { rm -f ${q(incoming)}; exit 0; }`,
    `[ -f ${q(incoming)} ] || { echo ${q(`the upload is missing: ${incoming}`)} >&2; exit 1; }`,
    `rm -rf ${t}`,
    `mkdir -p ${t}`,
  ];
  switch (detail.artifactKind) {
    case "tar":
    case "flow-code":
      lines.push(`tar -xf ${q(incoming)} -C ${t} --no-same-owner`);
      break;
    case "conda-pack": {
      // conda-unpack rewrites the prefixes for the folder it is in: extract in place, then run it.
      // It is a Python script starting `#!/usr/bin/env python`, and a node's PATH has no `python`
      // (Debian ships python3 only), so it runs with the environment's own python, as conda-pack
      // documents; the node's python3 only when the environment has none.
      const unpack = q(`${target}/bin/conda-unpack`);
      const python = q(`${target}/bin/python`);
      lines.push(
        `tar -xf ${q(incoming)} -C ${t} --no-same-owner`,
        `if [ -f ${unpack} ]; then`,
        `  if [ -x ${python} ]; then ${python} ${unpack}`,
        `  elif command -v python3 >/dev/null; then python3 ${unpack}`,
        `  else echo ${q(`${target}/bin/conda-unpack needs a python: the environment has no bin/python and the node no python3`)} >&2; exit 1; fi`,
        "fi",
      );
      break;
    }
    case "pixi-pack":
      if (pixiUnpack === null) throw new ReconcileError(`artifact ${detail.artifact}: a pixi-pack archive needs tools.pixiUnpack`);
      lines.push(`${q(pixiUnpack)} --output-directory ${t} ${q(incoming)}`);
      break;
    case "deb":
      lines.push(`tar -xf ${q(incoming)} -C ${t} --no-same-owner`, `(cd ${t} && sha256sum --check --quiet --strict SHA256SUMS) >&2`);
      break;
    case "file":
      lines.push(`cp ${q(incoming)} ${q(storeFile(root, detail.sha256, detail.artifact))}`, `chmod 0755 ${q(storeFile(root, detail.sha256, detail.artifact))}`);
      break;
  }
  lines.push(`sync -f ${t} 2>/dev/null || true`, `touch ${complete}`, `rm -f ${q(incoming)}`);
  return lines.join("\n");
}

/** dpkg -i of a deb set's files, never asking: keeps changed conffiles, no prompts. */
export function installPackagesScript(root: string, sha256: string): string {
  return [
    "set -e",
    "export DEBIAN_FRONTEND=noninteractive",
    `dpkg --force-confold --force-confdef -i ${q(storePath(root, sha256))}/*.deb`,
  ].join("\n");
}

export function createUserScript(name: string, home: string): string {
  return `getent passwd ${q(name)} >/dev/null || useradd --system --user-group --home-dir ${q(home)} --create-home --shell /usr/sbin/nologin ${q(name)}`;
}

/**
 * Enables/starts/restarts a unit (systemd reloaded once, after a changed unit file or an enable);
 * the previous state is journaled so a rollback restarts (or stops) it after the files and links
 * are back.
 */
export function serviceScript(detail: Extract<StepDetail, { kind: "service" }>, journalDir: string): string {
  const u = q(detail.unit);
  const services = q(servicesFile(journalDir));
  const lines = ["set -e", makeJournalDir(journalDir)];
  lines.push(
    `if systemctl is-active --quiet ${u}; then printf '%s\\n' ${q(journalRecord("restart", detail.unit))} >> ${services}; ` +
      `else printf '%s\\n' ${q(journalRecord("stop", detail.unit))} >> ${services}; fi`,
  );
  if (detail.stop) {
    // A unit this generation disables is enabled again by a rollback (once its file is back).
    lines.push(journalOnce(journalDir, "disable", detail.unit, `if systemctl is-enabled --quiet ${u}; then rec=${q(journalRecord("enable", detail.unit))}; fi`), `systemctl disable --now ${u}`);
  }
  if (detail.enable) {
    // A unit this generation enables is disabled again by a rollback (before its file goes).
    lines.push(journalOnce(journalDir, "enable", detail.unit, `systemctl is-enabled --quiet ${u} || rec=${q(journalRecord("disable", detail.unit))}`));
    // `enable` reloads systemd by itself (0.1 s or more); with --no-reload, one reload serves both
    // the new unit file and the new enablement.
    lines.push(`systemctl enable --no-reload ${u}`);
  }
  if (detail.daemonReload || detail.enable) lines.push("systemctl daemon-reload");
  if (detail.restart) lines.push(`systemctl restart ${u}`);
  else if (detail.start) lines.push(`systemctl start ${u}`);
  return lines.join("\n");
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
# v is a path ($1 = path) or a unit name ($1 = unit).
valid() {
  case $1:$v in path:/*) return 0 ;; unit:-* | unit:*/*) return 1 ;; unit:*) return 0 ;; esac
  return 1
}
# One record of the undo file: $1 check or apply, $2 where it is, $3 the operation, $4... its values.
undo_record() {
  case $3 in
    once)
      case $4 in file | link | enable | disable) ;; *) say "$2: unknown kind '$4'"; return 1 ;; esac
      [ -n "$5" ] && [ -z "$6" ] || { say "$2: once takes a kind and one value"; return 1; }
      decode "$5" || { say "$2: '$5' is not the base64 of a key"; return 1; }
      return 0 ;;
    restore-link)
      [ -n "$4" ] && [ -n "$5" ] && [ -z "$6" ] || { say "$2: restore-link takes two values"; return 1; }
      decode "$5" || { say "$2: '$5' is not the base64 of a link target"; return 1; }
      t=$v ;;
    restore-file | remove-file | remove-link | enable | disable)
      [ -n "$4" ] && [ -z "$5$6" ] || { say "$2: $3 takes one value"; return 1; } ;;
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
  case $3 in restart | stop) ;; *) say "$2: unknown operation '$3'"; return 1 ;; esac
  [ -n "$4" ] && [ -z "$5$6" ] || { say "$2: $3 takes one value"; return 1; }
  decode "$4" && valid unit || { say "$2: '$4' is not the base64 of a unit"; return 1; }
  [ "$1" = check ] && return 0
  if [ "$3" = restart ]; then systemctl restart "$v" || { say "$2: could not restart $v"; return 1; }
  else systemctl stop "$v" || true; fi
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
    while IFS=' ' read -r at a b c; do
      seen=$((seen + 1))
      "$1" "$3" "$2, record ${"$"}{at%%:*}" "${"$"}{at#*:}" "$a" "$b" "$c" && continue
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

/** Units that must be active now and still active after `settleSeconds`, and links that must resolve. */
export function verifyScript(units: readonly string[], paths: readonly string[], settleSeconds: number): string {
  const check = units.length === 0 ? ":" : `for u in ${units.map(q).join(" ")}; do systemctl is-active --quiet "$u" || { echo "$u is $(systemctl is-active "$u")" >&2; bad=1; }; done`;
  return [
    "bad=0",
    ...paths.map((p) => `[ -e ${q(p)}/ ] || { echo ${q(`${p} does not resolve`)} >&2; bad=1; }`),
    // An environment with a Python must be able to start it.
    ...paths.map((p) => `if [ -x ${q(`${p}/bin/python`)} ]; then ${q(`${p}/bin/python`)} -c 'import sys' >/dev/null 2>&1 || { echo ${q(`${p}/bin/python does not run`)} >&2; bad=1; }; fi`),
    check,
    `[ "$bad" = 0 ] || exit 1`,
    units.length === 0 ? ":" : `sleep ${settleSeconds}`,
    check,
    `[ "$bad" = 0 ] || exit 1`,
  ].join("\n");
}

/** The node's state after a successful apply. */
export function nextState(previous: NodeState | null, input: { generation: number; cluster: string; specDigest: string; appliedAt: string; declared: string[]; changed: string[]; kept: string[] }): NodeState {
  const before = new Map((previous?.resources ?? []).map((r) => [r.id, r.generation]));
  const changed = new Set(input.changed);
  const ids = [...new Set([...input.declared, ...input.kept])].sort();
  const resources: StateResource[] = ids.map((id) => ({ id, generation: changed.has(id) || !before.has(id) ? input.generation : (before.get(id) ?? input.generation) }));
  return { version: 1, generation: input.generation, cluster: input.cluster, specDigest: input.specDigest, appliedAt: input.appliedAt, resources };
}

export interface StepContext {
  transport: Transport;
  root: string;
  cluster: string;
  /** The generation's undo journal on the node: {@link rollbackDir}(G). */
  journalDir: string;
  secrets: ReadonlyMap<string, Sensitive>;
  /** Digest of the bytes uploaded for each artifact (from the stage step). */
  transferSha: (artifact: string) => string;
  /** Path of the pixi-unpack binary on the node, when the cluster has one. */
  pixiUnpack: string | null;
  settleSeconds: number;
  signal?: AbortSignal;
  log?: Logger;
}

/** Runs one install, configure or verify step. Stage and transfer steps are not run here. */
/** One step as a script (and the bytes it reads on stdin), or null when it has nothing to run here. */
export function stepScript(step: Step, ctx: Omit<StepContext, "transport" | "signal" | "log">, node: string): { script: string; stdin?: string } | null {
  const d = step.detail;
  switch (d.kind) {
    case "artifact":
      return step.stage === "install" ? { script: installArtifactScript(ctx.root, d, ctx.transferSha(d.artifact), ctx.pixiUnpack) } : null;
    case "link":
      return { script: switchLinkScript(d.path, d.target, ctx.journalDir) };
    case "packages":
      return { script: installPackagesScript(ctx.root, d.sha256) };
    case "user":
      return { script: createUserScript(d.name, d.home) };
    case "file":
      if (d.content === null) return { script: deleteFileScript(d.path, ctx.journalDir) };
      // Secrets are filled in here, at the last moment, and travel only on the command's stdin.
      return { script: writeFileScript(d.path, d.mode, d.owner, d.group, ctx.journalDir), stdin: fileText(ctx.cluster, d.content, ctx.secrets) };
    case "service":
      return { script: serviceScript(d, ctx.journalDir) };
    case "database":
      throw new StepError(node, `${step.stage} ${step.address}`, "creating PostgreSQL databases is not supported yet");
    case "verify":
      return { script: verifyScript(d.units, d.paths, ctx.settleSeconds) };
  }
}

const FAILED = `${MARKER_PREFIX}step-failed`;

/**
 * Several steps in ONE remote command, in order, stopping at the first that fails: a round trip
 * per stage instead of per step. Each step runs in its own subshell; what a step reads on stdin
 * is a base64 here-document inside the script, which itself travels on the command's stdin (never
 * on a command line, where other users of the node could read it).
 */
export function batchScript(steps: readonly { id: string; script: string; stdin?: string }[]): string {
  const out: string[] = [];
  steps.forEach((step, i) => {
    // The status is read from $? on the next line, not with `||`: a subshell on the left of `||`
    // would run with `set -e` switched off, and a failing command would go unnoticed.
    const check = `rc=$?; [ "$rc" = 0 ] || { echo ${q(`${FAILED} ${step.id}`)} >&2; exit "$rc"; }`;
    out.push(shellBlock(step.script, step.stdin, `RECONCILE_STDIN_${i}`), check);
  });
  return `${out.join("\n")}\n`;
}

/** Runs the steps of one stage in a single remote command; a failure names the step that failed. */
export async function runNodeSteps(steps: readonly Step[], ctx: StepContext): Promise<void> {
  const scripts = steps.flatMap((step) => {
    const s = stepScript(step, ctx, ctx.transport.node);
    return s === null ? [] : [{ id: step.id, ...s }];
  });
  if (scripts.length === 0) return;
  const stages = [...new Set(steps.map((s) => s.stage))].join("+");
  const failedId = (r: { stderr: string }) => new RegExp(`^${FAILED} (.*)$`, "m").exec(r.stderr)?.[1];
  await runScriptOrThrow(ctx.transport, {
    step: `${stages}: ${scripts.map((s) => s.id.split("/").slice(2).join("/")).join(", ")}`,
    script: batchScript(scripts),
    ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
    ...(ctx.log === undefined ? {} : { log: ctx.log }),
    logFields: (r) => {
      const failed = failedId(r);
      return { steps: scripts.map((s) => s.id), ...(failed === undefined ? {} : { failedStep: failed }) };
    },
    failedStep: (r) => {
      const step = steps.find((s) => s.id === failedId(r));
      return step === undefined ? "steps" : `${step.stage} ${step.address}`;
    },
  });
}

/** Rolls the node back to how it was before the generation whose journal is `journalDir` started. */
export async function rollbackNode(transport: Transport, journalDir: string, options: { signal?: AbortSignal; log?: Logger } = {}): Promise<void> {
  await runScriptOrThrow(transport, { step: "rollback", script: rollbackScript(journalDir), ...options });
}

/**
 * Writes the node's state file (atomically) once the node verified, then drops the journals of
 * older generations (a rollback can no longer use them).
 */
export async function writeState(transport: Transport, state: NodeState, options: StateOptions & { signal?: AbortSignal; log?: Logger } = {}): Promise<void> {
  const { stateDir, owner, ...rest } = options;
  const dir = stateDir ?? STATE_DIR;
  const file = stateDir === undefined ? STATE_FILE : `${stateDir}/state.json`;
  const own = owner ?? { user: "root", group: "root" };
  const script = [writeFileScript(file, "0644", own.user, own.group, rollbackDir(state.generation, dir)), pruneJournalsScript(state.generation, `${dir}/rollback`)].join("\n");
  await runScriptOrThrow(transport, { step: "record state", script, stdin: `${JSON.stringify(state, null, 2)}\n`, ...rest });
}

/** Where the node keeps its state file and undo journals, and who owns them: /var/lib/reconcile and root on real nodes. */
export interface StateOptions {
  stateDir?: string;
  owner?: { user: string; group: string };
}
