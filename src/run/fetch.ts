/**
 * `reconcile fetch`, headless: the connected stage of an air-gapped install. Reads each target
 * node's release, dpkg architecture and dpkg status (over SSH, or from a saved targets file),
 * plans the work (planner/fetch.ts), resolves and downloads each deb set with apt-get under a
 * private configuration and writes it with its manifest (executors/apt-fetch.ts), and downloads
 * URL artifacts into the cache, checked against their sha256. It reports events and returns each
 * artifact's outcome with the digest to pin; the CLI pins and prints.
 */
import { AptMissingError, downloadDebs, writeDebSet, type AptOptions } from "../executors/apt-fetch.js";
import { gatherFetchTargets } from "../executors/gather-facts.js";
import { ReconcileError } from "../errors.js";
import type { FetchTarget } from "../facts/fetch-target.js";
import type { Fact } from "../facts/types.js";
import { nodesToAsk, planFetch, selectFetch, type AptSources, type FetchJob, type FetchProblem } from "../planner/fetch.js";
import type { ResolvedCluster } from "../spec/resolved.js";
import type { Session } from "./session.js";

export type FetchEvent =
  /** The targets were read: from the nodes, or from a file. */
  | { type: "fetch.targets"; from: "nodes" | "file"; nodes: string[]; durationMs: number }
  | { type: "fetch.started"; job: FetchJob };

export type FetchOutcome =
  | {
      artifact: string;
      kind: "deb";
      status: "fetched";
      release: { codename: string; arch: string };
      nodes: string[];
      files: number;
      bytes: number;
      /** sha256 of the set's SHA256SUMS: the artifact's pin. */
      sha256: string;
      durationMs: number;
    }
  /** The targets already have every package: nothing was downloaded and the folder is untouched. */
  | { artifact: string; kind: "deb"; status: "nothing"; release: { codename: string; arch: string }; nodes: string[]; durationMs: number }
  | { artifact: string; kind: "url"; status: "fetched"; bytes: number; sha256: string; durationMs: number }
  | { artifact: string; kind: "deb" | "url"; status: "failed"; message: string; hint: string | null; durationMs: number };

export interface FetchOptions {
  /** Only these artifacts (checked to exist by the caller); default every fetchable one. */
  names: readonly string[];
  /** Targets from a saved file (`facts --save-status`) instead of the nodes. */
  targets?: Readonly<Record<string, Fact<FetchTarget>>>;
  /** Where apt's private roots go (the system's temp folder). */
  tmpDir: string;
  sources: AptSources;
  /** Default "apt-get" on the session's PATH. */
  aptGet?: string;
  onEvent?: (event: FetchEvent) => void;
}

export interface FetchResult {
  /** What kept artifacts from being fetched before anything ran (nothing is fetched then). */
  problems: FetchProblem[];
  outcomes: FetchOutcome[];
}

/**
 * Plans first and fetches nothing when any selected artifact cannot be planned; then fetches
 * every job, one after the other; a failed job does not stop the others.
 *
 * @example
 * const { problems, outcomes } = await fetchArtifacts(session, cluster, { names: [], tmpDir: tmpdir(), sources: DEFAULT_SOURCES });
 */
export async function fetchArtifacts(session: Session, cluster: ResolvedCluster, options: FetchOptions): Promise<FetchResult> {
  const signal = session.signal;
  let targets = options.targets;
  if (targets === undefined) {
    const wanted = nodesToAsk(cluster, selectFetch(cluster, options.names).deb);
    const started = performance.now();
    const nodes = cluster.nodes.filter((n) => wanted.includes(n.name));
    targets = nodes.length === 0 ? {} : await gatherFetchTargets(nodes, (n) => session.connections.get(n.name), { signal, logger: session.log });
    signal.throwIfAborted();
    options.onEvent?.({ type: "fetch.targets", from: "nodes", nodes: wanted, durationMs: Math.round(performance.now() - started) });
  } else {
    options.onEvent?.({ type: "fetch.targets", from: "file", nodes: Object.keys(targets), durationMs: 0 });
  }

  const { jobs, problems } = planFetch(cluster, options.names, targets);
  if (problems.length > 0) return { problems, outcomes: [] };

  const apt: AptOptions = {
    env: session.env,
    tmpDir: options.tmpDir,
    sources: options.sources,
    signal,
    log: session.log,
    ...(options.aptGet === undefined ? {} : { aptGet: options.aptGet }),
  };
  const outcomes: FetchOutcome[] = [];
  let aptMissing = false;
  for (const job of jobs) {
    // Without apt-get no deb set can be fetched: the first failure says why, the others point at it.
    if (aptMissing && job.kind === "deb") {
      outcomes.push({ artifact: job.artifact, kind: "deb", status: "failed", message: "not fetched: apt-get is missing (see above)", hint: null, durationMs: 0 });
      continue;
    }
    options.onEvent?.({ type: "fetch.started", job });
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    try {
      outcomes.push(job.kind === "deb" ? await fetchDebs(job, apt, ms) : await fetchUrl(session, job, ms));
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (!(error instanceof ReconcileError)) throw error;
      aptMissing ||= error instanceof AptMissingError;
      outcomes.push({ artifact: job.artifact, kind: job.kind, status: "failed", message: error.message, hint: error.hint ?? null, durationMs: ms() });
    }
  }
  return { problems: [], outcomes };
}

async function fetchDebs(job: Extract<FetchJob, { kind: "deb" }>, apt: AptOptions, ms: () => number): Promise<FetchOutcome> {
  const release = { codename: job.release.codename, arch: job.release.arch };
  const nodes = job.targets.map((t) => t.node);
  const { debs, cleanup } = await downloadDebs(job, apt);
  try {
    if (debs.length === 0) return { artifact: job.artifact, kind: "deb", status: "nothing", release, nodes, durationMs: ms() };
    const written = await writeDebSet(job.folder, debs);
    return { artifact: job.artifact, kind: "deb", status: "fetched", release, nodes, files: written.files, bytes: written.bytes, sha256: written.sha256, durationMs: ms() };
  } finally {
    await cleanup();
  }
}

async function fetchUrl(session: Session, job: Extract<FetchJob, { kind: "url" }>, ms: () => number): Promise<FetchOutcome> {
  const staged = await session.cache.stage({ name: job.artifact, kind: job.artifactKind, source: job.url, sha256: job.sha256 }, { signal: session.signal });
  return { artifact: job.artifact, kind: "url", status: "fetched", bytes: staged.bytes, sha256: staged.sha256, durationMs: ms() };
}
