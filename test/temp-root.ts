/**
 * Vitest global setup for every project: the run's temp folders go under one folder of their own
 * (TMPDIR, which the test workers and the CLI processes they start inherit), removed when the run
 * ends. e2e runs copy environments and deb sets into temp folders (hundreds of MB each): left
 * behind, they fill the disk over many runs.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const root = mkdtempSync(join(tmpdir(), "reconcile-run-"));
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(root, { recursive: true, force: true });
  };
}
