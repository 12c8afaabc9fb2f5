/** The content-addressed store and the links that point into it. */
import { bad, count, failed, lines, ok, type FactDefinition } from "./define.js";
import { posix } from "node:path";
import { COMPLETE_MARKER, SHA256, incomingDir, storeDir } from "./layout.js";
import { shellQuote } from "./shell.js";
import { TREE_DIGEST_TAG, treeDigestCommand } from "./tree-digest.js";
import type { LinkFact, StoreFact } from "./types.js";

/**
 * For one complete folder `$d` (deep only): `H <sha> <recorded> <found>`, where a `.complete`
 * without a recorded digest (an install older than the digests) gives `- -` and is not hashed.
 */
const DEEP_CHECK =
  ` && { r=-; a=-; t=; h=; read -r t h _ < "$d/${COMPLETE_MARKER}"; ` +
  `if [ "$t" = ${TREE_DIGEST_TAG} ]; then r=\${h:-none}; a=$(${treeDigestCommand('"$d"')}); a=\${a:-none}; fi; ` +
  `printf 'H %s %s %s\\n' "$d" "$r" "$a"; }`;

export const storeFact: FactDefinition<StoreFact> = {
  id: "store",
  // Only folders with their `.complete` marker count: a half-extracted one is never used. Deep
  // (`drift --deep`): each one's content is hashed again (tree-digest.ts) and an `H` line gives
  // the digest its `.complete` records ("-": none, an older install) and the one found now.
  command: (r) =>
    `[ -d ${shellQuote(storeDir(r.root))} ] || exit 0; cd ${shellQuote(storeDir(r.root))} || exit 1; ` +
    `for d in */; do d=\${d%/}; [ -f "$d/${COMPLETE_MARKER}" ] && printf 'S %s\\n' "$d"${r.deep === true ? `${DEEP_CHECK}` : ""}; done; ` +
    `for p in ${shellQuote(incomingDir(r.root))}/*.part; do [ -f "$p" ] && printf 'P %s %s\\n' "$(basename "$p" .part)" "$(stat -c %s "$p")"; done; ` +
    // A finished upload has its digest for a name only after the node verified it.
    `for p in ${shellQuote(incomingDir(r.root))}/*; do case "$p" in *.part) ;; *) [ -f "$p" ] && printf 'U %s\\n' "$(basename "$p")";; esac; done; true`,
  parse(output, exitCode, request) {
    if (exitCode !== 0) return failed("store", exitCode, output);
    const complete: string[] = [];
    const partial: StoreFact["partial"] = [];
    const uploaded: string[] = [];
    const corrupt: string[] = [];
    const unverified: string[] = [];
    for (const line of lines(output)) {
      const [tag, sha, size, found] = line.split(" ");
      if (tag !== "S" && tag !== "P" && tag !== "U" && tag !== "H") return bad(`store: unexpected line "${line.slice(0, 80)}"`);
      if (sha === undefined || !SHA256.test(sha)) continue; // not ours: the store holds digests only
      if (tag === "S") complete.push(sha);
      else if (tag === "U") uploaded.push(sha);
      else if (tag === "H") {
        // `H <sha> <recorded or -> <found or ->`: a digest that is not what was recorded (or a
        // recorded one that is no digest, a `.complete` cut short) is corrupt.
        if (size === undefined || found === undefined) return bad(`store: unexpected line "${line.slice(0, 80)}"`);
        if (size === "-") unverified.push(sha);
        else if (!SHA256.test(size) || size !== found) corrupt.push(sha);
      } else {
        const bytes = count(size);
        if (bytes === undefined) return bad(`store: unexpected size for ${sha}.part`);
        partial.push({ sha256: sha, bytes });
      }
    }
    // A corrupt folder is not complete: whatever needs it installs it again.
    const damaged = new Set(corrupt);
    const usable = complete.filter((sha) => !damaged.has(sha)).sort();
    uploaded.sort();
    partial.sort((a, b) => a.sha256.localeCompare(b.sha256));
    const deep = request.deep === true ? { corrupt: [...damaged].sort(), unverified: unverified.sort() } : {};
    return ok({ complete: usable, partial, uploaded, ...deep });
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
