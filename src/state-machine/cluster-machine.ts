/**
 * The cluster run: waves, concurrency and the rolling limit, over one node machine per node.
 *
 * This is a small orchestrator, not an XState machine, on purpose. The per-node policy (order,
 * retries, rollback) lives in the node machine; what is left here is counting: at most
 * `concurrency` workers at once, at most `rollingLimit(n)` of a pool's n worker nodes past
 * transfer at once. As a machine that would be a context of queues and counters plus
 * spawn/stop bookkeeping, harder to read than the plain scheduler below. It does no I/O: it
 * creates node actors, listens to them and sends them events.
 *
 * Order:
 * 1. Server nodes (role "server") first: workers stage, transfer and unpack into their store
 *    meanwhile (that changes nothing they run), then wait before the rest of install until every
 *    server node converged (or had nothing to change); otherwise they stop there and are reported
 *    "skipped".
 * 2. Workers in parallel, at most `concurrency` at once. A failed worker does not stop the others;
 *    every node is reported.
 * 3. Rolling limit: a node machine that belongs to a work pool waits before install
 *    (`slot.requested`) until every pool it serves has room; it holds that room until it ends
 *    (converged, failed or rolled back), so install, configure, verify and rollback all count.
 *    Stage, transfer and unpack run freely, since they change nothing the node runs.
 *
 * Nodes whose plan has no steps are reported "unchanged" without running; nodes the planner could
 * not plan (unreachable, errored) are reported "skipped".
 */
import { createActor, type Actor } from "xstate";
import { poolOfWorkerUnit } from "../planner/templates.js";
import type { NodePlan, Plan, Stage } from "../planner/types.js";
import type { NodeMachine, NodeMachineEmitted, NodeResult } from "./node-machine.js";

/** How a node ended in a cluster run: a node machine's result, or why no machine ran (to the end). */
export type NodeOutcome =
  | NodeResult
  | { node: string; status: "unchanged"; message: string }
  | { node: string; status: "skipped"; message: string }
  | {
      node: string;
      status: "cancelled";
      /** Where it was stopped (`unpack`: the part of install before the gate); null when it never started. */
      stage: Stage | "unpack" | "waitingForSlot" | "rollingBack" | null;
      message: string;
    };

export interface ClusterResult {
  /** One outcome per node, in plan order. */
  nodes: NodeOutcome[];
  /** Every node converged or was unchanged. */
  converged: boolean;
}

export interface ClusterOptions {
  /** Worker nodes running at once. Default {@link DEFAULT_CONCURRENCY}. */
  concurrency?: number;
  /**
   * Nodes of a pool of `poolSize` worker nodes that may be past transfer at once; default
   * {@link defaultRollingLimit} (ceil(n/2)). Whatever it returns is clamped to 1…n−1 (to 1 for a
   * one-node pool), so a pool of two or more never loses all its workers at once.
   */
  rollingLimit?: (poolSize: number) => number;
  /**
   * Node → the work pools it runs workers for. Default: derived from the plan ({@link poolsOf}).
   * Give it when the caller knows better (from the resolved cluster).
   */
  pools?: Readonly<Record<string, readonly string[]>>;
  /** Node → the generation it runs now (from its state fact), which a rollback returns to; null when unknown. */
  generations?: Readonly<Record<string, number | null>>;
  /** Aborting stops every running node machine (which aborts its running stage) and starts no more. */
  signal?: AbortSignal;
  /** Passed to every node actor (tests pass a SimulatedClock). */
  clock?: { setTimeout(fn: (...args: unknown[]) => void, timeout: number): unknown; clearTimeout(id: unknown): void };
  /** Every event a node machine emits (progress for the CLI). */
  onEvent?: (event: NodeMachineEmitted) => void;
}

export const DEFAULT_CONCURRENCY = 4;

/** ceil(n/2): half a pool (rounded up) may be disrupted at once. */
export function defaultRollingLimit(poolSize: number): number {
  return Math.ceil(poolSize / 2);
}


/**
 * Node → work pools it serves now, from the plan: every node with a
 * `service:prefect-worker@<pool>[.<i>].service` change other than `create` (noops included, so
 * nodes with nothing to change still count towards their pool's size; a worker being created
 * serves nobody yet, so it is neither limited nor counted).
 * The unit name is read back with the planner's own {@link poolOfWorkerUnit}.
 */
export function poolsOf(plan: Plan): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const node of plan.nodes) {
    const pools = new Set<string>();
    for (const change of node.changes) {
      const pool = change.kind === "service" ? poolOfWorkerUnit(change.address.replace(/^service:/, "")) : null;
      // A worker that does not exist yet serves nobody: setting it up takes nothing down.
      if (pool !== null && change.action !== "create") pools.add(pool);
    }
    if (pools.size > 0) out[node.name] = [...pools].sort();
  }
  return out;
}

/** Room per work pool: a node takes room in all its pools at once, or waits. */
class RollingLimiter {
  private readonly limits = new Map<string, number>();
  private readonly busy = new Map<string, number>();
  private readonly holders = new Set<string>();
  private waiting: { node: string; grant: () => void }[] = [];

  constructor(
    private readonly membership: Readonly<Record<string, readonly string[]>>,
    rollingLimit: (poolSize: number) => number,
  ) {
    const sizes = new Map<string, number>();
    for (const pools of Object.values(membership)) for (const p of new Set(pools)) sizes.set(p, (sizes.get(p) ?? 0) + 1);
    for (const [pool, size] of sizes) {
      const wanted = Math.floor(rollingLimit(size));
      const max = size >= 2 ? size - 1 : 1;
      this.limits.set(pool, Math.min(max, Math.max(1, Number.isFinite(wanted) ? wanted : 1)));
    }
  }

  request(node: string, grant: () => void): void {
    this.waiting.push({ node, grant });
    this.pump();
  }

  /** The node ended: give its room back (or stop waiting). */
  release(node: string): void {
    this.waiting = this.waiting.filter((w) => w.node !== node);
    if (this.holders.delete(node)) for (const p of this.poolsOf(node)) this.busy.set(p, (this.busy.get(p) ?? 1) - 1);
    this.pump();
  }

  private poolsOf(node: string): string[] {
    return [...new Set(this.membership[node] ?? [])];
  }

  private pump(): void {
    for (const w of [...this.waiting]) {
      const pools = this.poolsOf(w.node);
      if (!pools.every((p) => (this.busy.get(p) ?? 0) < (this.limits.get(p) ?? 1))) continue;
      for (const p of pools) this.busy.set(p, (this.busy.get(p) ?? 0) + 1);
      this.holders.add(w.node);
      this.waiting = this.waiting.filter((x) => x !== w);
      w.grant();
    }
  }
}

function currentStage(actor: Actor<NodeMachine>): Stage | "unpack" | "waitingForSlot" | "rollingBack" | null {
  const value = actor.getSnapshot().value;
  const top = typeof value === "string" ? value : Object.keys(value)[0];
  switch (top) {
    case "stage":
    case "transfer":
    case "install":
    case "configure":
    case "verify":
    case "unpack":
    case "waitingForSlot":
    case "rollingBack":
      return top;
    // Recording the state is the end of verify.
    case "record":
      return "verify";
    default:
      return null;
  }
}

const isServer = (n: NodePlan) => n.roles.includes("server");
const succeeded = (o: NodeOutcome | undefined) => o !== undefined && (o.status === "converged" || o.status === "unchanged");

/**
 * Runs a plan: server nodes, then workers, each through `machine` (see the module comment).
 * Always resolves with every node's outcome; a node's failure is data, not a rejection.
 *
 * @example
 * const machine = createNodeMachine(executors, { retry: { attempts: 4, baseDelayMs: 1000 } });
 * const result = await runCluster(plan, machine, { concurrency: 8, generations, signal });
 * for (const n of result.nodes) console.log(`${n.node}: ${n.message}`);
 * process.exitCode = result.converged ? 0 : 1;
 */
export async function runCluster(plan: Plan, machine: NodeMachine, options: ClusterOptions = {}): Promise<ClusterResult> {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a whole number ≥ 1, got ${concurrency}`);
  const membership = options.pools ?? poolsOf(plan);
  const limiter = new RollingLimiter(membership, options.rollingLimit ?? defaultRollingLimit);
  const { signal } = options;
  const results = new Map<string, NodeOutcome>();

  // Workers stage, transfer and unpack while the server converges; the rest waits until it has.
  let serverReady: (blocker: NodePlan | null) => void = () => undefined;
  const serverGate = new Promise<NodePlan | null>((resolve) => (serverReady = resolve));

  const runNode = (node: NodePlan): Promise<NodeOutcome> =>
    new Promise((resolve) => {
      const worker = !isServer(node);
      const actor = createActor(machine, {
        input: { plan: node, generation: options.generations?.[node.name] ?? null, gated: worker || (membership[node.name] ?? []).length > 0 },
        ...(options.clock === undefined ? {} : { clock: options.clock }),
      });
      let settled = false;
      const finish = (outcome: NodeOutcome) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener("abort", onAbort);
        limiter.release(node.name);
        resolve(outcome);
      };
      const onAbort = () => {
        const stage = currentStage(actor);
        const where = stage === null ? "" : stage === "unpack" ? " while unpacking into the store (nothing was switched)" : ` during ${stage}`;
        finish({ node: node.name, status: "cancelled", stage, message: `cancelled${where}` });
        actor.stop();
      };
      actor.on("*", (event) => options.onEvent?.(event));
      actor.on("slot.requested", () => {
        const request = () => limiter.request(node.name, () => actor.send({ type: "slot.granted" }));
        if (!worker) return request();
        void serverGate.then((blocker) => {
          if (blocker === null) return request();
          finish({ node: node.name, status: "skipped", message: `stopped before install: server node ${blocker.name} did not converge (uploads already made stay for the next run)` });
          actor.stop();
        });
      });
      actor.subscribe({
        complete: () => finish(actor.getSnapshot().output!),
        // Only a bug gets here (every stage error is handled by the machine).
        error: (error) => {
          const stage = currentStage(actor);
          const at: Stage = stage === null || stage === "waitingForSlot" || stage === "rollingBack" ? "verify" : stage === "unpack" ? "install" : stage;
          finish({ node: node.name, status: "failed", stage: at, error, attempts: 1, rollback: null, message: `failed at ${at}: ${error instanceof Error ? error.message : String(error)}` });
        },
      });
      signal?.addEventListener("abort", onAbort, { once: true });
      actor.start();
    });

  const runWave = (nodes: readonly NodePlan[]): Promise<void> =>
    new Promise((resolve) => {
      const queue = [...nodes];
      let running = 0;
      const pump = () => {
        while (running < concurrency && queue.length > 0) {
          const node = queue.shift()!;
          if (signal?.aborted) results.set(node.name, { node: node.name, status: "cancelled", stage: null, message: "cancelled before it started" });
          else if (node.status !== "planned") results.set(node.name, { node: node.name, status: "skipped", message: `not started: the node was not planned (${node.status}${node.errors.length > 0 ? `: ${node.errors.join("; ")}` : ""})` });
          else if (node.steps.length === 0) results.set(node.name, { node: node.name, status: "unchanged", message: "unchanged" });
          else {
            running++;
            void runNode(node).then((outcome) => {
              results.set(node.name, outcome);
              running--;
              pump();
            });
          }
        }
        if (running === 0 && queue.length === 0) resolve();
      };
      pump();
    });

  const servers = plan.nodes.filter(isServer);
  const workers = plan.nodes.filter((n) => !isServer(n));
  const serverWave = runWave(servers).then(() => serverReady(servers.find((s) => !succeeded(results.get(s.name))) ?? null));
  await Promise.all([serverWave, runWave(workers)]);
  const nodes = plan.nodes.map((n) => results.get(n.name)!);
  return { nodes, converged: nodes.every(succeeded) };
}
