/** Links: whether a link is missing, stands in the way of something else, or points elsewhere. */
import type { NodeFacts } from "../../facts/types.js";
import { factKey } from "../address.js";
import { change, known, type Decision, type DesiredOf } from "./decision.js";

export function decideLink(d: DesiredOf<"link">, facts: NodeFacts): Decision {
  const current = known(facts.links)[d.path] ?? { state: "absent" as const };
  const key = factKey.link(d.path);
  const after = { target: d.target };
  const steps = [{ stage: "install" as const, detail: { kind: "link" as const, path: d.path, target: d.target }, bytes: null }];
  if (current.state === "absent") return { change: change(d, "create", null, after, "no link yet"), steps, facts: [key] };
  if (current.state === "other") return { change: change(d, "replace", { type: current.type }, after, `a ${current.type} stands where the link goes`), steps, facts: [key] };
  if (current.target === d.target) return { change: change(d, "noop", { target: current.target }, after, "points at the declared version"), steps: [], facts: [key] };
  return { change: change(d, "update", { target: current.target }, after, "points at another version"), steps, facts: [key] };
}
