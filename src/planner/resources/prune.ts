/**
 * Prune: resources the node's state file records that the spec no longer declares become delete
 * decisions (with steps only under `--prune`). Only files, links, services and store folders
 * nothing references are ever deleted.
 */
import { posix } from "node:path";
import type { FileFact, NodeFacts } from "../../facts/types.js";
import { address as addressFor, factKey, parseAddress } from "../address.js";
import type { Change, DeleteDetail, Json } from "../types.js";
import { change, known, type Decision } from "./decision.js";

/** Resource kinds a prune may delete: never data (packages, users, databases); the store only by {@link unreferencedStore}. */
const PRUNABLE = ["file", "link", "service"] as const;
const prunable = (kind: string): kind is (typeof PRUNABLE)[number] => (PRUNABLE as readonly string[]).includes(kind);

/** Resources the node's state file records that the spec no longer declares. */
export function undeclared(facts: NodeFacts, declared: Set<string>, prune: boolean): Decision[] {
  const state = known(facts.state);
  if (state === null) return [];
  const out: Decision[] = [];
  for (const r of state.resources) {
    if (declared.has(r.id)) continue;
    const parsed = parseAddress(r.id);
    if (parsed === null || !prunable(parsed.kind)) continue;
    const { name } = parsed;
    const d = { address: addressFor[parsed.kind](name), kind: parsed.kind as Change["kind"] };
    const reason = prune ? `no longer declared (added by generation ${r.generation})` : `no longer declared; kept until apply --prune`;
    const deleted = (fact: string, before: Json, detail: DeleteDetail): Decision => ({
      facts: [factKey.state, fact],
      change: change(d, "delete", before, null, reason, { prune: true }),
      steps: prune ? [{ stage: "configure", detail, bytes: null }] : [],
    });
    if (parsed.kind === "file") {
      const f: FileFact = known(facts.files)[name] ?? { state: "absent" };
      const before: Json = f.state === "file" ? { mode: f.mode, owner: f.owner, group: f.group } : f.state === "other" ? { type: f.type } : null;
      out.push(deleted(factKey.file(name), before, { kind: "file", path: name }));
    } else if (parsed.kind === "link") {
      const l = known(facts.links)[name];
      out.push(deleted(factKey.link(name), l?.state === "link" ? { target: l.target } : null, { kind: "link", path: name }));
    } else {
      const u = known(facts.units)[name];
      out.push(deleted(factKey.unit(name), u === undefined ? null : { state: `${u.active}/${u.sub}` }, { kind: "service", unit: name }));
    }
  }
  return out;
}

/**
 * Store folders (`<root>/store/<sha256>`) that no artifact of the spec needs on this node and no
 * link under envs/ or flows/ points into now: deletions (with steps only under `--prune`). A folder
 * a link points into stays, even a link this plan switches away or deletes: a rollback of this
 * apply would point it there again; the next prune takes it.
 */
export function unreferencedStore(facts: NodeFacts, root: string, needed: ReadonlySet<string>, prune: boolean): Decision[] {
  const store = known(facts.store);
  const links = known(facts.links);
  const prefix = `${posix.join(root, "store")}/`;
  const referenced = new Set(needed);
  for (const l of Object.values(links)) {
    if (l.state === "link" && l.target.startsWith(prefix)) referenced.add(l.target.slice(prefix.length).split("/")[0] ?? "");
  }
  // A corrupt folder (deep gathering) is no longer complete, but it is still there to remove.
  return [...store.complete, ...(store.corrupt ?? [])]
    .sort()
    .filter((sha) => !referenced.has(sha))
    .map((sha) => {
      const path = posix.join(root, "store", sha);
      const reason = prune ? "nothing references it any more (an artifact an earlier apply installed)" : "nothing references it any more; kept until apply --prune";
      return {
        facts: [factKey.store(sha)],
        change: change({ address: addressFor.artifact(`store/${sha}`), kind: "artifact" }, "delete", { path }, null, reason, { prune: true }),
        steps: prune ? [{ stage: "configure" as const, detail: { kind: "store" as const, path }, bytes: null }] : [],
      };
    });
}
