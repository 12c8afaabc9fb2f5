/**
 * What a run reports while it goes: the pipeline never prints, so every command (apply today,
 * watch later) turns these events into its own output. Route on `type` (and a warning's `code`);
 * the texts are for people.
 */
import type { LockFact } from "../facts/types.js";
import type { Plan, Stage } from "../planner/types.js";
import type { ClusterWideOutcome, NodeOutcome } from "../state-machine/cluster-run.js";
import type { Action } from "../planner/types.js";
import type { Address } from "../planner/address.js";
import type { Phase } from "../state-machine/node-machine.js";
import type { TransferProgress } from "../executors/transfer-progress.js";
import type { TransferResult } from "../executors/transfer.js";

/** An upload's progress, its end (finished, failed or cancelled) and its result. */
export type TransferEvent =
  | { type: "transfer.progress"; node: string; artifact: string; progress: TransferProgress }
  /** The upload ended, whether it finished, failed or was cancelled; sent before `transfer.done`. */
  | { type: "transfer.ended"; node: string; artifact: string }
  /** The upload finished: sent, resumed, or skipped because the node had it already. */
  | { type: "transfer.done"; node: string; artifact: string; result: TransferResult };

/** Something the user should know that does not stop the run. */
export type RunWarning =
  /** The lease of a run that died had run out, and this run took it over. */
  | { type: "warning"; code: "lock.takenOver"; previous: LockFact; message: string }
  /** The lease could not be given back at the end; it runs out by itself. */
  | { type: "warning"; code: "lock.notReleased"; error: unknown; message: string };

export type RunEvent =
  | TransferEvent
  | RunWarning
  /** A fresh plan was made (not for a saved plan): show it before anything is asked or done. */
  | { type: "plan.made"; plan: Plan }
  /** A saved plan was refused: what moved since it was made, one line each (the run then fails). */
  | { type: "plan.stale"; reasons: readonly string[] }
  /** A node started a stage (again, after a retry: `attempt` > 1); `unpack` is the part of install before the rolling gate. */
  | { type: "stage.started"; node: string; stage: Stage; phase: Phase; attempt: number }
  /** A stage (or rollback) failed for a reason that may pass; it runs again after `delayMs`. */
  | { type: "retry.scheduled"; node: string; stage: Stage | "rollback"; retry: number; delayMs: number; error: unknown }
  /** Every node machine ended; the `node.outcome` events follow, in plan order. */
  | { type: "run.finished"; converged: boolean; durationMs: number }
  /** How one node ended. */
  | { type: "node.outcome"; outcome: NodeOutcome }
  /** A Prefect object is being written through the API (the cluster-wide wave). */
  | { type: "api.started"; address: Address; action: Action }
  /** How the cluster-wide wave ended; after the `node.outcome` events. */
  | { type: "cluster-wide.outcome"; outcome: ClusterWideOutcome };

export type RunEventHandler = (event: RunEvent) => void;
