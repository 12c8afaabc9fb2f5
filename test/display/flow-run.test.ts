/** display/flow-run.ts: the lines of `reconcile run` that the command tests do not reach. */
import { describe, expect, it } from "vitest";
import { logLines, outcomeLines } from "../../src/display/flow-run.js";
import type { FlowRunRef } from "../../src/run/flow-run.js";

const RUN: FlowRunRef = { id: "9ec09480-eb3c-4b38-8787-5e7932992441", name: "ancient-seal", deployment: "etl/hourly", created: "2026-12-06T15:43:04.042673Z" };
const nodeOf = (w: string) => (w === "worker-a-production" ? "worker-a" : undefined);

describe("outcomeLines", () => {
  it("stopped (Ctrl-C): the run goes on, with its id", () => {
    expect(outcomeLines(RUN, { status: "stopped", state: { type: "RUNNING", name: "Running", message: null }, worker: "worker-a-production" }, { timeoutMs: 1000, nodeOf })).toEqual([
      "stopped following; the run goes on (it was not cancelled): flow run ancient-seal (9ec09480-eb3c-4b38-8787-5e7932992441)",
    ]);
  });

  it("a timeout before any answer says the state is unknown; colors by tone", () => {
    const lines = outcomeLines(RUN, { status: "timedOut", state: null, worker: null }, { timeoutMs: 7_200_000, nodeOf, style: (tone, text) => `<${tone}>${text}` });
    expect(lines[0]).toBe("<error>flow run ancient-seal had not ended after 2 h 00 min (state: unknown); stopped waiting");
  });
});

describe("logLines", () => {
  it("an unknown level keeps its number; a trailing newline makes no empty line", () => {
    expect(logLines({ id: "1", timestamp: "2026-12-06T15:43:17.006Z", level: 25, logger: "x", message: "a\nb\n" })).toEqual(["15:43:17 L25     a", "                 b"]);
  });
});
