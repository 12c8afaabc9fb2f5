/** The live view and the JSON lines of `reconcile watch` (src/display/watch.ts), from event tables. */
import { describe, expect, it } from "vitest";
import { foldWatch, initialWatchState, loadErrorLines, watchEventLine, watchLines } from "../../src/display/watch.js";
import type { WatchEvent } from "../../src/run/watch.js";
import type { NodeOutcome } from "../../src/state-machine/cluster-run.js";

const T0 = Date.parse("2026-12-06T10:00:00Z");
const DIGEST = "a".repeat(64);

/** Events with their time in seconds after T0. */
function fold(events: [number, WatchEvent][]) {
  return events.reduce((s, [t, e]) => foldWatch(s, e, T0 + t * 1000), initialWatchState());
}

const started: [number, WatchEvent] = [0, { type: "watch.started", source: "cluster.yaml", intervalMs: 300_000, selfHeal: true, planOnly: false }];
const outcome = (node: string, status: "converged" | "unchanged"): WatchEvent => ({ type: "run.event", event: { type: "node.outcome", outcome: { node, status, message: status } as NodeOutcome } });

describe("watchLines", () => {
  const cases: { name: string; events: [number, WatchEvent][]; at: number; lines: string[] }[] = [
    {
      name: "just started: nothing live, the next check counted down",
      events: [started],
      at: 60,
      lines: ["watching cluster.yaml (self-heal) · live none yet", "next drift check in 4 min 00 s"],
    },
    {
      name: "a run under way: each node's stage",
      events: [
        started,
        [1, { type: "run.started", revision: `${DIGEST}:0123456789abcdef`, reason: "change" }],
        [2, { type: "run.event", event: { type: "stage.started", node: "worker-1", stage: "transfer", phase: "transfer", attempt: 1 } }],
        [3, outcome("server", "unchanged")],
      ],
      at: 10,
      lines: [
        "watching cluster.yaml (self-heal) · live none yet",
        "  worker-1  transfer",
        "  server    idle  last: unchanged",
        "running aaaaaaaaaaaa (change) for 9 s",
        "next drift check in 4 min 50 s",
      ],
    },
    {
      name: "after a run and a drift check; an invalid save stays on screen until the next run",
      events: [
        started,
        [1, { type: "run.started", revision: "c0ffee0000000000000000000000000000000000", reason: "start" }],
        [15, { type: "run.finished", revision: "c0ffee0000000000000000000000000000000000", reason: "start", ok: true, durationMs: 14_000, nodes: [{ node: "worker-1", status: "converged" }], error: null }],
        [300, { type: "drift.checked", revision: "c0ffee0000000000000000000000000000000000", inSync: false, drifted: 2, fix: 1, warn: 1, byKind: { service: 2 }, nextCheckMs: 300_000 }],
        [310, { type: "spec.invalid", errors: [{ file: "cluster.yaml", line: 3, col: 1, path: "workers", message: "must be array", severity: "error" }], lastGood: "c0ffee0000000000000000000000000000000000" }],
      ],
      at: 320,
      lines: [
        "watching cluster.yaml (self-heal) · live c0ffee000000",
        "  worker-1  idle  last: converged",
        "last run: c0ffee000000 ok, 5 min 05 s ago (took 14 s)",
        "drift: 2 drifted (1 to fix, 1 warn only), checked 20 s ago",
        "next drift check in 4 min 40 s",
        "the spec does not validate (1 problem); c0ffee000000 stays live",
      ],
    },
    {
      name: "a failed run and a refused revision",
      events: [
        [0, { type: "watch.started", source: "/srv/git/c.git@main:cluster.yaml", intervalMs: null, selfHeal: false, planOnly: true }],
        [1, { type: "run.started", revision: "r1", reason: "change" }],
        [2, { type: "run.finished", revision: "r1", reason: "change", ok: false, durationMs: 1000, nodes: [], error: "node w1: verify failed" }],
        [3, { type: "guard.refused", revision: "r2", reasons: ["workers: 2 declared before, none now"] }],
      ],
      at: 4,
      lines: [
        "watching /srv/git/c.git@main:cluster.yaml (plan only) · live none yet",
        "last run: r1 failed: node w1: verify failed, 2 s ago (took 1 s)",
        "refused r2: workers: 2 declared before, none now",
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(watchLines(fold(c.events), T0 + c.at * 1000)).toEqual(c.lines);
    });
  }

  it("plan-only runs leave nothing live", () => {
    const s = fold([
      [0, { type: "watch.started", source: "cluster.yaml", intervalMs: null, selfHeal: false, planOnly: true }],
      [1, { type: "run.finished", revision: "r1", reason: "start", ok: true, durationMs: 10, nodes: [], error: null }],
    ]);
    expect(s.live).toBeNull();
  });
});

describe("watchEventLine", () => {
  it("stamps the time and turns errors into their messages", () => {
    const e: WatchEvent = { type: "run.event", event: { type: "retry.scheduled", node: "w1", stage: "transfer", retry: 1, delayMs: 1000, error: new Error("connection reset") } };
    expect(JSON.parse(watchEventLine(e, new Date(T0)))).toEqual({ time: "2026-12-06T10:00:00.000Z", type: "run.event", event: { type: "retry.scheduled", node: "w1", stage: "transfer", retry: 1, delayMs: 1000, error: "connection reset" } });
  });
});

describe("loadErrorLines", () => {
  it("positions diagnostics and keeps other problems' text", () => {
    expect(loadErrorLines([{ file: "cluster.yaml", line: 2, col: 5, path: "kind", message: "must be PrefectCluster", severity: "error" }, "cannot read secrets.env", new Error("boom")])).toEqual([
      "cluster.yaml:2:5 kind: must be PrefectCluster",
      "cannot read secrets.env",
      "boom",
    ]);
  });
});
