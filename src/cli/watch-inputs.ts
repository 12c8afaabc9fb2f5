/**
 * What `reconcile watch` watches and how it tells inputs apart, kept out of commands/watch.ts so it
 * is tested without a file watcher: the paths of a spec's inputs, the files that are never inputs
 * (editor temp files, caches), a loaded spec's revision, and the duration options.
 */
import { createHmac, randomBytes } from "node:crypto";
import { basename } from "node:path";
import { UsageError } from "../errors.js";
import type { LoadedCluster } from "../spec/load.js";
import { durationMs } from "../spec/normalize.js";
import type { ResolvedCluster } from "../spec/resolved.js";

/**
 * A duration option (`5m`, `500ms`, `60s`) in ms, with the codebase's one duration syntax.
 *
 * @example
 * parseDurationOption("--interval", "5m") // 300000
 */
export function parseDurationOption(flag: string, text: string, minMs = 1): number {
  let ms: number;
  try {
    ms = durationMs(text);
  } catch {
    throw new UsageError(`${flag} ${text}: not a duration`, "use a number with ms, s, m or h: 500ms, 30s, 5m, 1h");
  }
  if (ms < minMs) throw new UsageError(`${flag} ${text}: must be at least ${minMs} ms`);
  return ms;
}

/** Keys the secrets' part of a revision: per process, so a revision printed says nothing about a secret's value. */
const REVISION_KEY = randomBytes(32);

/**
 * What identifies a loaded spec: its bytes' digest, and (when it uses secrets) a keyed digest of
 * their values, so rotating a secret is a new revision while a save that changed nothing is not.
 * The key is random per process: the revision, shown in events, cannot be used to guess a secret.
 *
 * @example
 * revisionOf(loaded) // "3f0c…e1" (the spec digest), or "3f0c…e1:9b2d41aa07c3e5f8"
 */
export function revisionOf(loaded: LoadedCluster): string {
  if (loaded.secrets.values.size === 0) return loaded.cluster.specDigest;
  const h = createHmac("sha256", REVISION_KEY);
  for (const [name, value] of [...loaded.secrets.values].sort(([a], [b]) => a.localeCompare(b))) h.update(`${name}\0${value.reveal()}\0`);
  return `${loaded.cluster.specDigest}:${h.digest("hex").slice(0, 16)}`;
}

/** The local paths a change of which is a change of the input: the spec, the secrets file, path artifacts, flow folders. */
export function watchedPaths(cluster: ResolvedCluster, secretsFile: string | null): { spec: string[]; inputs: string[] } {
  const spec = [cluster.specFile, ...(secretsFile === null ? [] : [secretsFile])];
  const inputs = [
    ...Object.values(cluster.artifacts).flatMap((a) => (a.source.type === "path" ? [a.source.path] : [])),
    ...cluster.flows.map((f) => f.source),
  ];
  return { spec, inputs: [...new Set(inputs)].sort() };
}

/** Version control, caches and editor temp files (`*.swp`, `*~`, `.#*`) are not inputs. */
export function ignoredPath(path: string): boolean {
  if (/(^|\/)(\.git|__pycache__|\.mypy_cache|\.pytest_cache)(\/|$)/.test(path)) return true;
  const name = basename(path);
  return /\.(swp|swx|swo|tmp)$/.test(name) || name.endsWith("~") || name.startsWith(".#");
}
