/**
 * Prune: resources the node's state file records that the spec no longer declares become delete
 * decisions (with steps only under `--prune`). Only files, links and services are ever deleted.
 */
import type { FileFact, NodeFacts } from "../../facts/types.js";
import { address as addressFor, factKey, parseAddress } from "../address.js";
import type { Change, DeleteDetail, Json } from "../types.js";
import { change, known, type Decision } from "./decision.js";

/** Resource kinds a prune may delete: never data (packages, users, databases, the store). */
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
