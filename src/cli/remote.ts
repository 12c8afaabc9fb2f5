/**
 * The CLI's side of every command that talks to nodes: load the spec (printing its warnings), pick
 * the nodes named on the command line, open a session (src/run) and turn SIGINT/SIGTERM into its
 * abort signal, which cancels remote work. Gathering and converging live in src/run.
 */
import { setMaxListeners } from "node:events";
import { ExitCode, ReconcileError, UsageError } from "../errors.js";
import { loadCluster, type LoadedCluster } from "../spec/load.js";
import type { ResolvedCluster, ResolvedNode } from "../spec/resolved.js";
import { Session } from "../run/session.js";
import type { Logger } from "../log.js";
import { print, type CliIO } from "./io.js";
import { formatDiagnostic } from "../errors.js";
import { didYouMean } from "../spec/suggest.js";

export interface SpecArgs {
  file: string;
  secretsFile?: string;
}

/** Loads cluster.yaml as plan and apply need it: missing artifacts, flow folders and secrets are errors. */
export async function loadStrict(args: SpecArgs, io: CliIO): Promise<LoadedCluster> {
  const loaded = await loadCluster(args.file, { strict: true, env: io.env, ...(args.secretsFile === undefined ? {} : { secretsFile: args.secretsFile }) });
  for (const w of loaded.warnings) print(io.stderr, formatDiagnostic(w));
  return loaded;
}

/**
 * Loads cluster.yaml for commands that only reach the nodes (trust, facts, unlock): local
 * artifacts, flow folders and secrets do not matter to them, so they are not even looked at.
 */
export async function loadForNodes(args: SpecArgs, io: CliIO): Promise<LoadedCluster> {
  return loadCluster(args.file, { strict: false, env: io.env, localInputs: false });
}

/** The nodes named on the command line, in spec order; all when none is named. */
export function selectNodes(cluster: ResolvedCluster, names: readonly string[]): ResolvedNode[] {
  const unknown = names.filter((n) => !cluster.nodes.some((node) => node.name === n));
  if (unknown.length > 0) {
    const known = cluster.nodes.map((n) => n.name);
    const guess = unknown.length === 1 ? didYouMean(unknown[0], known) : undefined;
    throw new UsageError(`no node named ${unknown.join(", ")} in ${cluster.specFile}`, guess ?? `nodes: ${known.join(", ")}`);
  }
  return names.length === 0 ? cluster.nodes : cluster.nodes.filter((n) => names.includes(n.name));
}

/**
 * Runs `work` with an AbortSignal that SIGINT/SIGTERM trigger; an interrupted run ends with a
 * clean message and exit 130 instead of half-printed output.
 */
export async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  // Every node's connect and commands listen to this signal: no "possible leak" warning at 11 nodes.
  setMaxListeners(0, controller.signal);
  const stop = (name: string) => controller.abort(new ReconcileError(`interrupted (${name})`, { exitCode: ExitCode.interrupted }));
  const onInt = () => stop("SIGINT");
  const onTerm = () => stop("SIGTERM");
  process.once("SIGINT", onInt);
  process.once("SIGTERM", onTerm);
  try {
    const result = await work(controller.signal);
    controller.signal.throwIfAborted();
    return result;
  } catch (error) {
    if (controller.signal.aborted) throw controller.signal.reason;
    throw error;
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
  }
}

/** A session for every node of the cluster, stopped by `signal` (from {@link interruptible}); close it when done. */
export function openSession(cluster: ResolvedCluster, io: CliIO, log: Logger, signal: AbortSignal): Session {
  return Session.open(cluster.nodes, { env: io.env, log, signal });
}
