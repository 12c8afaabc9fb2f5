/** `reconcile plan`: gather facts from every node, diff, show what apply would change. */
import { stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { ExitCode, UsageError } from "../../errors.js";
import { renderPlan } from "../../display/plan.js";
import type { SavedPlan } from "../../planner/saved.js";
import { writeFileAtomically } from "../../executors/local-files.js";
import type { Logger } from "../../log.js";
import { print, streamStyle, type CliIO } from "../io.js";
import { gather } from "../../run/gather.js";
import { planGathered } from "../../run/plan.js";
import { interruptible, loadStrict, openSession, type SpecArgs } from "../remote.js";
import packageJson from "../../../package.json" with { type: "json" };

export interface PlanArgs extends SpecArgs {
  out?: string;
  json: boolean;
  detailedExitcode: boolean;
  prune: boolean;
  verbose: boolean;
  /** Re-hash the store's content on the nodes (`--deep`). */
  deep: boolean;
}

/** Fails before any node is contacted when `--out` cannot be written where it points (plan and drift). */
export async function checkFolder(file: string): Promise<void> {
  const folder = dirname(resolve(file));
  const isDir = await stat(folder).then((s) => s.isDirectory(), () => false);
  if (!isDir) throw new UsageError(`--out ${file}: the folder ${folder} does not exist`, `create it first (mkdir -p ${folder})`);
}

export async function planCommand(args: PlanArgs, io: CliIO, log: Logger): Promise<number> {
  const { cluster, secrets } = await loadStrict(args, io);
  if (args.out !== undefined) await checkFolder(args.out);
  return interruptible(async (signal) => {
    const session = openSession(cluster, io, log, signal);
    let gathered;
    try {
      gathered = await gather(session, cluster, { secrets: secrets.values, deep: args.deep });
    } finally {
      await session.close();
    }
    const started = performance.now();
    const result = planGathered(cluster, gathered, secrets.values, { prune: args.prune });
    log.info(
      { event: "plan", ...result.summary, errored: result.errored, localMs: gathered.durationMs.local, factsMs: gathered.durationMs.facts, planMs: Math.round(performance.now() - started) },
      "planned",
    );
    const saved: SavedPlan = { format: "reconcile-plan", ...result, createdAt: new Date().toISOString(), reconcileVersion: packageJson.version };
    const text = `${JSON.stringify(saved, null, 2)}\n`;
    if (args.out !== undefined) await writeFileAtomically(args.out, text, { mode: 0o600 });
    if (args.json) io.stdout.write(text);
    else {
      const style = streamStyle(io, io.stdout);
      for (const line of renderPlan(result, { verbose: args.verbose, ...(style === undefined ? {} : { style }) })) print(io.stdout, line);
      if (args.out !== undefined) print(io.stdout, `Saved the plan to ${args.out}: apply it exactly with \`reconcile apply ${args.out}\`.`);
    }
    if (!result.applyable) return ExitCode.failure;
    return args.detailedExitcode && result.hasChanges ? ExitCode.changes : ExitCode.ok;
  });
}
