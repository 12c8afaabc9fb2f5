/**
 * `reconcile fetch [artifact...]`: the connected stage of an air-gapped install. Each deb set that
 * lists `packages` is resolved against its nodes' own release, architecture and dpkg status (read
 * over SSH, or from `--from-facts FILE`), downloaded into its folder with its manifest and pinned
 * in cluster.yaml (as `reconcile pin` does); URL artifacts are downloaded into the cache and
 * checked. The work is run/fetch.ts; this parses, prints and sets the exit code.
 */
import { readFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { resolve } from "node:path";
import { ExitCode, FileError, SpecError, UsageError, ioReason } from "../../errors.js";
import { fetchEventLine, fetchOutcomeLine, fetchProblemLines } from "../../display/fetch.js";
import { parseTargetsFile, type FetchTarget } from "../../facts/fetch-target.js";
import type { Fact } from "../../facts/types.js";
import type { Logger } from "../../log.js";
import { DEFAULT_SOURCES, type AptSources } from "../../planner/fetch.js";
import { fetchArtifacts } from "../../run/fetch.js";
import { parseSpec } from "../../spec/document.js";
import { readArtifactEntries } from "../../spec/edit.js";
import { readSpecFile } from "../../spec/load.js";
import type { ResolvedCluster } from "../../spec/resolved.js";
import { didYouMean } from "../../spec/suggest.js";
import { validateSpec } from "../../spec/validate.js";
import { plural, print, type CliIO } from "../io.js";
import { interruptible, loadForNodes, openSession, type SpecArgs } from "../remote.js";
import { pinDigests, specWithDigests } from "./pin.js";

export interface FetchArgs extends SpecArgs {
  names: string[];
  /** A targets file saved with `reconcile facts --save-status FILE`. */
  fromFacts?: string;
  sources: Partial<AptSources>;
  /** Download and write the sets, but leave cluster.yaml as it is. */
  noPin: boolean;
}

async function readTargets(file: string): Promise<Record<string, Fact<FetchTarget>>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new FileError(`cannot read --from-facts ${file}: ${ioReason(error)}`);
  }
  const parsed = parseTargetsFile(text);
  if (!parsed.ok) throw new UsageError(`--from-facts ${file}: ${parsed.error}`, "save one with `reconcile facts --save-status FILE` where the nodes can be reached");
  return parsed.value;
}

/** Stands for the digest of a deb set that was never fetched, while fetch makes it (never written). */
const UNPINNED = "0".repeat(64);

/**
 * The spec as `fetch` needs it: like the node commands', except that a deb set listing `packages`
 * may lack its `sha256` (it is first made by this very fetch). Any other problem is reported as is.
 * `facts --save-status` and `trust` load the same way: they come before that fetch.
 */
export async function loadForFetch(args: SpecArgs, io: CliIO): Promise<ResolvedCluster> {
  try {
    return (await loadForNodes(args, io)).cluster;
  } catch (error) {
    if (!(error instanceof SpecError)) throw error;
    const bytes = await readSpecFile(args.file);
    const parsed = parseSpec(bytes, args.file);
    if (parsed.document === undefined) throw error;
    const artifacts = (parsed.value as { artifacts?: Record<string, { packages?: unknown } | null> } | null)?.artifacts ?? {};
    const unpinned = readArtifactEntries(parsed.document, parsed.value)
      .filter((a) => a.kind === "deb" && a.sha256 === undefined && artifacts[a.name]?.packages !== undefined)
      .map((a) => a.name);
    const errors = error.diagnostics.filter((d) => d.severity === "error");
    const onlyUnpinned = errors.every((d) => d.message === "missing required property 'sha256'" && unpinned.some((n) => d.path === `artifacts.${n}`));
    if (unpinned.length === 0 || !onlyUnpinned) throw error;
    const text = specWithDigests(args.file, bytes, parsed.document, parsed.value, new Map(unpinned.map((n) => [n, UNPINNED])));
    const result = validateSpec(new TextEncoder().encode(text), { displayName: args.file, specFile: resolve(args.file), homeDir: homedir() });
    if (result.cluster === undefined) throw error;
    return result.cluster;
  }
}

export async function fetchCommand(args: FetchArgs, io: CliIO, log: Logger): Promise<number> {
  const cluster = await loadForFetch(args, io);
  const known = Object.keys(cluster.artifacts);
  const unknown = args.names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    throw new UsageError(`no artifact ${unknown.map((n) => `'${n}'`).join(", ")} in ${args.file}`, (unknown.length === 1 ? didYouMean(unknown[0], known) : undefined) ?? `artifacts: ${known.join(", ")}`);
  }
  const targets = args.fromFacts === undefined ? undefined : await readTargets(args.fromFacts);
  const sources: AptSources = { ...DEFAULT_SOURCES, ...args.sources };

  const result = await interruptible(async (signal) => {
    const session = openSession(cluster, io, log, signal);
    try {
      return await fetchArtifacts(session, cluster, {
        names: args.names,
        ...(targets === undefined ? {} : { targets }),
        tmpDir: tmpdir(),
        sources,
        onEvent: (event) => print(io.stderr, fetchEventLine(event)),
      });
    } finally {
      await session.close();
    }
  });

  if (result.problems.length > 0) {
    for (const p of result.problems) for (const line of fetchProblemLines(p)) print(io.stderr, line);
    print(io.stderr, `nothing fetched: ${plural(new Set(result.problems.map((p) => p.artifact)).size, "artifact")} cannot be fetched`);
    return ExitCode.failure;
  }
  if (result.outcomes.length === 0) {
    print(io.stdout, `${args.file} has nothing to fetch: no deb artifact lists \`packages\` and no artifact has a URL source`);
    return ExitCode.ok;
  }

  // Pin what was fetched: every deb set that was written, in one edit of cluster.yaml.
  const digests = new Map(result.outcomes.flatMap((o) => (o.kind === "deb" && o.status === "fetched" ? [[o.artifact, o.sha256] as const] : [])));
  const before = new Map(Object.entries(cluster.artifacts).map(([name, a]) => [name, a.sha256]));
  let wrote = false;
  if (!args.noPin && digests.size > 0) wrote = await pinDigests(args.file, digests);

  const width = Math.max(...result.outcomes.map((o) => o.artifact.length));
  for (const o of result.outcomes) {
    const pinned = o.kind === "deb" && o.status === "fetched" && !args.noPin ? before.get(o.artifact) !== o.sha256 : undefined;
    print(o.status === "failed" ? io.stderr : io.stdout, fetchOutcomeLine(o, width, pinned));
    if (o.status === "failed" && o.hint !== null) print(io.stderr, `  hint: ${o.hint}`);
  }
  if (wrote) print(io.stdout, `wrote ${args.file} (${plural(digests.size, "deb set")} pinned)`);
  else if (args.noPin && digests.size > 0) print(io.stdout, `${args.file} not changed (--no-pin): run \`reconcile pin\` to pin the sets`);
  const failed = result.outcomes.filter((o) => o.status === "failed").length;
  if (failed > 0) print(io.stderr, `${plural(failed, "artifact")} could not be fetched`);
  log.info({ event: "fetch.done", fetched: result.outcomes.length - failed, failed, pinned: wrote ? digests.size : 0 }, "fetch done");
  return failed > 0 ? ExitCode.failure : ExitCode.ok;
}
