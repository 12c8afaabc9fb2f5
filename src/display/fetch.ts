/** `reconcile fetch` as lines: the targets read, each artifact's outcome, the problems that stopped it. */
import type { FetchProblem } from "../planner/fetch.js";
import { formatBytes } from "../units.js";
import type { FetchEvent, FetchOutcome } from "../run/fetch.js";
import { formatDuration } from "./progress.js";

const files = (n: number) => `${n} .deb file${n === 1 ? "" : "s"}`;

/** One line per event worth showing while the fetch runs (on stderr). */
export function fetchEventLine(event: FetchEvent): string {
  if (event.type === "fetch.targets") {
    const nodes = event.nodes.length === 0 ? "no node" : event.nodes.join(", ");
    return event.from === "file" ? `targets from the file: ${nodes}` : `read release and dpkg status of ${nodes} in ${formatDuration(event.durationMs / 1000)}`;
  }
  const job = event.job;
  return job.kind === "deb"
    ? `${job.artifact}: resolving ${job.packages.join(", ")} for ${job.targets.map((t) => t.node).join(", ")} (${job.release.codename} ${job.release.arch})`
    : `${job.artifact}: downloading ${job.url}`;
}

/** An artifact's outcome, in one line; `pinned` says whether its digest changed in cluster.yaml. */
export function fetchOutcomeLine(o: FetchOutcome, width: number, pinned: boolean | undefined): string {
  const name = o.artifact.padEnd(width);
  const took = `in ${formatDuration(("durationMs" in o ? o.durationMs : 0) / 1000)}`;
  if (o.status === "failed") return `${name}  failed: ${o.message}`;
  if (o.kind === "url") return `${name}  downloaded ${formatBytes(o.bytes)} into the cache, sha256 checked, ${took}`;
  const target = `${o.nodes.join(", ")} (${o.release.codename} ${o.release.arch})`;
  if (o.status === "nothing") return `${name}  nothing to fetch: ${target} already have every package; folder and pin unchanged`;
  const pin = pinned === undefined ? "" : pinned ? `, pinned ${o.sha256.slice(0, 12)}` : `, pin unchanged ${o.sha256.slice(0, 12)}`;
  return `${name}  ${files(o.files)}, ${formatBytes(o.bytes)} for ${target} ${took}${pin}`;
}

/** A problem found while planning, with the node when one is the reason, and its hint. */
export function fetchProblemLines(p: FetchProblem): string[] {
  return [`artifact ${p.artifact}: ${p.message}`, ...(p.hint === undefined ? [] : [`  hint: ${p.hint}`])];
}
