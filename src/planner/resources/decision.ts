/**
 * What every resource decision shares: the `Decision` (a change, its steps and the facts it read),
 * the `change()` constructor, the context a decision may read besides the node's facts, and the
 * accessor for a fact the node was checked to have.
 */
import type { Sensitive } from "../../spec/secrets.js";
import type { Address } from "../address.js";
import type { Desired } from "../desired.js";
import type { Action, Change, DeleteDetail, Json, Stage, StepDetail } from "../types.js";

export interface Decision {
  change: Change;
  /** Steps for this change, in stage order; empty for noops and kept deletions. A delete's steps name what goes. */
  steps: { stage: Stage; detail: StepDetail | DeleteDetail; bytes: number | null }[];
  facts: string[];
  /** What makes the node errored (a secret that is not set); absent when nothing does. */
  errors?: string[];
}

/** One kind of desired resource. */
export type DesiredOf<K extends Desired["kind"]> = Extract<Desired, { kind: K }>;

/** What a decision may read besides the node's facts. */
export interface DecideContext {
  /** The cluster's name (env files carry it). */
  cluster: string;
  secrets: ReadonlyMap<string, Sensitive>;
  /** Whether a resource decided earlier on this node changes (any action but noop). */
  changed: (address: Address) => boolean;
  /** The action decided for a resource earlier on this node, or null when it was not decided (yet). */
  actionOf: (address: Address) => Action | null;
}

export const change = (d: { address: Address; kind: Change["kind"] }, action: Action, before: Json, after: Json, reason: string, extra: Partial<Change> = {}): Change => ({
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

/** The value of a fact the node was checked to have. */
export function known<T>(fact: { ok: true; value: T } | { ok: false; error: string }): T {
  // Callers check REQUIRED_FACTS first; a failed one never reaches here.
  if (!fact.ok) throw new Error(`fact used after it failed: ${fact.error}`);
  return fact.value;
}
