/**
 * converge (src/run/converge.ts) around the node machines: the local lock, the lease, what it
 * reports as events and when it stops. The server node is a scripted transport (lease commands
 * answered, facts refused as by a node that is down), so no node and no /var/lib/reconcile here;
 * whole runs on real nodes are the e2e tests' part.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConnectError } from "../../src/errors.js";
import { ArtifactCache } from "../../src/executors/stage.js";
import { LockedError, localLockPath } from "../../src/executors/lock.js";
import type { ExecOptions, ExecResult, NodeConnections, Transport } from "../../src/executors/transport.js";
import { createLogger } from "../../src/log.js";
import type { SavedPlan } from "../../src/planner/saved.js";
import { converge, StalePlanError, type ConvergeOptions } from "../../src/run/converge.js";
import type { RunEvent } from "../../src/run/events.js";
import { Session } from "../../src/run/session.js";
import { loadCluster } from "../../src/spec/load.js";
import { tempDir } from "../helpers/cli.js";

const ENV_TAR = "pretend this is a tar of an environment\n";
const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const lease = (holder: string, expiresAt: string) => JSON.stringify({ holder, host: "ctl", pid: 4242, startedAt: "2026-12-06T08:00:00.000Z", expiresAt });

/** What the scripted server node answers per step; a step without an answer fails like a node that is down. */
type Answers = Partial<Record<string, (call: number) => Partial<ExecResult>>>;

class ScriptedNode implements Transport {
  readonly steps: string[] = [];
  constructor(
    readonly node: string,
    private readonly answers: Answers,
  ) {}
  async exec(_command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const step = options.step ?? "?";
    this.steps.push(step);
    const answer = this.answers[step];
    if (answer === undefined) throw new ConnectError(this.node, "refused", `node ${this.node}: connection refused`);
    return { code: 0, signal: null, stdout: "", stderr: "", stdoutTruncated: false, stderrTruncated: false, durationMs: 1, ...answer(this.steps.filter((s) => s === step).length) };
  }
  forward(): never {
    throw new Error("no tunnels");
  }
  files(): never {
    throw new Error("no files");
  }
  async close(): Promise<void> {}
}

async function setup(answers: Answers) {
  const dir = tempDir("reconcile-converge-");
  mkdirSync(join(dir, "artifacts"));
  writeFileSync(join(dir, "artifacts", "prefect.tar"), ENV_TAR);
  writeFileSync(
    join(dir, "cluster.yaml"),
    `apiVersion: reconcile/v1
kind: PrefectCluster
metadata: {name: converge-test}
nodes:
  - name: node-1
    address: 127.0.0.1
artifacts:
  prefect-env: {kind: tar, source: artifacts/prefect.tar, sha256: ${sha(ENV_TAR)}}
server:
  node: node-1
  prefect: {env: prefect-env}
  database: {type: sqlite}
`,
  );
  const { cluster, secrets } = await loadCluster(join(dir, "cluster.yaml"), { strict: true, env: {} });
  const node = new ScriptedNode("node-1", answers);
  const calls: string[] = [];
  const connections: NodeConnections = {
    get: async () => node,
    ensure: async () => node,
    warm: (names) => void calls.push(`warm ${names.join(",")}`),
    closeAll: async () => void calls.push("closeAll"),
  };
  const cacheDir = join(dir, "cache", "artifacts");
  const session = Session.open(cluster.nodes, { env: {}, log: createLogger(), signal: new AbortController().signal, connections, cache: new ArtifactCache(cacheDir) });
  const events: RunEvent[] = [];
  const options: ConvergeOptions = {
    secrets: secrets.values,
    holder: { name: "me@here", host: "here", pid: 999_999_999 },
    prune: false,
    concurrency: 4,
    settleSeconds: 0,
    onEvent: (e) => events.push(e),
  };
  const locks = join(dir, "cache", "locks");
  return { cluster, session, node, calls, events, options, locks };
}

describe("converge", () => {
  it("takes the local lock and the lease (an expired one is taken over, said as a warning), gathers, shows the plan; a plan that cannot be applied runs nothing; both locks are given back", async () => {
    const expired = lease("alice@ctl", "2026-12-06T08:02:00.000Z");
    const t = await setup({
      "take the apply lock": (call) => (call === 1 ? { code: 3, stdout: expired } : { code: 0 }),
      "release the apply lock": () => ({ code: 0 }),
    });
    const asked: unknown[] = [];
    await expect(converge(t.session, t.cluster, { ...t.options, confirm: async (p) => (asked.push(p), true) })).rejects.toThrow("nothing was applied: some nodes could not be planned (see above)");
    expect(t.calls).toEqual(["warm node-1"]);
    expect(t.node.steps).toEqual(["take the apply lock", "take the apply lock", "gather facts", "release the apply lock"]);
    expect(t.events.map((e) => (e.type === "warning" ? `${e.type} ${e.code}: ${e.message}` : e.type))).toEqual([
      "warning lock.takenOver: took over the expired lock of alice@ctl (pid 4242, lease ended 2026-12-06T08:02:00.000Z)",
      "plan.made",
    ]);
    const made = t.events.find((e) => e.type === "plan.made");
    expect(made?.type === "plan.made" && made.plan.nodes[0]?.status).toBe("unreachable");
    expect(asked).toEqual([]);
    // The local lock is gone; the session (its connections) is the caller's to close.
    expect(readdirSync(t.locks)).toEqual([]);
  });

  it("a lease held by another run refuses before anything is gathered", async () => {
    const t = await setup({ "take the apply lock": () => ({ code: 3, stdout: lease("bob@ctl", "2999-01-01T00:00:00.000Z") }) });
    const run = converge(t.session, t.cluster, t.options);
    await expect(run).rejects.toBeInstanceOf(LockedError);
    await expect(run).rejects.toThrow("the cluster (node node-1) is locked by bob@ctl on ctl (pid 4242)");
    expect(t.node.steps).toEqual(["take the apply lock"]);
    expect(t.events).toEqual([]);
    expect(readdirSync(t.locks)).toEqual([]);
  });

  it("another apply of this cluster from this machine refuses before any node is reached", async () => {
    const t = await setup({ "take the apply lock": () => ({ code: 0 }) });
    const path = localLockPath(t.cluster, t.session.cache.dir);
    mkdirSync(t.locks, { recursive: true });
    // Held by a process that is alive: this one.
    writeFileSync(path, `${process.pid}\n`);
    await expect(converge(t.session, t.cluster, t.options)).rejects.toThrow(`another reconcile (pid ${process.pid}) is applying this cluster from this machine`);
    expect(t.calls).toEqual([]);
    expect(t.node.steps).toEqual([]);
    expect(existsSync(path)).toBe(true);
  });

  it("a saved plan that no longer fits is refused with what moved (plan.stale, StalePlanError); a lease that cannot be given back is a warning", async () => {
    const t = await setup({ "take the apply lock": () => ({ code: 0 }), "release the apply lock": () => ({ code: 1, stderr: "read-only file system" }) });
    await expect(converge(t.session, t.cluster, t.options)).rejects.toThrow("nothing was applied");
    const made = t.events.find((e) => e.type === "plan.made");
    if (made?.type !== "plan.made") throw new Error("no plan.made event");
    const saved: SavedPlan = { format: "reconcile-plan", ...made.plan, specDigest: "0".repeat(64), createdAt: "2026-12-06T08:00:00.000Z", reconcileVersion: "0.1.0" };

    t.events.length = 0;
    const run = converge(t.session, t.cluster, { ...t.options, saved: { plan: saved, name: "plan.json" } });
    await expect(run).rejects.toBeInstanceOf(StalePlanError);
    await expect(run).rejects.toThrow(/^the saved plan plan\.json is stale: \d+ things? changed since it was made$/);
    const stale = t.events.find((e) => e.type === "plan.stale");
    expect(stale?.type === "plan.stale" && stale.reasons.length).toBeGreaterThan(0);
    expect(t.events.map((e) => e.type)).toEqual(["plan.stale", "warning"]);
    const warning = t.events[1];
    expect(warning?.type === "warning" && warning.code).toBe("lock.notReleased");
    expect(warning?.type === "warning" && warning.message).toMatch(/^the apply lock was not released \(.*read-only file system.*\); it runs out by itself within 2 minutes, or `reconcile unlock` removes it$/);
  });
});
