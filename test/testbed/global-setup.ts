/**
 * vitest globalSetup of the e2e project: boots the test bed once per run and hands its info to the
 * tests (inject("testbed")); tears it down afterwards unless TESTBED_KEEP=1.
 *
 * - TESTBED_NODES: how many nodes (default 4: the Prefect objects test adds a fourth worker).
 * - Under CI (CI=true) a test bed that cannot start fails the run.
 * - Elsewhere, when this machine cannot run it at all (not root, systemd-nspawn or debootstrap
 *   missing), e2e tests are skipped with a loud banner saying why; any other failure fails the run.
 */
import type { TestProject } from "vitest/node";
import { acquireSession, down, prerequisiteProblems, releaseSession, TestbedError, up } from "./testbed.mjs";
import type { TestbedInfo } from "./testbed.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    /** The booted test bed, or null when the e2e tests are skipped (then testbedSkipReason says why). */
    testbed: TestbedInfo | null;
    testbedSkipReason: string | null;
  }
}

const log = (message: string) => process.stderr.write(`[testbed] ${message}\n`);

function banner(lines: string[]): void {
  const bar = "!".repeat(100);
  process.stderr.write(["", bar, ...lines.map((l) => `!!  ${l}`), bar, ""].join("\n") + "\n");
}

function underCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== "" && ci !== "0" && ci.toLowerCase() !== "false";
}

function skip(project: TestProject, reason: string): void {
  banner([
    "E2E TESTS SKIPPED: the test bed cannot run on this machine.",
    reason,
    "They run as root with systemd-nspawn and debootstrap installed (CI=true makes this a failure).",
  ]);
  project.provide("testbed", null);
  project.provide("testbedSkipReason", reason);
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const ci = underCI();
  const keep = process.env.TESTBED_KEEP === "1";
  const nodes = Number(process.env.TESTBED_NODES ?? 4);
  if (!Number.isInteger(nodes) || nodes < 1) throw new Error(`TESTBED_NODES must be a positive whole number, not '${process.env.TESTBED_NODES}'`);

  const problems = prerequisiteProblems();
  if (problems.length) {
    const reason = problems.join("; ");
    if (ci) throw new Error(`CI=true and the test bed cannot start: ${reason}`);
    skip(project, reason);
    return undefined;
  }

  await acquireSession({ log });
  let info: TestbedInfo;
  try {
    info = await up({ nodes, log });
  } catch (e) {
    if (!keep) await down({ log }).catch((d: unknown) => log(`cleaning up after the failed start also failed: ${String(d)}`));
    releaseSession();
    if (e instanceof TestbedError && e.prerequisite && !ci) {
      skip(project, e.message);
      return undefined;
    }
    throw new Error(`the test bed did not start: ${e instanceof Error ? e.message : String(e)}`);
  }
  log(`${info.nodes.length} node(s) up: ${info.nodes.map((n) => `${n.name}=${n.address}`).join(" ")}`);
  project.provide("testbed", info);
  project.provide("testbedSkipReason", null);

  return async () => {
    try {
      if (keep) log(`TESTBED_KEEP=1: leaving the test bed running (node test/testbed/testbed.mjs down stops it)`);
      else await down({ log });
    } finally {
      releaseSession();
    }
  };
}
