/**
 * `reconcile drift`: gather the nodes and the Prefect objects, compare them with cluster.yaml
 * (drift rules applied, prune off) and report every difference as text, JSON or markdown. The
 * exit code is the report's (0 in sync, 2 drift, 1 something could not be checked), so a cron job
 * or CI step can act on it; with `--out` the report goes to a file and the summary line to stdout.
 */
import { driftJson, driftSummary, renderDriftMarkdown, renderDriftText } from "../../display/drift.js";
import { UsageError } from "../../errors.js";
import { writeFileAtomically } from "../../executors/local-files.js";
import type { Logger } from "../../log.js";
import { driftExitCode, type DriftReport } from "../../planner/drift.js";
import { checkDrift } from "../../run/drift.js";
import { print, streamStyle, type CliIO } from "../io.js";
import { checkFolder } from "./plan.js";
import { interruptible, loadStrict, openSession, type SpecArgs } from "../remote.js";

export const DRIFT_FORMATS = ["text", "json", "markdown"] as const;
export type DriftFormat = (typeof DRIFT_FORMATS)[number];

export interface DriftArgs extends SpecArgs {
  format: DriftFormat;
  /** Write the report here (atomically, mode 0600) and print only its summary line. */
  out?: string;
  /** Re-hash store contents on the nodes (slow; catches corrupt artifacts). */
  deep: boolean;
}

/**
 * `--format`'s value checked before anything is loaded or contacted.
 *
 * @example
 * parseDriftFormat("markdown") // "markdown"
 * parseDriftFormat("yaml")     // throws UsageError: --format must be one of text, json, markdown, not 'yaml'
 */
export function parseDriftFormat(value: string): DriftFormat {
  const found = DRIFT_FORMATS.find((f) => f === value);
  if (found === undefined) throw new UsageError(`--format must be one of ${DRIFT_FORMATS.join(", ")}, not '${value}'`);
  return found;
}

/** The report in the chosen format, as the text to print or write. */
export function formatDriftReport(report: DriftReport, format: DriftFormat, generatedAt: string, io?: CliIO): string {
  if (format === "json") return driftJson(report, generatedAt);
  if (format === "markdown") return renderDriftMarkdown(report, { now: generatedAt });
  const style = io === undefined ? undefined : streamStyle(io, io.stdout);
  return `${renderDriftText(report, { now: generatedAt, ...(style === undefined ? {} : { style }) }).join("\n")}\n`;
}

export async function driftCommand(args: DriftArgs, io: CliIO, log: Logger): Promise<number> {
  const format = parseDriftFormat(args.format);
  if (args.out !== undefined) await checkFolder(args.out);
  const { cluster, secrets } = await loadStrict(args, io);
  return interruptible(async (signal) => {
    const session = openSession(cluster, io, log, signal);
    const started = performance.now();
    let check;
    try {
      check = await checkDrift(session, cluster, secrets.values, { deep: args.deep, signal });
    } finally {
      await session.close();
    }
    const { report, gathered } = check;
    const exitCode = driftExitCode(report);
    log.info(
      {
        event: "drift",
        inSync: report.inSync,
        exitCode,
        ...report.summary,
        nodes: Object.fromEntries(report.nodes.map((n) => [n.name, n.status])),
        prefect: report.prefect.status,
        deep: args.deep,
        localMs: gathered.durationMs.local,
        factsMs: gathered.durationMs.facts,
        apiMs: gathered.durationMs.api,
        totalMs: Math.round(performance.now() - started),
      },
      "drift checked",
    );
    const generatedAt = new Date().toISOString();
    if (args.out === undefined) {
      io.stdout.write(formatDriftReport(report, format, generatedAt, format === "text" ? io : undefined));
      return exitCode;
    }
    // The file never gets terminal colors; stdout gets the one line a cron job's log keeps.
    await writeFileAtomically(args.out, formatDriftReport(report, format, generatedAt), { mode: 0o600 });
    print(io.stdout, driftSummary(report));
    return exitCode;
  });
}
