/**
 * Databases: created when the node's state file does not record them yet, created again when
 * PostgreSQL (asked on the node, `facts.postgres`) no longer has the role or the database, and
 * their role's password set again when the server's secrets (which hold it) change.
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
  const keys = facts.postgres === undefined ? [factKey.state] : [factKey.state, factKey.postgresRole(d.user), factKey.postgresDatabase(d.name)];
  const missing = missingInPostgres(d, facts);
  // The step creates what is missing (and only that) and sets the password: create it again.
  if (missing.length > 0) return { change: change(d, "create", null, after, `${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} missing`), steps, facts: keys };
  const inputs = d.inputs.filter((a) => ctx.changed(a));
  if (inputs.length > 0) return { change: change(d, "update", after, after, `the password is set again: ${inputs.join(", ")} changed`, { sensitive: true }), steps, facts: keys };
  return { change: change(d, "noop", after, after, `created by generation ${recorded.generation}`), steps: [], facts: keys };
}

/**
 * `role <user>` and `database <name>` when PostgreSQL runs and lacks them; none when it has them,
 * does not run, or was not asked (then the state file alone decides, as before it was asked).
 */
function missingInPostgres(d: DesiredOf<"database">, facts: NodeFacts): string[] {
  const pg = facts.postgres?.ok === true ? facts.postgres.value : undefined;
  if (pg?.state !== "running") return [];
  return [...(pg.roles.includes(d.user) ? [] : [`role ${d.user}`]), ...(pg.databases.includes(d.name) ? [] : [`database ${d.name}`])];
}
