/**
 * The upload progress view: a live line on a terminal (rewritten in place, cleared before other
 * output), plain lines at each quarter elsewhere.
 */
import { describe, expect, it } from "vitest";
import type { TransferProgress } from "../../src/executors/transfer-progress.js";
import { ProgressView } from "../../src/cli/progress.js";

const MiB = 1024 * 1024;
const event = (node: string, sentMiB: number, totalMiB = 200): TransferProgress => ({
  node,
  sent: sentMiB * MiB,
  total: totalMiB * MiB,
  resumedFrom: 0,
  bytesPerSecond: sentMiB === 0 ? 0 : 100 * MiB,
  etaSeconds: sentMiB === 0 ? null : (totalMiB - sentMiB) / 100,
});

function stream(isTTY: boolean, columns = 120) {
  const chunks: string[] = [];
  return { isTTY, columns, chunks, write: (text: string) => chunks.push(text), text: () => chunks.join("") };
}

describe("ProgressView", () => {
  it("elsewhere: one plain line per upload at 25, 50 and 75%, none at 0 or at the end", () => {
    const out = stream(false);
    const view = new ProgressView(out);
    for (const sent of [0, 10, 49, 50, 60, 100, 120, 150, 199, 200]) view.update("n2/env", "prefect-env", event("n2", sent));
    expect(out.text().split("\n").filter((l) => l !== "")).toEqual([
      "  n2: 50.0 MiB of 200.0 MiB (25%), 100.0 MiB/s, 2 s left  prefect-env",
      "  n2: 100.0 MiB of 200.0 MiB (50%), 100.0 MiB/s, 1 s left  prefect-env",
      "  n2: 150.0 MiB of 200.0 MiB (75%), 100.0 MiB/s, 1 s left  prefect-env",
    ]);
  });

  it("on a terminal: one live line for every upload, redrawn at most every 200 ms, no newline", () => {
    const out = stream(true);
    let now = 0;
    const view = new ProgressView(out, () => now);
    view.update("n2/env", "prefect-env", event("n2", 20));
    view.update("n3/env", "prefect-env", event("n3", 10)); // within 200 ms: not drawn yet
    now = 250;
    view.update("n3/env", "prefect-env", event("n3", 40));
    expect(out.chunks.at(-1)).toBe("\r\x1b[Ksending prefect-env → n2 10% n3 20% · 200.0 MiB/s · 2 s left");
    expect(out.text()).not.toContain("\n");
  });

  it("on a terminal: other lines go above the live line, which comes back below them; clear() removes it", () => {
    const out = stream(true);
    const view = new ProgressView(out, () => 0);
    view.update("n2/env", "prefect-env", event("n2", 100));
    view.print(out, "node n3: converged");
    expect(out.chunks.slice(-3)).toEqual(["\r\x1b[K", "node n3: converged\n", "\r\x1b[Ksending prefect-env → n2 50% · 100.0 MiB/s · 1 s left"]);
    expect(out.chunks.filter((c) => c === "\r\x1b[K")).toHaveLength(1);
    view.clear();
    expect(out.chunks.at(-1)).toBe("\r\x1b[K");
    view.clear(); // nothing drawn: nothing written
    expect(out.chunks.at(-1)).toBe("\r\x1b[K");
    expect(out.chunks.filter((c) => c === "\r\x1b[K")).toHaveLength(2);
  });

  it("on a terminal that does not say its width, the line is cut at 80 columns", () => {
    const out = stream(true, 0);
    let now = 0;
    const view = new ProgressView(out, () => (now += 300));
    for (let i = 1; i <= 12; i++) view.update(`n${i}/env`, "prefect-env", event(`n${i}`, 100));
    expect(out.chunks.at(-1)).toHaveLength("\r\x1b[K".length + 79);
    expect(out.chunks.at(-1)).toMatch(/^\r\x1b\[Ksending prefect-env → n1 50% n2 50% .*…$/);
  });

  it("on a terminal: uploads of different artifacts are grouped per artifact", () => {
    const out = stream(true);
    let now = 0;
    const view = new ProgressView(out, () => (now += 300));
    view.update("n2/env", "prefect-env", event("n2", 50));
    view.update("n2/flow", "flow-code:etl", event("n2", 1, 4));
    view.update("n3/env", "prefect-env", event("n3", 100));
    expect(out.chunks.at(-1)).toBe("\r\x1b[Ksending prefect-env → n2 25% n3 50% | flow-code:etl → n2 25% · 300.0 MiB/s · 2 s left");
  });

  it("an upload that failed or was cancelled leaves the line with done(); after close() nothing is drawn", () => {
    const out = stream(true);
    let now = 0;
    const view = new ProgressView(out, () => (now += 300));
    view.update("n2/env", "prefect-env", event("n2", 50));
    view.update("n3/env", "prefect-env", event("n3", 50));
    view.done("n2/env");
    expect(out.chunks.at(-1)).toBe("\r\x1b[Ksending prefect-env → n3 25% · 100.0 MiB/s · 2 s left");
    view.close();
    expect(out.chunks.at(-1)).toBe("\r\x1b[K");
    const written = out.chunks.length;
    view.update("n3/env", "prefect-env", event("n3", 60)); // a late acknowledgement after Ctrl-C
    view.print(out, "error: interrupted (SIGINT)");
    expect(out.chunks.slice(written)).toEqual(["error: interrupted (SIGINT)\n"]);
  });

  it("elsewhere: an upload sent again from the start reports its quarters again", () => {
    const out = stream(false);
    const view = new ProgressView(out);
    for (const sent of [60, 120, 0, 60]) view.update("n2/env", "prefect-env", event("n2", sent));
    expect(out.text().split("\n").filter((l) => l !== "").map((l) => /\((\d+)%\)/.exec(l)?.[1])).toEqual(["30", "60", "30"]);
  });

  it("elsewhere: a resumed upload reports only the quarters it passes in this run", () => {
    const out = stream(false);
    const view = new ProgressView(out);
    // Resumed at 60 MiB of 200 (30%): the 25% mark was passed in an earlier run.
    for (const sent of [61, 90, 101, 151]) view.update("n2/env", "prefect-env", { ...event("n2", sent), resumedFrom: 60 * MiB });
    expect(out.text().split("\n").filter((l) => l !== "").map((l) => /\((\d+)%\)/.exec(l)?.[1])).toEqual(["50", "75"]);
  });

  it("on a terminal: a finished upload leaves the line, and the line fits the terminal", () => {
    const out = stream(true, 40);
    const view = new ProgressView(out, () => 0);
    view.update("n2/env", "prefect-env", event("n2", 100));
    expect(out.chunks.at(-1)).toBe(`\r\x1b[K${"sending prefect-env → n2 50% · 100.0 MiB/s · 1 s left".slice(0, 38)}…`);
    view.update("n2/env", "prefect-env", event("n2", 200));
    expect(out.chunks.at(-1)).toBe("\r\x1b[K");
    view.print(out, "done");
    expect(out.chunks.at(-1)).toBe("done\n");
  });
});
