/**
 * Issue 13, end to end on fresh Debian 13 nodes with the real Prefect 3.4.25 (server, PostgreSQL
 * and Caddy from fetched .debs, two workers, pool `production` with its queues, flow etl with two
 * deployments):
 * - a converged cluster reports no drift (`drift` exit 0), and `status` shows every worker ONLINE;
 * - a unit stopped over SSH: `drift` exits 2 with JSON naming the node and the unit, and
 *   `watch --interval --self-heal` restarts it at the next interval; `--metrics` answers with the
 *   documented metrics;
 * - with watch running, an edit to one worker's setting converges that node within seconds and
 *   touches no other; invalid YAML prints its errors and touches nothing, and fixing it converges;
 *   SIGINT stops watch and releases the lock;
 * - a schedule changed and a queue paused through the Prefect API show in the drift report (text,
 *   JSON and markdown); `drift.ignore` silences exactly the ignored field, and apply leaves it;
 * - `watch --git` converges a commit pushed to a local repository and refuses one that does not validate.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { get as httpGet } from "node:http";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, expect, it } from "vitest";
import { looksLikeACrash, reconcile, reconcileInBackground, tempDir } from "../helpers/cli.js";
import { describeE2E } from "../testbed/e2e.js";
import { resetNode, sshExec } from "../testbed/testbed.mjs";
import { bundleArtifactsYaml, clusterHead, demoObjectsYaml, serverYaml, writeFlowEnv } from "./cluster-files.mjs";
import { requestCommand } from "./on-node.js";
import { prefectBundle } from "./prefect-bundle.mjs";

const USER = "admin";
const PASSWORD = "watch-Pa55";
const AUTH = `${USER}:${PASSWORD}`;
const PORT = 8443;
const CA_ON_WORKER = "/etc/prefect/proxy-ca.crt";
const EXAMPLES = join(import.meta.dirname, "..", "..", "examples", "flows");
const UNIT = "prefect-worker@production.service";
const SECRET_ENV = { RECONCILE_SECRET_PG_PASSWORD: "pg-watch", RECONCILE_SECRET_PREFECT_AUTH: AUTH };

type Json = Record<string, any>;

/** Polls `check` every `everyMs` until it returns something other than undefined, or fails after `ms`. */
async function until<T>(what: string, ms: number, check: () => Promise<T | undefined> | T | undefined, everyMs = 500): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function httpText(url: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"] ?? ""), body }));
    });
    req.on("error", reject);
    req.setTimeout(5000, () => req.destroy(new Error("timeout")));
  });
}

/** The JSON events a `watch --json` printed so far. */
const eventsOf = (output: string): Json[] =>
  output
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Json];
      } catch {
        return [];
      }
    });

describeE2E("watch, drift and status on the test bed", (testbed) => {
  const [server, w1, w2] = testbed.nodes;
  const dir = tempDir("reconcile-watch-");
  const file = join(dir, "cluster.yaml");
  const run = (args: string[], timeoutMs?: number) => reconcile(["-f", file, ...args], { cwd: dir, env: SECRET_ENV, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
  const onNode = async (name: string, command: string) => {
    const r = await sshExec(name, command);
    expect(r.code, `${name}: ${command}: ${r.stderr}`).toBe(0);
    return r.stdout.trim();
  };
  const ask = async (path: string, method = "GET", body: unknown = null): Promise<[number, any]> => {
    const out = await onNode(w1!.name, requestCommand(`https://${server!.address}:${PORT}/api${path}`, CA_ON_WORKER, AUTH, method, body === null ? null : JSON.stringify(body)));
    // `204` alone when the answer has no body.
    const space = out.indexOf(" ");
    return space < 0 ? [Number(out), null] : [Number(out.slice(0, space)), JSON.parse(out.slice(space + 1))];
  };
  const generation = async (name: string) => (JSON.parse(await onNode(name, "cat /var/lib/reconcile/state.json")) as { generation: number }).generation;
  const limitOn = async (name: string) => /--limit (\d+)/.exec(await onNode(name, "cat /etc/prefect/worker-production.env"))?.[1];
  const HASH = bcrypt.hashSync(PASSWORD, 10);
  const debPins: Record<string, string> = {};
  let env: { file: string; sha256: string };
  const limits: Record<string, number> = {};
  let watcher: ReturnType<typeof reconcileInBackground> | undefined;
  const METRICS = "127.0.0.1:19464";
  /** Events after the first `skip` ones. */
  const eventsSince = (skip: number) => eventsOf(watcher!.output()).slice(skip);

  const specText = (extra = "") =>
    `${clusterHead("e2e-watch", [server!, w1!, w2!], testbed.identityFile)}
${bundleArtifactsYaml({ "prefect-env": prefectBundle(), "etl-env": env }, debPins)}${serverYaml({ node: server!.name, port: PORT, user: USER, hash: HASH })}${demoObjectsYaml({ withReport: false })}workers:
${[w1!, w2!].map((w) => `  - node: ${w.name}\n    env: prefect-env\n    limit: ${limits[w.name] ?? 4}\n    pools:\n      - pool: production\n        queues: [prod-main, prod-secondary]\n`).join("")}${extra}`;
  const writeSpec = (extra = "") => writeFileSync(file, specText(extra));

  beforeAll(async () => {
    await Promise.all(testbed.nodes.slice(0, 3).map((n) => resetNode(n.name)));
    cpSync(EXAMPLES, join(dir, "flows"), { recursive: true });
    env = writeFlowEnv(dir, "etl-env");
    writeSpec();
    expect(run(["trust", "--yes"]).code).toBe(0);
    const fetched = run(["fetch"], 300_000);
    expect(fetched.code, fetched.stdout + fetched.stderr).toBe(0);
    const artifacts = (parseYaml(readFileSync(file, "utf8")) as { artifacts: Record<string, { sha256?: string }> }).artifacts;
    for (const name of ["pg-debs", "caddy-debs"]) debPins[name] = artifacts[name]!.sha256!;
    writeSpec();
    const applied = run(["apply", "--yes"], 900_000);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
  }, 1_200_000);
  afterAll(async () => {
    if (watcher !== undefined) {
      watcher.child.kill("SIGINT");
      await watcher.done.catch(() => undefined);
    }
    await Promise.all(testbed.nodes.slice(0, 3).map((n) => resetNode(n.name)));
  });

  it("a converged cluster reports no drift on the real Prefect server, and status shows it whole", () => {
    const r = run(["drift", "--format", "json"], 120_000);
    expect(looksLikeACrash(r.stdout + r.stderr)).toBe(false);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Json;
    expect(report).toMatchObject({ format: 1, cluster: "e2e-watch", inSync: true, drift: [] });
    expect(report.prefect).toMatchObject({ status: "in-sync", version: "3.4.25" });
    expect(report.nodes.map((n: Json) => n.status)).toEqual(["in-sync", "in-sync", "in-sync"]);
    const text = run(["drift"], 120_000);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("No drift");

    const s = run(["status", "--json"], 120_000);
    expect(s.code, s.stdout + s.stderr).toBe(0);
    expect(s.stdout).not.toContain(PASSWORD);
    const status = JSON.parse(s.stdout) as Json;
    expect(status.prefect).toMatchObject({ version: "3.4.25", health: { ok: true } });
    expect(status.problems).toEqual([]);
    expect(status.drift.inSync).toBe(true);
    const pool = status.pools.find((p: Json) => p.name === "production");
    expect(pool.queues.map((q: Json) => q.name).sort()).toEqual(["default", "prod-main", "prod-secondary"]);
    expect(pool.workers.map((w: Json) => `${w.name} ${w.status}`).sort()).toEqual([`${w1!.name}-production ONLINE`, `${w2!.name}-production ONLINE`]);
    expect(pool).toMatchObject({ online: 2, total: 2, lateRuns: 0 });
    for (const n of status.nodes as Json[]) expect(n).toMatchObject({ reachable: true, generation: 1, specCurrent: true });
    expect(status.nodes.find((n: Json) => n.name === w1!.name).flows.map((f: Json) => f.artifact)).toEqual(["flow-code:etl"]);
    const screen = run(["status"], 120_000);
    expect(screen.code, screen.stdout + screen.stderr).toBe(0);
    for (const text of [server!.name, w1!.name, w2!.name, "prefect 3.4.25, health ok", "pool production  2/2 workers online, 0 late runs", "prod-main", "prod-secondary", "prefect-worker@production.service"]) expect(screen.stdout).toContain(text);
  });

  it("drift --deep finds an environment edited on a node (a plain drift does not look), and apply --deep unpacks it again", async () => {
    const folder = `/opt/prefect/store/${env.sha256}`;
    const victim = await onNode(w1!.name, `find ${folder} -type f ! -name .complete ! -path '*/__pycache__/*' | sort | head -n 1`);
    expect(victim).not.toBe("");
    const original = await onNode(w1!.name, `sha256sum '${victim}'`);
    await onNode(w1!.name, `echo '# edited by hand' >> '${victim}'`);
    expect(run(["drift", "--format", "json"], 120_000).code).toBe(0);
    const deep = run(["drift", "--deep", "--format", "json"], 180_000);
    expect(deep.code, deep.stdout + deep.stderr).toBe(2);
    const report = JSON.parse(deep.stdout) as Json;
    expect(report.drift.map((d: Json) => `${d.node} ${d.address}`)).toEqual([`${w1!.name} artifact:etl-env`]);
    expect(report.drift[0].summary).toContain("corrupt");
    const repaired = run(["apply", "--yes", "--deep"], 300_000);
    expect(repaired.code, repaired.stdout + repaired.stderr).toBe(0);
    expect(await onNode(w1!.name, `sha256sum '${victim}'`)).toBe(original);
    expect(run(["drift", "--deep", "--format", "json"], 180_000).code).toBe(0);
  }, 600_000);

  it("a unit stopped over SSH: drift exits 2 naming node and unit, watch --self-heal restarts it at the next interval, and --metrics answers", async () => {
    watcher = reconcileInBackground(["-f", file, "watch", "--json", "--interval", "40s", "--self-heal", "--metrics", METRICS], { cwd: dir, env: SECRET_ENV });
    // Right after an interval's check, the next one is 40 s away: time to stop the unit and look.
    await until("watch's first run", 120_000, () => eventsSince(0).find((e) => e.type === "run.finished"));
    await until("watch's first interval check", 120_000, () => eventsSince(0).find((e) => e.type === "drift.checked"));
    const checks = eventsSince(0).filter((e) => e.type === "drift.checked").length;
    await onNode(w2!.name, `systemctl stop ${UNIT}`);
    const r = run(["drift", "--format", "json"], 120_000);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const report = JSON.parse(r.stdout) as Json;
    expect(report.inSync).toBe(false);
    expect(report.drift.map((d: Json) => `${d.node} ${d.address} ${d.policy}`)).toEqual([`${w2!.name} service:${UNIT} fix`]);
    expect(report.drift[0].fields).toEqual([{ path: "active", before: false, after: true }]);
    expect(eventsSince(0).filter((e) => e.type === "drift.checked")).toHaveLength(checks);

    await until("the worker unit restarted by self-heal", 150_000, async () => ((await sshExec(w2!.name, `systemctl is-active ${UNIT}`)).stdout.trim() === "active" ? true : undefined), 2000);
    const later = eventsSince(0);
    expect(later.filter((e) => e.type === "drift.checked").slice(checks).some((e) => e.inSync === false)).toBe(true);
    expect(later.some((e) => e.type === "run.started" && e.reason === "self-heal")).toBe(true);
    await until("the self-heal run finished", 120_000, () => eventsSince(0).filter((e) => e.type === "run.finished").slice(1).find((e) => e.ok === true));

    const m = await until("the metrics endpoint", 30_000, async () => httpText(`http://${METRICS}/metrics`).catch(() => undefined));
    expect(m.status).toBe(200);
    expect(m.type).toContain("text/plain");
    for (const name of ["reconcile_last_apply_success", "reconcile_last_apply_timestamp_seconds", "reconcile_apply_duration_seconds", "reconcile_applies_total", "reconcile_drifted_resources_total", "reconcile_last_drift_check_timestamp_seconds", "reconcile_spec_valid 1", "reconcile_live_revision_info"]) {
      expect(m.body).toContain(name);
    }
    expect(m.body).toMatch(new RegExp(`reconcile_last_apply_success\\{node="${w2!.name}"\\} 1`));
    expect(m.body).toMatch(/reconcile_workers_online\{pool="production"\} 2/);
  }, 400_000);

  it("with watch running, an edit to one worker's setting converges that node within seconds and touches no other", async () => {
    const before = { server: await generation(server!.name), w1: await generation(w1!.name), w2: await generation(w2!.name) };
    const skip = eventsOf(watcher!.output()).length;
    limits[w2!.name] = 3;
    const saved = Date.now();
    writeSpec();
    const finished = await until("the run after the edit", 120_000, () => eventsSince(skip).find((e) => e.type === "run.finished"));
    const seconds = (Date.now() - saved) / 1000;
    expect(finished.ok, watcher!.output().slice(-3000)).toBe(true);
    expect(seconds).toBeLessThan(90);
    expect(await limitOn(w2!.name)).toBe("3");
    expect(await limitOn(w1!.name)).toBe("4");
    expect(await generation(w2!.name)).toBe(before.w2 + 1);
    expect(await generation(w1!.name)).toBe(before.w1);
    expect(await generation(server!.name)).toBe(before.server);
    // The run's plan changed that node only.
    const planned = eventsSince(skip).filter((e) => e.type === "run.event" && e.event?.type === "plan.made");
    expect(planned.length).toBeGreaterThan(0);
    const changedNodes = (planned.at(-1)!.event.plan.nodes as Json[]).filter((n) => n.changes.some((c: Json) => c.action !== "noop")).map((n) => n.name);
    expect(changedNodes).toEqual([w2!.name]);
  }, 200_000);

  it("saving invalid YAML prints its errors and touches nothing; fixing it converges", async () => {
    const gen = await generation(w2!.name);
    const skip = eventsOf(watcher!.output()).length;
    writeFileSync(file, `${specText()}\nworkers: [\n  - node: ${w1!.name}\n`);
    const invalid = await until("the invalid spec reported", 30_000, () => eventsSince(skip).find((e) => e.type === "spec.invalid"));
    expect(invalid.errors.some((e: Json) => String(e.file).endsWith("cluster.yaml") && e.line > 0 && e.col > 0), JSON.stringify(invalid)).toBe(true);
    await new Promise((r) => setTimeout(r, 5000));
    expect(eventsSince(skip).filter((e) => e.type === "run.started")).toEqual([]);
    expect(await generation(w2!.name)).toBe(gen);

    limits[w2!.name] = 2;
    writeSpec();
    const finished = await until("the run after the fix", 120_000, () => eventsSince(skip).find((e) => e.type === "run.finished"));
    expect(finished.ok, watcher!.output().slice(-3000)).toBe(true);
    expect(await limitOn(w2!.name)).toBe("2");
  }, 200_000);

  it("SIGINT stops watch, which exits 130 and leaves no lock", async () => {
    watcher!.child.kill("SIGINT");
    const done = await watcher!.done;
    expect(done.code, done.stdout.slice(-2000) + done.stderr).toBe(130);
    expect(looksLikeACrash(done.stdout + done.stderr)).toBe(false);
    expect(done.stdout + done.stderr).not.toContain(PASSWORD);
    expect(eventsOf(done.stdout).at(-1)?.type).toBe("watch.stopped");
    expect((await sshExec(server!.name, "test -e /var/lib/reconcile/lock.json")).code).not.toBe(0);
    watcher = undefined;
  }, 120_000);

  it("a schedule changed and a queue paused through the API show in drift (text, JSON, markdown); drift.ignore silences exactly that field, and apply leaves it", async () => {
    const [, daily] = await ask("/deployments/name/etl/daily");
    expect((await ask(`/deployments/${daily.id}`, "PATCH", { schedules: [{ schedule: { cron: "15 7 * * *", timezone: "Europe/Berlin" }, active: true }] }))[0]).toBe(204);
    expect((await ask("/work_pools/production/queues/prod-secondary", "PATCH", { is_paused: true }))[0]).toBe(204);

    const json = run(["drift", "--format", "json"], 120_000);
    expect(json.code, json.stdout + json.stderr).toBe(2);
    const report = JSON.parse(json.stdout) as Json;
    const rows = report.drift.map((d: Json) => [d.node, d.address, d.fields.map((f: Json) => f.path)]);
    expect(rows).toEqual([
      [null, "work-queue:production/prod-secondary", ["paused"]],
      [null, "deployment:etl/daily", ["schedules.0.cron"]],
    ]);
    const text = run(["drift"], 120_000);
    expect(text.code).toBe(2);
    for (const s of ["work-queue:production/prod-secondary", "deployment:etl/daily", "schedules", "paused", "15 7 * * *"]) expect(text.stdout).toContain(s);
    const md = join(dir, "drift.md");
    const markdown = run(["drift", "--format", "markdown", "--out", md], 120_000);
    expect(markdown.code).toBe(2);
    const mdText = readFileSync(md, "utf8");
    expect(mdText).toMatch(/^## /m);
    expect(mdText).toMatch(/\|.*work-queue:production\/prod-secondary.*\|/);
    expect(mdText).toMatch(/\|.*deployment:etl\/daily.*\|/);

    const rule = "drift:\n  ignore:\n    - resource: deployment:etl/*\n      fields: [schedules]\n      reason: the on-call team moves the daily run\n";
    writeSpec(rule);
    const ignored = run(["drift", "--format", "json"], 120_000);
    expect(ignored.code).toBe(2);
    const after = JSON.parse(ignored.stdout) as Json;
    expect(after.drift.map((d: Json) => d.address)).toEqual(["work-queue:production/prod-secondary"]);
    expect(after.silenced).toEqual([{ node: null, address: "deployment:etl/daily", by: "ignore", fields: ["schedules"], reason: "the on-call team moves the daily run" }]);

    const applied = run(["apply", "--yes"], 300_000);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const [, queue] = await ask("/work_pools/production/queues/prod-secondary");
    expect(queue.is_paused).toBe(false);
    const [, dailyAfter] = await ask("/deployments/name/etl/daily");
    expect(dailyAfter.schedules.map((s: Json) => s.schedule.cron)).toEqual(["15 7 * * *"]);
    const clean = run(["drift", "--format", "json"], 120_000);
    expect(clean.code, clean.stdout).toBe(0);
  }, 600_000);

  it("watch --git converges a commit pushed to a local repository and refuses one that does not validate", async () => {
    const repo = join(dir, "git", "cluster.git");
    const work = join(dir, "git", "work");
    mkdirSync(work, { recursive: true });
    const git = (cwd: string, ...args: string[]) => execFileSync("git", ["-c", "user.name=e2e", "-c", "user.email=e2e@example.invalid", ...args], { cwd, encoding: "utf8" });
    git(dir, "init", "-q", "--bare", "-b", "main", repo);
    git(work, "init", "-q", "-b", "main");
    git(work, "remote", "add", "origin", repo);
    // Paths the checkout cannot hold (artifacts, flows, known_hosts) are absolute.
    const absolute = (text: string) => text.replace("knownHostsFile: known_hosts", `knownHostsFile: ${join(dir, "known_hosts")}`).replace(/source: (debs|flows)\//g, `source: ${dir}/$1/`);
    const commit = (text: string, message: string) => {
      writeFileSync(join(work, "cluster.yaml"), absolute(text));
      git(work, "add", "cluster.yaml");
      git(work, "commit", "-q", "-m", message);
      git(work, "push", "-q", "origin", "main");
      return git(work, "rev-parse", "HEAD").trim();
    };
    const first = commit(specText(), "the cluster as it runs");
    watcher = reconcileInBackground(["watch", "--json", "--git", `file://${repo}`, "--ref", "main", "--path", "cluster.yaml", "--poll", "2s"], { cwd: dir, env: SECRET_ENV });
    await until("the first commit live", 180_000, () => eventsSince(0).find((e) => e.type === "run.finished"));
    expect(eventsSince(0).find((e) => e.type === "git.fetched")?.commit).toBe(first);

    limits[w1!.name] = 5;
    const second = commit(specText(), "worker-1 runs 5 at once");
    const skip = eventsOf(watcher.output()).length;
    const finished = await until("the pushed commit converged", 180_000, () => eventsSince(skip).find((e) => e.type === "run.finished"));
    expect(finished.ok, watcher.output().slice(-3000)).toBe(true);
    expect(eventsSince(skip).some((e) => e.type === "git.fetched" && e.commit === second)).toBe(true);
    expect(await limitOn(w1!.name)).toBe("5");

    const gen = await generation(w1!.name);
    const skip2 = eventsOf(watcher.output()).length;
    const bad = commit(specText().replace(`limit: 5`, "limit: -1"), "a limit that does not validate");
    const rejected = await until("the invalid commit refused", 60_000, () => eventsSince(skip2).find((e) => e.type === "git.rejected"));
    expect(rejected.commit).toBe(bad);
    await new Promise((r) => setTimeout(r, 5000));
    expect(eventsSince(skip2).filter((e) => e.type === "run.started")).toEqual([]);
    expect(await generation(w1!.name)).toBe(gen);
    expect(await limitOn(w1!.name)).toBe("5");

    watcher.child.kill("SIGINT");
    const done = await watcher.done;
    expect(done.code).toBe(130);
    watcher = undefined;
  }, 600_000);
});
