/**
 * One node's plan: its desired resources decided against its facts (one module per kind under
 * `resources/`), then the steps with their dependencies in an order that honours them, the verify
 * step, bytes to send, disk needs, warnings and the digests of the facts the plan read.
 */
import type { ResolvedCluster, ResolvedNode } from "../spec/resolved.js";
import type { Sensitive } from "../spec/secrets.js";
import type { NodeFacts, NodeFactsResult } from "../facts/types.js";
import { address as addressFor, factKey, stepId, type Address } from "./address.js";
import { NO_SERVER_FACTS, desiredFor, type Desired } from "./desired.js";
import { verifyChecks } from "./verify.js";
import { prefectVersionOf } from "./versions.js";
import { describeShortfall, diskNeeds, diskShortfalls } from "./disk.js";
import { factDigest } from "./fingerprint.js";
import { serverChecks } from "./server-checks.js";
import type { Action, DeleteDetail, LocalInputs, NodePlan, PlanOptions, ServerFacts, Step, StepDetail } from "./types.js";
import { decideArtifact } from "./resources/artifacts.js";
import { decideDatabase } from "./resources/databases.js";
import type { DecideContext, Decision } from "./resources/decision.js";
import { decideFile } from "./resources/files.js";
import { decideLink } from "./resources/links.js";
import { decideMigration } from "./resources/migrations.js";
import { decidePackages } from "./resources/packages.js";
import { unreferencedStore, undeclared } from "./resources/prune.js";
import { decideService } from "./resources/services.js";
import { decideUser } from "./resources/users.js";
import { honourDriftRules } from "./drift-rules.js";

/** Facts a node cannot be planned without; the others only warn. */
const REQUIRED_FACTS = ["os", "store", "links", "files", "units", "packages", "users", "state"] as const;

function decideOne(d: Desired, facts: NodeFacts, ctx: DecideContext): Decision {
  switch (d.kind) {
    case "artifact":
      return decideArtifact(d, facts);
    case "link":
      return decideLink(d, facts);
    case "packages":
      return decidePackages(d, facts);
    case "user":
      return decideUser(d, facts);
    case "file":
      return decideFile(d, facts, ctx);
    case "database":
      return decideDatabase(d, facts, ctx);
    case "service":
      return decideService(d, facts, ctx);
    case "migration":
      return decideMigration(d, facts, ctx);
  }
}

/**
 * A decision with the drift rules applied (drift-rules.ts): a difference they silence or hold back
 * is a noop without steps, so what reacts to it (a service to its config file) does not react.
 */
function honoured(decision: Decision, cluster: ResolvedCluster, node: string): Decision {
  const c = honourDriftRules(decision.change, cluster.drift, node);
  if (c === decision.change) return decision;
  return { ...decision, change: c, steps: c.action === "noop" ? [] : decision.steps };
}

/**
 * The decisions for the desired resources, in their order. Resources that react to their inputs
 * changing (services, databases) are decided last, so they see the decisions of every file, link
 * and package they name.
 */
function decide(cluster: ResolvedCluster, node: string, facts: NodeFacts, secrets: ReadonlyMap<string, Sensitive>, desired: Desired[]): Decision[] {
  const decisions = new Map<string, Decision>();
  const actionOf = (addr: Address): Action | null => decisions.get(addr)?.change.action ?? null;
  const changed = (addr: Address): boolean => {
    const a = actionOf(addr);
    return a !== null && a !== "noop";
  };
  const ctx: DecideContext = { cluster: cluster.name, secrets, changed, actionOf };
  const reacts = (d: Desired) => "inputs" in d;
  for (const d of desired.filter((x) => !reacts(x))) decisions.set(d.address, honoured(decideOne(d, facts, ctx), cluster, node));
  for (const d of desired.filter(reacts)) decisions.set(d.address, honoured(decideOne(d, facts, ctx), cluster, node));
  return desired.map((d) => decisions.get(d.address)!);
}

const roles = (node: ResolvedNode): NodePlan["roles"] => [...(node.server ? ["server" as const] : []), ...(node.workerPools.length > 0 ? ["worker" as const] : [])];

function emptyNodePlan(node: ResolvedNode): NodePlan {
  return { name: node.name, address: node.address, roles: roles(node), status: "planned", errors: [], hint: null, changes: [], steps: [], bytesToSend: 0, bytesUnknown: false, disk: [], warnings: [] };
}

/**
 * Plans one node. Steps depend on the steps of what their resource needs (a service on its unit
 * file, a link on its artifact's install...), and stay within the node; plan() adds the
 * cross-node order. `server` is what this node's files copy from the server node's facts.
 */
export function planNode(
  cluster: ResolvedCluster,
  node: ResolvedNode,
  result: NodeFactsResult | undefined,
  local: LocalInputs,
  secrets: ReadonlyMap<string, Sensitive>,
  options: PlanOptions,
  server: ServerFacts = NO_SERVER_FACTS,
): { plan: NodePlan; facts: Record<string, string> } {
  const out = emptyNodePlan(node);
  if (result === undefined) {
    out.status = "unreachable";
    out.errors.push("no facts were gathered");
    return { plan: out, facts: {} };
  }
  if (!result.reachable) {
    out.status = "unreachable";
    out.errors.push(result.error.message);
    out.hint = result.error.hint;
    return { plan: out, facts: {} };
  }
  const facts = result.facts;
  const failed = REQUIRED_FACTS.flatMap((k) => (facts[k].ok ? [] : [(facts[k] as { error: string }).error]));
  if (failed.length > 0) {
    out.status = "errored";
    out.errors.push(...failed.map((e) => `facts: ${e}`));
    return { plan: out, facts: {} };
  }
  const desired = desiredFor(cluster, node, local, server);
  const decided = decide(cluster, node.name, facts, secrets, desired);
  const needed = new Set(desired.flatMap((d) => (d.kind === "artifact" ? [d.sha256] : [])));
  const decisions = [...decided, ...undeclared(facts, new Set(desired.map((d) => d.address)), options.prune), ...unreferencedStore(facts, node.root, needed, options.prune)];
  const needs = new Map(desired.map((d) => [d.address, "needs" in d ? d.needs : []]));

  const stepIds = new Map<string, string[]>();
  for (const decision of decisions) {
    const ids: string[] = [];
    for (const s of decision.steps) {
      const id = stepId(node.name, s.stage, decision.change.address);
      const previous = ids.at(-1);
      const head = { id, node: node.name, stage: s.stage };
      const rest = { address: decision.change.address, dependsOn: previous === undefined ? [] : [previous], facts: decision.facts, bytes: s.bytes };
      const { action } = decision.change;
      // Only a delete carries a DeleteDetail, and a delete carries nothing else (see Decision).
      out.steps.push(action === "delete" ? { ...head, action, ...rest, detail: s.detail as DeleteDetail } : { ...head, action: action as Exclude<Action, "noop" | "delete">, ...rest, detail: s.detail as StepDetail });
      ids.push(id);
    }
    stepIds.set(decision.change.address, ids);
    out.changes.push(decision.change);
  }
  // A step waits for the last step of everything its resource needs.
  for (const step of out.steps) {
    if (stepIds.get(step.address)?.[0] !== step.id) continue;
    for (const need of needs.get(step.address) ?? []) {
      const last = stepIds.get(need)?.at(-1);
      if (last !== undefined && !step.dependsOn.includes(last)) step.dependsOn.push(last);
    }
  }
  // A service no longer declared stops before the files and links it used go away.
  const stops = out.steps.filter((s) => s.action === "delete" && s.detail.kind === "service").map((s) => s.id);
  for (const s of out.steps) {
    if (s.action === "delete" && (s.detail.kind === "file" || s.detail.kind === "link")) s.dependsOn.push(...stops);
  }
  // A stage runs its steps in list order, so the list must follow the dependencies.
  out.steps = inDependencyOrder(out.steps);
  if (out.steps.length > 0) {
    const units = desired.flatMap((d) => (d.kind === "service" ? [d.unit] : []));
    const paths = desired.flatMap((d) => (d.kind === "link" ? [d.path] : []));
    out.steps.push({
      id: stepId(node.name, "verify", addressFor.verify(node.name)),
      node: node.name,
      stage: "verify",
      action: "update",
      address: addressFor.verify(node.name),
      dependsOn: out.steps.filter((s) => s.stage !== "verify").map((s) => s.id),
      facts: [],
      bytes: null,
      detail: { kind: "verify", units, paths, ...verifyChecks(cluster, node, prefectVersionOf(local, cluster.server.prefect.env)) },
    });
  }
  for (const s of out.steps) {
    if (s.stage !== "transfer") continue;
    if (s.bytes === null) out.bytesUnknown = true;
    else out.bytesToSend += s.bytes;
  }
  out.disk = diskNeeds(node.root, out.steps, new Map(desired.flatMap((d) => (d.kind === "artifact" ? [[d.name, d.unpackedBytes] as const] : []))));
  const checks = serverChecks(cluster, node, local);
  out.errors.push(...decided.flatMap((d) => d.errors ?? []), ...checks.errors);
  if (out.errors.length > 0) out.status = "errored";
  nodeWarnings(out, facts, options.ownLease);
  out.warnings.push(...checks.warnings);
  const keys = new Set(decisions.flatMap((d) => d.facts));
  keys.add(factKey.state);
  const digests: Record<string, string> = {};
  for (const key of [...keys].sort()) digests[key] = factDigest(facts, key);
  return { plan: out, facts: digests };
}

/**
 * The steps in an order where each comes after the steps of its node that it depends on, otherwise
 * as they were (a stable topological sort). Dependencies on other nodes' steps are the cluster
 * run's business and are left out here.
 */
function inDependencyOrder(steps: readonly Step[]): Step[] {
  const ids = new Set(steps.map((s) => s.id));
  const placed = new Set<string>();
  const out: Step[] = [];
  let rest = [...steps];
  while (rest.length > 0) {
    const ready = rest.findIndex((s) => s.dependsOn.every((d) => placed.has(d) || !ids.has(d)));
    // A cycle (the planner never makes one; a test checks) keeps the rest as it was.
    const next = ready === -1 ? 0 : ready;
    const step = rest[next]!;
    out.push(step);
    placed.add(step.id);
    rest = [...rest.slice(0, next), ...rest.slice(next + 1)];
  }
  return out;
}

function nodeWarnings(out: NodePlan, facts: NodeFacts, ownLease: PlanOptions["ownLease"]) {
  if (facts.disk.ok) out.warnings.push(...diskShortfalls(out.disk, facts.disk.value).map(describeShortfall));
  if (!facts.disk.ok) out.warnings.push(`facts: ${facts.disk.error}`);
  if (facts.lock.ok && facts.lock.value !== null && !(facts.lock.value.host === ownLease?.host && facts.lock.value.pid === ownLease.pid)) {
    const l = facts.lock.value;
    out.warnings.push(`locked by ${l.holder} on ${l.host} (pid ${l.pid}) since ${l.startedAt}, lease until ${l.expiresAt}`);
  }
  if (!facts.lock.ok) out.warnings.push(`facts: ${facts.lock.error}`);
  // A deep gathering cannot check a folder whose `.complete` records no digest: said, not corrupt.
  const unverified = facts.store.ok ? (facts.store.value.unverified ?? []) : [];
  if (unverified.length > 0) out.warnings.push(`store: ${unverified.length} folder(s) installed before content digests were recorded, so not checked: ${unverified.join(", ")}`);
  // PostgreSQL's answer is optional: without it the database is decided from the state file.
  if (facts.postgres !== undefined && !facts.postgres.ok) out.warnings.push(`facts: ${facts.postgres.error} (the database is judged from the state file alone)`);
  if (facts.os.ok && !["debian", "ubuntu"].includes(facts.os.value.id)) {
    out.warnings.push(`${facts.os.value.prettyName || facts.os.value.id} is not Debian or Ubuntu; packages are installed with dpkg`);
  }
}
