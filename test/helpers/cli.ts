/** Runs the real `reconcile` binary (built by `npm test` before vitest starts). */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO } from "./spec.js";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export const BIN = join(REPO, "bin", "reconcile.js");

export function reconcile(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("RECONCILE_")) env[k] = v;
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? REPO,
    env: { ...env, ...options.env },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(prefix = "reconcile-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** No stack frames, no "Error:" class names: what a user must never see for bad input. */
export function looksLikeACrash(text: string): boolean {
  return /\n\s+at .+\(.+:\d+:\d+\)/.test(text) || /^\w*Error: /m.test(text);
}
