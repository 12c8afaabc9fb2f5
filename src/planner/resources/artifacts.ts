/**
 * Artifacts: whether an artifact is complete in the node's store, or is staged, sent (resuming a
 * partial upload) and installed.
 */
import type { NodeFacts } from "../../facts/types.js";
import { SHA256 } from "../../facts/layout.js";
import { factKey } from "../address.js";
import type { StepDetail } from "../types.js";
import { change, known, type Decision, type DesiredOf } from "./decision.js";

/** Store digests that a link on the node points into now (a path segment of its target). */
function linkedDigests(facts: NodeFacts): Set<string> {
  return new Set(Object.values(known(facts.links)).flatMap((l) => (l.state === "link" ? l.target.split("/").filter((part) => SHA256.test(part)) : [])));
}

export function decideArtifact(d: DesiredOf<"artifact">, facts: NodeFacts): Decision {
  const store = known(facts.store);
  const key = factKey.store(d.sha256);
  const after = { sha256: d.sha256, kind: d.artifactKind, bytes: d.bytes };
  if (store.complete.includes(d.sha256)) return { change: change(d, "noop", after, after, "already in the node's store"), steps: [], facts: [key] };
  // Marked complete, but its content, hashed again (a deep gathering), is not what install
  // recorded: sent and unpacked again although the marker is there.
  const repair = store.corrupt?.includes(d.sha256) === true;
  const uploaded = store.uploaded.includes(d.sha256);
  const partial = uploaded ? (d.bytes ?? 0) : (store.partial.find((p) => p.sha256 === d.sha256)?.bytes ?? 0);
  const bytes = d.bytes === null ? (uploaded ? 0 : null) : Math.max(0, d.bytes - partial);
  // A link into the folder although it is not complete (its .complete was removed by hand, or
  // an old tool made it): the running environment is what gets unpacked again.
  const live = linkedDigests(facts).has(d.sha256);
  const reason = repair
    ? "content corrupt in the node's store (re-hashed)"
    : uploaded
      ? "uploaded and verified, not installed yet"
      : partial > 0
        ? `not in the store; ${partial} bytes already uploaded, the transfer resumes`
        : live
          ? "incomplete in the node's store (no .complete) although a link points into it"
          : "not in the node's store";
  const detail: StepDetail = { kind: "artifact", artifact: d.name, artifactKind: d.artifactKind, sha256: d.sha256, source: d.source, ...(d.path === null ? {} : { path: d.path }), ...(live ? { live: true as const } : {}), ...(repair ? { repair: true as const } : {}) };
  return {
    change: repair ? change(d, "update", { ...after, content: "corrupt" }, { ...after, content: "as installed" }, reason) : change(d, "create", null, after, reason),
    steps: [
      { stage: "stage", detail, bytes: null },
      { stage: "transfer", detail, bytes },
      { stage: "install", detail, bytes: null },
    ],
    facts: [key],
  };
}
