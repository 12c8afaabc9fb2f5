/**
 * The planner: `plan(cluster, facts, local, secrets, options) → Plan`. Pure and deterministic:
 * gather everything first (facts over SSH, local sizes and digests, secrets), then call this.
 */
import { createHash } from "node:crypto";
import { createTwoFilesPatch } from "diff";
import type { ResolvedCluster, ResolvedNode } from "../spec/resolved.js";
import { REDACTED, type Sensitive } from "../spec/secrets.js";
import type { FileFact, NodeFacts, NodeFactsResult } from "../facts/types.js";
import { SHA256 } from "../facts/layout.js";
import { address as addressFor, factKey, parseAddress, parseStepId, stepId, type Address } from "./address.js";
import { desiredFor, type Desired } from "./desired.js";
import { describeShortfall, diskNeeds, diskShortfalls } from "./disk.js";
import { factDigest } from "./fingerprint.js";
import { planOrder } from "./order.js";
import { renderEnv } from "./templates.js";
import { PLAN_FORMAT, type Action, type Blocker, type Change, type DeleteDetail, type FileContent, type Json, type LocalInputs, type NodePlan, type Plan, type PlanOptions, type Stage, type Step, type StepDetail } from "./types.js";

/** Resource kinds a prune may delete: never data (packages, users, databases, the store). */
const PRUNABLE = new Set(["file", "link", "service"]);
/** Facts a node cannot be planned without; the others only warn. */
const REQUIRED_FACTS = ["os", "store", "links", "files", "units", "packages", "users", "state"] as const;

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** The exact bytes apply will write, secrets filled in: only their hash leaves this module. */
export function fileText(cluster: string, content: FileContent, secrets: ReadonlyMap<string, Sensitive>): string {
  return content.type === "text" ? content.text : renderEnv(cluster, content.entries, secrets);
}

interface Decision {
  change: Change;
  /** Steps for this change, in stage order; empty for noops and kept deletions. A delete's steps name what goes. */
  steps: { stage: Stage; detail: StepDetail | DeleteDetail; bytes: number | null }[];
  facts: string[];
}

const change = (d: { address: Address; kind: Change["kind"] }, action: Action, before: Json, after: Json, reason: string, extra: Partial<Change> = {}): Change => ({
  address: d.address,
  kind: d.kind,
  action,
  before,
  after,
  reason,
  sensitive: false,
  diff: null,
  prune: false,
  ...extra,
});

class NodePlanner {
  private readonly decisions = new Map<string, Decision>();
  readonly warnings: string[] = [];
  readonly errors: string[] = [];

  constructor(
    private readonly cluster: ResolvedCluster,
    private readonly facts: NodeFacts,
    private readonly secrets: ReadonlyMap<string, Sensitive>,
  ) {}

  private get<T>(fact: { ok: true; value: T } | { ok: false; error: string }): T {
    // Callers check REQUIRED_FACTS first; a failed one never reaches here.
    if (!fact.ok) throw new Error(`fact used after it failed: ${fact.error}`);
    return fact.value;
  }

  decide(desired: Desired[]): Decision[] {
    for (const d of desired) this.decisions.set(d.address, this.decideOne(d));
    return [...this.decisions.values()];
  }

  #linked: Set<string> | undefined;
  /** Store digests that a link on the node points into now (a path segment of its target). */
  private linkedDigests(): Set<string> {
    this.#linked ??= new Set(
      Object.values(this.get(this.facts.links)).flatMap((l) => (l.state === "link" ? l.target.split("/").filter((part) => SHA256.test(part)) : [])),
    );
    return this.#linked;
  }

  private changed(addr: string): boolean {
    const a = this.decisions.get(addr)?.change.action;
    return a !== undefined && a !== "noop";
  }

  private decideOne(d: Desired): Decision {
    switch (d.kind) {
      case "artifact": {
        const store = this.get(this.facts.store);
        const key = factKey.store(d.sha256);
        const after = { sha256: d.sha256, kind: d.artifactKind, bytes: d.bytes };
        if (store.complete.includes(d.sha256)) return { change: change(d, "noop", after, after, "already in the node's store"), steps: [], facts: [key] };
        const uploaded = store.uploaded.includes(d.sha256);
        const partial = uploaded ? (d.bytes ?? 0) : (store.partial.find((p) => p.sha256 === d.sha256)?.bytes ?? 0);
        const bytes = d.bytes === null ? (uploaded ? 0 : null) : Math.max(0, d.bytes - partial);
        // A link into the folder although it is not complete (its .complete was removed by hand, or
        // an old tool made it): the running environment is what gets unpacked again.
        const live = this.linkedDigests().has(d.sha256);
        const reason = uploaded
          ? "uploaded and verified, not installed yet"
          : partial > 0
            ? `not in the store; ${partial} bytes already uploaded, the transfer resumes`
            : live
              ? "incomplete in the node's store (no .complete) although a link points into it"
              : "not in the node's store";
        const detail: StepDetail = { kind: "artifact", artifact: d.name, artifactKind: d.artifactKind, sha256: d.sha256, source: d.source, ...(live ? { live: true as const } : {}) };
        return {
          change: change(d, "create", null, after, reason),
          steps: [
            { stage: "stage", detail, bytes: null },
            { stage: "transfer", detail, bytes },
            { stage: "install", detail, bytes: null },
          ],
          facts: [key],
        };
      }
      case "link": {
        const current = this.get(this.facts.links)[d.path] ?? { state: "absent" as const };
        const key = factKey.link(d.path);
        const after = { target: d.target };
        const steps = [{ stage: "install" as const, detail: { kind: "link" as const, path: d.path, target: d.target }, bytes: null }];
        if (current.state === "absent") return { change: change(d, "create", null, after, "no link yet"), steps, facts: [key] };
        if (current.state === "other") return { change: change(d, "replace", { type: current.type }, after, `a ${current.type} stands where the link goes`), steps, facts: [key] };
        if (current.target === d.target) return { change: change(d, "noop", { target: current.target }, after, "points at the declared version"), steps: [], facts: [key] };
        return { change: change(d, "update", { target: current.target }, after, "points at another version"), steps, facts: [key] };
      }
      case "packages": {
        const installed = this.get(this.facts.packages);
        const detail: StepDetail = { kind: "packages", artifact: d.artifact, sha256: d.sha256, packages: d.packages };
        const steps = [{ stage: "install" as const, detail, bytes: null }];
        if (d.packages === null) {
          return { change: change(d, "update", null, { sha256: d.sha256 }, "the set's packages are known only once it is staged; dpkg installs what differs"), steps, facts: [] };
        }
        const facts = d.packages.map((p) => factKey.package(p.name));
        const before: Record<string, Json> = {};
        const after: Record<string, Json> = {};
        const differ: string[] = [];
        for (const p of d.packages) {
          const have = installed[p.name] ?? null;
          before[p.name] = have === null ? null : have.version;
          after[p.name] = p.version;
          if (have?.version !== p.version) differ.push(p.name);
        }
        if (differ.length === 0) return { change: change(d, "noop", before, after, "every package at the declared version"), steps: [], facts };
        const none = d.packages.every((p) => (installed[p.name] ?? null) === null);
        return {
          change: change(d, none ? "create" : "update", none ? null : before, after, none ? "not installed" : `${differ.length} of ${d.packages.length} packages differ: ${differ.slice(0, 5).join(", ")}${differ.length > 5 ? "..." : ""}`),
          steps,
          facts,
        };
      }
      case "user": {
        const current = this.get(this.facts.users)[d.name] ?? null;
        const key = factKey.user(d.name);
        const after = { name: d.name, home: d.home };
        if (current !== null) return { change: change(d, "noop", { name: d.name, home: current.home }, after, "exists"), steps: [], facts: [key] };
        return { change: change(d, "create", null, after, "no such user"), steps: [{ stage: "configure", detail: { kind: "user", name: d.name, home: d.home }, bytes: null }], facts: [key] };
      }
      case "file":
        return this.decideFile(d);
      case "database": {
        const state = this.get(this.facts.state);
        const recorded = state?.resources.find((r) => r.id === d.address);
        const after = { name: d.name, user: d.user, password: REDACTED };
        if (recorded !== undefined) return { change: change(d, "noop", after, after, `created by generation ${recorded.generation}`), steps: [], facts: [factKey.state] };
        return {
          change: change(d, "create", null, after, "not created by reconcile yet"),
          steps: [{ stage: "configure", detail: { kind: "database", name: d.name, user: d.user, password: d.password }, bytes: null }],
          facts: [factKey.state],
        };
      }
      case "service":
        return this.decideService(d);
    }
  }

  private decideFile(d: Desired & { kind: "file" }): Decision {
    const current: FileFact = this.get(this.facts.files)[d.path] ?? { state: "absent" };
    const key = factKey.file(d.path);
    const missing = d.content.type === "env" ? d.content.entries.flatMap(([, v]) => (typeof v === "string" || this.secrets.has(v.secret) ? [] : [v.secret])) : [];
    if (missing.length > 0) this.errors.push(`${d.path}: secret ${missing.join(", ")} is not set`);
    const text = fileText(this.cluster.name, d.content, this.secrets);
    const digest = sha256(text);
    const shown = (hash: string) => (d.sensitive ? REDACTED : hash);
    const after = { mode: d.mode, owner: d.owner, group: d.group, sha256: shown(digest) };
    const steps = [{ stage: "configure" as const, detail: { kind: "file" as const, path: d.path, mode: d.mode, owner: d.owner, group: d.group, content: d.content }, bytes: null }];
    const extra = { sensitive: d.sensitive };
    if (current.state === "absent") {
      return { change: change(d, "create", null, after, "no such file", { ...extra, diff: d.sensitive ? null : unified(d.path, "", text) }), steps, facts: [key] };
    }
    if (current.state === "other") return { change: change(d, "replace", { type: current.type }, after, `a ${current.type} stands where the file goes`, extra), steps, facts: [key] };
    const before = { mode: current.mode, owner: current.owner, group: current.group, sha256: shown(current.sha256) };
    const differs: string[] = [];
    if (current.sha256 !== digest) differs.push("content");
    if (current.mode !== d.mode) differs.push(`mode ${current.mode} → ${d.mode}`);
    if (current.owner !== d.owner || current.group !== d.group) differs.push(`owner ${current.owner}:${current.group} → ${d.owner}:${d.group}`);
    if (differs.length === 0) return { change: change(d, "noop", before, after, "content, mode and owner as declared", extra), steps: [], facts: [key] };
    const diff = !d.sensitive && current.sha256 !== digest && current.content !== null ? unified(d.path, current.content, text) : null;
    return { change: change(d, "update", before, after, differs.join("; "), { ...extra, diff }), steps, facts: [key] };
  }

  private decideService(d: Desired & { kind: "service" }): Decision {
    const unit = this.get(this.facts.units)[d.unit];
    const key = factKey.unit(d.unit);
    const inputs = d.inputs.filter((a) => this.changed(a));
    const facts = [key];
    const after = { enabled: true, active: true };
    // A changed unit file needs systemd to read it again before the unit (re)starts.
    const daemonReload = inputs.some((a) => parseAddress(a)?.kind === "file" && parseAddress(a)?.name.startsWith("/etc/systemd/") === true);
    const detail = (o: { enable: boolean; start: boolean; restart: boolean }) => ({ stage: "configure" as const, detail: { kind: "service" as const, unit: d.unit, daemonReload, ...o }, bytes: null });
    if (unit === undefined || unit.load === "not-found") {
      // A packaged unit (caddy, postgresql) is started by its package's postinst with the default
      // config, so it is restarted to pick up ours; our own units are simply started.
      return {
        change: change(d, "create", null, after, d.managedUnit ? "new unit" : "installed by its packages, then restarted with the managed config"),
        steps: [detail({ enable: true, start: true, restart: !d.managedUnit })],
        facts,
      };
    }
    const enabled = unit.unitFileState === "enabled";
    const active = unit.active === "active" || unit.active === "reloading" || unit.active === "activating";
    const before = { enabled, active, state: `${unit.active}/${unit.sub}` };
    if (!enabled || !active) {
      // `disabled, inactive → enabled, active`; a unit file state systemd did not give reads "not enabled".
      const what = [!enabled ? unit.unitFileState || "not enabled" : "", !active ? unit.active : ""].filter((s) => s !== "").join(", ");
      return { change: change(d, "update", before, after, `${what} → enabled, active`), steps: [detail({ enable: !enabled, start: !active, restart: active && inputs.length > 0 })], facts };
    }
    if (inputs.length > 0) {
      return { change: change(d, "restart", before, after, `inputs changed: ${inputs.join(", ")}`), steps: [detail({ enable: false, start: false, restart: true })], facts };
    }
    return { change: change(d, "noop", before, after, "enabled and active; no input changed"), steps: [], facts };
  }

  /** Resources the node's state file records that the spec no longer declares. */
  undeclared(declared: Set<string>, prune: boolean): Decision[] {
    const state = this.get(this.facts.state);
    if (state === null) return [];
    const out: Decision[] = [];
    for (const r of state.resources) {
      if (declared.has(r.id)) continue;
      const parsed = parseAddress(r.id);
      if (parsed === null || !PRUNABLE.has(parsed.kind)) continue;
      const { name } = parsed;
      const d = { address: addressFor[parsed.kind](name), kind: parsed.kind as Change["kind"] };
      const reason = prune ? `no longer declared (added by generation ${r.generation})` : `no longer declared; kept until apply --prune`;
      const deleted = (fact: string, before: Json, detail: DeleteDetail): Decision => ({
        facts: [factKey.state, fact],
        change: change(d, "delete", before, null, reason, { prune: true }),
        steps: prune ? [{ stage: "configure", detail, bytes: null }] : [],
      });
      if (parsed.kind === "file") {
        const f: FileFact = this.get(this.facts.files)[name] ?? { state: "absent" };
        const before: Json = f.state === "file" ? { mode: f.mode, owner: f.owner, group: f.group } : f.state === "other" ? { type: f.type } : null;
        out.push(deleted(factKey.file(name), before, { kind: "file", path: name }));
      } else if (parsed.kind === "link") {
        const l = this.get(this.facts.links)[name];
        out.push(deleted(factKey.link(name), l?.state === "link" ? { target: l.target } : null, { kind: "link", path: name }));
      } else {
        const u = this.get(this.facts.units)[name];
        out.push(deleted(factKey.unit(name), u === undefined ? null : { state: `${u.active}/${u.sub}` }, { kind: "service", unit: name }));
      }
    }
    return out;
  }
}

function unified(path: string, before: string, after: string): string {
  const patch = createTwoFilesPatch(path, path, before, after, undefined, undefined, { context: 3 });
  // Drop the "Index:"/"====" preamble: the file name is already on the change.
  return patch
    .split("\n")
    .filter((line) => !line.startsWith("Index:") && !line.startsWith("====="))
    .join("\n")
    .trimEnd();
}

const roles = (node: ResolvedNode): NodePlan["roles"] => [...(node.server ? ["server" as const] : []), ...(node.workerPools.length > 0 ? ["worker" as const] : [])];

function emptyNodePlan(node: ResolvedNode): NodePlan {
  return { name: node.name, address: node.address, roles: roles(node), status: "planned", errors: [], hint: null, changes: [], steps: [], bytesToSend: 0, bytesUnknown: false, disk: [], warnings: [] };
}

/**
 * Plans one node. Steps depend on the steps of what their resource needs (a service on its unit
 * file, a link on its artifact's install...), and stay within the node; plan() adds the
 * cross-node order.
 */
function planNode(cluster: ResolvedCluster, node: ResolvedNode, result: NodeFactsResult | undefined, local: LocalInputs, secrets: ReadonlyMap<string, Sensitive>, options: PlanOptions): { plan: NodePlan; facts: Record<string, string> } {
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
  const planner = new NodePlanner(cluster, facts, secrets);
  const desired = desiredFor(cluster, node, local);
  const decisions = [...planner.decide(desired), ...planner.undeclared(new Set(desired.map((d) => d.address)), options.prune)];
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
      detail: { kind: "verify", units, paths },
    });
  }
  for (const s of out.steps) {
    if (s.stage !== "transfer") continue;
    if (s.bytes === null) out.bytesUnknown = true;
    else out.bytesToSend += s.bytes;
  }
  out.disk = diskNeeds(node.root, out.steps, new Map(desired.flatMap((d) => (d.kind === "artifact" ? [[d.name, d.unpackedBytes] as const] : []))));
  out.errors.push(...planner.errors);
  if (out.errors.length > 0) out.status = "errored";
  nodeWarnings(out, facts, options.ownLease);
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
  if (facts.os.ok && !["debian", "ubuntu"].includes(facts.os.value.id)) {
    out.warnings.push(`${facts.os.value.prettyName || facts.os.value.id} is not Debian or Ubuntu; packages are installed with dpkg`);
  }
}

/**
 * Plans the whole cluster.
 *
 * @example
 * const p = plan(cluster, facts, local, secrets, { prune: false });
 * if (p.hasChanges) console.log(renderPlan(p).join("\n"));
 */
export function plan(cluster: ResolvedCluster, facts: Readonly<Record<string, NodeFactsResult>>, local: LocalInputs, secrets: ReadonlyMap<string, Sensitive>, options: PlanOptions): Plan {
  const nodes: NodePlan[] = [];
  const fingerprints: Record<string, Record<string, string>> = {};
  for (const node of cluster.nodes) {
    const { plan: p, facts: f } = planNode(cluster, node, facts[node.name], local, secrets, options);
    nodes.push(p);
    if (Object.keys(f).length > 0) fingerprints[node.name] = f;
  }
  const order = planOrder(nodes, options.rollingLimit);
  // A worker's services start once the server node verified: the wave order, said step by step too.
  const serverVerify = order.waves.flatMap((w) => (w.name === "server" ? w.nodes : [])).flatMap((name) => nodes.find((n) => n.name === name)?.steps.filter((s) => s.stage === "verify").map((s) => s.id) ?? []);
  for (const n of nodes) {
    if (n.roles.includes("server")) continue;
    for (const s of n.steps) if (s.detail.kind === "service" && s.action !== "delete") s.dependsOn.push(...serverVerify);
  }
  const summary = { add: 0, change: 0, destroy: 0, kept: 0 };
  // Only nodes that were planned count: an errored node's changes would not be applied.
  for (const n of nodes.filter((node) => node.status === "planned")) {
    for (const c of n.changes) {
      if (c.action === "create") summary.add++;
      else if (c.action === "update" || c.action === "restart") summary.change++;
      else if (c.action === "replace") {
        summary.add++;
        summary.destroy++;
      } else if (c.action === "delete") {
        if (options.prune) summary.destroy++;
        else summary.kept++;
      }
    }
  }
  const errored = nodes.some((n) => n.status !== "planned");
  const clusterWide = { changes: [], steps: [] };
  const blockers: Blocker[] = [
    ...nodes.filter((n) => n.status !== "planned").map((n) => ({ node: n.name, step: null, reason: `could not be planned (${n.status})` })),
    ...unsupportedSteps(nodes.filter((n) => n.status === "planned").flatMap((n) => n.steps), options.unsupported ?? {}),
  ];
  return {
    formatVersion: PLAN_FORMAT,
    cluster: cluster.name,
    specFile: cluster.specFile,
    specDigest: cluster.specDigest,
    prune: options.prune,
    nodes,
    clusterWide,
    order,
    summary,
    hasChanges: summary.add + summary.change + summary.destroy > 0,
    errored,
    applyable: blockers.length === 0,
    blockers,
    facts: fingerprints,
  };
}

/** The steps the executors cannot carry out, each with why. */
function unsupportedSteps(steps: readonly Step[], unsupported: NonNullable<PlanOptions["unsupported"]>): Blocker[] {
  return steps.flatMap((s) => {
    const why = unsupported[s.detail.kind];
    return why === undefined ? [] : [{ node: s.node, step: s.id, reason: why }];
  });
}

/** `node server: configure database:prefect: <why>`, or `node n2: could not be planned (unreachable)`. */
export function describeBlocker(b: Blocker): string {
  const step = b.step === null ? null : parseStepId(b.step);
  return `node ${b.node}: ${step === null ? "" : `${step.stage} ${step.address}: `}${b.reason}`;
}
