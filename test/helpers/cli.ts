/** Runs the real `reconcile` binary (built by `npm test` before vitest starts). */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
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

export function reconcile(args: string[], options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): CliResult {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("RECONCILE_")) env[k] = v;
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? REPO,
    env: { ...env, ...options.env },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: options.timeoutMs ?? 60_000,
  });
  // Nothing but the run's own output may reach stderr: a runtime warning fails whichever test ran it.
  const warning = runtimeWarning(r.stderr ?? "");
  if (warning !== null) throw new Error(`reconcile ${args.join(" ")} printed a runtime warning: ${warning}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A warning from Node.js itself (deprecations, a FileHandle closed by the garbage collector, an
 * unhandled rejection), which no user should ever see; null when there is none.
 */
export function runtimeWarning(stderr: string): string | null {
  return /^\(node:\d+\) .*$|^.*(Deprecation|Experimental)Warning.*$|^Warning: Closing file descriptor.*$|^.*UnhandledPromiseRejection.*$/m.exec(stderr)?.[0] ?? null;
}

/**
 * Starts `reconcile` in the background (for tests that act while it runs): `output()` is what it
 * printed so far, `done` settles with the result once it exits (runtime warnings fail it, as in
 * {@link reconcile}).
 */
export function reconcileInBackground(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): { child: ChildProcess; output: () => string; done: Promise<CliResult & { ms: number }> } {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("RECONCILE_")) env[k] = v;
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? REPO, env: { ...env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult & { ms: number }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      const warning = runtimeWarning(stderr);
      if (warning !== null) reject(new Error(`reconcile ${args.join(" ")} printed a runtime warning: ${warning}`));
      else resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
  return { child, output: () => stdout + stderr, done };
}

export function tempDir(prefix = "reconcile-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** No stack frames, no "Error:" class names: what a user must never see for bad input. */
export function looksLikeACrash(text: string): boolean {
  return /\n\s+at .+\(.+:\d+:\d+\)/.test(text) || /^\w*Error: /m.test(text);
}
