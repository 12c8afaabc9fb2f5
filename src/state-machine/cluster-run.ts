/**
 * The cluster run: the plan's waves, concurrency and rolling limit, over one node machine per node.
 *
 * This is a small orchestrator, not an XState machine, on purpose. The per-node policy (order,
 * retries, rollback) lives in the node machine; what is left here is counting: at most
 * `concurrency` nodes of a wave at once, at most a rolling group's `limit` of its nodes past
 * their gate at once. As a machine that would be a context of queues and counters plus
 * spawn/stop bookkeeping, harder to read than the plain scheduler below. It does no I/O: it
 * creates node actors, listens to them and sends them events.
 *
 * It decides nothing by role: the order is the plan's (`Plan.order`, see planner/order.ts).
 * 1. Waves: every wave starts at once. Each node stages, transfers and unpacks into its store (that
 *    changes nothing it runs), then stops at its gate (`slot.requested`, before the rest of
 *    install) until every node it waits for has converged or had nothing to change: the nodes of
 *    earlier waves, and the nodes of steps its own steps depend on (`dependsOn`). When one of
 *    them did not, the node ends there and is reported "skipped". A failed node of the same wave
 *    does not stop the others; every node is reported.
 * 2. At most `concurrency` nodes of a wave run at once.
 * 3. Rolling limit: past its gate a node also takes room in every rolling group (work pool) it
 *    belongs to, or waits for it, and holds that room until it ends (converged, failed or rolled
 *    back), so install, configure, verify and rollback all count.
 *
 * Nodes whose plan has no steps are reported "unchanged" without running; nodes the planner could
 * not plan (unreachable, errored) are reported "skipped".
 */
import { createActor, type Actor } from "xstate";
import { clampRollingLimit, prerequisites, rollingPoolsOf, waveOf } from "../planner/order.js";
import type { ApiStep, NodePlan, Plan, PlanOrder, Stage } from "../planner/types.js";
import type { ApiWrite } from "../executors/prefect-objects.js";
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

/**
 * How the cluster-wide wave (the Prefect objects, written through the API) ended: `writes` are the
 * requests that succeeded, in order, also when a later one failed (the plan says which happened).
 */
export type ClusterWideOutcome =
  | { status: "unchanged"; writes: []; message: string }
  | { status: "converged"; writes: ApiWrite[]; message: string }
  | { status: "failed"; writes: ApiWrite[]; address: string | null; error: unknown; message: string }
  | { status: "skipped" | "cancelled"; writes: ApiWrite[]; message: string };

/** Carries out the plan's cluster-wide steps in order (run/executors.ts makes the real one). */
export type ClusterWideRunner = (steps: readonly ApiStep[], signal: AbortSignal) => Promise<ClusterWideOutcome>;

export interface ClusterResult {
  /** One outcome per node, in plan order. */
  nodes: NodeOutcome[];
  clusterWide: ClusterWideOutcome;
  /** Every node converged or was unchanged, and so did the cluster-wide wave. */
  converged: boolean;
}

export interface ClusterOptions {
  /** Nodes of one wave running at once. Default {@link DEFAULT_CONCURRENCY}. */
  concurrency?: number;
  /** Node → the generation it runs now (from its state fact), which a rollback returns to; null when unknown. */
  generations?: Readonly<Record<string, number | null>>;
  /** Aborting stops every running node machine (which aborts its running stage) and starts no more. */
  signal?: AbortSignal;
  /** Passed to every node actor (tests pass a SimulatedClock). */
  clock?: { setTimeout(fn: (...args: unknown[]) => void, timeout: number): unknown; clearTimeout(id: unknown): void };
  /** Every event a node machine emits (progress for the CLI). */
  onEvent?: (event: NodeMachineEmitted) => void;
  /** Runs the cluster-wide steps; a plan with some and no runner is refused. */
  clusterWide?: ClusterWideRunner;
}

export const DEFAULT_CONCURRENCY = 4;

/** Room per work pool: a node takes room in all its pools at once, or waits. */
class RollingLimiter {
  private readonly limits = new Map<string, number>();
  private readonly busy = new Map<string, number>();
  private readonly holders = new Set<string>();
  private waiting: { node: string; grant: () => void }[] = [];

  constructor(private readonly order: PlanOrder) {
    // Clamped again: a saved plan is a file somebody may have edited.
    for (const g of order.rolling) this.limits.set(g.pool, clampRollingLimit(g.limit, g.nodes.length));
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
    return rollingPoolsOf(this.order, node);
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

const succeeded = (o: NodeOutcome | undefined) => o !== undefined && (o.status === "converged" || o.status === "unchanged");

/**
 * Runs a plan in the plan's order, each node through `machine` (see the module comment).
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
  const apiSteps = plan.clusterWide.steps;
  const runClusterWide = options.clusterWide;
  if (apiSteps.length > 0 && runClusterWide === undefined) throw new RangeError("this cluster run cannot carry out cluster-wide steps");
  const limiter = new RollingLimiter(plan.order);
  const { signal } = options;
  const results = new Map<string, NodeOutcome>();
  // Each node's outcome, for the nodes that wait for it at their gate.
  const outcomes = new Map(
    plan.nodes.map((n) => {
      let resolve: (o: NodeOutcome) => void = () => undefined;
      const promise = new Promise<NodeOutcome>((r) => (resolve = r));
      return [n.name, { promise, resolve: (o: NodeOutcome) => resolve(o) }] as const;
    }),
  );
  const settle = (node: string, outcome: NodeOutcome) => {
    results.set(node, outcome);
    outcomes.get(node)?.resolve(outcome);
  };
  const serverNodes = new Set(plan.order.waves.flatMap((w) => (w.name === "server" ? w.nodes : [])));

  // The cluster-wide wave: once every server node converged, before any other node passes its gate.
  const clusterWideDone: Promise<ClusterWideOutcome> =
    apiSteps.length === 0 || runClusterWide === undefined
      ? Promise.resolve({ status: "unchanged", writes: [], message: "no Prefect object to change" })
      : Promise.all([...serverNodes].map((n) => outcomes.get(n)?.promise)).then(async (ended) => {
          const failed = [...serverNodes].find((_, i) => !succeeded(ended[i]));
          if (failed !== undefined) return { status: "skipped", writes: [], message: `not started: server node ${failed} did not converge` } as const;
          if (signal?.aborted) return { status: "cancelled", writes: [], message: "cancelled before it started" } as const;
          return runClusterWide(apiSteps, signal ?? new AbortController().signal).catch(
            (error: unknown): ClusterWideOutcome => ({ status: "failed", writes: [], address: null, error, message: `failed: ${error instanceof Error ? error.message : String(error)}` }),
          );
        });
  const waitsForClusterWide = (node: string) => apiSteps.length > 0 && !serverNodes.has(node);

  /** Resolves with why `node` may not pass its gate (a node it waits for did not converge), or null. */
  const gate = async (node: string): Promise<string | null> => {
    const waitsFor = prerequisites(plan, node);
    const who = (n: string) => `${serverNodes.has(n) ? "server " : ""}node ${n}`;
    // A node it waits for that does not run before it would never end first (a hand-edited plan:
    // saved plans are checked for this): it stops here instead of waiting forever.
    const late = waitsFor.find((n) => waveOf(plan.order, n) >= waveOf(plan.order, node));
    if (late !== undefined) return `the plan makes it wait for ${who(late)}, which does not run before it`;
    const ended = await Promise.all(waitsFor.map((n) => outcomes.get(n)?.promise));
    const failed = waitsFor.find((_, i) => !succeeded(ended[i]));
    if (failed !== undefined) return `${who(failed)} did not converge`;
    if (!waitsForClusterWide(node)) return null;
    const wide = await clusterWideDone;
    return wide.status === "converged" || wide.status === "unchanged" ? null : "the Prefect objects were not all written";
  };

  const runNode = (node: NodePlan): Promise<NodeOutcome> =>
    new Promise((resolve) => {
      const waits = prerequisites(plan, node.name).length > 0 || waitsForClusterWide(node.name);
      const actor = createActor(machine, {
        input: { plan: node, generation: options.generations?.[node.name] ?? null, gated: waits || rollingPoolsOf(plan.order, node.name).length > 0 },
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
        void gate(node.name).then((blocker) => {
          // Stopped meanwhile (an abort): it takes no room it would never give back.
          if (settled) return;
          if (blocker === null) return limiter.request(node.name, () => !settled && actor.send({ type: "slot.granted" }));
          finish({ node: node.name, status: "skipped", message: `stopped before install: ${blocker} (uploads already made stay for the next run)` });
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
          if (signal?.aborted) settle(node.name, { node: node.name, status: "cancelled", stage: null, message: "cancelled before it started" });
          else if (node.status !== "planned") settle(node.name, { node: node.name, status: "skipped", message: `not started: the node was not planned (${node.status}${node.errors.length > 0 ? `: ${node.errors.join("; ")}` : ""})` });
          else if (node.steps.length === 0) settle(node.name, { node: node.name, status: "unchanged", message: "unchanged" });
          else {
            running++;
            void runNode(node).then((outcome) => {
              settle(node.name, outcome);
              running--;
              pump();
            });
          }
        }
        if (running === 0 && queue.length === 0) resolve();
      };
      pump();
    });

  const byName = new Map(plan.nodes.map((n) => [n.name, n]));
  // Every wave starts at once: the gates above keep the order.
  await Promise.all(plan.order.waves.map((w) => (w.name === "cluster-wide" ? Promise.resolve() : runWave(w.nodes.flatMap((n) => byName.get(n) ?? [])))));
  const nodes = plan.nodes.map((n) => results.get(n.name) ?? { node: n.name, status: "skipped" as const, message: "not started: the plan's order has no wave for it" });
  const clusterWide = await clusterWideDone;
  return { nodes, clusterWide, converged: nodes.every(succeeded) && (clusterWide.status === "converged" || clusterWide.status === "unchanged") };
}
