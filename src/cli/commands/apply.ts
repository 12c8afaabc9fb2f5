/**
 * `reconcile apply [plan.json]`: converge the nodes. Takes the cluster lock, gathers facts, plans
 * (or checks a saved plan is still exactly right), asks, then runs one node machine per node in
 * waves (server first, workers in parallel with a rolling limit per pool) and reports each node.
 */
import { createHash } from "node:crypto";
import { hostname, userInfo } from "node:os";
import { join } from "node:path";
import { readFile } from "node:fs/promises";
import { ExitCode, ReconcileError, UsageError, ioReason } from "../../errors.js";
import { ArtifactCache, defaultCacheDir, type StagedArtifact } from "../../executors/artifact-cache.js";
import { LocalLock, RemoteLease } from "../../executors/lock.js";
import { nextState, rollbackDir, rollbackNode, runNodeSteps, writeState, type StepContext } from "../../executors/node-steps.js";
import { transferArtifact } from "../../executors/transfer.js";
import type { Connections } from "../../executors/ssh-transport.js";
import { storeFile } from "../../facts/layout.js";
import type { FactSet, NodeState } from "../../facts/types.js";
import { describeShortfall, diskShortfalls } from "../../planner/disk.js";
import { plan as makePlan } from "../../planner/plan.js";
import { formatBytes, renderPlan } from "../../planner/render.js";
import { savedPlanProblem, stalePlanReasons, type SavedPlan } from "../../planner/saved.js";
import type { Plan, Step } from "../../planner/types.js";
import type { ResolvedCluster } from "../../spec/resolved.js";
import { runCluster, type NodeOutcome } from "../../state-machine/cluster-machine.js";
import { createNodeMachine } from "../../state-machine/node-machine.js";
import type { Executors } from "../../state-machine/actors.js";
import type { Logger } from "../../log.js";
import { ask, plural, print, type CliIO } from "../io.js";
import { ProgressView } from "../progress.js";
import { gatherAll, interruptible, loadStrict, openConnections, type SpecArgs } from "../remote.js";
import { terminalStyle } from "./plan.js";

export interface ApplyArgs extends SpecArgs {
  planFile?: string;
  yes: boolean;
  prune: boolean;
  concurrency: number;
  /** Seconds a unit must stay active during verify. */
  settleSeconds: number;
}

/** The lease on the server node lasts this long without renewal; renewed every third of it. */
const LEASE_MS = 120_000;

async function readSavedPlan(file: string): Promise<SavedPlan> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read the plan ${file}: ${ioReason(error)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`${file} is not JSON`, "make a plan with `reconcile plan --out plan.json`");
  }
  const problem = savedPlanProblem(value);
  if (problem !== null) throw new UsageError(`${file}: ${problem}`, "make a plan with `reconcile plan --out plan.json`");
  return value as SavedPlan;
}

function localLockPath(cluster: ResolvedCluster, env: CliIO["env"]): string {
  const id = createHash("sha256").update(cluster.specFile).digest("hex").slice(0, 16);
  return join(defaultCacheDir(env as NodeJS.ProcessEnv), "..", "locks", `${cluster.name}-${id}.lock`);
}

/** The real executors: stage on the controller, the rest over each node's one connection. */
/**
 * Nodes whose disks cannot hold what the plan sends and unpacks there, by the facts gathered just
 * now (also for a saved plan: free space is not part of its fingerprint): node → why.
 */
function diskRefusals(plan: Plan, facts: FactSet): Map<string, string> {
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

/** A node refused before anything was sent to it, for lack of disk space. */
export class NotEnoughDiskError extends ReconcileError {
  constructor(node: string, why: string) {
    super(`node ${node}: refused before sending a byte: ${why}`, { hint: "free space on that file system or grow it, then run apply again (`reconcile facts NODE` shows each file system and what it holds)" });
  }
}

function executors(cluster: ResolvedCluster, plan: Plan, ctx: { connections: Connections; states: Map<string, NodeState | null>; secrets: ReadonlyMap<string, import("../../spec/secrets.js").Sensitive>; cache: ArtifactCache; settleSeconds: number; refusals: Map<string, string>; io: CliIO; log: Logger; progress: ProgressView }): Executors {
  const staged = new Map<string, StagedArtifact>();
  // A node without room is refused at its first stage, before anything is staged, sent or changed.
  const refuseIfShort = (name: string) => {
    const why = ctx.refusals.get(name);
    if (why !== undefined) throw new NotEnoughDiskError(name, why);
  };
  // Every stage asks for the node's connection afresh: after a retry that is a new one when the
  // old one broke (the node rebooted, the link dropped), with its host key checked again.
  const nodeOf = async (name: string) => {
    const node = cluster.nodes.find((n) => n.name === name);
    if (node === undefined) throw new ReconcileError(`node ${name}: not in the spec`);
    return { node, transport: await ctx.connections.ensure(name) };
  };
  const generationOf = (name: string) => (ctx.states.get(name)?.generation ?? 0) + 1;
  const pixi = cluster.tools.pixiUnpack;
  const stepContext = async (name: string, signal: AbortSignal): Promise<StepContext> => {
    const { node, transport } = await nodeOf(name);
    const pixiSha = pixi === null ? undefined : cluster.artifacts[pixi]?.sha256;
    return {
      transport,
      root: node.root,
      cluster: cluster.name,
      journalDir: rollbackDir(generationOf(name)),
      secrets: ctx.secrets,
      transferSha: (artifact) => staged.get(artifact)?.sha256 ?? "",
      pixiUnpack: pixi === null || pixiSha === undefined ? null : storeFile(node.root, pixiSha, pixi),
      settleSeconds: ctx.settleSeconds,
      signal,
      log: ctx.log,
    };
  };
  // One remote command per stage and node (the steps in order, stopping at the first failure).
  const runAll = async (name: string, steps: readonly Step[], signal: AbortSignal) => {
    refuseIfShort(name);
    await runNodeSteps(steps, await stepContext(name, signal));
  };
  return {
    async stage(name, steps, signal) {
      refuseIfShort(name);
      for (const step of steps) {
        const d = step.detail;
        if (d.kind !== "artifact") continue;
        staged.set(d.artifact, await ctx.cache.stage({ name: d.artifact, kind: d.artifactKind, source: d.source, sha256: d.sha256 }, { signal }));
      }
    },
    async transfer(name, steps, signal) {
      refuseIfShort(name);
      const { node, transport } = await nodeOf(name);
      for (const step of steps) {
        const d = step.detail;
        if (d.kind !== "artifact") continue;
        const s = staged.get(d.artifact);
        if (s === undefined) throw new ReconcileError(`node ${name}: ${d.artifact} was not staged`);
        const key = `${name}\0${d.artifact}`;
        const result = await transferArtifact(
          transport,
          { root: node.root, sha256: s.sha256, localPath: s.path, bytes: s.bytes, storeSha256: d.sha256, label: d.artifact },
          { signal, onProgress: (p) => ctx.progress.update(key, d.artifact, p) },
        ).finally(() => ctx.progress.done(key));
        ctx.log.info({ event: "transfer", node: name, artifact: d.artifact, ...result }, "transferred");
        ctx.progress.print(ctx.io.stdout, `node ${name}: ${d.artifact} ${result.skipped ? "already there" : `sent ${formatBytes(result.sent)}${result.resumedFrom > 0 ? ` (resumed at ${formatBytes(result.resumedFrom)})` : ""}`}`);
      }
    },
    install: (name, steps, signal) => runAll(name, steps, signal),
    configure: (name, steps, signal) => runAll(name, steps, signal),
    async verify(name, steps, signal) {
      await runAll(name, steps, signal);
      const nodePlan = plan.nodes.find((n) => n.name === name);
      if (nodePlan === undefined) return;
      const state = nextState(ctx.states.get(name) ?? null, {
        generation: generationOf(name),
        cluster: cluster.name,
        specDigest: cluster.specDigest,
        appliedAt: new Date().toISOString(),
        declared: nodePlan.changes.filter((c) => c.action !== "delete").map((c) => c.address),
        changed: nodePlan.changes.filter((c) => c.action !== "noop").map((c) => c.address),
        kept: plan.prune ? [] : nodePlan.changes.filter((c) => c.action === "delete").map((c) => c.address),
      });
      await writeState((await nodeOf(name)).transport, state, { signal, log: ctx.log });
    },
    rollback: async (name, signal) => rollbackNode((await nodeOf(name)).transport, rollbackDir(generationOf(name)), { signal, log: ctx.log }),
  };
}

/** A node's outcome; a failure's hint (what to do about it) on the line below. */
function outcomeLines(o: NodeOutcome): string[] {
  const error = o.status === "failed" || o.status === "rolledBack" ? o.error : undefined;
  const hint = error instanceof ReconcileError ? error.hint : undefined;
  return [`node ${o.node}: ${o.message}`, ...(hint === undefined ? [] : [`  hint: ${hint}`])];
}

export async function applyCommand(args: ApplyArgs, io: CliIO, log: Logger): Promise<number> {
  // The plan file is an argument: checked before anything else is read.
  const saved = args.planFile === undefined ? undefined : await readSavedPlan(args.planFile);
  const { cluster, secrets } = await loadStrict(args, io);
  const server = cluster.nodes.find((n) => n.server);
  if (server === undefined) throw new ReconcileError("the spec names no server node");
  const localLock = await LocalLock.acquire(localLockPath(cluster, io.env));
  try {
    return await interruptible(async (signal) => {
      const connections = openConnections(cluster, io, log, signal);
      const progress = new ProgressView(io.stdout);
      // Every node's handshake runs while the lease is taken on the server.
      connections.warm(cluster.nodes.map((n) => n.name));
      let lease: RemoteLease | undefined;
      try {
        // The lease comes first: nobody else may change the nodes between our facts and our steps.
        const user = userInfo().username;
        const taken = await RemoteLease.acquire(() => connections.ensure(server.name), { holder: `${user}@${hostname()}`, host: hostname(), pid: process.pid, ttlMs: LEASE_MS }, signal);
        lease = taken.lease;
        if (taken.tookOver !== null) print(io.stderr, `warning: took over the expired lock of ${taken.tookOver.holder} (pid ${taken.tookOver.pid}, lease ended ${taken.tookOver.expiresAt})`);
        let lost: unknown;
        // A lease lost (taken by another run, or run out while the server was away) stops the run:
        // someone else may be changing the nodes now.
        const stopOnLoss = new AbortController();
        const runSignal = AbortSignal.any([signal, stopOnLoss.signal]);
        lease.keepAlive(LEASE_MS / 3, (error) => {
          lost ??= error;
          stopOnLoss.abort(error);
        });

        const gathered = await gatherAll(cluster, cluster.nodes, connections, log, signal);
        let plan: Plan;
        if (saved !== undefined) {
          const reasons = stalePlanReasons(saved, cluster.specDigest, gathered.facts);
          if (reasons.length > 0) {
            for (const r of reasons) print(io.stderr, `  ${r}`);
            throw new ReconcileError(`the saved plan ${args.planFile} is stale: ${plural(reasons.length, "thing")} changed since it was made`, {
              hint: "make a new plan with `reconcile plan --out FILE` and review it",
            });
          }
          plan = saved;
        } else {
          plan = makePlan(cluster, gathered.facts, gathered.local, secrets.values, { prune: args.prune, ownLease: { host: hostname(), pid: process.pid } });
          const style = terminalStyle(io, io.stdout);
          for (const line of renderPlan(plan, style === undefined ? {} : { style })) print(io.stdout, line);
          if (!plan.applyable) throw new ReconcileError("nothing was applied: some nodes could not be planned (see above)");
          if (!plan.hasChanges) return ExitCode.ok;
          // Without a terminal the CLI refused at once (before the lock), unless --yes.
          if (!args.yes) {
            if ((await ask(io, "Apply these changes? Only 'yes' is accepted: ")) !== "yes") {
              print(io.stdout, "Apply cancelled.");
              return ExitCode.failure;
            }
          }
        }

        const refusals = diskRefusals(plan, gathered.facts);
        const states = new Map<string, NodeState | null>();
        for (const [name, r] of Object.entries(gathered.facts)) states.set(name, r.reachable && r.facts.state.ok ? r.facts.state.value : null);
        const generations = Object.fromEntries(cluster.nodes.map((n) => [n.name, states.get(n.name)?.generation ?? 0]));
        const started = performance.now();
        const result = await runCluster(plan, createNodeMachine(executors(cluster, plan, { connections, states, secrets: secrets.values, cache: new ArtifactCache(defaultCacheDir(io.env as NodeJS.ProcessEnv)), settleSeconds: args.settleSeconds, refusals, io, log, progress })), {
          concurrency: args.concurrency,
          generations,
          signal: runSignal,
          onEvent: (e) => {
            const again = e.type === "stage.started" && e.attempt > 1 ? ` (attempt ${e.attempt})` : "";
            if (e.type === "stage.started") progress.print(io.stdout, `node ${e.node}: ${e.phase === "unpack" ? "install: unpacking into the store" : e.stage}${again}`);
            if (e.type === "retry.scheduled") progress.print(io.stderr, `node ${e.node}: ${e.stage} failed, retrying in ${Math.round(e.delayMs / 1000)} s: ${e.error instanceof Error ? e.error.message : String(e.error)}`);
          },
        });
        log.info({ event: "apply", converged: result.converged, durationMs: Math.round(performance.now() - started), nodes: result.nodes.map((n) => ({ node: n.node, status: n.status })) }, "applied");
        progress.close();
        print(io.stdout);
        for (const o of result.nodes) for (const line of outcomeLines(o)) print(o.status === "converged" || o.status === "unchanged" ? io.stdout : io.stderr, line);
        if (lost !== undefined) throw lost;
        return result.converged ? ExitCode.ok : ExitCode.failure;
      } finally {
        progress.close();
        await lease?.release().catch((error: unknown) => {
          log.warn({ event: "unlock", error: String(error) }, "could not release the lock");
          print(io.stderr, `warning: the apply lock was not released (${error instanceof Error ? error.message : String(error)}); it runs out by itself within ${LEASE_MS / 60_000} minutes, or \`reconcile unlock\` removes it`);
        });
        await connections.closeAll();
      }
    });
  } finally {
    await localLock.release();
  }
}
