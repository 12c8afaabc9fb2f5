/**
 * Databases: created when the node's state file does not record them yet, and their role's
 * password set again when the server's secrets (which hold it) change.
 */
import type { NodeFacts } from "../../facts/types.js";
import { REDACTED } from "../../spec/secrets.js";
import { factKey } from "../address.js";
import { change, known, type DecideContext, type Decision, type DesiredOf } from "./decision.js";

export function decideDatabase(d: DesiredOf<"database">, facts: NodeFacts, ctx: DecideContext): Decision {
  const state = known(facts.state);
  const recorded = state?.resources.find((r) => r.id === d.address);
  const after = { name: d.name, user: d.user, password: REDACTED };
  const steps = [{ stage: "configure" as const, detail: { kind: "database" as const, name: d.name, user: d.user, password: d.password }, bytes: null }];
  if (recorded === undefined) return { change: change(d, "create", null, after, "not created by reconcile yet"), steps, facts: [factKey.state] };
  const inputs = d.inputs.filter((a) => ctx.changed(a));
  if (inputs.length > 0) return { change: change(d, "update", after, after, `the password is set again: ${inputs.join(", ")} changed`, { sensitive: true }), steps, facts: [factKey.state] };
  return { change: change(d, "noop", after, after, `created by generation ${recorded.generation}`), steps: [], facts: [factKey.state] };
}
