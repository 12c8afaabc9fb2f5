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
export const rollbackDir = (generation: number) => `${ROLLBACK_ROOT}/${generation}`;

/**
 * Makes the journal folder (and the folders above it) readable by root only: the journal keeps
 * the previous content of env files, secrets included. Existing folders are tightened too.
 */
const makeJournalDir = (journalDir: string) => `(umask 077 && mkdir -p ${q(journalDir)}) && chmod 0700 ${q(posix.dirname(journalDir))} ${q(journalDir)}`;
const undoFile = (journalDir: string) => `${journalDir}/undo.sh`;
const servicesFile = (journalDir: string) => `${journalDir}/services.sh`;
const backupPath = (journalDir: string, path: string) => `${journalDir}/files${path}`;

/** Appends one line to a journal file (the line is quoted whole). */
const journal = (file: string, line: string) => `printf '%s\\n' ${q(line)} >> ${q(file)}`;

/**
 * Shell that records how to undo a change to `what` (`file PATH`, `link PATH`, `enable UNIT`…),
 * once per generation: `record` (shell appending the undo lines) runs only the first time, so the
 * undo restores what was there before the run, however often the run is retried.
 */
function journalOnce(journalDir: string, what: string, record: string): string {
  const mark = `# ${what}`;
  return `if ! grep -qxF ${q(mark)} ${q(undoFile(journalDir))} 2>/dev/null; then ${journal(undoFile(journalDir), mark)}; ${record}; fi`;
}

/** Records how to put `path` back as it is now: its content (copied aside, restored atomically), or its absence. */
function rememberFile(path: string, journalDir: string): string {
  const backup = backupPath(journalDir, path);
  const restore = `cp -p ${q(backup)} ${q(`${path}.reconcile-rb`)} && mv -f ${q(`${path}.reconcile-rb`)} ${q(path)}`;
  return journalOnce(
    journalDir,
    `file ${path}`,
    `if [ -f ${q(path)} ]; then mkdir -p ${q(posix.dirname(backup))}; cp -p ${q(path)} ${q(backup)}; ${journal(undoFile(journalDir), restore)}; else ${journal(undoFile(journalDir), `rm -f ${q(path)}`)}; fi`,
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
  // The undo line is `ln -sfn '<old target>' <next> && mv -Tf <next> <path>`: only the old target
  // is known on the node alone, so only it is put between single quotes there (it lies under the
  // root, which holds no quote); the rest is quoted here, whatever it holds.
  const rest = `' ${q(next)} && mv -Tf ${q(next)} ${q(path)}`;
  return [
    "set -e",
    makeJournalDir(journalDir),
    `mkdir -p ${q(posix.dirname(path))}`,
    journalOnce(
      journalDir,
      `link ${path}`,
      `if old=$(readlink ${q(path)}); then printf '%s%s%s\\n' "ln -sfn '" "$old" ${q(rest)} >> ${q(undoFile(journalDir))}; else ${journal(undoFile(journalDir), `rm -f ${q(path)}`)}; fi`,
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
  const lines = ["set -e", makeJournalDir(journalDir)];
  lines.push(
    `if systemctl is-active --quiet ${u}; then ${journal(servicesFile(journalDir), `systemctl restart ${detail.unit}`)}; ` +
      `else ${journal(servicesFile(journalDir), `systemctl stop ${detail.unit} || true`)}; fi`,
  );
  if (detail.stop) {
    // A unit this generation disables is enabled again by a rollback (once its file is back).
    lines.push(
      journalOnce(journalDir, `disable ${detail.unit}`, `if systemctl is-enabled --quiet ${u}; then ${journal(undoFile(journalDir), `systemctl enable --no-reload ${detail.unit} || true`)}; fi`),
      `systemctl disable --now ${u}`,
    );
  }
  if (detail.enable) {
    // A unit this generation enables is disabled again by a rollback (before its file goes).
    lines.push(journalOnce(journalDir, `enable ${detail.unit}`, `systemctl is-enabled --quiet ${u} || ${journal(undoFile(journalDir), `systemctl disable --no-reload ${detail.unit} || true`)}`));
    // `enable` reloads systemd by itself (0.1 s or more); with --no-reload, one reload serves both
    // the new unit file and the new enablement.
    lines.push(`systemctl enable --no-reload ${u}`);
  }
  if (detail.daemonReload || detail.enable) lines.push("systemctl daemon-reload");
  if (detail.restart) lines.push(`systemctl restart ${u}`);
  else if (detail.start) lines.push(`systemctl start ${u}`);
  return lines.join("\n");
}

/**
 * Puts the node back as it was before the generation whose journal is `journalDir`: links and files restored in reverse
 * order, systemd reloaded, then the services restarted (or stopped) as they were.
 */
export function rollbackScript(journalDir: string): string {
  return [
    `[ -d ${q(journalDir)} ] || exit 0`,
    // Links and files first; if they cannot be put back the rollback failed (and is tried again).
    `${rollbackFilesScript(journalDir)} || { echo 'could not put the links and files back' >&2; exit 1; }`,
    "systemctl daemon-reload",
    `if [ -f ${q(servicesFile(journalDir))} ]; then tac ${q(servicesFile(journalDir))} | sh; fi`,
    // Replayed: the journal has done its work, and its copies (secrets among them) go.
    `rc=$?; if [ "$rc" = 0 ]; then rm -rf -- ${q(journalDir)}; fi; exit "$rc"`,
  ].join("\n");
}

/**
 * After generation `generation` is recorded: the journals of older generations go. Only this
 * generation's journal stays, the one that leads back to the previous generation.
 */
export function pruneJournalsScript(generation: number, root = ROLLBACK_ROOT): string {
  return [
    `for d in ${q(root)}/*; do`,
    `  g=\${d##*/}`,
    `  case "$g" in ''|*[!0-9]*) continue ;; esac`,
    `  if [ "$g" -lt ${generation} ]; then rm -rf -- "$d"; fi`,
    "done",
  ].join("\n");
}

/** The links-and-files half of a rollback: the journal replayed newest first. */
export function rollbackFilesScript(journalDir: string): string {
  return `if [ -f ${q(undoFile(journalDir))} ]; then tac ${q(undoFile(journalDir))} | grep -v '^#' | sh -e; fi`;
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
export async function writeState(transport: Transport, state: NodeState, options: { signal?: AbortSignal; log?: Logger } = {}): Promise<void> {
  const script = [writeFileScript(STATE_FILE, "0644", "root", "root", rollbackDir(state.generation)), pruneJournalsScript(state.generation)].join("\n");
  await runScriptOrThrow(transport, { step: "record state", script, stdin: `${JSON.stringify(state, null, 2)}\n`, ...options });
}
