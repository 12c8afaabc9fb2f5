/** The content-addressed store and the links that point into it. */
import { bad, count, failed, lines, ok, type FactDefinition } from "./define.js";
import { posix } from "node:path";
import { COMPLETE_MARKER, SHA256, incomingDir, storeDir } from "./layout.js";
import { shellQuote } from "./shell.js";
import type { LinkFact, StoreFact } from "./types.js";

export const storeFact: FactDefinition<StoreFact> = {
  id: "store",
  // Only folders with their `.complete` marker count: a half-extracted one is never used.
  command: (r) =>
    `[ -d ${shellQuote(storeDir(r.root))} ] || exit 0; cd ${shellQuote(storeDir(r.root))} || exit 1; ` +
    `for d in */; do d=\${d%/}; [ -f "$d/${COMPLETE_MARKER}" ] && printf 'S %s\\n' "$d"; done; ` +
    `for p in ${shellQuote(incomingDir(r.root))}/*.part; do [ -f "$p" ] && printf 'P %s %s\\n' "$(basename "$p" .part)" "$(stat -c %s "$p")"; done; ` +
    // A finished upload has its digest for a name only after the node verified it.
    `for p in ${shellQuote(incomingDir(r.root))}/*; do case "$p" in *.part) ;; *) [ -f "$p" ] && printf 'U %s\\n' "$(basename "$p")";; esac; done; true`,
  parse(output, exitCode) {
    if (exitCode !== 0) return failed("store", exitCode, output);
    const complete: string[] = [];
    const partial: StoreFact["partial"] = [];
    const uploaded: string[] = [];
    for (const line of lines(output)) {
      const [tag, sha, size] = line.split(" ");
      if (tag !== "S" && tag !== "P" && tag !== "U") return bad(`store: unexpected line "${line.slice(0, 80)}"`);
      if (sha === undefined || !SHA256.test(sha)) continue; // not ours: the store holds digests only
      if (tag === "S") complete.push(sha);
      else if (tag === "U") uploaded.push(sha);
      else if (tag === "P") {
        const bytes = count(size);
        if (bytes === undefined) return bad(`store: unexpected size for ${sha}.part`);
        partial.push({ sha256: sha, bytes });
      } else return bad(`store: unexpected line "${line.slice(0, 80)}"`);
    }
    complete.sort();
    uploaded.sort();
    partial.sort((a, b) => a.sha256.localeCompare(b.sha256));
    return ok({ complete, partial, uploaded });
  },
};

/** Every link under envs/ and flows/, so links that are no longer declared are seen too. */
export const linksFact: FactDefinition<Record<string, LinkFact>> = {
  id: "links",
  command: (r) =>
    `for l in ${shellQuote(posix.join(r.root, "envs"))}/* ${shellQuote(posix.join(r.root, "flows"))}/*; do ` +
    `if [ -L "$l" ]; then printf 'L\\t%s\\t%s\\n' "$l" "$(readlink "$l")"; ` +
    `elif [ -e "$l" ]; then printf 'O\\t%s\\t%s\\n' "$l" "$(stat -c %F "$l")"; fi; done; true`,
  parse(output, exitCode) {
    if (exitCode !== 0) return failed("links", exitCode, output);
    const links: Record<string, LinkFact> = {};
    for (const line of lines(output)) {
      const fields = line.split("\t");
      const [tag, path, value] = fields;
      if (fields.length !== 3 || path === undefined || value === undefined) return bad(`links: unexpected line "${line.slice(0, 80)}"`);
      if (tag === "L") links[path] = { state: "link", target: value };
      else if (tag === "O") links[path] = { state: "other", type: value };
      else return bad(`links: unexpected line "${line.slice(0, 80)}"`);
    }
    return ok(links);
  },
};
