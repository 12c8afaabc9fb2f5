/**
 * The content digest of a store folder: what install records in `.complete` and what `drift
 * --deep` re-hashes on the node to find a folder whose content changed after it was installed.
 *
 * The digest is the sha256 of a deterministic listing, made with POSIX sh and GNU coreutils and
 * findutils as on Debian: `sha256sum`'s line for every regular file (its hash and `./relative/path`),
 * sorted by path, then `link ./path target` for every symbolic link, sorted. `.complete` itself is
 * left out, and so is everything under a `__pycache__` folder: Python writes bytecode there when
 * root runs an environment's python (the verify step does), which is not a change of the content.
 * Directories, modes and owners are not part of it: a file changed, removed or added is.
 */
import { COMPLETE_MARKER } from "./layout.js";

/** The first word of a `.complete` that records a digest: `tree-sha256 <hex>`. */
export const TREE_DIGEST_TAG = "tree-sha256";

/**
 * A shell command that prints the folder's digest (64 hex digits, one line). `dir` is a shell
 * word, already quoted (`'/opt/prefect/store/ab…'` or `"$d"`). It enters the folder, so it is
 * meant for a command substitution (a subshell: the caller's working directory stays); a folder
 * that cannot be entered prints nothing.
 *
 * @example
 * `tree=$(${treeDigestCommand(q(target))})`
 */
export function treeDigestCommand(dir: string): string {
  const skip = "-name __pycache__ -prune -o";
  return (
    `cd ${dir} 2>/dev/null && { ` +
    `find . ${skip} -type f ! -path ./${COMPLETE_MARKER} -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum --; ` +
    `find . ${skip} -type l -printf 'link %p %l\\n' | LC_ALL=C sort; ` +
    `} | sha256sum | cut -c1-64`
  );
}

/** What `.complete` holds for a folder of this digest (one line). */
export const treeDigestLine = (hex: string) => `${TREE_DIGEST_TAG} ${hex}`;
