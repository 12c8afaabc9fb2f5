/**
 * `reconcile drift` on the command line, in-process through `run`: what it refuses before it loads
 * the spec or reaches a node (a wrong --format, an --out folder that does not exist), its help, and
 * the format switch. The command against real nodes is an e2e test (test/e2e).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatDriftReport, parseDriftFormat } from "../../src/cli/commands/drift.js";
import type { CliIO } from "../../src/cli/io.js";
import { run } from "../../src/cli/main.js";
import { driftReport } from "../../src/planner/drift.js";
import { loadCase, planCase } from "../planner/cases.js";
import { looksLikeACrash, tempDir } from "../helpers/cli.js";
import { REPO } from "../helpers/spec.js";

const EXAMPLE = join(REPO, "cluster.yaml.example");

/** Captured streams; no terminal, so no colors. */
function fakeIO(): CliIO & { out: () => string; err: () => string } {
  let stdout = "";
  let stderr = "";
  return { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env: {}, out: () => stdout, err: () => stderr };
}

describe("reconcile drift: refused before anything is contacted", () => {
  it.each<[string[], string]>([
    [["drift", "--format", "yaml"], "error: --format must be one of text, json, markdown, not 'yaml'\n"],
    [["drift", "--format", "JSON"], "error: --format must be one of text, json, markdown, not 'JSON'\n"],
    [["drift", "--out", "/nonexistent-folder/drift.json"], "error: --out /nonexistent-folder/drift.json: the folder /nonexistent-folder does not exist\nhint: create it first (mkdir -p /nonexistent-folder)\n"],
  ])("%j (exit 64)", async (argv, stderr) => {
    const io = fakeIO();
    const started = performance.now();
    // No secrets in the environment: a command that got as far as loading the spec strictly would fail on them instead.
    expect(await run(["-f", EXAMPLE, ...argv], io)).toBe(64);
    expect(io.err()).toBe(stderr);
    expect(looksLikeACrash(io.err())).toBe(false);
    expect(io.out()).toBe("");
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("a missing spec file is an error naming it, before any node", async () => {
    const io = fakeIO();
    const missing = join(tempDir(), "nope.yaml");
    expect(await run(["-f", missing, "drift", "--format", "json"], io)).toBe(1);
    expect(io.err()).toContain("nope.yaml");
    expect(looksLikeACrash(io.err())).toBe(false);
  });
});

describe("reconcile drift --help", () => {
  it("has examples, the formats and the exit codes", async () => {
    const io = fakeIO();
    expect(await run(["drift", "--help"], io)).toBe(0);
    expect(io.out()).toContain("Examples:\n  $ reconcile drift\n");
    expect(io.out()).toContain("--format <format>");
    expect(io.out()).toContain("--deep");
    expect(io.out()).toContain("Exit codes: 0 in sync, 2 drift found, 1 a node or the Prefect API could not be checked");
  });

  it("the top-level help shows drift among the commands and examples", async () => {
    const io = fakeIO();
    expect(await run(["--help"], io)).toBe(0);
    expect(io.out()).toMatch(/\n {2}drift \[options\] +report what differs/);
    expect(io.out()).toContain("$ reconcile drift --format markdown --out drift.md");
  });
});

describe("formats", () => {
  const report = driftReport(planCase(loadCase("converged")));

  it.each(["text", "json", "markdown"] as const)("%s parses", (f) => expect(parseDriftFormat(f)).toBe(f));

  it.each<["text" | "json" | "markdown", (s: string) => void]>([
    ["text", (s) => expect(s.endsWith("No drift: every node matches cluster.yaml.\n")).toBe(true)],
    ["json", (s) => expect(JSON.parse(s)).toEqual({ ...report, generatedAt: "2026-12-06T19:00:00.000Z" })],
    ["markdown", (s) => expect(s.startsWith("## Drift in cluster plant\n\n**Status: in sync.**")).toBe(true)],
  ])("%s is what the command prints or writes", (format, check) => {
    const text = formatDriftReport(report, format, "2026-12-06T19:00:00.000Z");
    check(text);
    expect(text.endsWith("\n")).toBe(true);
  });
});
