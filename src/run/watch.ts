/**
 * The continuous reconciler's loop (`reconcile watch`), headless: it decides *when* to load,
 * apply and look for drift, and reports everything as {@link WatchEvent}s. What loading, applying
 * and a drift check are is injected (the CLI passes loadCluster, converge and checkDrift; tests
 * pass fakes), and so is time ({@link WatchClock}), so the rules below are tested with fake timers:
 *
 * - bursts of file events are debounced (quiet for `debounceMs`) and coalesced into one run;
 * - runs never overlap: a change during a run marks the loop dirty, and exactly one more run
 *   follows, which loads the newest state (the states in between are never applied);
 * - an invalid spec is reported and nothing is applied; the last good one stays live;
 * - one attempt per revision: a revision applied successfully is not applied again on a save that
 *   changed nothing (unless a non-spec input changed: `force`); a failed one is retried with
 *   exponential backoff, and a new revision runs at once and resets it;
 * - `intervalMs`: when idle, look for drift; with `selfHeal`, converge it (the plan already holds
 *   back `warn`/`ignore` resources); a tick while a run goes is skipped, not queued;
 * - `guard` (the CLI passes it with --prune): a new revision it objects to is refused, not applied.
 */
import type { DriftReport } from "../planner/drift.js";
import type { RunEvent } from "./events.js";

/** Time as the loop sees it: `Date.now`/`setTimeout` in the CLI, fake timers in tests. */
export interface WatchClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** What a load found: a valid input and what identifies it, or why it is not valid. */
export type LoadResult<T> =
  /** `subject`: in git mode, the commit's subject line (for `git.fetched`). */
  | { ok: true; revision: string; value: T; subject?: string }
  /** `revision`, when known (a git commit that does not validate), keeps it from being reported on every poll. */
  | { ok: false; errors: unknown; revision?: string }
  /** The input could not be reached at all (a git fetch failed): not a verdict on the spec. */
  | { ok: false; unavailable: string };

/** How one apply ended: `nodes` as the run reported them; `error` a message, never an Error object. */
export interface ApplyResult {
  ok: boolean;
  nodes: { node: string; status: string }[];
  error?: string;
}

/** Why a run started. `start` is the first run when the watcher starts. */
export type RunReason = "start" | "change" | "retry" | "interval" | "self-heal";

/** What a hook command did (executors/hooks.ts HookResult, or an error message when it could not run). */
export interface HookReport {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  stderr: string;
}

/** A failed apply, as the `--on-failure` hook receives it on stdin. */
export interface FailureReport {
  revision: string;
  error: string;
  nodes: { node: string; status: string }[];
}

/**
 * What the watcher reports; JSON-serializable (the CLI prints one per line without a terminal).
 * Route on `type`.
 */
export type WatchEvent =
  | { type: "watch.started"; source: string; intervalMs: number | null; selfHeal: boolean; planOnly: boolean }
  /** File events after the quiet period, coalesced (a poll in git mode has none). */
  | { type: "change.detected"; paths: string[] }
  /** The input does not validate: nothing applied, the last good revision stays live. */
  | { type: "spec.invalid"; errors: unknown; lastGood: string | null }
  /** The input could not be read at all (git mode: the fetch failed); the live revision stays. */
  | { type: "source.unavailable"; error: string; live: string | null }
  /** git mode: a new commit was fetched. */
  | { type: "git.fetched"; commit: string; subject: string }
  /** git mode: a commit that does not validate; never applied. */
  | { type: "git.rejected"; commit: string; errors: unknown }
  /** The empty-state guard refused a revision (with --prune): what it would have emptied. */
  | { type: "guard.refused"; revision: string; reasons: string[] }
  | { type: "run.started"; revision: string; reason: RunReason }
  /** A save that did not change the revision: `applied` already, or its retry is waiting out the backoff. */
  | { type: "run.skipped"; revision: string; why: "applied" | "backoff" }
  /** An event of the apply under way (plan, stages, uploads, outcomes). */
  | { type: "run.event"; event: RunEvent }
  | { type: "run.finished"; revision: string; reason: RunReason; ok: boolean; durationMs: number; nodes: { node: string; status: string }[]; error: string | null }
  /** The failed revision is tried again after `delayMs` (attempt counts failures so far). */
  | { type: "retry.scheduled"; revision: string; attempt: number; delayMs: number }
  | { type: "drift.checked"; revision: string; inSync: boolean; drifted: number; fix: number; warn: number; byKind: Record<string, number>; nextCheckMs: number | null }
  | { type: "drift.failed"; revision: string; error: string }
  | { type: "hook.ran"; hook: "drift" | "failure"; ok: boolean; result: HookReport | null; error: string | null }
  | { type: "watch.stopped" };

export type WatchEventHandler = (event: WatchEvent) => void;

export interface WatcherOptions<T> {
  clock: WatchClock;
  /** Reads and validates the input (the spec, its secrets; in git mode, fetches first). */
  load(): Promise<LoadResult<T>>;
  /** Applies (or, with --plan-only, only plans) a valid input; rejects or returns ok false on failure. */
  apply(value: T, options: { revision: string; reason: RunReason; signal: AbortSignal }): Promise<ApplyResult>;
  /** Looks for drift against a valid input (needed with `intervalMs`). */
  drift?(value: T, options: { signal: AbortSignal }): Promise<DriftReport>;
  /** Reasons to refuse `next` after `previous` (the empty-state guard); none: apply it. */
  guard?(previous: T, next: T): string[];
  /** Commands run on drift found (`--on-drift`) and on a failed apply (`--on-failure`). */
  hooks?: { drift?(report: DriftReport): Promise<HookReport>; failure?(report: FailureReport): Promise<HookReport> };
  onEvent: WatchEventHandler;
  /** What is watched, for `watch.started` (a file, or repo@ref). */
  source: string;
  /** `git`: a failed load with a revision is a `git.rejected` commit; a new revision is `git.fetched`. */
  mode?: "files" | "git";
  /** Quiet time after the last file event before a run (default {@link DEFAULT_DEBOUNCE_MS}). */
  debounceMs?: number;
  /** Look for drift this often while idle; absent: never. */
  intervalMs?: number;
  /** Converge the drift an interval check finds. */
  selfHeal?: boolean;
  /** git mode: load (fetch) this often. */
  pollMs?: number;
  /** Backoff after a failed apply: first delay, doubled per failure up to `maxMs`. */
  backoff?: { initialMs: number; maxMs: number };
  /** For `watch.started` only: the CLI applies nothing with --plan-only. */
  planOnly?: boolean;
}

export const DEFAULT_DEBOUNCE_MS = 500;
/** 30 s doubling to 10 min: a broken node is not hammered, and a fixed one converges soon enough. */
export const DEFAULT_BACKOFF = { initialMs: 30_000, maxMs: 600_000 } as const;

/** The delay before retry number `failures` (1 = after the first failure). */
export function backoffDelay(failures: number, backoff: { initialMs: number; maxMs: number } = DEFAULT_BACKOFF): number {
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.max(0, failures - 1));
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

type TimerName = "debounce" | "retry" | "interval" | "poll";
type Trigger = "start" | "change" | "retry" | "interval";
const PRIORITY: Record<Trigger, number> = { interval: 0, retry: 1, change: 2, start: 3 };

/**
 * @example
 * const watcher = new Watcher({ clock, load, apply, drift, onEvent, source: "cluster.yaml", intervalMs: 300_000 });
 * watcher.start();
 * chokidar.watch(paths).on("all", (_e, path) => watcher.notify(path));
 * // on SIGINT:
 * await watcher.stop();
 */
export class Watcher<T> {
  readonly #o: WatcherOptions<T>;
  readonly #debounceMs: number;
  readonly #backoff: { initialMs: number; maxMs: number };
  /** The newest valid input: what drift checks and self-heal use. */
  #lastGood: { revision: string; value: T } | null = null;
  /** The revision last applied successfully. */
  #applied: string | null = null;
  /** The revision whose apply failed, how often, and whether a retry is waiting. */
  #failed: { revision: string; failures: number } | null = null;
  /** A revision rejected (invalid commit, guard): not reported again until it changes. */
  #rejected: string | null = null;
  /** The last drift reported to the hook, so the same drift does not call it on every check. */
  #driftSeen: string | null = null;
  #running: Promise<void> | null = null;
  #controller: AbortController | null = null;
  /** A trigger that came while a run went: the one run that follows. */
  #dirty: Trigger | null = null;
  #paths = new Set<string>();
  #force = false;
  #timers: Record<TimerName, unknown> = { debounce: undefined, retry: undefined, interval: undefined, poll: undefined };
  #started = false;
  #stopped = false;

  constructor(options: WatcherOptions<T>) {
    this.#o = options;
    this.#debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  /** The revision last applied successfully (the live one), or null. */
  get live(): string | null {
    return this.#applied;
  }

  /** True while a run (load, apply, drift check) goes. */
  get busy(): boolean {
    return this.#running !== null;
  }

  /** Emits `watch.started`, runs once at once, and arms the interval and the poll. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    const o = this.#o;
    o.onEvent({ type: "watch.started", source: o.source, intervalMs: o.intervalMs ?? null, selfHeal: o.selfHeal === true, planOnly: o.planOnly === true });
    this.#armInterval();
    this.#armPoll();
    this.#trigger("start");
  }

  /**
   * A file changed. Bursts are debounced and coalesced; `force` (a non-spec input: an artifact, a
   * flow folder) applies even when the spec's revision did not change.
   */
  notify(path: string, options: { force?: boolean } = {}): void {
    if (this.#stopped) return;
    this.#paths.add(path);
    if (options.force === true) this.#force = true;
    this.#clear("debounce");
    this.#timers.debounce = this.#o.clock.setTimeout(() => {
      this.#timers.debounce = undefined;
      this.#trigger("change");
    }, this.#debounceMs);
  }

  /**
   * Stops: timers cleared, the run under way aborted through its signal (converge finishes or
   * cancels its current step and releases the lock) and waited for. Resolves when idle.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return this.#running ?? undefined;
    this.#stopped = true;
    for (const k of Object.keys(this.#timers) as (TimerName)[]) this.#clear(k);
    this.#dirty = null;
    this.#controller?.abort(new Error("the watcher is stopping"));
    await this.#running?.catch(() => undefined);
    this.#o.onEvent({ type: "watch.stopped" });
  }

  #clear(name: TimerName): void {
    if (this.#timers[name] !== undefined) this.#o.clock.clearTimeout(this.#timers[name]);
    this.#timers[name] = undefined;
  }

  #armInterval(): void {
    const ms = this.#o.intervalMs;
    if (ms === undefined || this.#stopped) return;
    this.#timers.interval = this.#o.clock.setTimeout(() => {
      this.#timers.interval = undefined;
      this.#armInterval();
      // A tick while a run goes is skipped: the next one comes an interval later.
      if (this.#running === null) this.#trigger("interval");
    }, ms);
  }

  #armPoll(): void {
    const ms = this.#o.pollMs;
    if (ms === undefined || this.#stopped) return;
    this.#timers.poll = this.#o.clock.setTimeout(() => {
      this.#timers.poll = undefined;
      this.#armPoll();
      this.#trigger("change");
    }, ms);
  }

  #trigger(trigger: Trigger): void {
    if (this.#stopped) return;
    if (this.#running !== null) {
      if (trigger === "interval") return;
      if (this.#dirty === null || PRIORITY[trigger] > PRIORITY[this.#dirty]) this.#dirty = trigger;
      return;
    }
    const controller = new AbortController();
    this.#controller = controller;
    this.#running = this.#cycle(trigger, controller.signal)
      .catch((error: unknown) => {
        // A fault of the loop itself (an injected function that threw where it should not):
        // reported as a failed run, the watcher stays alive.
        this.#o.onEvent({ type: "run.finished", revision: this.#lastGood?.revision ?? "", reason: trigger === "interval" ? "interval" : "change", ok: false, durationMs: 0, nodes: [], error: message(error) });
      })
      .finally(() => {
        this.#running = null;
        this.#controller = null;
        const next = this.#dirty;
        this.#dirty = null;
        if (next !== null) this.#trigger(next);
      });
  }

  async #cycle(trigger: Trigger, signal: AbortSignal): Promise<void> {
    if (trigger === "interval") return this.#driftCheck(signal);
    const paths = [...this.#paths].sort();
    const force = this.#force;
    this.#paths.clear();
    this.#force = false;
    if (paths.length > 0) this.#o.onEvent({ type: "change.detected", paths });
    const o = this.#o;
    const loaded = await o.load();
    if (this.#stopped) return;
    if (!loaded.ok && "unavailable" in loaded) {
      o.onEvent({ type: "source.unavailable", error: loaded.unavailable, live: this.#applied });
      return;
    }
    if (!loaded.ok) {
      if (loaded.revision !== undefined && loaded.revision === this.#rejected) return;
      this.#rejected = loaded.revision ?? null;
      if (o.mode === "git" && loaded.revision !== undefined) o.onEvent({ type: "git.rejected", commit: loaded.revision, errors: loaded.errors });
      else o.onEvent({ type: "spec.invalid", errors: loaded.errors, lastGood: this.#lastGood?.revision ?? null });
      return;
    }
    const { revision, value } = loaded;
    const previous = this.#lastGood;
    if (revision === this.#rejected && !force) return;
    if (previous === null || previous.revision !== revision) {
      if (o.guard !== undefined && previous !== null) {
        const reasons = o.guard(previous.value, value);
        if (reasons.length > 0) {
          this.#rejected = revision;
          o.onEvent({ type: "guard.refused", revision, reasons });
          return;
        }
      }
      this.#rejected = null;
      if (o.mode === "git") o.onEvent({ type: "git.fetched", commit: revision, subject: loaded.subject ?? "" });
      this.#lastGood = { revision, value };
      // A new revision resets the backoff: it runs at once.
      if (this.#failed !== null && this.#failed.revision !== revision) {
        this.#failed = null;
        this.#clear("retry");
      }
    } else {
      this.#lastGood = { revision, value };
    }
    if (!force) {
      // Said only for a file change (a git poll of the same commit is not news).
      const skip = (why: "applied" | "backoff") => (paths.length > 0 ? o.onEvent({ type: "run.skipped", revision, why }) : undefined);
      if (revision === this.#applied) return skip("applied");
      // Waiting out the backoff: only the retry timer (or a new revision) runs it again.
      if (this.#failed?.revision === revision && trigger !== "retry") return skip("backoff");
    }
    await this.#apply(value, revision, trigger === "retry" ? "retry" : trigger === "start" ? "start" : "change", signal);
  }

  async #apply(value: T, revision: string, reason: RunReason, signal: AbortSignal): Promise<void> {
    const o = this.#o;
    o.onEvent({ type: "run.started", revision, reason });
    const started = o.clock.now();
    let result: ApplyResult;
    try {
      result = await o.apply(value, { revision, reason, signal });
    } catch (error) {
      result = { ok: false, nodes: [], error: message(error) };
    }
    o.onEvent({ type: "run.finished", revision, reason, ok: result.ok, durationMs: o.clock.now() - started, nodes: result.nodes, error: result.ok ? null : (result.error ?? "the apply failed") });
    if (this.#stopped) return;
    this.#clear("retry");
    if (result.ok) {
      this.#applied = revision;
      this.#failed = null;
      return;
    }
    // The nodes are now somewhere between revisions: going back to the one applied before must
    // apply it again, not be taken for a save that changed nothing.
    this.#applied = null;
    const failures = this.#failed?.revision === revision ? this.#failed.failures + 1 : 1;
    this.#failed = { revision, failures };
    const delayMs = backoffDelay(failures, this.#backoff);
    o.onEvent({ type: "retry.scheduled", revision, attempt: failures, delayMs });
    this.#timers.retry = o.clock.setTimeout(() => {
      this.#timers.retry = undefined;
      this.#trigger("retry");
    }, delayMs);
    if (o.hooks?.failure !== undefined) await this.#hook("failure", () => o.hooks!.failure!({ revision, error: result.error ?? "the apply failed", nodes: result.nodes }));
  }

  async #driftCheck(signal: AbortSignal): Promise<void> {
    const o = this.#o;
    const good = this.#lastGood;
    if (good === null || o.drift === undefined) return;
    let report: DriftReport;
    try {
      report = await o.drift(good.value, { signal });
    } catch (error) {
      if (!this.#stopped) o.onEvent({ type: "drift.failed", revision: good.revision, error: message(error) });
      return;
    }
    if (this.#stopped) return;
    const s = report.summary;
    o.onEvent({ type: "drift.checked", revision: good.revision, inSync: report.inSync, drifted: s.drifted, fix: s.fix, warn: s.warn, byKind: s.byKind, nextCheckMs: o.intervalMs ?? null });
    const seen = report.drift.length === 0 ? null : JSON.stringify(report.drift.map((d) => [d.node, d.address, d.summary]));
    if (seen !== null && seen !== this.#driftSeen && o.hooks?.drift !== undefined) await this.#hook("drift", () => o.hooks!.drift!(report));
    this.#driftSeen = seen;
    // A revision waiting out its backoff is not applied early by self-heal.
    if (o.selfHeal === true && s.fix > 0 && this.#failed?.revision !== good.revision && !this.#stopped) {
      await this.#apply(good.value, good.revision, "self-heal", signal);
    }
  }

  async #hook(hook: "drift" | "failure", run: () => Promise<HookReport>): Promise<void> {
    try {
      const result = await run();
      this.#o.onEvent({ type: "hook.ran", hook, ok: result.exitCode === 0 && !result.timedOut, result, error: null });
    } catch (error) {
      this.#o.onEvent({ type: "hook.ran", hook, ok: false, result: null, error: message(error) });
    }
  }
}
