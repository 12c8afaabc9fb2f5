/**
 * The scripts of the file and link steps: a file written or deleted, a link switched, each change
 * atomic on the node and journaled first (./journal.ts) so a rollback puts back what was there.
 */
import { posix } from "node:path";
import { shellQuote as q } from "../../facts/shell.js";
import type { FileValidator } from "../../planner/types.js";
import { CONFIG_REJECTED } from "../remote-failure.js";
import { journalOnce, journalRecord, makeJournalDir, rememberFile } from "./journal.js";

/** What the write-file script may do besides writing stdin as it is. */
export interface WriteFileOptions {
  /** Check the new content on the node first (see {@link validateScript}); a rejected one is never put in place. */
  validate?: FileValidator;
  /** Copy this file on the node (an artifact in the store) instead of reading stdin. */
  from?: string;
}

/**
 * Writes stdin (or the node's file `from`) to `path` atomically: a candidate file in the same
 * folder, fsync'd, mode and owner set, checked by its validator when it has one, then renamed over
 * the target. The old file (or its absence) is journaled just before the rename. A candidate the
 * validator rejects is removed and the old file stays as it was.
 */
export function writeFileScript(path: string, mode: string, owner: string, group: string, journalDir: string, options: WriteFileOptions = {}): string {
  const dir = posix.dirname(path);
  return [
    "set -e",
    makeJournalDir(journalDir),
    `mkdir -p ${q(dir)}`,
    `t=$(mktemp ${q(`${dir}/.reconcile.XXXXXX`)})`,
    // Also on a signal (a cancelled run): dash runs no EXIT trap when a signal ends it.
    `trap 'rm -f "$t"' EXIT`,
    `trap 'rm -f "$t"; exit 143' HUP INT TERM`,
    options.from === undefined ? `cat > "$t"` : `cat -- ${q(options.from)} > "$t"`,
    `chmod ${q(mode)} "$t"`,
    `chown ${q(`${owner}:${group}`)} "$t"`,
    `sync "$t" 2>/dev/null || true`,
    ...(options.validate === undefined ? [] : [validateScript(options.validate, path)]),
    rememberFile(path, journalDir),
    `mv -f "$t" ${q(path)}`,
    "trap - EXIT HUP INT TERM",
  ].join("\n");
}

/**
 * Checks the candidate "$t" that is to replace `path`: `caddy validate` run as the caddy user (with
 * its home, so nothing root-owned lands in Caddy's storage). On rejection: one line saying so, then
 * Caddy's own error (its `Error:` lines, else its last lines; at most two, the candidate's name
 * replaced by `path`) on stderr, and exit 1.
 */
function validateScript(validator: FileValidator, path: string): string {
  switch (validator) {
    case "caddy": {
      const named = `awk -v t="$t" -v p=${q(path)} '{ o = ""; s = $0; while ((i = index(s, t)) > 0) { o = o substr(s, 1, i - 1) p; s = substr(s, i + length(t)) } print o s }'`;
      return [
        `if ! out=$(runuser -u caddy -- env HOME=/var/lib/caddy caddy validate --adapter caddyfile --config "$t" 2>&1); then`,
        `  msg=$(printf '%s\\n' "$out" | ${named} | grep -E '^Error: ' | tail -n 2)`,
        `  [ -n "$msg" ] || msg=$(printf '%s\\n' "$out" | ${named} | grep -v '^[[:space:]]*$' | tail -n 2)`,
        `  echo ${q(`${CONFIG_REJECTED} ${path} (not written: the old one stays, and the running Caddy keeps serving it):`)} >&2`,
        `  printf '%s\\n' "$msg" >&2`,
        "  exit 1",
        "fi",
      ].join("\n");
    }
  }
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
