/** Databases: created once, when the node's state file does not record them yet. */
import type { NodeFacts } from "../../facts/types.js";
import { REDACTED } from "../../spec/secrets.js";
import { factKey } from "../address.js";
import { change, known, type Decision, type DesiredOf } from "./decision.js";

export function decideDatabase(d: DesiredOf<"database">, facts: NodeFacts): Decision {
  const state = known(facts.state);
  const recorded = state?.resources.find((r) => r.id === d.address);
  const after = { name: d.name, user: d.user, password: REDACTED };
  if (recorded !== undefined) return { change: change(d, "noop", after, after, `created by generation ${recorded.generation}`), steps: [], facts: [factKey.state] };
  return {
    change: change(d, "create", null, after, "not created by reconcile yet"),
    steps: [{ stage: "configure", detail: { kind: "database", name: d.name, user: d.user, password: d.password }, bytes: null }],
    facts: [factKey.state],
  };
}
