/**
 * What `reconcile watch --metrics HOST:PORT` exposes to Prometheus: the last apply per node, apply
 * durations, drifted resources by kind, workers online per pool, the live commit and spec digest,
 * and whether the last spec seen validated (README "watch --metrics" lists the names). The watch
 * loop calls the `record*` methods as things happen; the server (executors/metrics-server.ts)
 * calls {@link WatchMetrics.render} per scrape.
 *
 * A registry of its own (never prom-client's global one, so two watches in one process or a test
 * never share values) and no default process metrics: those sample the event loop on a timer, and
 * an idle watch must use no CPU worth measuring. Time comes in as arguments (`endedAt`,
 * `checkedAt`), never from the clock here.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** Node outcome statuses that count as a successful apply of that node. */
const SUCCESS = new Set(["converged", "unchanged"]);
/**
 * Outcomes that say nothing about the node's last apply (it was not attempted): its success and
 * timestamp keep the values of the last apply that did run on it.
 */
const NOT_ATTEMPTED = new Set(["skipped", "cancelled"]);
/** Apply durations, in seconds: a one-value change takes seconds, a fresh cluster many minutes. */
export const APPLY_DURATION_BUCKETS = [1, 2, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600];

const seconds = (d: Date) => d.getTime() / 1000;

/**
 * The registry `watch` updates.
 *
 * @example
 * const metrics = new WatchMetrics();
 * metrics.recordSpec(true);
 * metrics.recordApply({ nodes: [{ node: "w1", status: "converged" }], durationMs: 8200, endedAt: new Date(), ok: true });
 * const { body, contentType } = await metrics.render();
 */
export class WatchMetrics {
  readonly #registry = new Registry();
  readonly #lastSuccess: Gauge<"node">;
  readonly #lastTimestamp: Gauge<"node">;
  readonly #duration: Histogram;
  readonly #applies: Counter<"result">;
  readonly #drifted: Gauge<"kind">;
  readonly #driftedTotal: Gauge;
  readonly #driftChecked: Gauge;
  readonly #workersOnline: Gauge<"pool">;
  readonly #workers: Gauge<"pool">;
  readonly #live: Gauge<"commit" | "spec_digest">;
  readonly #specValid: Gauge;
  /** Kinds reported drifted at least once: set back to 0, not dropped, when they stop drifting. */
  readonly #kindsSeen = new Set<string>();
  #pools = new Set<string>();

  constructor() {
    const registers = [this.#registry];
    this.#lastSuccess = new Gauge({ name: "reconcile_last_apply_success", help: "1 when the node's last apply converged it (or found it unchanged), 0 when it failed", labelNames: ["node"], registers });
    this.#lastTimestamp = new Gauge({ name: "reconcile_last_apply_timestamp_seconds", help: "When the node's last apply ended (Unix time)", labelNames: ["node"], registers });
    this.#duration = new Histogram({ name: "reconcile_apply_duration_seconds", help: "Duration of whole applies (every node and the Prefect objects)", buckets: APPLY_DURATION_BUCKETS, registers });
    this.#applies = new Counter({ name: "reconcile_applies_total", help: "Applies run by this watch, by result", labelNames: ["result"], registers });
    this.#drifted = new Gauge({ name: "reconcile_drifted_resources", help: "Resources that differ from cluster.yaml at the last drift check, by kind", labelNames: ["kind"], registers });
    this.#driftedTotal = new Gauge({ name: "reconcile_drifted_resources_total", help: "Resources that differ from cluster.yaml at the last drift check", registers });
    this.#driftChecked = new Gauge({ name: "reconcile_last_drift_check_timestamp_seconds", help: "When the last drift check ended (Unix time)", registers });
    this.#workersOnline = new Gauge({ name: "reconcile_workers_online", help: "Workers the Prefect server sees ONLINE, by work pool", labelNames: ["pool"], registers });
    this.#workers = new Gauge({ name: "reconcile_workers", help: "Workers of the work pool, online or not, by work pool", labelNames: ["pool"], registers });
    this.#live = new Gauge({ name: "reconcile_live_revision_info", help: "The live revision: git commit (empty when watching a file) and spec digest; 1 for the live one only", labelNames: ["commit", "spec_digest"], registers });
    this.#specValid = new Gauge({ name: "reconcile_spec_valid", help: "1 when the last spec seen validated, 0 when it did not (the last good one stays live)", registers });
    // Both results exist from the start, so rate() and alerts see a 0 before the first failure.
    this.#applies.inc({ result: "ok" }, 0);
    this.#applies.inc({ result: "failed" }, 0);
  }

  /** one apply finished: per node its outcome status string ("converged","unchanged","failed","skipped",...), the run's duration, when it ended */
  recordApply(result: { nodes: readonly { node: string; status: string }[]; durationMs: number; endedAt: Date; ok: boolean }): void {
    for (const { node, status } of result.nodes) {
      if (NOT_ATTEMPTED.has(status)) continue;
      this.#lastSuccess.set({ node }, SUCCESS.has(status) ? 1 : 0);
      this.#lastTimestamp.set({ node }, seconds(result.endedAt));
    }
    this.#duration.observe(result.durationMs / 1000);
    this.#applies.inc({ result: result.ok ? "ok" : "failed" });
  }

  /** drifted resources by kind (and a total), from a DriftReport-like summary; */
  recordDrift(summary: { byKind: Readonly<Record<string, number>>; drifted: number }, checkedAt: Date): void {
    for (const kind of Object.keys(summary.byKind)) this.#kindsSeen.add(kind);
    for (const kind of this.#kindsSeen) this.#drifted.set({ kind }, summary.byKind[kind] ?? 0);
    this.#driftedTotal.set(summary.drifted);
    this.#driftChecked.set(seconds(checkedAt));
  }

  /** workers ONLINE and total per pool */
  recordWorkers(pools: Readonly<Record<string, { online: number; total: number }>>): void {
    const now = new Set(Object.keys(pools));
    // A pool no longer declared is gone, not a pool with no workers.
    for (const pool of this.#pools) {
      if (now.has(pool)) continue;
      this.#workersOnline.remove({ pool });
      this.#workers.remove({ pool });
    }
    for (const [pool, { online, total }] of Object.entries(pools)) {
      this.#workersOnline.set({ pool }, online);
      this.#workers.set({ pool }, total);
    }
    this.#pools = now;
  }

  /** the live git commit (null when watching a file) and the live spec digest */
  recordLive(live: { commit: string | null; specDigest: string }): void {
    this.#live.reset();
    this.#live.set({ commit: live.commit ?? "", spec_digest: live.specDigest }, 1);
  }

  /** whether the last spec seen validated */
  recordSpec(valid: boolean): void {
    this.#specValid.set(valid ? 1 : 0);
  }

  /** Prometheus text exposition */
  async render(): Promise<{ body: string; contentType: string }> {
    return { body: await this.#registry.metrics(), contentType: this.#registry.contentType };
  }
}
