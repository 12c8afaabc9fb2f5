/**
 * Builders and fakes for the state-machine tests: node plans with n steps per stage, fake
 * Executors that record calls and are scripted per node and stage, deferred promises.
 */
import { planOrder } from "../../src/planner/order.js";
import type { NodePlan, Plan, Stage, Step } from "../../src/planner/types.js";
import type { Executors } from "../../src/state-machine/actors.js";

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets pending promise callbacks and xstate's deferred work run. */
export async function flush(times = 5): Promise<void> {
  for (let i = 0; i < times; i++) await new Promise<void>((r) => setImmediate(r));
}

function step(node: string, stage: Stage, i: number): Step {
  return {
    id: `${node}/${stage}/file:/etc/x${i}`,
    node,
    stage,
    action: "update",
    address: `file:/etc/x${i}`,
    dependsOn: [],
    facts: [],
    bytes: null,
    detail: stage === "verify" ? { kind: "verify", units: [], paths: [], python: null, probes: [], loopbackOnly: [] } : { kind: "link", path: `/x${i}`, target: `/y${i}` },
  };
}

/** An install step that only unpacks an artifact into the store. */
function unpackStep(node: string, i: number): Step {
  const sha256 = String(i).repeat(64).slice(0, 64);
  return {
    id: `${node}/install/artifact:env${i}`,
    node,
    stage: "install",
    action: "create",
    address: `artifact:env${i}`,
    dependsOn: [],
    facts: [],
    bytes: null,
    detail: { kind: "artifact", artifact: `env${i}`, artifactKind: "tar", sha256, source: `/art/env${i}.tar` },
  };
}

/**
 * A NodePlan with `counts[stage]` steps per stage (links in install, files in configure…);
 * `unpacks` adds that many artifact unpack steps at the start of install; `pools` adds
 * prefect-worker service changes.
 */
export function nodePlan(
  name: string,
  counts: Partial<Record<Stage, number>>,
  options: { roles?: ("server" | "worker")[]; pools?: string[]; status?: NodePlan["status"]; unpacks?: number } = {},
): NodePlan {
  const steps: Step[] = [];
  for (const stage of ["stage", "transfer", "install", "configure", "verify"] as const) {
    if (stage === "install") for (let i = 0; i < (options.unpacks ?? 0); i++) steps.push(unpackStep(name, i));
    for (let i = 0; i < (counts[stage] ?? 0); i++) steps.push(step(name, stage, i));
  }
  const changes: NodePlan["changes"] = (options.pools ?? []).map((pool) => ({
    address: `service:prefect-worker@${pool}.service`,
    kind: "service",
    action: "noop",
    before: null,
    after: null,
    reason: "running",
    sensitive: false,
    diff: null,
    prune: false,
  }));
  return {
    name,
    address: `${name}.example`,
    roles: options.roles ?? ["worker"],
    status: options.status ?? "planned",
    errors: [],
    hint: null,
    changes,
    steps,
    bytesToSend: 0,
    bytesUnknown: false,
    disk: [],
    warnings: [],
  };
}

/** Every stage has steps. */
export const FULL = { stage: 1, transfer: 1, install: 1, configure: 1, verify: 1 } as const;

/** A plan of these nodes, in the order the planner gives them (server node, then workers; ceil(n/2) per pool unless `rollingLimit` says). */
export function clusterPlan(nodes: NodePlan[], options: { rollingLimit?: (poolSize: number) => number } = {}): Plan {
  return {
    formatVersion: 2,
    cluster: "test",
    specFile: "/tmp/cluster.yaml",
    specDigest: "0".repeat(64),
    prune: false,
    nodes,
    clusterWide: { status: "not-gathered", server: nodes[0]?.name ?? "server", version: null, errors: [], warnings: [], changes: [], steps: [] },
    order: planOrder(nodes, options.rollingLimit),
    summary: { add: 0, change: 0, destroy: 0, kept: 0 },
    hasChanges: true,
    errored: false,
    applyable: true,
    blockers: [],
    facts: {},
  };
}

export type Call = { node: string; stage: Stage | "rollback"; steps: number; signal: AbortSignal };

/**
 * Fake executors: each call is recorded, then `script(node, stage, attempt)` decides what happens
 * (return a promise, or undefined to resolve at once). `attempt` counts calls of that node+stage.
 */
export class FakeExecutors implements Executors {
  readonly calls: Call[] = [];
  private readonly counts = new Map<string, number>();
  constructor(private readonly script: (node: string, stage: Stage | "rollback", attempt: number, signal: AbortSignal) => Promise<void> | undefined = () => undefined) {}

  private run(node: string, stage: Stage | "rollback", steps: readonly Step[], signal: AbortSignal): Promise<void> {
    this.calls.push({ node, stage, steps: steps.length, signal });
    const key = `${node}/${stage}`;
    const attempt = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, attempt);
    return this.script(node, stage, attempt, signal) ?? Promise.resolve();
  }

  stage = (node: string, steps: readonly Step[], signal: AbortSignal) => this.run(node, "stage", steps, signal);
  transfer = (node: string, steps: readonly Step[], signal: AbortSignal) => this.run(node, "transfer", steps, signal);
  install = (node: string, steps: readonly Step[], signal: AbortSignal) => this.run(node, "install", steps, signal);
  configure = (node: string, steps: readonly Step[], signal: AbortSignal) => this.run(node, "configure", steps, signal);
  verify = (node: string, steps: readonly Step[], signal: AbortSignal) => this.run(node, "verify", steps, signal);
  rollback = (node: string, signal: AbortSignal) => this.run(node, "rollback", [], signal);

  stagesOf(node: string): (Stage | "rollback")[] {
    return this.calls.filter((c) => c.node === node).map((c) => c.stage);
  }
}
