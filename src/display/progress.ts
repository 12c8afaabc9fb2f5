/**
 * Upload progress as text: one event as a line (`formatProgress`), durations (`formatDuration`),
 * and the lines of the CLI's progress view (cli/progress.ts decides when to print them and how
 * they reach the terminal). Pure.
 */
import type { TransferProgress } from "../executors/transfer-progress.js";
import { formatBytes } from "../units.js";

/** `45 s`, `3 min 05 s`, `2 h 10 min`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

/**
 * One line for a progress event: the same text on a terminal (rewritten in place with `\r`) and in
 * a log (one line per event).
 *
 * @example
 * formatProgress({ node: "n1", sent: 41943040, total: 67108864, resumedFrom: 0, bytesPerSecond: 104857600, etaSeconds: 1 })
 * // "n1: 40.0 MiB of 64.0 MiB (62%), 100.0 MiB/s, 1 s left"
 */
export function formatProgress(event: TransferProgress): string {
  const percent = event.total === 0 ? 100 : Math.floor((event.sent / event.total) * 100);
  const head = `${event.node}: ${formatBytes(event.sent)} of ${formatBytes(event.total)} (${percent}%)`;
  if (event.sent >= event.total) return `${head}, done`;
  const rate = event.bytesPerSecond > 0 ? `${formatBytes(event.bytesPerSecond)}/s` : "starting";
  const eta = event.etaSeconds === null ? "" : `, ${formatDuration(event.etaSeconds)} left`;
  return `${head}, ${rate}${eta}`;
}

/** An upload under way: its latest event and what is being sent. */
export interface Upload {
  event: TransferProgress;
  what: string;
}

/** The plain line for an upload (a pipe, a CI log), printed at each quarter. */
export function uploadLine({ event, what }: Upload): string {
  return `  ${formatProgress(event)}  ${what}`;
}

/**
 * The live line for the uploads under way: per artifact the nodes and their percent, then the
 * total rate and the longest time left, cut to the terminal's `columns`.
 *
 * @example
 * uploadsLine([{ event: { node: "n1", sent: 1, total: 2, resumedFrom: 0, bytesPerSecond: 1, etaSeconds: 1 }, what: "env" }], 120)
 * // "sending env → n1 50% · 1 B/s · 1 s left"
 */
export function uploadsLine(uploads: Iterable<Upload>, columns: number | undefined): string {
  const groups = new Map<string, string[]>();
  let rate = 0;
  let eta: number | null = null;
  for (const { event, what } of uploads) {
    groups.set(what, [...(groups.get(what) ?? []), `${event.node} ${Math.floor((event.sent / event.total) * 100)}%`]);
    rate += event.bytesPerSecond;
    if (event.etaSeconds !== null) eta = Math.max(eta ?? 0, event.etaSeconds);
  }
  const parts = [...groups].map(([what, nodes]) => `${what} → ${nodes.join(" ")}`);
  const text = `sending ${parts.join(" | ")}${rate > 0 ? ` · ${formatBytes(rate)}/s` : ""}${eta === null ? "" : ` · ${formatDuration(eta)} left`}`;
  // A terminal that does not say its size (columns 0, as under `script`) gets 80.
  const known = columns ?? 0;
  const width = (known >= 20 ? known : 80) - 1;
  return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text;
}
