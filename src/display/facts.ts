/**
 * Facts for people (`reconcile facts`): a few lines per node, enough to see what a plan will be
 * based on, and the JSON of `--json` with the hashes of unread files hidden. Pure.
 */
import type { Fact, FileFact, NodeFacts, NodeFactsResult, PostgresFact, StoreFact } from "../facts/types.js";
import { REDACTED } from "../spec/secrets.js";
import { formatBytes } from "../units.js";

function show<T>(fact: Fact<T>, text: (value: T) => string): string {
  return fact.ok ? text(fact.value) : `(could not read: ${fact.error})`;
}

/** One line each for a deep gathering's corrupt and unverified store folders; none when there are none. */
function deepStoreLines(s: StoreFact): string[] {
  const out: string[] = [];
  if (s.corrupt !== undefined && s.corrupt.length > 0) out.push(`              corrupt (content changed since install): ${s.corrupt.join(", ")}`);
  if (s.unverified !== undefined && s.unverified.length > 0) out.push(`              unverified (no digest recorded at install): ${s.unverified.join(", ")}`);
  return out;
}

/** The server's PostgreSQL in one line: its roles and databases, or why it did not answer. */
function postgresText(pg: PostgresFact): string {
  if (pg.state === "not-running") return `not running (${pg.reason})`;
  return `roles ${pg.roles.join(", ")}; databases ${pg.databases.join(", ")}`;
}

/** A few lines per node: enough to see what a plan will be based on. */
function describe(facts: NodeFacts): string[] {
  const out: string[] = [];
  out.push(`  os        ${show(facts.os, (o) => `${o.prettyName} ${o.arch}${o.debArch === undefined ? "" : ` (dpkg ${o.debArch})`}, hostname ${o.hostname}, commands run as ${o.user}`)}`);
  // One line per file system, with the places it holds.
  const disk = show(facts.disk, (d) => d.filesystems.map((f) => `${formatBytes(f.availableBytes)} free of ${formatBytes(f.totalBytes)} on ${f.mount}, holding ${f.holds.join(", ")}`).join("\n"));
  out.push(...disk.split("\n").map((line, i) => `${i === 0 ? "  disk      " : "            "}${line}`));
  out.push(`  store     ${show(facts.store, (s) => `${s.complete.length} complete${s.uploaded.length > 0 ? `, ${s.uploaded.length} uploaded and waiting for install` : ""}${s.partial.length > 0 ? `, ${s.partial.length} partial upload(s)` : ""}`)}`);
  out.push(...show(facts.store, (s) => s.complete.map((sha) => `              ${sha}`).join("\n")).split("\n").filter((l) => l !== ""));
  // Deep gatherings only: folders whose content no longer matches, and those that cannot be checked.
  if (facts.store.ok) out.push(...deepStoreLines(facts.store.value));
  out.push(`  links     ${show(facts.links, (l) => (Object.keys(l).length === 0 ? "none" : ""))}`);
  if (facts.links.ok) for (const [path, l] of Object.entries(facts.links.value)) out.push(`              ${path} -> ${l.state === "link" ? l.target : l.state === "other" ? `(${l.type})` : "(absent)"}`);
  out.push(`  files     ${show(facts.files, (f) => (Object.keys(f).length === 0 ? "none" : ""))}`);
  if (facts.files.ok) {
    for (const [path, f] of Object.entries(facts.files.value)) {
      out.push(`              ${path}  ${f.state === "file" ? `${f.mode} ${f.owner}:${f.group} ${f.bytes} B sha256:${f.content === null ? REDACTED : f.sha256.slice(0, 12)}` : f.state === "other" ? `(${f.type})` : "(absent)"}`);
    }
  }
  out.push(`  units     ${show(facts.units, (u) => (Object.keys(u).length === 0 ? "none" : ""))}`);
  if (facts.units.ok) for (const [name, u] of Object.entries(facts.units.value)) out.push(`              ${name}  ${u.load}, ${u.active}/${u.sub}, ${u.unitFileState || "-"}`);
  out.push(`  packages  ${show(facts.packages, (p) => Object.entries(p).map(([n, v]) => `${n} ${v === null ? "(not installed)" : v.version}`).join(", ") || "none managed")}`);
  out.push(`  users     ${show(facts.users, (u) => Object.entries(u).map(([n, v]) => `${n} ${v === null ? "(absent)" : `uid ${v.uid}`}`).join(", ") || "none managed")}`);
  out.push(`  state     ${show(facts.state, (s) => (s === null ? "never applied" : `generation ${s.generation}, ${s.resources.length} resources, applied ${s.appliedAt}`))}`);
  out.push(`  lock      ${show(facts.lock, (l) => (l === null ? "free" : `held by ${l.holder} on ${l.host} (pid ${l.pid}) until ${l.expiresAt}`))}`);
  if (facts.postgres !== undefined) out.push(`  postgres  ${show(facts.postgres, postgresText)}`);
  return out;
}

/**
 * Files read without their content (those holding secrets, and files no longer declared) show no
 * hash either, as in plans: a hash of a short secret file is a way to guess it.
 */
function hideUnreadHashes(key: string, value: unknown): unknown {
  if (key !== "files" || typeof value !== "object" || value === null || !("ok" in value) || value.ok !== true) return value;
  const files = (value as unknown as { value: Record<string, FileFact> }).value;
  const shown = Object.fromEntries(Object.entries(files).map(([path, f]) => [path, f.state === "file" && f.content === null ? { ...f, sha256: REDACTED } : f]));
  return { ok: true, value: shown };
}

/**
 * A node's facts as lines: its heading, then the facts, or why there are none (with the hint on
 * the line below); a blank line ends them.
 */
export function nodeFactsLines(node: { name: string; address: string }, result: NodeFactsResult | undefined): string[] {
  const out = [`node ${node.name} (${node.address})`];
  if (result === undefined || !result.reachable) {
    out.push(`  ! unreachable: ${result?.error.message ?? "no facts"}`);
    if (result?.error.hint) out.push(`    hint: ${result.error.hint}`);
  } else out.push(...describe(result.facts));
  out.push("");
  return out;
}

/** Facts by node name as `--json` prints them (without the final newline). */
export function factsJson(byNode: Readonly<Record<string, NodeFactsResult | undefined>>): string {
  return JSON.stringify(byNode, hideUnreadHashes, 2);
}
