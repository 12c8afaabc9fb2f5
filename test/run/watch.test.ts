/**
 * The watch loop (src/run/watch.ts) with fake timers and fake load/apply/drift: debounce,
 * coalescing, no overlap, invalid specs, one attempt per revision, backoff, the interval, stop.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DriftItem, DriftReport } from "../../src/planner/drift.js";
import { backoffDelay, Watcher, type ApplyResult, type HookReport, type LoadResult, type RunReason, type WatchEvent, type WatcherOptions } from "../../src/run/watch.js";

/** A promise with its resolve at hand, for applies that end when the test says. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const clock = { now: () => Date.now(), setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms), clearTimeout: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>) };

const driftItem = (policy: "fix" | "warn"): DriftItem => ({
  node: "w1", address: "service:prefect-worker@p.service" as DriftItem["address"], kind: "service", action: "update", summary: "inactive → active", fields: [], diff: null, policy, policyReason: null, ignored: [], prune: false, outOfBand: false,
});
const report = (items: DriftItem[]): DriftReport => ({
  format: 1, cluster: "c", specFile: "/c.yaml", specDigest: "d", inSync: items.length === 0, nodes: [], prefect: { status: "in-sync", version: null, errors: [] }, drift: items, silenced: [],
  summary: { drifted: items.length, fix: items.filter((i) => i.policy === "fix").length, warn: items.filter((i) => i.policy === "warn").length, silenced: 0, byKind: items.length === 0 ? {} : { service: items.length } },
});

/** The input on "disk": what load returns; applies answered in order from `answers` (default ok at once). */
class Harness {
  input: LoadResult<string> = { ok: true, revision: "r1", value: "v1" };
  readonly events: WatchEvent[] = [];
  readonly applies: { value: string; revision: string; reason: RunReason; signal: AbortSignal }[] = [];
  readonly answers: (ApplyResult | Promise<ApplyResult>)[] = [];
  loads = 0;
  drift: DriftReport = report([]);
  readonly watcher: Watcher<string>;

  constructor(options: Partial<WatcherOptions<string>> = {}) {
    this.watcher = new Watcher<string>({
      clock,
      source: "cluster.yaml",
      load: async () => {
        this.loads++;
        return this.input;
      },
      apply: async (value, o) => {
        this.applies.push({ value, ...o });
        return this.answers.shift() ?? { ok: true, nodes: [{ node: "w1", status: "converged" }] };
      },
      drift: async () => this.drift,
      onEvent: (e) => this.events.push(e),
      ...options,
    });
  }

  save(revision: string, path = "cluster.yaml"): void {
    this.input = { ok: true, revision, value: `v-${revision}` };
    this.watcher.notify(path);
  }

  types(): string[] {
    return this.events.map((e) => e.type);
  }

  of<T extends WatchEvent["type"]>(type: T): Extract<WatchEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<WatchEvent, { type: T }> => e.type === type);
  }
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("Watcher", () => {
  it("applies the spec once at start, then a debounced save; a burst of events is one run", async () => {
    const h = new Harness();
    h.watcher.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.applies.map((a) => [a.revision, a.reason])).toEqual([["r1", "start"]]);
    h.save("r2");
    await vi.advanceTimersByTimeAsync(300);
    h.save("r3", "artifacts/env.tar");
    await vi.advanceTimersByTimeAsync(300);
    h.save("r4");
    // 500 ms of quiet have not passed since the last event: nothing yet.
    expect(h.applies).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(500);
    expect(h.applies.map((a) => [a.revision, a.value, a.reason])).toEqual([["r1", "v1", "start"], ["r4", "v-r4", "change"]]);
    expect(h.of("change.detected")).toEqual([{ type: "change.detected", paths: ["artifacts/env.tar", "cluster.yaml"] }]);
    expect(h.watcher.live).toBe("r4");
    await h.watcher.stop();
  });

  it("never runs two at once: changes during a run give exactly one more run, with the newest state", async () => {
    const h = new Harness();
    const first = deferred<ApplyResult>();
    h.answers.push(first.promise);
    h.watcher.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.watcher.busy).toBe(true);
    h.save("r2");
    await vi.advanceTimersByTimeAsync(600);
    h.save("r3");
    await vi.advanceTimersByTimeAsync(600);
    expect(h.applies).toHaveLength(1);
    first.resolve({ ok: true, nodes: [] });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.applies.map((a) => a.revision)).toEqual(["r1", "r3"]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.applies).toHaveLength(2);
    const order = h.types().filter((t) => t === "run.started" || t === "run.finished");
    expect(order).toEqual(["run.started", "run.finished", "run.started", "run.finished"]);
    await h.watcher.stop();
  });

  it("an invalid spec applies nothing and keeps the last good one; the next valid save runs", async () => {
    const h = new Harness({ intervalMs: 60_000 });
    h.watcher.start();
    await vi.advanceTimersByTimeAsync(0);
    h.input = { ok: false, errors: ["cluster.yaml:3:1 workers: must be array"] };
    h.watcher.notify("cluster.yaml");
    await vi.advanceTimersByTimeAsync(500);
    expect(h.of("spec.invalid")).toEqual([{ type: "spec.invalid", errors: ["cluster.yaml:3:1 workers: must be array"], lastGood: "r1" }]);
    expect(h.applies).toHaveLength(1);
    // Drift is still looked for against the last good spec.
    const checked: string[] = [];
    h.drift = report([]);
    await vi.advanceTimersByTimeAsync(60_000);
    checked.push(...h.of("drift.checked").map((e) => e.revision));
    expect(checked).toEqual(["r1"]);
    h.save("r2");
    await vi.advanceTimersByTimeAsync(500);
    expect(h.applies.map((a) => a.revision)).toEqual(["r1", "r2"]);
    await h.watcher.stop();
  });

  it("a save that changed nothing is not applied again, unless a non-spec input changed (force)", async () => {
    const h = new Harness();
    h.watcher.start();
    await vi.advanceTimersByTimeAsync(0);
    h.watcher.notify("cluster.yaml");
    await vi.advanceTimersByTimeAsync(500);
    expect(h.loads).toBe(2);
    expect(h.applies).toHaveLength(1);
    expect(h.of("run.skipped")).toEqual([{ type: "run.skipped", revision: "r1", why: "applied" }]);
    h.watcher.notify("flows/etl/main.py", { force: true });
    await vi.advanceTimersByTimeAsync(500);
    expect(h.applies.map((a) => [a.revision, a.reason])).toEqual([["r1", "start"], ["r1", "change"]]);
    await h.watcher.stop();
  });

  it("a failed apply is retried with doubling delays up to the maximum, not on every save", async () => {
    const backoff = { initialMs: 30_000, maxMs: 100_000 };
    const h = new Harness({ backoff });
    const failed = { ok: false, nodes: [{ node: "w1", status: "failed" }], error: "node w1: verify failed" };
    h.answers.push(failed, failed, failed, failed);
    h.watcher.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.of("retry.scheduled").map((e) => [e.attempt, e.delayMs])).toEqual([[1, 30_000]]);
    // A save of the same revision during the backoff waits for it.
    h.watcher.notify("cluster.yaml");
    await vi.advanceTimersByTimeAsync(29_000);
    expect(h.applies).toHaveLength(1);
    expect(h.of("run.skipped")).toEqual([{ type: "run.skipped", revision: "r1", why: "backoff" }]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.applies.map((a) => a.reason)).toEqual(["start", "retry"]);
    await vi.advanceTimersByTimeAsync(60_000);
    await vi.advanceTimersByTimeAsync(100_000);
    expect(h.of("retry.scheduled").map((e) => e.delayMs)).toEqual([30_000, 60_000, 100_000, 100_000]);
    expect(h.applies).toHaveLength(4);
    // Now it succeeds: no more retries.
    await vi.advanceTimersByTimeAsync(100_000);
    expect(h.applies).toHaveLength(5);
    expect(h.watcher.live).toBe("r1");
    await vi.advanceTimersByTimeAsync(1_000_000);
    expect(h.applies).toHaveLength(5);
    await h.watcher.stop();
  });

  it("a new revision during the backoff runs at once and resets it", async () => {
    const h = new Harness();
    h.answers.push({ ok: false, nodes: [], error: "boom" }, { ok: false, nodes: [], error: "boom" });
    h.watcher.start();
    await vi.advanceTimersByTimeAsync(0);
    h.save("r2");
    await vi.advanceTimersByTimeAsync(500);
    expect(h.applies.map((a) => [a.revision, a.reason])).toEqual([["r1", "start"], ["r2", "change"]]);
    // r2 failed for the first time: 30 s, not 60 s; r1's retry timer is gone.
    expect(h.of("retry.scheduled").map((e) => [e.revision, e.delayMs])).toEqual([["r1", 30_000], ["r2", 30_000]]);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(h.applies.map((a) => [a.revision, a.reason])).toEqual([["r1", "start"], ["r2", "change"], ["r2", "retry"]]);
    await h.watcher.stop();
  });

  it("going back to the revision applied before a failure applies it again", async () => {
    const h = new Harness();
    h.watcher.start();
    await vi.advanceTimersByTimeAsync(0);
    h.answers.push({ ok: false, nodes: [], error: "boom" });
    h.save("r2");
    await vi.advanceTimersByTimeAsync(500);
    h.save("r1");
    await vi.advanceTimersByTimeAsync(500);
    expect(h.applies.map((a) => a.revision)).toEqual(["r1", "r2", "r1"]);
    await h.watcher.stop();
  });

  it("the interval reports drift and runs the drift hook once per new drift; it never applies without self-heal", async () => {
    const hookCalls: DriftReport[] = [];
    const hookResult: HookReport = { exitCode: 0, signal: null, timedOut: false, durationMs: 5, stderr: "" };
    const h = new Harness({ intervalMs: 300_000, hooks: { drift: async (r) => (hookCalls.push(r), hookResult) } });
    h.watcher.start();
    await vi.advanceTimersByTimeAsync(0);
    h.drift = report([driftItem("fix")]);
    await vi.advanceTimersByTimeAsync(300_000);
    await vi.advanceTimersByTimeAsync(300_000);
    expect(h.of("drift.checked").map((e) => [e.inSync, e.drifted, e.fix])).toEqual([[false, 1, 1], [false, 1, 1]]);
    expect(hookCalls).toHaveLength(1);
    expect(h.of("hook.ran")).toEqual([{ type: "hook.ran", hook: "drift", ok: true, result: hookResult, error: null }]);
    expect(h.applies).toHaveLength(1);
    await h.watcher.stop();
  });

  it("with self-heal, drift with policy fix is converged; warn-only drift is not", async () => {
    const h = new Harness({ intervalMs: 300_000, selfHeal: true });
    h.watcher.start();
    await vi.advanceTimersByTimeAsync(0);
    h.drift = report([driftItem("warn")]);
    await vi.advanceTimersByTimeAsync(300_000);
    expect(h.applies).toHaveLength(1);
    h.drift = report([driftItem("fix"), driftItem("warn")]);
    await vi.advanceTimersByTimeAsync(300_000);
    expect(h.applies.map((a) => [a.revision, a.reason])).toEqual([["r1", "start"], ["r1", "self-heal"]]);
    await h.watcher.stop();
  });

  it("an interval tick during a run is skipped, not queued", async () => {
    const h = new Harness({ intervalMs: 1_000 });
    const slow = deferred<ApplyResult>();
    h.answers.push(slow.promise);
    h.watcher.start();
    await vi.advanceTimersByTimeAsync(3_500);
    expect(h.of("drift.checked")).toHaveLength(0);
    slow.resolve({ ok: true, nodes: [] });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.of("drift.checked")).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(500);
    expect(h.of("drift.checked")).toHaveLength(1);
    await h.watcher.stop();
  });

  it("the guard refuses a revision once, applies nothing, and keeps the last good one", async () => {
    const h = new Harness({ guard: (_prev, next) => (next === "v-empty" ? ["workers: 2 declared before, none now"] : []) });
    h.watcher.start();
    await vi.advanceTimersByTimeAsync(0);
    h.save("empty");
    await vi.advanceTimersByTimeAsync(500);
    h.watcher.notify("cluster.yaml");
    await vi.advanceTimersByTimeAsync(500);
    expect(h.of("guard.refused")).toEqual([{ type: "guard.refused", revision: "empty", reasons: ["workers: 2 declared before, none now"] }]);
    expect(h.applies.map((a) => a.revision)).toEqual(["r1"]);
    h.save("r2");
    await vi.advanceTimersByTimeAsync(500);
    expect(h.applies.map((a) => a.revision)).toEqual(["r1", "r2"]);
    await h.watcher.stop();
  });

  it("git mode: polls, reports a fetched commit once, rejects an invalid commit once and keeps the live one", async () => {
    const h = new Harness({ mode: "git", pollMs: 60_000 });
    h.input = { ok: true, revision: "c1", value: "v1", subject: "first" };
    h.watcher.start();
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.loads).toBe(2);
    h.input = { ok: false, revision: "c2", errors: ["cluster.yaml:1:1 kind: must be PrefectCluster"] };
    await vi.advanceTimersByTimeAsync(120_000);
    expect(h.of("git.fetched")).toEqual([{ type: "git.fetched", commit: "c1", subject: "first" }]);
    expect(h.of("git.rejected")).toEqual([{ type: "git.rejected", commit: "c2", errors: ["cluster.yaml:1:1 kind: must be PrefectCluster"] }]);
    expect(h.applies.map((a) => a.revision)).toEqual(["c1"]);
    expect(h.watcher.live).toBe("c1");
    h.input = { ok: false, unavailable: "git fetch of /srv/git/c.git main: no such repository" };
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.of("source.unavailable")).toEqual([{ type: "source.unavailable", error: "git fetch of /srv/git/c.git main: no such repository", live: "c1" }]);
    expect(h.of("spec.invalid")).toEqual([]);
    await h.watcher.stop();
  });

  it("a failed apply runs the failure hook with the revision, the error and the nodes", async () => {
    const got: unknown[] = [];
    const h = new Harness({ hooks: { failure: async (r) => (got.push(r), { exitCode: 1, signal: null, timedOut: false, durationMs: 1, stderr: "no route" }) } });
    h.answers.push({ ok: false, nodes: [{ node: "w1", status: "failed" }], error: "node w1: verify failed" });
    h.watcher.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(got).toEqual([{ revision: "r1", error: "node w1: verify failed", nodes: [{ node: "w1", status: "failed" }] }]);
    expect(h.of("hook.ran").map((e) => [e.hook, e.ok])).toEqual([["failure", false]]);
    await h.watcher.stop();
  });

  it("stop aborts the run under way through its signal, waits for it, and clears every timer", async () => {
    const h = new Harness({ intervalMs: 1_000 });
    let release!: () => void;
    h.answers.push(
      new Promise<ApplyResult>((resolve) => {
        release = () => resolve({ ok: false, nodes: [{ node: "w1", status: "cancelled" }], error: "interrupted" });
      }),
    );
    h.watcher.start();
    await vi.advanceTimersByTimeAsync(0);
    const signal = h.applies[0]!.signal;
    signal.addEventListener("abort", () => release());
    h.save("r2");
    const stopped = h.watcher.stop();
    expect(signal.aborted).toBe(true);
    await stopped;
    expect(h.types().slice(-2)).toEqual(["run.finished", "watch.stopped"]);
    expect(h.of("retry.scheduled")).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.applies).toHaveLength(1);
  });

  it("an apply that throws is a failed run with its message, and the loop goes on", async () => {
    const h = new Harness({
      apply: async () => {
        throw new Error("the spec names no server node");
      },
    });
    h.watcher.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.of("run.finished").map((e) => [e.ok, e.error])).toEqual([[false, "the spec names no server node"]]);
    expect(h.watcher.busy).toBe(false);
    await h.watcher.stop();
  });
});

describe("backoffDelay", () => {
  it("doubles from the first delay and stops at the maximum", () => {
    expect([1, 2, 3, 4, 5, 6, 10].map((n) => backoffDelay(n))).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 600_000, 600_000]);
  });
});
