/**
 * The order of work as data (`Plan.order`): waves (the server node, then cluster-wide resources,
 * then the workers) and the rolling limit per work pool. The planner writes it; the cluster run
 * reads it and decides nothing by role.
 */
import { nameIfKind } from "./address.js";
import { poolOfWorkerUnit } from "./templates.js";
import { STAGES, type NodePlan, type Plan, type PlanOrder, type RollingGroup } from "./types.js";

/** ceil(n/2): half a pool (rounded up) may be disrupted at once. */
export function defaultRollingLimit(poolSize: number): number {
  return Math.ceil(poolSize / 2);
}

/** What `rollingLimit` wants, kept to 1…n−1 (1 for a one-node pool). */
export function clampRollingLimit(wanted: number, poolSize: number): number {
  const max = poolSize >= 2 ? poolSize - 1 : 1;
  return Math.min(max, Math.max(1, Number.isFinite(wanted) ? Math.floor(wanted) : 1));
}

/**
 * Node → work pools it serves now: every node with a `service:prefect-worker@<pool>[.<i>].service`
 * change other than `create` (noops included, so nodes with nothing to change still count towards
 * their pool's size; a worker being created serves nobody yet, so it is neither limited nor
 * counted).
 */
export function poolsOf(nodes: readonly NodePlan[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const node of nodes) {
    const pools = new Set<string>();
    for (const change of node.changes) {
      const unit = nameIfKind(change.address, "service");
      const pool = unit === null ? null : poolOfWorkerUnit(unit);
      if (pool !== null && change.action !== "create") pools.add(pool);
    }
    if (pools.size > 0) out[node.name] = [...pools].sort();
  }
  return out;
}

/** The rolling groups of a set of node plans, one per pool, sorted by pool. */
export function rollingGroups(nodes: readonly NodePlan[], rollingLimit: (poolSize: number) => number = defaultRollingLimit): RollingGroup[] {
  const members = new Map<string, string[]>();
  for (const [node, pools] of Object.entries(poolsOf(nodes))) for (const pool of pools) members.set(pool, [...(members.get(pool) ?? []), node]);
  return [...members.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([pool, names]) => ({ pool, nodes: names, limit: clampRollingLimit(rollingLimit(names.length), names.length) }));
}

/**
 * The waves and rolling groups for these node plans: the server node first, then the cluster-wide
 * resources (their addresses: plan() fills them in from the cluster-wide steps), then every other node.
 */
export function planOrder(nodes: readonly NodePlan[], rollingLimit?: (poolSize: number) => number): PlanOrder {
  const isServer = (n: NodePlan) => n.roles.includes("server");
  return {
    waves: [
      { name: "server", nodes: nodes.filter(isServer).map((n) => n.name) },
      { name: "cluster-wide", addresses: [] },
      { name: "workers", nodes: nodes.filter((n) => !isServer(n)).map((n) => n.name) },
    ],
    rolling: rollingGroups(nodes, rollingLimit),
  };
}

/** The position of the wave `node` runs in, or -1 when it is in none. */
export function waveOf(order: PlanOrder, node: string): number {
  return order.waves.findIndex((w) => w.name !== "cluster-wide" && w.nodes.includes(node));
}

/** Step id → the node whose step it is. */
const stepOwners = (plan: Pick<Plan, "nodes">) => new Map(plan.nodes.flatMap((n) => n.steps.map((s) => [s.id, n.name] as const)));

/** The other nodes whose steps the steps of `node` depend on. */
function dependedOn(plan: Pick<Plan, "nodes">, node: string, owners = stepOwners(plan)): Set<string> {
  const out = new Set<string>();
  for (const step of plan.nodes.find((n) => n.name === node)?.steps ?? []) {
    for (const dep of step.dependsOn) {
      const other = owners.get(dep);
      if (other !== undefined && other !== node) out.add(other);
    }
  }
  return out;
}

/**
 * Nodes that must have converged before `node` passes its gate: the nodes of every earlier wave,
 * and the nodes of other steps its steps depend on (always in an earlier wave: {@link
 * stepOrderProblem} refuses a plan otherwise, since two nodes of one wave waiting for each other,
 * or for one that waits at a full concurrency, would wait forever). Sorted.
 */
export function prerequisites(plan: Pick<Plan, "nodes" | "order">, node: string): string[] {
  const own = waveOf(plan.order, node);
  const out = new Set<string>();
  plan.order.waves.forEach((wave, i) => {
    if (i < own && wave.name !== "cluster-wide") for (const n of wave.nodes) out.add(n);
  });
  for (const other of dependedOn(plan, node)) out.add(other);
  return [...out].sort();
}

/** The pools `node` takes room in when it passes its gate. */
export function rollingPoolsOf(order: PlanOrder, node: string): string[] {
  return order.rolling.filter((g) => g.nodes.includes(node)).map((g) => g.pool);
}

/**
 * Why the plan's steps cannot be run in the order they are listed, or null. The node machine runs a
 * node's stages in order and a stage's steps as listed, so a dependency on the same node must be
 * listed before, in the same or an earlier stage; one on another node must exist, in an earlier
 * wave (the cluster run holds the node at its gate until that node converged). The planner always lists them so; a
 * saved plan is checked before it is applied.
 */
export function stepOrderProblem(plan: Pick<Plan, "nodes" | "order">): string | null {
  const owner = stepOwners(plan);
  for (const node of plan.nodes) {
    const seen = new Map<string, number>();
    for (const step of node.steps) {
      for (const dep of step.dependsOn) {
        const other = owner.get(dep);
        if (other === undefined) return `step ${step.id} depends on ${dep}, which is not in the plan`;
        if (other !== node.name) {
          if (waveOf(plan.order, other) >= waveOf(plan.order, node.name)) return `step ${step.id} depends on ${dep}, but node ${other} does not run in an earlier wave than node ${node.name}`;
          continue;
        }
        const stage = seen.get(dep);
        if (stage === undefined) return `step ${step.id} depends on ${dep}, which is listed after it`;
        if (stage > STAGES.indexOf(step.stage)) return `step ${step.id} depends on ${dep}, a later stage`;
      }
      seen.set(step.id, STAGES.indexOf(step.stage));
    }
  }
  return null;
}
