/**
 * Converging the nodes: the apply pipeline without a terminal. Takes the cluster's locks, gathers,
 * plans (or checks a saved plan is still exactly right), asks the caller, then runs one node
 * machine per node in waves and reports everything as {@link RunEvent}s. It never prints, prompts
 * or touches the process: the caller passes who it is, how to ask and what to do with the events.
 */
import { ReconcileError } from "../errors.js";
import { LocalLock, RemoteLease, localLockPath } from "../executors/lock.js";
import type { FactSet, NodeState } from "../facts/types.js";
import { describeShortfall, diskShortfalls } from "../planner/disk.js";
import { describeBlocker, unsupportedSteps } from "../planner/plan.js";
import { UNSUPPORTED_STEPS } from "../executors/steps/script-for-step.js";
import { stalePlanReasons, type SavedPlan } from "../planner/saved.js";
import type { Plan } from "../planner/types.js";
import type { ResolvedCluster } from "../spec/resolved.js";
import type { Sensitive } from "../spec/secrets.js";
import { runCluster, type NodeOutcome } from "../state-machine/cluster-run.js";
import { createNodeMachine, type RetryPolicy } from "../state-machine/node-machine.js";
import type { RunEventHandler } from "./events.js";
import { createExecutors } from "./executors.js";
import { gather } from "./gather.js";
import { clusterWideRunner } from "./cluster-wide.js";
import { clusterWideInputsOf, planGathered } from "./plan.js";
import { clusterWideDigest } from "../planner/cluster-wide.js";
import type { Session } from "./session.js";

/** The lease on the server node lasts this long without renewal; renewed every third of it. */
export const LEASE_MS = 120_000;

/** Who holds the locks: written into the lease, shown to a second run that is refused. */
export interface LockHolder {
  /** `user@host` */
  name: string;
  host: string;
  pid: number;
}

export interface ConvergeOptions {
  secrets: ReadonlyMap<string, Sensitive>;
  holder: LockHolder;
  /**
   * A plan saved by `reconcile plan --out`, applied exactly: refused (StalePlanError) when the spec
   * or any fact it rests on changed. `name` (its file) is for messages. Without it, a fresh plan is made.
   */
  saved?: { plan: SavedPlan; name: string };
  /** Plan deleting what the spec no longer declares (fresh plans only). */
  prune: boolean;
  /** Worker nodes converged at once. */
  concurrency: number;
  /** Seconds a unit must stay active during verify. */
  settleSeconds: number;
  /**
   * Gather with the store's content re-hashed (GatherOptions.deep): a corrupt folder is unpacked
   * again. A saved plan made with `--deep` needs it too (else its store facts moved: stale).
   */
  deep?: boolean;
  /**
   * Asked with a fresh plan that is applyable and has changes, after `plan.made`; false stops the
   * run before anything changes. Absent: the plan is applied without asking. A saved plan was
   * reviewed when it was made and is not asked about.
   */
  confirm?: (plan: Plan) => Promise<boolean>;
  onEvent?: RunEventHandler;
  /** Also stops this run (the session's signal always does). */
  signal?: AbortSignal;
  /** Default DEFAULT_RETRY (five tries, 1, 2, 4, 8 s apart). */
  retry?: Partial<RetryPolicy>;
  /**
   * The git commit cluster.yaml came from (`watch --git`): recorded in each converged node's
   * state.json beside the spec digest, so `reconcile status` can say which commit is live.
   */
  revision?: string;
}

export type ConvergeResult =
  /** The fresh plan has nothing to change: nothing was run. */
  | { status: "unchanged"; plan: Plan }
  /** `confirm` said no: nothing was run. */
  | { status: "declined"; plan: Plan }
  /** The node machines ran; `converged` when every node converged or was unchanged. */
  | { status: "ran"; plan: Plan; converged: boolean; nodes: NodeOutcome[] };

/** A saved plan that no longer fits the spec or the nodes; `reasons` says what moved, one line each. */
export class StalePlanError extends ReconcileError {
  constructor(
    name: string,
    readonly reasons: readonly string[],
  ) {
    super(`the saved plan ${name} is stale: ${reasons.length} ${reasons.length === 1 ? "thing" : "things"} changed since it was made`, {
      hint: "make a new plan with `reconcile plan --out FILE` and review it",
    });
  }
}

/**
 * Nodes whose disks cannot hold what the plan sends and unpacks there, by the facts gathered just
 * now (also for a saved plan: free space is not part of its fingerprint): node → why.
 */
export function diskRefusals(plan: Plan, facts: FactSet): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of plan.nodes) {
    const r = facts[n.name];
    // A plan saved before plans recorded their needs has none to check.
    const needs = Array.isArray(n.disk) ? n.disk : [];
    if (r?.reachable !== true || !r.facts.disk.ok || needs.length === 0) continue;
    const short = diskShortfalls(needs, r.facts.disk.value);
    if (short.length > 0) out.set(n.name, short.map(describeShortfall).join("; "));
  }
  return out;
}

/**
 * One apply: the local lock, then the lease on the server node (renewed while the run goes; lost,
 * it stops the run), every node's handshake started meanwhile; then gather, plan (or check the
 * saved plan), `confirm`, and the node machines in the plan's order (its waves and rolling
 * groups, transient failures retried). Locks are released at the end whatever happens; a lease
 * that cannot be released is a `lock.notReleased` warning, not a failure.
 *
 * Rejects with a ReconcileError when the run could not start (locked, stale plan, nodes that could
 * not be planned) or was stopped (interrupted, lease lost; the outcomes are reported first).
 *
 * @example
 * const result = await converge(session, cluster, {
 *   secrets: secrets.values, holder, prune: false, concurrency: 4, settleSeconds: 3,
 *   confirm: async (plan) => (await ask("Apply these changes? ")) === "yes",
 *   onEvent: (e) => view.show(e),
 * });
 */
export async function converge(session: Session, cluster: ResolvedCluster, options: ConvergeOptions): Promise<ConvergeResult> {
  const emit: RunEventHandler = (e) => options.onEvent?.(e);
  const log = session.log;
  const signal = options.signal === undefined ? session.signal : AbortSignal.any([session.signal, options.signal]);
  const server = cluster.nodes.find((n) => n.server);
  if (server === undefined) throw new ReconcileError("the spec names no server node");
  const localLock = await LocalLock.acquire(localLockPath(cluster, session.cache.dir), options.holder.pid);
  try {
    const connections = session.connections;
    // Every node's handshake runs while the lease is taken on the server.
    connections.warm(cluster.nodes.map((n) => n.name));
    let lease: RemoteLease | undefined;
    try {
      // The lease comes first: nobody else may change the nodes between our facts and our steps.
      const taken = await RemoteLease.acquire(() => connections.ensure(server.name), { holder: options.holder.name, host: options.holder.host, pid: options.holder.pid, ttlMs: LEASE_MS }, signal);
      lease = taken.lease;
      const previous = taken.tookOver;
      if (previous !== null) emit({ type: "warning", code: "lock.takenOver", previous, message: `took over the expired lock of ${previous.holder} (pid ${previous.pid}, lease ended ${previous.expiresAt})` });
      let lost: unknown;
      // A lease lost (taken by another run, or run out while the server was away) stops the run:
      // someone else may be changing the nodes now.
      const stopOnLoss = new AbortController();
      const runSignal = AbortSignal.any([signal, stopOnLoss.signal]);
      lease.keepAlive(LEASE_MS / 3, (error) => {
        lost ??= error;
        stopOnLoss.abort(error);
      });

      const gathered = await gather(session, cluster, { signal, secrets: options.secrets, ...(options.deep === true ? { deep: true } : {}) });
      let plan: Plan;
      if (options.saved !== undefined) {
        const reasons = stalePlanReasons(options.saved.plan, cluster.specDigest, gathered.facts, clusterWideDigest(clusterWideInputsOf(cluster, gathered)));
        if (reasons.length > 0) {
          emit({ type: "plan.stale", reasons });
          throw new StalePlanError(options.saved.name, reasons);
        }
        plan = options.saved.plan;
        // Made by another build, it may hold steps this one cannot carry out: refused before any.
        const cannot = unsupportedSteps(plan.nodes.flatMap((n) => n.steps), UNSUPPORTED_STEPS);
        if (cannot.length > 0) throw new ReconcileError(`nothing was applied: ${cannot.map(describeBlocker).join("; ")}`, { hint: "make a new plan with `reconcile plan --out FILE` and review it" });
      } else {
        plan = planGathered(cluster, gathered, options.secrets, { prune: options.prune, ownLease: { host: options.holder.host, pid: options.holder.pid } });
        emit({ type: "plan.made", plan });
        if (!plan.applyable) {
          throw new ReconcileError(plan.errored ? "nothing was applied: some nodes could not be planned (see above)" : `nothing was applied: ${plan.blockers.map(describeBlocker).join("; ")}`);
        }
        if (!plan.hasChanges) return { status: "unchanged", plan };
        if (options.confirm !== undefined && !(await options.confirm(plan))) return { status: "declined", plan };
      }

      const states = new Map<string, NodeState | null>();
      for (const [name, r] of Object.entries(gathered.facts)) states.set(name, r.reachable && r.facts.state.ok ? r.facts.state.value : null);
      const generations = Object.fromEntries(cluster.nodes.map((n) => [n.name, states.get(n.name)?.generation ?? 0]));
      const executors = createExecutors({
        cluster,
        plan,
        connections,
        stager: session.cache,
        states,
        secrets: options.secrets,
        settleSeconds: options.settleSeconds,
        refusals: diskRefusals(plan, gathered.facts),
        ...(options.revision === undefined ? {} : { revision: options.revision }),
        log,
        onEvent: emit,
      });
      const started = performance.now();
      const result = await runCluster(plan, createNodeMachine(executors, options.retry === undefined ? {} : { retry: options.retry }), {
        concurrency: options.concurrency,
        generations,
        signal: runSignal,
        onEvent: (e) => {
          if (e.type === "stage.started" || e.type === "retry.scheduled") emit(e);
        },
        clusterWide: clusterWideRunner(session, cluster, { secrets: options.secrets, version: plan.clusterWide.version, onEvent: emit }),
      });
      const durationMs = Math.round(performance.now() - started);
      log.info({ event: "apply", converged: result.converged, durationMs, nodes: result.nodes.map((n) => ({ node: n.node, status: n.status })) }, "applied");
      emit({ type: "run.finished", converged: result.converged, durationMs });
      for (const outcome of result.nodes) emit({ type: "node.outcome", outcome });
      if (plan.clusterWide.steps.length > 0) emit({ type: "cluster-wide.outcome", outcome: result.clusterWide });
      if (lost !== undefined) throw lost;
      return { status: "ran", plan, converged: result.converged, nodes: result.nodes };
    } finally {
      await lease?.release().catch((error: unknown) => {
        log.warn({ event: "unlock", error: String(error) }, "could not release the lock");
        const why = error instanceof Error ? error.message : String(error);
        emit({ type: "warning", code: "lock.notReleased", error, message: `the apply lock was not released (${why}); it runs out by itself within ${LEASE_MS / 60_000} minutes, or \`reconcile unlock\` removes it` });
      });
    }
  } finally {
    await localLock.release();
  }
}
