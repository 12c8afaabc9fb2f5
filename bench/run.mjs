/**
 * What every benchmark here shares: running a process and timing it, failing on a non-zero exit,
 * the median of runs and seconds for the tables.
 */
import { spawn } from "node:child_process";

/** Runs `cmd` to its end: its exit code, wall time in ms, stdout and stderr. */
export function timed(cmd, args, options = {}) {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, ms: performance.now() - started, stdout, stderr }));
  });
}

/** `timed`'s result, or an error naming `what` with the end of its output when it exited non-zero. */
export async function must(p, what) {
  const r = await p;
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${(r.stdout + r.stderr).slice(-3000)}`);
  return r;
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;
