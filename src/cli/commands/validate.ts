/** `reconcile validate`: schema and semantic checks, every problem at once. */
import { ExitCode, ReconcileError, SpecError, type Diagnostic } from "../../errors.js";
import { loadCluster } from "../../spec/load.js";
import type { ResolvedCluster } from "../../spec/resolved.js";
import type { Logger } from "../../log.js";
import { plural, print, printDiagnostics, type CliIO } from "../io.js";

export interface ValidateArgs {
  file: string;
  json: boolean;
  strict: boolean;
  secretsFile?: string;
}

function summary(c: ResolvedCluster) {
  return {
    cluster: c.name,
    nodes: c.nodes.length,
    artifacts: Object.keys(c.artifacts).length,
    workPools: c.workPools.length,
    queues: c.workPools.reduce((n, p) => n + p.queues.length, 0),
    workers: c.workers.length,
    flows: c.flows.length,
    deployments: c.flows.reduce((n, f) => n + f.deployments.length, 0),
  };
}

const jsonDiagnostic = (d: Diagnostic) => ({
  file: d.file,
  line: d.line,
  col: d.col,
  path: d.path,
  message: d.message,
  ...(d.hint === undefined ? {} : { hint: d.hint }),
});

export async function validateCommand(args: ValidateArgs, io: CliIO, log: Logger): Promise<number> {
  const started = performance.now();
  let diagnostics: readonly Diagnostic[];
  let cluster: ResolvedCluster | undefined;
  try {
    const loaded = await loadCluster(args.file, {
      strict: args.strict,
      env: io.env,
      ...(args.secretsFile === undefined ? {} : { secretsFile: args.secretsFile }),
    });
    diagnostics = loaded.warnings;
    cluster = loaded.cluster;
  } catch (error) {
    // --json promises JSON on stdout, also when the file cannot be read at all.
    if (args.json && error instanceof ReconcileError && !(error instanceof SpecError)) {
      const problem = { file: args.file, message: error.message, ...(error.hint === undefined ? {} : { hint: error.hint }) };
      print(io.stdout, JSON.stringify({ valid: false, file: args.file, errors: [problem], warnings: [] }, null, 2));
      return ExitCode.failure;
    }
    if (!(error instanceof SpecError)) throw error;
    diagnostics = error.diagnostics;
  }
  const errors = diagnostics.filter((d) => d.severity === "error");
  const warnings = diagnostics.filter((d) => d.severity === "warning");
  log.info(
    { event: "validate", file: args.file, strict: args.strict, valid: cluster !== undefined, errors: errors.length, warnings: warnings.length, durationMs: Math.round(performance.now() - started) },
    "validated",
  );

  if (args.json) {
    const report = {
      valid: cluster !== undefined,
      file: args.file,
      errors: errors.map(jsonDiagnostic),
      warnings: warnings.map(jsonDiagnostic),
      ...(cluster === undefined ? {} : { summary: summary(cluster) }),
    };
    print(io.stdout, JSON.stringify(report, null, 2));
    return cluster === undefined ? ExitCode.failure : ExitCode.ok;
  }
  printDiagnostics(io, args.file, diagnostics);
  if (cluster === undefined) return ExitCode.failure;
  const s = summary(cluster);
  const parts = [
    plural(s.nodes, "node"),
    plural(s.artifacts, "artifact"),
    `${plural(s.workPools, "work pool")} (${plural(s.queues, "queue")})`,
    plural(s.workers, "worker"),
    `${plural(s.flows, "flow")} (${plural(s.deployments, "deployment")})`,
  ];
  const tail = warnings.length > 0 ? `; ${plural(warnings.length, "warning")}` : "";
  print(io.stdout, `${args.file} is valid: cluster '${s.cluster}', ${parts.join(", ")}${tail}`);
  return ExitCode.ok;
}
