/**
 * `reconcile watch`: the continuous reconciler's wiring. The loop's rules (debounce, no overlap,
 * one attempt per revision, backoff, interval, guard) are src/run/watch.ts; this command gives it
 * real parts: chokidar on cluster.yaml, the secrets file, the local artifacts and the flow
 * folders (or, with --git, a GitSource polled), loadCluster strict, converge (or only a plan with
 * --plan-only), checkDrift, the hooks and the metrics; and it renders the events: a live view on a
 * terminal, one JSON line per event elsewhere. SIGINT/SIGTERM stop the loop safely and exit 130.
 */
import { hostname, userInfo } from "node:os";
import { join, resolve } from "node:path";
import { watch as watchFiles, type FSWatcher } from "chokidar";
import { SpecError } from "../../errors.js";
import { GitSource, gitCacheDir } from "../../executors/git-source.js";
import { runHook } from "../../executors/hooks.js";
import { serveMetrics } from "../../executors/metrics-server.js";
import { defaultCacheDir } from "../../executors/stage.js";
import { emptyStateGuard } from "../../planner/guard.js";
import { converge } from "../../run/converge.js";
import { checkDrift } from "../../run/drift.js";
import { workersOnline } from "../../run/status.js";
import { gather } from "../../run/gather.js";
import { WatchMetrics } from "../../run/metrics.js";
import { planGathered } from "../../run/plan.js";
import { Session } from "../../run/session.js";
import { Watcher, type ApplyResult, type HookReport, type LoadResult, type WatchEvent, type WatchEventHandler } from "../../run/watch.js";
import { loadCluster, type LoadedCluster } from "../../spec/load.js";
import type { ResolvedCluster } from "../../spec/resolved.js";
import { clusterWideLines, outcomeLines, warningLine } from "../../display/events.js";
import { renderPlan } from "../../display/plan.js";
import { foldWatch, initialWatchState, loadErrorLines, watchEventLine, watchLines, type WatchState } from "../../display/watch.js";
import type { Logger } from "../../log.js";
import { print, streamStyle, type CliIO } from "../io.js";
import { interruptible, type SpecArgs } from "../remote.js";
import { ignoredPath, revisionOf, watchedPaths } from "../watch-inputs.js";

export interface WatchArgs extends SpecArgs {
  planOnly: boolean;
  prune: boolean;
  selfHeal: boolean;
  json: boolean;
  concurrency: number;
  settleSeconds: number;
  debounceMs: number;
  intervalMs?: number;
  git?: { url: string; ref: string; path: string; pollMs: number };
  /** HOST:PORT */
  metrics?: string;
  onDrift?: string;
  onFailure?: string;
}

/** How long a hook command may run before it is stopped. */
const HOOK_TIMEOUT_MS = 60_000;

/** Nodes a Session was opened for: a spec whose nodes' addresses or SSH settings differ needs a new one. */
const nodesKey = (cluster: ResolvedCluster): string => JSON.stringify(cluster.nodes.map((n) => [n.name, n.address, n.ssh]));

const hookReport = (r: Awaited<ReturnType<typeof runHook>>): HookReport => ({ exitCode: r.exitCode, signal: r.signal, timedOut: r.timedOut, durationMs: r.durationMs, stderr: r.stderr.slice(-2000) });

/** The live view on a terminal: lines printed above a block redrawn in place. */
class LiveView {
  #state: WatchState = initialWatchState();
  #drawn = 0;
  readonly #timer: ReturnType<typeof setInterval>;
  constructor(
    private readonly io: CliIO,
    private readonly style: ReturnType<typeof streamStyle>,
  ) {
    // The relative times ("2 min ago", "next check in") move on; once a second is no load.
    this.#timer = setInterval(() => this.#draw(), 1000);
    this.#timer.unref();
  }

  event(e: WatchEvent): void {
    this.#state = foldWatch(this.#state, e, Date.now());
    this.#draw();
  }

  /** Lines that stay (errors, a plan, outcomes), printed above the live block. */
  print(stream: CliIO["stdout"], lines: readonly string[]): void {
    this.#clear();
    for (const line of lines) print(stream, line);
    this.#draw();
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #clear(): void {
    if (this.#drawn === 0) return;
    this.io.stdout.write(`\x1b[${this.#drawn}F\x1b[J`);
    this.#drawn = 0;
  }

  #draw(): void {
    this.#clear();
    const lines = watchLines(this.#state, Date.now(), this.style);
    this.io.stdout.write(`${lines.join("\n")}\n`);
    // A line longer than the terminal wraps: count the rows it takes, or the next redraw would
    // leave its top on the screen.
    const columns = (this.io.stdout as { columns?: number }).columns ?? 80;
    this.#drawn = lines.reduce((rows, line) => rows + Math.max(1, Math.ceil(line.replace(/\x1b\[[0-9;]*m/g, "").length / Math.max(20, columns))), 0);
  }
}

/** The events on a terminal: the live block, and above it what should stay on screen. */
function liveRenderer(io: CliIO, view: LiveView): WatchEventHandler {
  const style = streamStyle(io, io.stdout);
  return (e) => {
    view.event(e);
    switch (e.type) {
      case "spec.invalid":
        return view.print(io.stderr, loadErrorLines(e.errors));
      case "git.rejected":
        return view.print(io.stderr, [`commit ${e.commit} does not validate:`, ...loadErrorLines(e.errors).map((l) => `  ${l}`)]);
      case "source.unavailable":
        return view.print(io.stderr, [e.error]);
      case "guard.refused":
        return view.print(io.stderr, [`not applied: ${e.revision} would remove every one of a kind (--prune):`, ...e.reasons.map((r) => `  ${r}`)]);
      case "hook.ran":
        if (!e.ok) view.print(io.stderr, [`--on-${e.hook} failed: ${e.error ?? (e.result?.timedOut === true ? "timed out" : `exit ${e.result?.exitCode ?? e.result?.signal}`)}`]);
        return;
      case "run.finished":
        if (!e.ok) view.print(io.stderr, [`run of ${e.revision.slice(0, 12)} failed: ${e.error ?? ""}`]);
        return;
      case "run.event": {
        const r = e.event;
        if (r.type === "plan.made" && r.plan.hasChanges) view.print(io.stdout, renderPlan(r.plan, style === undefined ? {} : { style }));
        else if (r.type === "warning") view.print(io.stderr, [warningLine(r)]);
        else if (r.type === "node.outcome" && r.outcome.status !== "unchanged") view.print(io.stdout, outcomeLines(r.outcome));
        else if (r.type === "cluster-wide.outcome" && r.outcome.status !== "unchanged") view.print(io.stdout, clusterWideLines(r.outcome));
        return;
      }
      default:
        return;
    }
  };
}

/** Keeps the Prometheus figures up to date from the events. */
function metricsRecorder(metrics: WatchMetrics, specDigestOf: (revision: string) => string | undefined, git: boolean): WatchEventHandler {
  return (e) => {
    switch (e.type) {
      case "run.finished":
        metrics.recordApply({ nodes: e.nodes, durationMs: e.durationMs, endedAt: new Date(), ok: e.ok });
        if (e.ok) metrics.recordLive({ commit: git ? e.revision : null, specDigest: specDigestOf(e.revision) ?? "" });
        return;
      case "drift.checked":
        metrics.recordDrift({ byKind: e.byKind, drifted: e.drifted }, new Date());
        return;
      case "spec.invalid":
      case "git.rejected":
        metrics.recordSpec(false);
        return;
      default:
        return;
    }
  };
}

export async function watchCommand(args: WatchArgs, io: CliIO, log: Logger): Promise<number> {
  return interruptible(async (signal) => {
    const json = args.json || io.stdout.isTTY !== true;
    const view = json ? null : new LiveView(io, streamStyle(io, io.stdout));
    const metrics = args.metrics === undefined ? null : new WatchMetrics();
    /** Revision → the spec digest it was loaded from, for the live-commit metric. */
    const digests = new Map<string, string>();
    const handlers: WatchEventHandler[] = [json ? (e) => print(io.stdout, watchEventLine(e, new Date())) : liveRenderer(io, view!)];
    if (metrics !== null) handlers.push(metricsRecorder(metrics, (r) => digests.get(r), args.git !== undefined));
    const emit: WatchEventHandler = (e) => {
      for (const h of handlers) h(e);
      log.info({ event: `watch.${e.type}` }, e.type);
    };

    // One Session while the nodes stay the same; a new one (the old closed) when they change.
    let session: { key: string; session: Session } | null = null;
    const sessionFor = async (cluster: ResolvedCluster): Promise<Session> => {
      const key = nodesKey(cluster);
      if (session?.key === key) return session.session;
      await session?.session.close();
      session = { key, session: Session.open(cluster.nodes, { env: io.env, log, signal }) };
      return session.session;
    };

    const holder = { name: `${userInfo().username}@${hostname()}`, host: hostname(), pid: process.pid };
    /** The workers per pool for `--metrics`, after each run and drift check (a failed read only logs). */
    const recordWorkers = async (loaded: LoadedCluster, s: Session, o: { signal: AbortSignal }): Promise<void> => {
      if (metrics === null) return;
      try {
        metrics.recordWorkers(await workersOnline(s, loaded.cluster, loaded.secrets.values, { signal: o.signal }));
      } catch (error) {
        log.warn({ event: "watch.workers", error: error instanceof Error ? error.message : String(error) }, "could not read the workers for the metrics");
      }
    };
    const apply = async (loaded: LoadedCluster, o: { signal: AbortSignal; revision: string }): Promise<ApplyResult> => {
      const result = await applyOnce(loaded, o);
      await recordWorkers(loaded, await sessionFor(loaded.cluster), o);
      return result;
    };
    const applyOnce = async (loaded: LoadedCluster, o: { signal: AbortSignal; revision: string }): Promise<ApplyResult> => {
      const s = await sessionFor(loaded.cluster);
      const onEvent = (event: Parameters<NonNullable<Parameters<typeof converge>[2]["onEvent"]>>[0]) => emit({ type: "run.event", event });
      if (args.planOnly) {
        const gathered = await gather(s, loaded.cluster, { secrets: loaded.secrets.values, signal: o.signal });
        const plan = planGathered(loaded.cluster, gathered, loaded.secrets.values, { prune: args.prune });
        onEvent({ type: "plan.made", plan });
        return { ok: plan.applyable, nodes: plan.nodes.map((n) => ({ node: n.name, status: n.status })), ...(plan.applyable ? {} : { error: "the plan is not applyable" }) };
      }
      const result = await converge(s, loaded.cluster, {
        secrets: loaded.secrets.values,
        holder,
        prune: args.prune,
        concurrency: args.concurrency,
        settleSeconds: args.settleSeconds,
        onEvent,
        signal: o.signal,
        // The commit a --git apply comes from, recorded in each node's state (`reconcile status`).
        ...(args.git === undefined ? {} : { revision: o.revision }),
      });
      if (result.status !== "ran") return { ok: true, nodes: result.plan.nodes.map((n) => ({ node: n.name, status: "unchanged" })) };
      const nodes = result.nodes.map((n) => ({ node: n.node, status: n.status }));
      const failed = result.nodes.filter((n) => n.status !== "converged" && n.status !== "unchanged");
      return { ok: result.converged, nodes, ...(result.converged ? {} : { error: failed.map((n) => `node ${n.node}: ${n.message}`).join("; ") || "not converged" }) };
    };

    // The spec from a file (or a checkout), as the loop wants it; positioned diagnostics on failure.
    const loadFrom = async (file: string, revisionOverride?: string): Promise<LoadResult<LoadedCluster>> => {
      try {
        const loaded = await loadCluster(file, { strict: true, env: io.env, ...(args.secretsFile === undefined ? {} : { secretsFile: args.secretsFile }) });
        const revision = revisionOverride ?? revisionOf(loaded);
        digests.set(revision, loaded.cluster.specDigest);
        metrics?.recordSpec(true);
        return { ok: true, revision, value: loaded };
      } catch (error) {
        const errors = error instanceof SpecError ? error.diagnostics : [error instanceof Error ? error.message : String(error)];
        return { ok: false, errors, ...(revisionOverride === undefined ? {} : { revision: revisionOverride }) };
      }
    };

    let files: FSWatcher | null = null;
    let watching = new Set<string>();
    let specPaths = new Set<string>();
    /** After each valid load: watch what the spec now names (new artifacts, flow folders), unwatch what it dropped. */
    const rewatch = (cluster: ResolvedCluster, secretsFile: string | null): void => {
      if (files === null) return;
      const paths = watchedPaths(cluster, secretsFile);
      specPaths = new Set(paths.spec);
      const next = new Set([...paths.spec, ...paths.inputs]);
      const added = [...next].filter((p) => !watching.has(p));
      const removed = [...watching].filter((p) => !next.has(p) && !specPaths.has(p));
      if (added.length > 0) files.add(added);
      if (removed.length > 0) files.unwatch(removed);
      watching = next;
    };

    let git: GitSource | null = null;
    let load: () => Promise<LoadResult<LoadedCluster>>;
    let source: string;
    if (args.git !== undefined) {
      const g = args.git;
      git = new GitSource({ url: g.url, ref: g.ref, path: g.path, cacheDir: gitCacheDir(join(defaultCacheDir(io.env as NodeJS.ProcessEnv), "git"), g.url), signal, env: io.env });
      source = `${g.url}@${g.ref}:${g.path}`;
      let lastFetched: { commit: string; result: LoadResult<LoadedCluster> } | null = null;
      load = async () => {
        let revision;
        try {
          revision = await git!.fetch();
        } catch (error) {
          return { ok: false, unavailable: `git fetch of ${g.url} ${g.ref}: ${error instanceof Error ? error.message : String(error)}` };
        }
        // The same commit validates the same way: loaded once (secrets come from outside it, read again on a new commit).
        const before = lastFetched;
        if (before !== null && before.commit === revision.commit) return before.result;
        const result = await loadFrom(revision.specFile, revision.commit);
        const fetched = { commit: revision.commit, result: result.ok ? { ...result, subject: revision.subject } : result };
        lastFetched = fetched;
        // Checkouts of commits no longer needed go; the live one and the newest stay.
        await git!.prune([revision.commit, ...(watcher.live === null ? [] : [watcher.live])]).catch(() => undefined);
        return fetched.result;
      };
    } else {
      source = args.file;
      const specFile = resolve(args.file);
      files = watchFiles(specFile, { ignoreInitial: true, ignored: ignoredPath, awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 50 } });
      watching = new Set([specFile]);
      specPaths = new Set([specFile]);
      files.on("all", (_event, path) => watcher.notify(path, { force: !specPaths.has(path) }));
      files.on("error", (error) => log.warn({ event: "watch.fs", error: String(error) }, "file watcher error"));
      const secretsPath = (cluster: ResolvedCluster) => (args.secretsFile === undefined ? cluster.secretsFile : resolve(args.secretsFile));
      load = async () => {
        const result = await loadFrom(args.file);
        if (result.ok) rewatch(result.value.cluster, secretsPath(result.value.cluster));
        else {
          // Refused for a missing artifact, flow folder or secret: the spec itself may be fine, and
          // what it names must be watched so that creating it runs (chokidar waits for missing paths).
          const lenient = await loadCluster(args.file, { strict: false, env: io.env }).catch(() => null);
          if (lenient !== null) rewatch(lenient.cluster, secretsPath(lenient.cluster));
        }
        return result;
      };
    }

    const watcher: Watcher<LoadedCluster> = new Watcher<LoadedCluster>({
      clock: { now: () => Date.now(), setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) },
      load,
      apply: (loaded, o) => apply(loaded, o),
      drift: async (loaded, o) => {
        const s = await sessionFor(loaded.cluster);
        const { report } = await checkDrift(s, loaded.cluster, loaded.secrets.values, { signal: o.signal });
        await recordWorkers(loaded, s, o);
        return report;
      },
      ...(args.prune ? { guard: (previous: LoadedCluster, next: LoadedCluster) => emptyStateGuard(previous.cluster, next.cluster) } : {}),
      hooks: {
        ...(args.onDrift === undefined ? {} : { drift: async (report) => hookReport(await runHook(args.onDrift!, report, { timeoutMs: HOOK_TIMEOUT_MS, signal, env: io.env })) }),
        ...(args.onFailure === undefined ? {} : { failure: async (report) => hookReport(await runHook(args.onFailure!, report, { timeoutMs: HOOK_TIMEOUT_MS, signal, env: io.env })) }),
      },
      onEvent: emit,
      source,
      mode: args.git === undefined ? "files" : "git",
      debounceMs: args.debounceMs,
      ...(args.intervalMs === undefined ? {} : { intervalMs: args.intervalMs }),
      selfHeal: args.selfHeal,
      ...(args.git === undefined ? {} : { pollMs: args.git.pollMs }),
      planOnly: args.planOnly,
    });

    const server = metrics === null || args.metrics === undefined ? null : await serveMetrics(args.metrics, () => metrics.render());
    if (server !== null && view === null) print(io.stderr, `metrics on ${server.url}`);
    try {
      watcher.start();
      // Until SIGINT/SIGTERM: the first one stops the loop safely (the step under way finishes or
      // is cancelled, the lock is released); interruptible() then exits 130.
      await new Promise<void>((done) => (signal.aborted ? done() : signal.addEventListener("abort", () => done(), { once: true })));
      return 0;
    } finally {
      await watcher.stop();
      view?.close();
      await files?.close();
      await server?.close();
      await (session as { session: Session } | null)?.session.close();
    }
  });
}
