/**
 * The scripts of the artifact and packages steps: an uploaded artifact installed into the node's
 * store (store/<sha>, `.complete` last), and a deb set's packages installed with dpkg.
 */
import { ReconcileError } from "../../errors.js";
import { completeMarker, incomingFile, storeFile, storePath } from "../../facts/layout.js";
import { shellQuote as q } from "../../facts/shell.js";
import { TREE_DIGEST_TAG, treeDigestCommand } from "../../facts/tree-digest.js";
import type { StepDetail } from "../../planner/types.js";
import { aptCheckLines } from "./package-check.js";

/**
 * Installs an uploaded artifact (store/.incoming/<transferSha>) into store/<sha>: extracted or
 * placed, then `.complete` written last, so a half-done folder is never taken for a finished one.
 * `.complete` records the folder's content digest (tree-digest.ts), which `drift --deep` checks.
 * A folder to repair (`detail.repair`: its content was found changed) loses its marker first
 * while the upload is there, so it is unpacked again, and a run cut short leaves it incomplete;
 * once repaired (the upload consumed), running the step again changes nothing.
 */
export function installArtifactScript(root: string, detail: Extract<StepDetail, { kind: "artifact" }>, transferSha: string, pixiUnpack: string | null): string {
  const target = storePath(root, detail.sha256);
  const incoming = incomingFile(root, transferSha);
  const complete = q(completeMarker(root, detail.sha256));
  const t = q(target);
  // The environment: the store folder, or the folder inside it the archive keeps it in (`path`).
  const env = detail.path === undefined ? target : `${target}/${detail.path}`;
  const hasFolder =
    detail.path === undefined ? [] : [`[ -d ${q(env)} ] || { echo ${q(`artifact ${detail.artifact}: the archive has no folder ${detail.path} (its \`path\`); it holds: `)}"$(ls -A ${t} | head -n 5 | tr '\n' ' ')" >&2; exit 1; }`];
  const lines = [
    "set -e",
    ...(detail.repair === true ? [`[ -f ${q(incoming)} ] && rm -f ${complete}`] : []),
    `[ -f ${complete} ] && { rm -f ${q(incoming)}; exit 0; }`,
    `[ -f ${q(incoming)} ] || { echo ${q(`the upload is missing: ${incoming}`)} >&2; exit 1; }`,
    `rm -rf ${t}`,
    `mkdir -p ${t}`,
  ];
  switch (detail.artifactKind) {
    case "tar":
    case "flow-code":
      lines.push(`tar -xf ${q(incoming)} -C ${t} --no-same-owner`, ...hasFolder);
      break;
    case "conda-pack": {
      // conda-unpack rewrites the prefixes for the folder it is in: extract in place, then run it.
      // It is a Python script starting `#!/usr/bin/env python`, and a node's PATH has no `python`
      // (Debian ships python3 only), so it runs with the environment's own python, as conda-pack
      // documents; the node's python3 only when the environment has none.
      const unpack = q(`${env}/bin/conda-unpack`);
      const python = q(`${env}/bin/python`);
      lines.push(
        `tar -xf ${q(incoming)} -C ${t} --no-same-owner`,
        ...hasFolder,
        `if [ -f ${unpack} ]; then`,
        `  if [ -x ${python} ]; then ${python} ${unpack}`,
        `  elif command -v python3 >/dev/null; then python3 ${unpack}`,
        `  else echo ${q(`${env}/bin/conda-unpack needs a python: the environment has no bin/python and the node no python3`)} >&2; exit 1; fi`,
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
  // The digest is taken before the marker exists; the marker is renamed into place, whole.
  const part = q(`${completeMarker(root, detail.sha256)}.part`);
  lines.push(
    `tree=$(${treeDigestCommand(t)})`,
    `printf '%s\\n' "${TREE_DIGEST_TAG} $tree" > ${part}`,
    `sync -f ${t} 2>/dev/null || true`,
    `mv -f ${part} ${complete}`,
    `rm -f ${q(incoming)}`,
  );
  return lines.join("\n");
}

/**
 * dpkg -i of a deb set's files, never asking: keeps changed conffiles, no prompts. First the set is
 * checked against the node's dpkg status (package-check.ts): a set that cannot install is refused
 * before dpkg changes anything.
 */
export function installPackagesScript(root: string, sha256: string): string {
  const debs = `${q(storePath(root, sha256))}/*.deb`;
  return ["set -e", "export DEBIAN_FRONTEND=noninteractive", ...aptCheckLines(debs), `dpkg --force-confold --force-confdef -i ${debs}`].join("\n");
}

/**
 * Removes a store folder nothing references any more (a prune): moved aside under a `.trash-`
 * name first, so a removal cut short leaves no half folder that looks complete, and the next
 * removal clears what an earlier one left. Refuses a path that is not `<root>/store/<sha256>`.
 */
export function removeStoreScript(root: string, path: string): string {
  const store = `${storePath(root, "")}/`;
  const sha = path.startsWith(store) ? path.slice(store.length) : "";
  if (!/^[0-9a-f]{64}$/.test(sha)) throw new ReconcileError(`refusing to remove ${path}: not a folder of the store ${store}`);
  const trash = `${store}.trash-${sha}`;
  return [
    "set -e",
    `for t in ${q(`${store}.trash-`)}*; do if [ -e "$t" ]; then rm -rf -- "$t"; fi; done`,
    `if [ -e ${q(path)} ]; then mv -- ${q(path)} ${q(trash)} && rm -rf -- ${q(trash)}; fi`,
  ].join("\n");
}
