/**
 * The seam between the machines and the executors: an {@link Executors} object (what the CLI builds
 * from real transports, or what a test fakes) becomes the named `fromPromise` actors of the node
 * machine. The machines never do I/O; everything they run goes through here, with the actor's
 * AbortSignal, so stopping a machine cancels the remote command it was waiting on.
 */
import { fromPromise } from "xstate";
import { ConnectError, RemoteCommandError } from "../errors.js";
import type { RollbackReport } from "../executors/steps/runner.js";
import type { Stage, Step } from "../planner/types.js";

export type { RollbackReport };

/**
 * How each stage is carried out on one node. Every method gets only that stage's steps (in plan
 * order) and must honour `signal`: when it fires, stop the remote command and reject. A method that
 * resolves means every step of the stage is done; a rejection is routed by error class
 * ({@link isTransient}), never by message.
 *
 * @example
 * const executors: Executors = {
 *   stage: (node, steps, signal) => stageArtifacts(node, steps, signal),
 *   transfer: (node, steps, signal) => upload(transports.get(node)!, steps, signal),
 *   install: (node, steps, signal) => runSteps(transports.get(node)!, steps, signal),
 *   configure: (node, steps, signal) => runSteps(transports.get(node)!, steps, signal),
 *   verify: (node, steps, signal) => verifyNode(transports.get(node)!, steps, signal),
 *   record: (node, signal) => writeState(transports.get(node)!, stateOf(node), { signal }),
 *   rollback: (node, signal) => switchBack(transports.get(node)!, signal),
 * };
 * const machine = createNodeMachine(executors, { retry: { attempts: 3 } });
 */
export interface Executors {
  /** Local work for the node (bundles, digests); nothing on the node changes. */
  stage(node: string, steps: readonly Step[], signal: AbortSignal): Promise<void>;
  /** Uploads into the node's store; nothing the node runs changes yet. */
  transfer(node: string, steps: readonly Step[], signal: AbortSignal): Promise<void>;
  /** Unpacks, installs packages, switches links: from here on the node runs something new. */
  install(node: string, steps: readonly Step[], signal: AbortSignal): Promise<void>;
  /** Files, users, databases, services. */
  configure(node: string, steps: readonly Step[], signal: AbortSignal): Promise<void>;
  /** Proves the node works (services active, health through the proxy, workers online). */
  verify(node: string, steps: readonly Step[], signal: AbortSignal): Promise<void>;
  /**
   * Records the node's state (its new generation and the resources it manages) once verify passed,
   * and drops the undo journals it no longer needs. Optional: executors without it record nothing
   * (fakes in tests).
   */
  record?(node: string, signal: AbortSignal): Promise<void>;
  /**
   * Switches the node back to its previous generation (links, units, a database restored from its
   * backup) and restarts what changed; may say what it did besides links, files and units.
   */
  rollback(node: string, signal: AbortSignal): Promise<RollbackReport | void>;
}


/** What a stage actor receives as `input`. */
export interface StageInput {
  node: string;
  steps: readonly Step[];
}

/** What the rollback actor receives as `input`: the generation it returns the node to. */
export interface RollbackInput {
  node: string;
  generation: number;
}

/**
 * Errors worth another try: the connection dropped, timed out, was refused or the node was briefly
 * unreachable (it may be rebooting), or an upload stalled (the next try resumes it). Everything
 * else (authentication, host keys, a command that exited non-zero or ran out its whole
 * `commandTimeout`, a cancelled command, a full disk, bugs) fails at once.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof ConnectError) return error.category === "closed" || error.category === "timeout" || error.category === "refused" || error.category === "unreachable";
  if (error instanceof RemoteCommandError) return error.reason === "stalled";
  return false;
}

/**
 * The node machine's actors built from executors, for `machine.provide({ actors })`.
 *
 * @example
 * const machine = nodeMachine.provide({ actors: actorsFrom(executors) });
 */
export function actorsFrom(executors: Executors) {
  const stage = (name: Stage) => fromPromise<void, StageInput>(({ input, signal }) => executors[name](input.node, input.steps, signal));
  return {
    stage: stage("stage"),
    transfer: stage("transfer"),
    install: stage("install"),
    configure: stage("configure"),
    verify: stage("verify"),
    record: fromPromise<void, StageInput>(({ input, signal }) => executors.record?.(input.node, signal) ?? Promise.resolve()),
    rollback: fromPromise<RollbackReport, RollbackInput>(async ({ input, signal }) => (await executors.rollback(input.node, signal)) ?? { notes: [] }),
  };
}

/**
 * Stand-ins named in `setup()`: a machine that was not given executors fails loudly at its first
 * stage instead of silently doing nothing.
 */
export function missingActors() {
  const missing = (name: string) => () => Promise.reject(new Error(`bug: the node machine's '${name}' actor was not provided (use createNodeMachine or machine.provide)`));
  return {
    stage: fromPromise<void, StageInput>(missing("stage")),
    transfer: fromPromise<void, StageInput>(missing("transfer")),
    install: fromPromise<void, StageInput>(missing("install")),
    configure: fromPromise<void, StageInput>(missing("configure")),
    verify: fromPromise<void, StageInput>(missing("verify")),
    // Recording is optional (a machine given only the stage actors records nothing): it cannot
    // be reached without the stage actors, which fail loudly when missing.
    record: fromPromise<void, StageInput>(() => Promise.resolve()),
    rollback: fromPromise<RollbackReport, RollbackInput>(missing("rollback")),
  };
}
