/**
 * The real executors: how each stage of a plan is carried out. Stage on this machine (through the
 * artifact cache), transfer over the node's connection, install/configure/verify as one remote
 * command per stage (runNodeSteps), then record the node's state, or roll it back. They decide
 * nothing (the plan and the machines did) and print nothing (uploads are reported as events).
 */
import { InternalError, ReconcileError } from "../errors.js";
import type { StageItem, StagedArtifact, StageOptions } from "../executors/stage.js";
import { rollbackDir } from "../executors/steps/journal.js";
import { nextState, writeState, type StateOptions } from "../executors/steps/node-state.js";
import { resolveRemoteContent } from "../executors/steps/remote-content.js";
import { rollbackNode, runNodeSteps, type StepContext } from "../executors/steps/runner.js";
import { transferArtifact } from "../executors/transfer.js";
import type { NodeTransports } from "../executors/transport.js";
import { storeFile } from "../facts/layout.js";
import type { NodeState } from "../facts/types.js";
import type { Plan, Step } from "../planner/types.js";
import type { ResolvedCluster } from "../spec/resolved.js";
import type { Sensitive } from "../spec/secrets.js";
import type { Executors } from "../state-machine/actors.js";
import type { Logger } from "../log.js";
import type { TransferEvent } from "./events.js";

/** A restarted Prefect server answers in 5 to 15 s; a first start migrating a new database takes longer. */
export const PROBE_TIMEOUT_SECONDS = 120;

/** A node refused before anything was sent to it, for lack of disk space. */
export class NotEnoughDiskError extends ReconcileError {
  constructor(node: string, why: string) {
    super(`node ${node}: refused before sending a byte: ${why}`, { hint: "free space on that file system or grow it, then run apply again (`reconcile facts NODE` shows each file system and what it holds)" });
  }
}

export interface ExecutorsOptions {
  cluster: ResolvedCluster;
  plan: Plan;
  /** The node's current connection (after a retry, a new one when the old one broke). */
  connections: NodeTransports;
  /** Where artifacts are checked, fetched and packed before they are sent: the session's ArtifactCache. */
  stager: { stage(item: StageItem, options?: StageOptions): Promise<StagedArtifact> };
  /** Each node's state before the run (from its facts); null when never applied or unreadable. */
  states: ReadonlyMap<string, NodeState | null>;
  secrets: ReadonlyMap<string, Sensitive>;
  /** Seconds a unit must stay active during verify. */
  settleSeconds: number;
  /** Longest verify polls the API for what it expects; default {@link PROBE_TIMEOUT_SECONDS}. */
  probeTimeoutSeconds?: number;
  /** Nodes refused for lack of disk space: node → why. They fail at their first stage, before anything is staged or sent. */
  refusals?: ReadonlyMap<string, string>;
  log: Logger;
  onEvent?: (event: TransferEvent) => void;
  /** The git commit cluster.yaml came from (`watch --git`), recorded in each node's state; absent when unknown. */
  revision?: string;
  /** The clock of the state record's `appliedAt`. */
  now?: () => Date;
  /** Where the nodes keep their state and journals; default /var/lib/reconcile, owned by root (tests use a temp folder). */
  state?: StateOptions;
}

/**
 * @example
 * const executors = createExecutors({ cluster, plan, connections: session.connections, stager: session.cache, states, secrets, settleSeconds: 3, log });
 * const result = await runCluster(plan, createNodeMachine(executors), { signal });
 */
export function createExecutors(o: ExecutorsOptions): Required<Executors> {
  const { cluster, plan } = o;
  // What was staged, by node and artifact: transfer sends it and install unpacks it under its digest.
  const staged = new Map<string, StagedArtifact>();
  const key = (node: string, artifact: string) => `${node}\0${artifact}`;
  const stagedFor = (node: string, artifact: string, stage: "transfer" | "install"): StagedArtifact => {
    const s = staged.get(key(node, artifact));
    // Every artifact's plan has stage, transfer and install steps, in that order: not reached unless the plan is broken.
    if (s === undefined) throw new InternalError(`node ${node}: artifact ${artifact} was not staged before its ${stage} (no stage step ran for it in this run)`);
    return s;
  };
  // A node without room is refused at its first stage, before anything is staged, sent or changed.
  const refuseIfShort = (name: string) => {
    const why = o.refusals?.get(name);
    if (why !== undefined) throw new NotEnoughDiskError(name, why);
  };
  // Every stage asks for the node's connection afresh: after a retry that is a new one when the
  // old one broke (the node rebooted, the link dropped), with its host key checked again.
  const nodeOf = async (name: string) => {
    const node = cluster.nodes.find((n) => n.name === name);
    if (node === undefined) throw new ReconcileError(`node ${name}: not in the spec`);
    return { node, transport: await o.connections.ensure(name) };
  };
  const generationOf = (name: string) => (o.states.get(name)?.generation ?? 0) + 1;
  const journalOf = (name: string) => rollbackDir(generationOf(name), o.state?.stateDir);
  const pixi = cluster.tools.pixiUnpack;
  const stepContext = async (name: string, signal: AbortSignal): Promise<StepContext> => {
    const { node, transport } = await nodeOf(name);
    const pixiSha = pixi === null ? undefined : cluster.artifacts[pixi]?.sha256;
    return {
      transport,
      root: node.root,
      cluster: cluster.name,
      generation: generationOf(name),
      journalDir: journalOf(name),
      secrets: o.secrets,
      transferSha: (artifact) => stagedFor(name, artifact, "install").sha256,
      pixiUnpack: pixi === null || pixiSha === undefined ? null : storeFile(node.root, pixiSha, pixi),
      settleSeconds: o.settleSeconds,
      probeTimeoutSeconds: o.probeTimeoutSeconds ?? PROBE_TIMEOUT_SECONDS,
      signal,
      log: o.log,
    };
  };
  // One remote command per stage and node (the steps in order, stopping at the first failure).
  const runAll = async (name: string, steps: readonly Step[], signal: AbortSignal) => {
    refuseIfShort(name);
    await runNodeSteps(steps, await stepContext(name, signal));
  };
  const artifacts = (steps: readonly Step[]) => steps.flatMap((s) => (s.detail.kind === "artifact" ? [s.detail] : []));
  return {
    async stage(name, steps, signal) {
      refuseIfShort(name);
      for (const d of artifacts(steps)) {
        staged.set(key(name, d.artifact), await o.stager.stage({ name: d.artifact, kind: d.artifactKind, source: d.source, sha256: d.sha256 }, { signal }));
      }
    },
    async transfer(name, steps, signal) {
      refuseIfShort(name);
      const { node, transport } = await nodeOf(name);
      for (const d of artifacts(steps)) {
        const s = stagedFor(name, d.artifact, "transfer");
        const result = await transferArtifact(
          transport,
          { root: node.root, sha256: s.sha256, localPath: s.path, bytes: s.bytes, storeSha256: d.sha256, label: d.artifact, ...(d.repair === true ? { repair: true } : {}) },
          { signal, onProgress: (progress) => o.onEvent?.({ type: "transfer.progress", node: name, artifact: d.artifact, progress }) },
        ).finally(() => o.onEvent?.({ type: "transfer.ended", node: name, artifact: d.artifact }));
        o.log.info({ event: "transfer", node: name, artifact: d.artifact, ...result }, "transferred");
        o.onEvent?.({ type: "transfer.done", node: name, artifact: d.artifact, result });
      }
    },
    install: (name, steps, signal) => runAll(name, steps, signal),
    // A file copied from another node (Caddy's root) is read from it now, once that node converged.
    configure: async (name, steps, signal) => {
      refuseIfShort(name);
      await runAll(name, await resolveRemoteContent(steps, (node) => o.connections.ensure(node), { signal }), signal);
    },
    verify: (name, steps, signal) => runAll(name, steps, signal),
    async record(name, signal) {
      const nodePlan = plan.nodes.find((n) => n.name === name);
      if (nodePlan === undefined) throw new InternalError(`node ${name}: verified, but the plan has no section for it`);
      const state = nextState(o.states.get(name) ?? null, {
        generation: generationOf(name),
        cluster: cluster.name,
        specDigest: cluster.specDigest,
        appliedAt: (o.now?.() ?? new Date()).toISOString(),
        ...(o.revision === undefined ? {} : { revision: o.revision }),
        declared: nodePlan.changes.filter((c) => c.action !== "delete").map((c) => c.address),
        changed: nodePlan.changes.filter((c) => c.action !== "noop").map((c) => c.address),
        kept: plan.prune ? [] : nodePlan.changes.filter((c) => c.action === "delete").map((c) => c.address),
      });
      await writeState((await nodeOf(name)).transport, state, { signal, log: o.log, ...o.state });
    },
    rollback: async (name, signal) => rollbackNode((await nodeOf(name)).transport, journalOf(name), { signal, log: o.log }),
  };
}
