/** `watch --metrics`: what the registry renders after each record* call, read back as samples. */
import { describe, expect, it } from "vitest";
import { APPLY_DURATION_BUCKETS, WatchMetrics } from "../../src/run/metrics.js";
import { parseExposition, samplesOf } from "../helpers/prometheus.js";

const T1 = new Date("2026-12-06T10:00:00Z");
const T2 = new Date("2026-12-06T10:05:30.500Z");

async function body(m: WatchMetrics): Promise<string> {
  return (await m.render()).body;
}

describe("WatchMetrics", () => {
  it("before anything is recorded: the apply counters and the unlabelled gauges at 0, no per-node, kind or pool sample", async () => {
    const m = new WatchMetrics();
    const text = await body(m);
    expect(samplesOf(text, "reconcile_applies_total")).toEqual([
      { labels: { result: "failed" }, value: 0 },
      { labels: { result: "ok" }, value: 0 },
    ]);
    // Prometheus' convention for a metric without labels: there from the start, 0 until recorded.
    expect(parseExposition(text).filter((s) => s.name !== "reconcile_applies_total" && !s.name.startsWith("reconcile_apply_duration_seconds_"))).toEqual([
      { name: "reconcile_drifted_resources_total", labels: {}, value: 0 },
      { name: "reconcile_last_drift_check_timestamp_seconds", labels: {}, value: 0 },
      { name: "reconcile_spec_valid", labels: {}, value: 0 },
    ]);
    expect(samplesOf(text, "reconcile_apply_duration_seconds_count")).toEqual([{ labels: {}, value: 0 }]);
    // Every documented metric is announced, with its type.
    for (const [name, type] of [
      ["reconcile_last_apply_success", "gauge"],
      ["reconcile_last_apply_timestamp_seconds", "gauge"],
      ["reconcile_apply_duration_seconds", "histogram"],
      ["reconcile_applies_total", "counter"],
      ["reconcile_drifted_resources", "gauge"],
      ["reconcile_drifted_resources_total", "gauge"],
      ["reconcile_last_drift_check_timestamp_seconds", "gauge"],
      ["reconcile_workers_online", "gauge"],
      ["reconcile_workers", "gauge"],
      ["reconcile_live_revision_info", "gauge"],
      ["reconcile_spec_valid", "gauge"],
    ]) expect(text).toContain(`# TYPE ${name} ${type}\n`);
  });

  it("recordApply: per node success and end time, the duration histogram, the result counter", async () => {
    const m = new WatchMetrics();
    m.recordApply({ nodes: [{ node: "server", status: "unchanged" }, { node: "w1", status: "converged" }, { node: "w2", status: "failed" }], durationMs: 42_500, endedAt: T1, ok: false });
    const text = await body(m);
    expect(samplesOf(text, "reconcile_last_apply_success")).toEqual([
      { labels: { node: "server" }, value: 1 },
      { labels: { node: "w1" }, value: 1 },
      { labels: { node: "w2" }, value: 0 },
    ]);
    expect(samplesOf(text, "reconcile_last_apply_timestamp_seconds").map((s) => s.value)).toEqual([1796551200, 1796551200, 1796551200]);
    expect(samplesOf(text, "reconcile_applies_total")).toEqual([
      { labels: { result: "failed" }, value: 1 },
      { labels: { result: "ok" }, value: 0 },
    ]);
    expect(samplesOf(text, "reconcile_apply_duration_seconds_sum")).toEqual([{ labels: {}, value: 42.5 }]);
    expect(samplesOf(text, "reconcile_apply_duration_seconds_count")).toEqual([{ labels: {}, value: 1 }]);
    const buckets = samplesOf(text, "reconcile_apply_duration_seconds_bucket");
    expect(buckets.find((b) => b.labels.le === "30")?.value).toBe(0);
    expect(buckets.find((b) => b.labels.le === "60")?.value).toBe(1);
    expect(buckets.find((b) => b.labels.le === "+Inf")?.value).toBe(1);
    expect(buckets).toHaveLength(APPLY_DURATION_BUCKETS.length + 1);
  });

  it("a node skipped or cancelled keeps the result and time of its last apply that ran", async () => {
    const m = new WatchMetrics();
    m.recordApply({ nodes: [{ node: "w1", status: "converged" }, { node: "w2", status: "converged" }], durationMs: 1000, endedAt: T1, ok: true });
    m.recordApply({ nodes: [{ node: "w1", status: "skipped" }, { node: "w2", status: "failed" }, { node: "w3", status: "cancelled" }], durationMs: 3000, endedAt: T2, ok: false });
    const text = await body(m);
    expect(samplesOf(text, "reconcile_last_apply_success")).toEqual([
      { labels: { node: "w1" }, value: 1 },
      { labels: { node: "w2" }, value: 0 },
    ]);
    expect(samplesOf(text, "reconcile_last_apply_timestamp_seconds")).toEqual([
      { labels: { node: "w1" }, value: T1.getTime() / 1000 },
      { labels: { node: "w2" }, value: T2.getTime() / 1000 },
    ]);
    expect(samplesOf(text, "reconcile_applies_total")).toEqual([
      { labels: { result: "failed" }, value: 1 },
      { labels: { result: "ok" }, value: 1 },
    ]);
    expect(samplesOf(text, "reconcile_apply_duration_seconds_count")[0]?.value).toBe(2);
  });

  it("recordDrift: by kind and total; a kind seen before and not drifted now goes back to 0", async () => {
    const m = new WatchMetrics();
    m.recordDrift({ byKind: { unit: 2, file: 1 }, drifted: 3 }, T1);
    let text = await body(m);
    expect(samplesOf(text, "reconcile_drifted_resources")).toEqual([
      { labels: { kind: "file" }, value: 1 },
      { labels: { kind: "unit" }, value: 2 },
    ]);
    expect(samplesOf(text, "reconcile_drifted_resources_total")).toEqual([{ labels: {}, value: 3 }]);
    expect(samplesOf(text, "reconcile_last_drift_check_timestamp_seconds")).toEqual([{ labels: {}, value: T1.getTime() / 1000 }]);
    m.recordDrift({ byKind: { deployment: 1 }, drifted: 1 }, T2);
    text = await body(m);
    expect(samplesOf(text, "reconcile_drifted_resources")).toEqual([
      { labels: { kind: "deployment" }, value: 1 },
      { labels: { kind: "file" }, value: 0 },
      { labels: { kind: "unit" }, value: 0 },
    ]);
    expect(samplesOf(text, "reconcile_drifted_resources_total")).toEqual([{ labels: {}, value: 1 }]);
    expect(samplesOf(text, "reconcile_last_drift_check_timestamp_seconds")).toEqual([{ labels: {}, value: 1796551530.5 }]);
    m.recordDrift({ byKind: {}, drifted: 0 }, T2);
    expect(samplesOf(await body(m), "reconcile_drifted_resources").every((s) => s.value === 0)).toBe(true);
  });

  it("recordWorkers: online and total per pool; a pool no longer reported is dropped", async () => {
    const m = new WatchMetrics();
    m.recordWorkers({ etl: { online: 2, total: 3 }, ml: { online: 1, total: 1 } });
    let text = await body(m);
    expect(samplesOf(text, "reconcile_workers_online")).toEqual([
      { labels: { pool: "etl" }, value: 2 },
      { labels: { pool: "ml" }, value: 1 },
    ]);
    expect(samplesOf(text, "reconcile_workers")).toEqual([
      { labels: { pool: "etl" }, value: 3 },
      { labels: { pool: "ml" }, value: 1 },
    ]);
    m.recordWorkers({ etl: { online: 3, total: 3 } });
    text = await body(m);
    expect(samplesOf(text, "reconcile_workers_online")).toEqual([{ labels: { pool: "etl" }, value: 3 }]);
    expect(samplesOf(text, "reconcile_workers")).toEqual([{ labels: { pool: "etl" }, value: 3 }]);
  });

  it("recordLive: 1 for the live revision only; the old label set is removed", async () => {
    const m = new WatchMetrics();
    m.recordLive({ commit: "a".repeat(40), specDigest: "sha256:1111" });
    m.recordLive({ commit: "b".repeat(40), specDigest: "sha256:2222" });
    expect(samplesOf(await body(m), "reconcile_live_revision_info")).toEqual([{ labels: { commit: "b".repeat(40), spec_digest: "sha256:2222" }, value: 1 }]);
    m.recordLive({ commit: null, specDigest: "sha256:3333" });
    expect(samplesOf(await body(m), "reconcile_live_revision_info")).toEqual([{ labels: { commit: "", spec_digest: "sha256:3333" }, value: 1 }]);
  });

  it("recordSpec: 1 when the last spec validated, 0 when not", async () => {
    const m = new WatchMetrics();
    m.recordSpec(true);
    expect(samplesOf(await body(m), "reconcile_spec_valid")).toEqual([{ labels: {}, value: 1 }]);
    m.recordSpec(false);
    expect(samplesOf(await body(m), "reconcile_spec_valid")).toEqual([{ labels: {}, value: 0 }]);
  });

  it("two registries never share values, and the content type is Prometheus text 0.0.4", async () => {
    const a = new WatchMetrics();
    const b = new WatchMetrics();
    a.recordSpec(false);
    b.recordSpec(true);
    expect(samplesOf(await body(a), "reconcile_spec_valid")[0]?.value).toBe(0);
    expect(samplesOf(await body(b), "reconcile_spec_valid")[0]?.value).toBe(1);
    expect((await a.render()).contentType).toBe("text/plain; version=0.0.4; charset=utf-8");
  });
});
