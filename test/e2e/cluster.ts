/** cluster-files.mjs plus the real `reconcile pin`, for e2e tests. */
import { join } from "node:path";
import { expect } from "vitest";
import { reconcile, tempDir } from "../helpers/cli.js";
import { SECRET_ENV, SECRETS, writeClusterFiles } from "./cluster-files.mjs";

export interface TestCluster {
  dir: string;
  file: string;
  knownHosts: string;
  run(args: string[], env?: Record<string, string>): ReturnType<typeof reconcile>;
}

/** The secret values: they must never appear in any output. */
export const SECRET_VALUES = Object.values(SECRETS);

export function makeCluster(nodes: readonly { name: string; address: string }[], identityFile: string): TestCluster {
  const dir = tempDir("reconcile-e2e-");
  const file = writeClusterFiles(dir, nodes, identityFile);
  const run = (args: string[], env: Record<string, string> = {}) => reconcile(["-f", file, ...args], { cwd: dir, env: { ...SECRET_ENV, ...env } });
  const pinned = run(["pin"]);
  expect(pinned.stderr).toBe("");
  expect(pinned.code).toBe(0);
  return { dir, file, knownHosts: join(dir, "known_hosts"), run };
}
