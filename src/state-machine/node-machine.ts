/**
 * One node's run: `idle → stage → transfer → install → configure → verify → record → converged`, with
 * `rollingBack` and `failed`. Install runs in two parts around the rolling gate: `unpack` (artifacts
 * extracted into the content-addressed store, which changes nothing the node runs) and `install`
 * (packages and link switches). The machine knows only the order and the failure policy; each stage
 * is an invoked actor named in `setup()` (see actors.ts), so it never does I/O itself.
 *
 * Policy:
 * - A stage without steps is skipped by a guard.
 * - A transient error ({@link isTransient}) is retried after `base, 2·base, 4·base…` (the `after`
 *   delay `retryDelay`), up to `attempts` tries of that stage; any other error ends the stage at once.
 * - A failure in stage or transfer ends in `failed`: nothing the node runs has changed.
 * - A failure in install, configure or verify goes to `rollingBack` once install or configure has
 *   started (something may have been switched) and the node has an earlier generation to return to;
 *   otherwise it ends in `failed`.
 * - A failure while unpacking ends in `failed` too: a store folder without `.complete` is never used.
 * - With `gated`, the machine waits in `waitingForSlot` (emitting `slot.requested`) until it gets
 *   `slot.granted` after unpacking and before the rest of install: the cluster's rolling limit per
 *   work pool, and the wait for the server. So a worker unpacks its environments while the server
 *   converges, and only the switch waits.
 * - Once verify passed, `record` writes the node's state (generation and managed resources) with the
 *   executors' `record`; it is retried like a stage, and its failure is reported as verify's.
 * - Stopping the actor stops the invoked stage actor, which aborts its signal.
 */
import { assign, emit, setup } from "xstate";
import type { NodePlan, Stage, Step } from "../planner/types.js";
import { actorsFrom, isTransient, missingActors, type Executors, type RollbackInput, type RollbackReport, type StageInput } from "./actors.js";

/** How transient errors are retried. */
export interface RetryPolicy {
  /** Tries of one stage in all, the first included (1 = never retry). Default 5. */
  attempts: number;
  /** Wait before the first retry; each further retry waits twice as long. Default 1000 ms. */
  baseDelayMs: number;
}

/**
 * Five tries, 1 + 2 + 4 + 8 = 15 s of waits between them: a node that reboots (back within about
 * 15 s) or a link that drops for a few seconds is reconnected in the same run; a node gone for good
 * fails within the waits plus four connect timeouts (README "Faults and bounds").
 */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 1000 };

/** The wait before retry number `retry` (1-based): base, 2·base, 4·base… */
export function retryDelayMs(policy: RetryPolicy, retry: number): number {
  return policy.baseDelayMs * 2 ** (retry - 1);
}

export interface NodeMachineInput {
  plan: NodePlan;
  /** The generation the node runs now, which a rollback returns it to; null when never applied. */
  generation: number | null;
  /** Wait for `slot.granted` before install (the cluster's rolling limit). Default false. */
  gated?: boolean;
}

export type NodeMachineEvent = { type: "slot.granted" };

/** Progress, for the CLI (`actor.on(type, handler)`); the cluster listens for `slot.requested`. */
export type NodeMachineEmitted =
  | { type: "stage.started"; node: string; stage: Stage; /** `unpack` for the part of install before the gate. */ phase: Phase; attempt: number }
  | { type: "retry.scheduled"; node: string; stage: Stage | "rollback"; retry: number; delayMs: number; error: unknown }
  | { type: "slot.requested"; node: string };

/** How one node's run ended. `message` is for people; route on `status`. */
export type NodeResult =
  | { node: string; status: "converged"; /** Stages that had steps, in order. */ stages: Stage[]; message: string }
  | {
      node: string;
      status: "failed";
      stage: Stage;
      error: unknown;
      /** Tries of the failed stage. */
      attempts: number;
      /** The rollback that was tried and failed too, or null when none was tried. */
      rollback: { generation: number; error: unknown } | null;
      message: string;
    }
  | {
      node: string;
      status: "rolledBack";
      stage: Stage;
      error: unknown;
      attempts: number;
      generation: number;
      /** What the rollback did besides links, files and units (`database prefect restored from …`); also in `message`. */
      restored: string[];
      message: string;
    };

/**
 * The parts a node's run goes through: the stages, with install split around the rolling gate.
 * Each part runs the actor of its stage.
 */
export type Phase = "stage" | "transfer" | "unpack" | "install" | "configure" | "verify";
const STAGE_OF: Record<Phase, Stage> = { stage: "stage", transfer: "transfer", unpack: "install", install: "install", configure: "configure", verify: "verify" };

/**
 * An install step that only extracts an uploaded artifact into `store/<sha256>`: nothing reads a
 * store folder until a link points at it (or a package step installs from it), and a half-done one
 * has no `.complete`, so it runs before the rolling gate. Not so for a folder a link points into
 * already (`live`): that one waits for the gate like the switch.
 */
function onlyUnpacks(step: Step): boolean {
  return step.stage === "install" && step.detail.kind === "artifact" && step.detail.live !== true;
}

interface NodeContext {
  node: string;
  steps: Record<Phase, readonly Step[]>;
  generation: number | null;
  gated: boolean;
  /** Failed tries of the current stage (or rollback) so far. */
  failures: number;
  /** The wait before the retry that is scheduled. */
  delayMs: number;
  /** Install or configure started: the node may run something new. */
  switched: boolean;
  ran: Stage[];
  failure: { stage: Stage; error: unknown; attempts: number } | null;
  rollbackError: unknown;
  /** The notes of the rollback that succeeded. */
  restored: string[];
}

function groupByPhase(steps: readonly Step[]): Record<Phase, Step[]> {
  const out: Record<Phase, Step[]> = { stage: [], transfer: [], unpack: [], install: [], configure: [], verify: [] };
  for (const step of steps) out[onlyUnpacks(step) ? "unpack" : step.stage].push(step);
  return out;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface NodeMachineOptions {
  /** Default {@link DEFAULT_RETRY}; missing fields take the default. */
  retry?: Partial<RetryPolicy>;
}

/**
 * Builds the node machine for a retry policy, with stand-in actors that fail: give it real ones
 * with {@link createNodeMachine} or `.provide({ actors })`.
 *
 * @example
 * const machine = defineNodeMachine({ retry: { attempts: 2 } }).provide({ actors: fakeActors });
 */
export function defineNodeMachine(options: NodeMachineOptions = {}) {
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1) throw new RangeError(`retry attempts must be a whole number ≥ 1, got ${policy.attempts}`);
  if (!(policy.baseDelayMs >= 0)) throw new RangeError(`retry base delay must be ≥ 0 ms, got ${policy.baseDelayMs}`);

  const machineSetup = setup({
    types: {
      context: {} as NodeContext,
      input: {} as NodeMachineInput,
      events: {} as NodeMachineEvent,
      emitted: {} as NodeMachineEmitted,
      output: {} as NodeResult,
    },
    actors: missingActors(),
    guards: {
      hasSteps: ({ context }, params: { phase: Phase }) => context.steps[params.phase].length > 0,
      needsSlot: ({ context }) => context.gated && (["install", "configure", "verify"] as const).some((s) => context.steps[s].length > 0),
      canRetry: ({ context, event }) => isTransient((event as { error?: unknown }).error) && context.failures + 1 < policy.attempts,
      // stage, transfer and unpack change nothing the node runs; install and configure may have switched it.
      canRollBack: ({ context }, params: { phase: Phase }) => params.phase !== "stage" && params.phase !== "transfer" && params.phase !== "unpack" && context.switched && context.generation !== null,
    },
    actions: {
      countFailure: assign(({ context }) => ({ failures: context.failures + 1, delayMs: retryDelayMs(policy, context.failures + 1) })),
      resetFailures: assign({ failures: 0 }),
      started: assign(({ context }, params: { phase: Phase }) => {
        const stage = STAGE_OF[params.phase];
        return {
          ran: context.ran.includes(stage) ? context.ran : [...context.ran, stage],
          switched: context.switched || params.phase === "install" || params.phase === "configure",
        };
      }),
      announce: emit(({ context }, params: { phase: Phase }) => ({ type: "stage.started" as const, node: context.node, stage: STAGE_OF[params.phase], phase: params.phase, attempt: context.failures + 1 })),
      announceRetry: emit(({ context, event }, params: { stage: Stage | "rollback" }) => ({
        type: "retry.scheduled" as const,
        node: context.node,
        stage: params.stage,
        retry: context.failures,
        delayMs: context.delayMs,
        error: (event as { error?: unknown }).error,
      })),
      recordFailure: assign(({ context, event }, params: { phase: Phase }) => ({
        failure: { stage: STAGE_OF[params.phase], error: (event as { error?: unknown }).error, attempts: context.failures + 1 },
      })),
      recordRollbackError: assign(({ event }) => ({ rollbackError: (event as { error?: unknown }).error })),
      recordRollback: assign(({ event }) => ({ restored: (event as { output?: RollbackReport }).output?.notes ?? [] })),
      requestSlot: emit(({ context }) => ({ type: "slot.requested" as const, node: context.node })),
    },
    delays: {
      retryDelay: ({ context }) => context.delayMs,
    },
  });

  /**
   * A phase: `check` skips it when it has no steps, `running` invokes its stage's actor, `backoff`
   * waits before the next try of a transient failure. A final failure goes to `rollingBack` when
   * allowed (canRollBack), else to `failed`.
   */
  const phaseState = (phase: Phase, next: string) =>
    machineSetup.createStateConfig({
      initial: "check",
      states: {
        check: {
          entry: "resetFailures",
          always: [{ guard: { type: "hasSteps", params: { phase } }, target: "running" }, { target: `#node.${next}` }],
        },
        running: {
          entry: [
            { type: "started", params: { phase } },
            { type: "announce", params: { phase } },
          ],
          invoke: {
            src: STAGE_OF[phase],
            input: ({ context }): StageInput => ({ node: context.node, steps: context.steps[phase] }),
            onDone: { target: `#node.${next}` },
            onError: [
              { guard: "canRetry", target: "backoff", actions: ["countFailure", { type: "announceRetry", params: { stage: STAGE_OF[phase] } }] },
              { guard: { type: "canRollBack", params: { phase } }, target: "#node.rollingBack", actions: { type: "recordFailure", params: { phase } } },
              { target: "#node.failed", actions: { type: "recordFailure", params: { phase } } },
            ],
          },
        },
        backoff: { after: { retryDelay: { target: "running" } } },
      },
    });

  return machineSetup.createMachine({
    id: "node",
    context: ({ input }) => ({
      node: input.plan.name,
      steps: groupByPhase(input.plan.steps),
      generation: input.generation,
      gated: input.gated ?? false,
      failures: 0,
      delayMs: 0,
      switched: false,
      ran: [],
      failure: null,
      rollbackError: null,
      restored: [],
    }),
    initial: "idle",
    states: {
      idle: { always: { target: "stage" } },
      stage: phaseState("stage", "transfer"),
      transfer: phaseState("transfer", "unpack"),
      unpack: phaseState("unpack", "slot"),
      slot: { always: [{ guard: "needsSlot", target: "waitingForSlot" }, { target: "install" }] },
      waitingForSlot: {
        entry: "requestSlot",
        on: { "slot.granted": { target: "install" } },
      },
      install: phaseState("install", "configure"),
      configure: phaseState("configure", "verify"),
      verify: phaseState("verify", "record"),
      // The node's state file (generation, managed resources), once verify passed: its own actor,
      // retried alone; a failure counts as verify's (the node is rolled back as when verify fails).
      record: {
        initial: "check",
        states: {
          check: {
            entry: "resetFailures",
            always: [{ guard: { type: "hasSteps", params: { phase: "verify" } }, target: "running" }, { target: "#node.converged" }],
          },
          running: {
            invoke: {
              src: "record",
              input: ({ context }): StageInput => ({ node: context.node, steps: context.steps.verify }),
              onDone: { target: "#node.converged" },
              onError: [
                { guard: "canRetry", target: "backoff", actions: ["countFailure", { type: "announceRetry", params: { stage: "verify" } }] },
                { guard: { type: "canRollBack", params: { phase: "verify" } }, target: "#node.rollingBack", actions: { type: "recordFailure", params: { phase: "verify" } } },
                { target: "#node.failed", actions: { type: "recordFailure", params: { phase: "verify" } } },
              ],
            },
          },
          backoff: { after: { retryDelay: { target: "running" } } },
        },
      },
      rollingBack: {
        initial: "running",
        entry: "resetFailures",
        states: {
          running: {
            invoke: {
              src: "rollback",
              input: ({ context }): RollbackInput => ({ node: context.node, generation: context.generation ?? 0 }),
              onDone: { target: "#node.rolledBack", actions: "recordRollback" },
              onError: [
                { guard: "canRetry", target: "backoff", actions: ["countFailure", { type: "announceRetry", params: { stage: "rollback" } }] },
                { target: "#node.failed", actions: "recordRollbackError" },
              ],
            },
          },
          backoff: { after: { retryDelay: { target: "running" } } },
        },
      },
      converged: {
        type: "final",
        output: ({ context }): NodeResult => ({ node: context.node, status: "converged", stages: context.ran, message: context.ran.length === 0 ? "converged (nothing to do)" : "converged" }),
      },
      rolledBack: {
        type: "final",
        output: ({ context }): NodeResult => {
          const f = context.failure!;
          const generation = context.generation!;
          return {
            node: context.node,
            status: "rolledBack",
            stage: f.stage,
            error: f.error,
            attempts: f.attempts,
            generation,
            restored: context.restored,
            // `rolled back to generation 3 (database prefect restored from /var/backups/…) after verify failed: …`
            message: `rolled back to generation ${generation}${context.restored.length === 0 ? "" : ` (${context.restored.join("; ")})`} after ${f.stage} failed${tries(f.attempts)}: ${describe(f.error)}`,
          };
        },
      },
      failed: {
        type: "final",
        output: ({ context }): NodeResult => {
          const f = context.failure!;
          const rolledBack = context.rollbackError !== null;
          const rollback = rolledBack ? { generation: context.generation!, error: context.rollbackError } : null;
          const why = rolledBack
            ? `; rolling back to generation ${context.generation} failed too: ${describe(context.rollbackError)}`
            : context.switched && context.generation === null
              ? " (no earlier generation to roll back to)"
              : "";
          return { node: context.node, status: "failed", stage: f.stage, error: f.error, attempts: f.attempts, rollback, message: `failed at ${f.stage}${tries(f.attempts)}: ${describe(f.error)}${why}` };
        },
      },
    },
    output: ({ event }) => event.output as NodeResult,
  });
}

function tries(attempts: number): string {
  return attempts > 1 ? ` after ${attempts} attempts` : "";
}

/**
 * The node machine with the default retry policy and stand-in actors that fail: give it real ones
 * with {@link createNodeMachine} or `nodeMachine.provide({ actors })`.
 *
 * @example
 * const machine = nodeMachine.provide({ actors: actorsFrom(executors) });
 * const result = await toPromise(createActor(machine, { input: { plan: nodePlan, generation: 3 } }).start());
 * if (result.status !== "converged") console.error(result.message);
 */
export const nodeMachine = defineNodeMachine();

export type NodeMachine = typeof nodeMachine;

/**
 * The node machine wired to executors, with its retry policy.
 *
 * @example
 * const machine = createNodeMachine(executors, { retry: { attempts: 3, baseDelayMs: 2000 } });
 * const actor = createActor(machine, { input: { plan: nodePlan, generation: 7 } });
 * actor.on("retry.scheduled", (e) => log.warn(e, "retrying"));
 * const result = await toPromise(actor.start());
 */
export function createNodeMachine(executors: Executors, options: NodeMachineOptions = {}): NodeMachine {
  return defineNodeMachine(options).provide({ actors: actorsFrom(executors) });
}
