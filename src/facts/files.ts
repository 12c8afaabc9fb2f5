/** Managed files: hash, mode, owner, and the text of those that hold no secrets. */
import { bad, count, failed, lines, ok, type FactDefinition } from "./define.js";
import { CONFIG_DIR, UNIT_DIR, UNIT_PREFIX } from "./layout.js";
import { shellQuote } from "./shell.js";
import type { FileFact } from "./types.js";

/** Texts above this size are hashed but not read back (a managed file is a few KiB). */
export const MAX_CONTENT_BYTES = 256 * 1024;

/** Folders where everything is ours, listed so files no longer declared are seen too. */
export const MANAGED_GLOBS = [`${CONFIG_DIR}/*`, `${UNIT_DIR}/${UNIT_PREFIX}*`];

// f PATH READ: one record per path. Symlinks and folders are "other": we manage regular files.
const DESCRIBE = [
  `f() {`,
  `  if [ -L "$1" ] || { [ -e "$1" ] && [ ! -f "$1" ]; }; then printf 'O\\t%s\\t%s\\n' "$1" "$(stat -c %F "$1")"; return; fi`,
  `  if [ ! -e "$1" ]; then printf 'A\\t%s\\n' "$1"; return; fi`,
  `  s=$(stat --printf '%a\\t%U\\t%G\\t%s' "$1") && h=$(sha256sum < "$1") || return 1`,
  `  printf 'F\\t%s\\t%s\\t%s\\n' "$1" "$s" "\${h%% *}"`,
  `  if [ "$2" = 1 ] && [ "$(stat -c %s "$1")" -le ${MAX_CONTENT_BYTES} ]; then printf 'C\\t%s\\t' "$1"; base64 -w0 < "$1"; printf '\\n'; fi`,
  `}`,
].join("\n");

export const filesFact: FactDefinition<Record<string, FileFact>> = {
  id: "files",
  command(r) {
    const declared = r.files.map((f) => `f ${shellQuote(f.path)} ${f.content ? 1 : 0}`);
    const known = r.files.map((f) => shellQuote(f.path)).join("|");
    // Undeclared files in our folders: hashed only, never read (they may hold secrets).
    const others = `for p in ${MANAGED_GLOBS.join(" ")}; do [ -e "$p" ] || [ -L "$p" ] || continue; ${
      known === "" ? `f "$p" 0` : `case "$p" in ${known}) ;; *) f "$p" 0 ;; esac`
    }; done`;
    return [DESCRIBE, ...declared, others, "true"].join("\n");
  },
  parse(output, exitCode, request) {
    if (exitCode !== 0) return failed("files", exitCode, output);
    const files: Record<string, FileFact> = {};
    for (const line of lines(output)) {
      const f = line.split("\t");
      const [tag, path] = f;
      if (path === undefined) return bad(`files: unexpected line "${line.slice(0, 80)}"`);
      if (tag === "A" && f.length === 2) files[path] = { state: "absent" };
      else if (tag === "O" && f.length === 3) files[path] = { state: "other", type: f[2] ?? "" };
      else if (tag === "F" && f.length === 7) {
        const [, , mode, owner, group, size, sha256] = f;
        const bytes = count(size);
        if (mode === undefined || !/^[0-7]{1,4}$/.test(mode) || bytes === undefined || !/^[0-9a-f]{64}$/.test(sha256 ?? ""))
          return bad(`files: unexpected record for ${path}`);
        files[path] = { state: "file", mode: mode.padStart(4, "0"), owner: owner ?? "", group: group ?? "", bytes, sha256: sha256 ?? "", content: null };
      } else if (tag === "C" && f.length === 3) {
        const entry = files[path];
        if (entry?.state !== "file") return bad(`files: content before the record of ${path}`);
        const bytes = Buffer.from(f[2] ?? "", "base64");
        if (bytes.length !== entry.bytes) return bad(`files: content of ${path} does not match its size`);
        entry.content = bytes.toString("utf8");
      } else return bad(`files: unexpected line "${line.slice(0, 80)}"`);
    }
    const missing = request.files.filter((f) => !(f.path in files));
    if (missing.length > 0) return bad(`files: no answer for ${missing.map((f) => f.path).join(", ")}`);
    return ok(files);
  },
};
