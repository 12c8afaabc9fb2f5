/**
 * `reconcile apply [plan.json]`: converge the nodes. The pipeline (locks, gather, plan or the saved
 * plan's check, the node machines) is `converge` in src/run; this command reads the plan file,
 * asks the question, renders the run's events (the plan, progress, outcomes) and sets the exit code.
 */
import { hostname, userInfo } from "node:os";
import { readFile } from "node:fs/promises";
import { ExitCode, ReconcileError, UsageError, ioReason } from "../../errors.js";
import { outcomeLines, apiLine, clusterWideLines, retryLine, stageLine, staleLines, transferDoneLine, warningLine } from "../../display/events.js";
import { renderPlan } from "../../display/plan.js";
import { savedPlanProblem, type SavedPlan } from "../../planner/saved.js";
import { converge } from "../../run/converge.js";
import type { RunEventHandler } from "../../run/events.js";
import type { Logger } from "../../log.js";
import { ask, print, streamStyle, type CliIO } from "../io.js";
import { ProgressView } from "../progress.js";
import { interruptible, loadStrict, openSession, type SpecArgs } from "../remote.js";

export interface ApplyArgs extends SpecArgs {
  planFile?: string;
  yes: boolean;
  prune: boolean;
  concurrency: number;
  /** Seconds a unit must stay active during verify. */
  settleSeconds: number;
  /** Re-hash the store's content on the nodes (`--deep`). */
  deep: boolean;
}

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

/** The question before a fresh plan is applied; a no is said at once, while the lock is still held. */
async function confirm(io: CliIO): Promise<boolean> {
  if ((await ask(io, "Apply these changes? Only 'yes' is accepted: ")) === "yes") return true;
  print(io.stdout, "Apply cancelled.");
  return false;
}

/** The run's events as lines: progress above the live upload line, outcomes once the run ended. */
function renderEvents(io: CliIO, progress: ProgressView): RunEventHandler {
  return (e) => {
    switch (e.type) {
      case "plan.made": {
        const style = streamStyle(io, io.stdout);
        for (const line of renderPlan(e.plan, style === undefined ? {} : { style })) print(io.stdout, line);
        return;
      }
      case "plan.stale":
        for (const line of staleLines(e)) print(io.stderr, line);
        return;
      case "warning":
        // The lock is released after the run: its live line goes first.
        if (e.code === "lock.notReleased") progress.close();
        progress.print(io.stderr, warningLine(e));
        return;
      case "stage.started":
        progress.print(io.stdout, stageLine(e));
        return;
      case "retry.scheduled":
        progress.print(io.stderr, retryLine(e));
        return;
      case "transfer.progress":
        progress.update(`${e.node}\0${e.artifact}`, e.artifact, e.progress);
        return;
      case "transfer.ended":
        progress.done(`${e.node}\0${e.artifact}`);
        return;
      case "transfer.done":
        progress.print(io.stdout, transferDoneLine(e));
        return;
      case "run.finished":
        progress.close();
        print(io.stdout);
        return;
      case "node.outcome": {
        const o = e.outcome;
        for (const line of outcomeLines(o)) print(o.status === "converged" || o.status === "unchanged" ? io.stdout : io.stderr, line);
        return;
      }
      case "api.started":
        progress.print(io.stdout, apiLine(e));
        return;
      case "cluster-wide.outcome": {
        const o = e.outcome;
        for (const line of clusterWideLines(o)) print(o.status === "converged" || o.status === "unchanged" ? io.stdout : io.stderr, line);
        return;
      }
    }
  };
}

export async function applyCommand(args: ApplyArgs, io: CliIO, log: Logger): Promise<number> {
  // The plan file is an argument: checked before anything else is read.
  const saved = args.planFile === undefined ? undefined : await readSavedPlan(args.planFile);
  const { cluster, secrets } = await loadStrict(args, io);
  if (!cluster.nodes.some((n) => n.server)) throw new ReconcileError("the spec names no server node");
  return interruptible(async (signal) => {
    const session = openSession(cluster, io, log, signal);
    const progress = new ProgressView(io.stdout);
    try {
      const result = await converge(session, cluster, {
        secrets: secrets.values,
        holder: { name: `${userInfo().username}@${hostname()}`, host: hostname(), pid: process.pid },
        ...(saved === undefined || args.planFile === undefined ? {} : { saved: { plan: saved, name: args.planFile } }),
        prune: args.prune,
        concurrency: args.concurrency,
        settleSeconds: args.settleSeconds,
        deep: args.deep,
        // Without a terminal the CLI refused at once (before the lock), unless --yes.
        ...(args.yes ? {} : { confirm: () => confirm(io) }),
        onEvent: renderEvents(io, progress),
      });
      if (result.status === "unchanged") return ExitCode.ok;
      return result.status === "ran" && result.converged ? ExitCode.ok : ExitCode.failure;
    } finally {
      progress.close();
      await session.close();
    }
  });
}
