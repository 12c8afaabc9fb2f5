/** Users: a declared user is created when the node has none by that name. */
import type { NodeFacts } from "../../facts/types.js";
import { factKey } from "../address.js";
import { change, known, type Decision, type DesiredOf } from "./decision.js";

export function decideUser(d: DesiredOf<"user">, facts: NodeFacts): Decision {
  const current = known(facts.users)[d.name] ?? null;
  const key = factKey.user(d.name);
  const after = { name: d.name, home: d.home };
  if (current !== null) return { change: change(d, "noop", { name: d.name, home: current.home }, after, "exists"), steps: [], facts: [key] };
  return { change: change(d, "create", null, after, "no such user"), steps: [{ stage: "configure", detail: { kind: "user", name: d.name, home: d.home }, bytes: null }], facts: [key] };
}
