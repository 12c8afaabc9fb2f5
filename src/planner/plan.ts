/**
 * The planner: `plan(cluster, facts, local, secrets, options) → Plan`. Pure and deterministic:
 * gather everything first (facts over SSH, local sizes and digests, secrets), then call this.
 * Each node is planned by node-plan.ts; here the cluster: order, summary and blockers.
 */
import type { ResolvedCluster } from "../spec/resolved.js";
import type { Sensitive } from "../spec/secrets.js";
import type { NodeFactsResult } from "../facts/types.js";
import { address, factKey, parseStepId } from "./address.js";
import { workersTrustCaddyRoot } from "./desired.js";
import { factDigest } from "./fingerprint.js";
import { CADDY_ROOT_CERT, PROXY_CA_FILE, SERVER_UNIT } from "./templates.js";
import { planNode } from "./node-plan.js";
import { planOrder } from "./order.js";
import { NOT_GATHERED, clusterWideDigest, planClusterWide, type ClusterWideInputs } from "./cluster-wide.js";
import { PLAN_FORMAT, type Blocker, type LocalInputs, type NodePlan, type Plan, type PlanOptions, type ServerFacts, type Step } from "./types.js";

/** What the other nodes' plans read from the server node's facts: Caddy's root, when the facts show it. */
export function serverFactsOf(cluster: ResolvedCluster, facts: Readonly<Record<string, NodeFactsResult>>): ServerFacts {
  const result = facts[cluster.server.node];
  if (!workersTrustCaddyRoot(cluster) || result?.reachable !== true || !result.facts.files.ok) return { caddyRoot: null };
  const root = result.facts.files.value[CADDY_ROOT_CERT];
  return { caddyRoot: root?.state === "file" && root.content !== null && root.content !== "" ? root.content : null };
}

/**
 * An API that failed while this plan restarts the Prefect server (its settings or environment
 * changed: a rotated auth string answers 401 until then) is no reason to stop: the objects are
 * written as declared once the server verified, as on a server that does not run yet.
 */
function afterServerRestart(cluster: ResolvedCluster, nodes: readonly NodePlan[], inputs: ClusterWideInputs): ClusterWideInputs {
  if (inputs.api.state !== "error") return inputs;
  const server = nodes.find((n) => n.name === cluster.server.node);
  const restarts = server?.steps.some((s) => s.detail.kind === "service" && s.detail.unit === SERVER_UNIT && s.action !== "delete" && (s.action === "create" || s.detail.restart || s.detail.start));
  return restarts === true ? { ...inputs, api: { state: "unavailable", reason: `the Prefect server restarts in this apply (now: ${inputs.api.error})` } } : inputs;
}

/**
 * Plans the whole cluster. `clusterWideInputs` are the Prefect objects the API listed and the
 * record of those reconcile created; without them nothing cluster-wide is planned.
 *
 * @example
 * const p = plan(cluster, facts, local, secrets, { prune: false });
 * if (p.hasChanges) console.log(renderPlan(p).join("\n"));
 */
export function plan(
  cluster: ResolvedCluster,
  facts: Readonly<Record<string, NodeFactsResult>>,
  local: LocalInputs,
  secrets: ReadonlyMap<string, Sensitive>,
  options: PlanOptions,
  clusterWideInputs: ClusterWideInputs = NOT_GATHERED,
): Plan {
  const nodes: NodePlan[] = [];
  const fingerprints: Record<string, Record<string, string>> = {};
  const server = serverFactsOf(cluster, facts);
  for (const node of cluster.nodes) {
    const { plan: p, facts: f } = planNode(cluster, node, facts[node.name], local, secrets, options, server);
    nodes.push(p);
    if (Object.keys(f).length > 0) fingerprints[node.name] = f;
  }
  copiedFromServer(cluster, nodes, facts, fingerprints);
  const order = planOrder(nodes, options.rollingLimit);
  // A worker's services start once the server node verified: the wave order, said step by step too.
  const serverNodes = order.waves.flatMap((w) => (w.name === "server" ? w.nodes : []));
  const serverVerify = serverNodes.flatMap((name) => nodes.find((n) => n.name === name)?.steps.filter((s) => s.stage === "verify").map((s) => s.id) ?? []);
  for (const n of nodes) {
    if (serverNodes.includes(n.name)) continue;
    for (const s of n.steps) if (s.detail.kind === "service" && s.action !== "delete") s.dependsOn.push(...serverVerify);
  }
  const digest = clusterWideDigest(clusterWideInputs);
  const clusterWide = { ...planClusterWide(cluster, afterServerRestart(cluster, nodes, clusterWideInputs), local, secrets, options), ...(digest === undefined ? {} : { factsDigest: digest }) };
  order.waves = order.waves.map((w) => (w.name === "cluster-wide" ? { ...w, addresses: clusterWide.steps.map((s) => s.address) } : w));
  const summary = { add: 0, change: 0, destroy: 0, kept: 0 };
  // Only nodes that were planned count: an errored node's changes would not be applied.
  const planned = [...nodes.filter((node) => node.status === "planned").map((n) => n.changes), ...(clusterWide.status === "planned" ? [clusterWide.changes] : [])];
  for (const changes of planned) {
    for (const c of changes) {
      if (c.action === "create") summary.add++;
      else if (c.action === "update" || c.action === "restart" || c.action === "reload") summary.change++;
      else if (c.action === "replace") {
        summary.add++;
        summary.destroy++;
      } else if (c.action === "delete") {
        if (options.prune) summary.destroy++;
        else summary.kept++;
      }
    }
  }
  const errored = nodes.some((n) => n.status !== "planned") || clusterWide.status === "errored";
  const blockers: Blocker[] = [
    ...clusterWide.errors.map((e) => ({ node: clusterWide.server, step: null, reason: `cluster-wide: ${e}` })),
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

/**
 * Files other nodes copy from the server node (Caddy's root): a file whose content is read at
 * apply time waits for the server node's Caddy to have started (a cross-node dependency: the
 * cluster run holds the node at its gate until the server node converged), and a plan that copied
 * the server's root rests on that fact of the server node (a saved plan is stale once it moved).
 */
function copiedFromServer(cluster: ResolvedCluster, nodes: NodePlan[], facts: Readonly<Record<string, NodeFactsResult>>, fingerprints: Record<string, Record<string, string>>) {
  const serverName = cluster.server.node;
  const serverPlan = nodes.find((n) => n.name === serverName);
  const caddyStep = serverPlan?.steps.find((s) => s.address === address.service("caddy.service"))?.id;
  const serverVerify = serverPlan?.steps.find((s) => s.stage === "verify")?.id;
  let copied = false;
  for (const n of nodes) {
    if (n.changes.some((c) => c.kind === "file" && c.address === address.file(PROXY_CA_FILE))) copied = true;
    // On the server node itself the copy waits for Caddy through its `needs` (desired.ts).
    if (n.name === serverName) continue;
    for (const s of n.steps) {
      if (s.detail.kind !== "file" || s.action === "delete") continue;
      const content = s.detail.content;
      if (content.type === "remote" && content.node === serverName) {
        const wait = caddyStep ?? serverVerify;
        if (wait !== undefined && !s.dependsOn.includes(wait)) s.dependsOn.push(wait);
      }
    }
  }
  const result = facts[serverName];
  if (copied && workersTrustCaddyRoot(cluster) && result?.reachable === true) {
    const key = factKey.file(CADDY_ROOT_CERT);
    fingerprints[serverName] = { ...(fingerprints[serverName] ?? {}), [key]: factDigest(result.facts, key) };
  }
}

/** The steps the executors cannot carry out, each with why (a saved plan is checked with these again before it runs). */
export function unsupportedSteps(steps: readonly Step[], unsupported: NonNullable<PlanOptions["unsupported"]>): Blocker[] {
  return steps.flatMap((s) => {
    const why = s.action === "delete" ? undefined : unsupported[s.detail.kind];
    return why === undefined ? [] : [{ node: s.node, step: s.id, reason: why }];
  });
}

/** `node server: configure database:prefect: <why>`, or `node n2: could not be planned (unreachable)`. */
export function describeBlocker(b: Blocker): string {
  const step = b.step === null ? null : parseStepId(b.step);
  return `node ${b.node}: ${step === null ? "" : `${step.stage} ${step.address}: `}${b.reason}`;
}
