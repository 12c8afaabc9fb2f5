/**
 * The scripts of the file and link steps: a file written or deleted, a link switched, each change
 * atomic on the node and journaled first (./journal.ts) so a rollback puts back what was there.
 */
import { posix } from "node:path";
import { shellQuote as q } from "../../facts/shell.js";
import { journalOnce, journalRecord, makeJournalDir, rememberFile } from "./journal.js";

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
 * atomic; a reader sees the old or the new target, never none).
 */
export function switchLinkScript(path: string, target: string, journalDir: string): string {
  const next = `${path}.reconcile-new`;
  return linkScript(path, journalDir, `ln -sfn ${q(target)} ${q(next)} && mv -Tf ${q(next)} ${q(path)}`);
}

/** Removes a link no longer declared (journaled, so a rollback brings it back). */
export function removeLinkScript(path: string, journalDir: string): string {
  return linkScript(path, journalDir, `rm -f ${q(path)}`);
}

/** Journals what stands at `path` (once per generation), then runs `change`. */
function linkScript(path: string, journalDir: string, change: string): string {
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
    change,
  ].join("\n");
}
