/** Package sets: which of a set's packages differ from what dpkg has installed. */
import type { NodeFacts } from "../../facts/types.js";
import { factKey } from "../address.js";
import type { Json, StepDetail } from "../types.js";
import { change, known, type Decision, type DesiredOf } from "./decision.js";

export function decidePackages(d: DesiredOf<"packages">, facts: NodeFacts): Decision {
  const installed = known(facts.packages);
  const detail: StepDetail = { kind: "packages", artifact: d.artifact, sha256: d.sha256, packages: d.packages };
  const steps = [{ stage: "install" as const, detail, bytes: null }];
  if (d.packages === null) {
    return { change: change(d, "update", null, { sha256: d.sha256 }, "the set's packages are known only once it is staged; dpkg installs what differs"), steps, facts: [] };
  }
  const keys = d.packages.map((p) => factKey.package(p.name));
  const before: Record<string, Json> = {};
  const after: Record<string, Json> = {};
  const differ: string[] = [];
  for (const p of d.packages) {
    const have = installed[p.name] ?? null;
    before[p.name] = have === null ? null : have.version;
    after[p.name] = p.version;
    if (have?.version !== p.version) differ.push(p.name);
  }
  if (differ.length === 0) return { change: change(d, "noop", before, after, "every package at the declared version"), steps: [], facts: keys };
  const none = d.packages.every((p) => (installed[p.name] ?? null) === null);
  return {
    change: change(d, none ? "create" : "update", none ? null : before, after, none ? "not installed" : `${differ.length} of ${d.packages.length} packages differ: ${differ.slice(0, 5).join(", ")}${differ.length > 5 ? "..." : ""}`),
    steps,
    facts: keys,
  };
}
