/**
 * Issue 12, end to end on fresh Debian 13 nodes with the real Prefect 3.4.25:
 * - one `apply --yes` brings up the whole cluster (PostgreSQL, Prefect, Caddy, two workers, pool
 *   `production` with `prod-main` and `prod-secondary`, two flows each in its own environment with
 *   two deployments each) and every worker is ONLINE;
 * - `reconcile run` of a deployment COMPLETES on a worker, and the run's log shows the flow's own
 *   environment ran it;
 * - the next plan is empty;
 * - a schedule, a parameter and a queue priority changed in cluster.yaml are updated in place
 *   (the deployment keeps its id);
 * - a fourth node added as a worker gets everything in one apply and comes ONLINE;
 * - a deployment removed from the spec is deleted on the server only with `--prune`;
 * - the UI's work pool page, through Caddy in headless Chromium, shows both queues and the workers.
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { get as httpsGet } from "node:https";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, expect, it } from "vitest";
import { looksLikeACrash, reconcile, reconcileInBackground, tempDir } from "../helpers/cli.js";
import { describeE2E } from "../testbed/e2e.js";
import { resetNode, sshExec } from "../testbed/testbed.mjs";
import { launchBrowser, screenshotPath, skipCommunityDialog } from "./browser.js";
import { bundleArtifactsYaml, clusterHead, demoObjectsYaml, serverYaml, writeFlowEnv } from "./cluster-files.mjs";
import { requestCommand } from "./on-node.js";
import { prefectBundle } from "./prefect-bundle.mjs";

const USER = "admin";
const PASSWORD = "objects-Pa55";
const AUTH = `${USER}:${PASSWORD}`;
const PORT = 8443;
const CA_ON_WORKER = "/etc/prefect/proxy-ca.crt";
const CA_ON_SERVER = "/var/lib/caddy/.local/share/caddy/pki/authorities/local/root.crt";
const EXAMPLES = join(import.meta.dirname, "..", "..", "examples", "flows");

interface Knobs {
  /** Nodes in the spec besides the server (default: the workers). */
  nodes?: string[];
  workers: string[];
  withReport?: boolean;
  dailyCron: string;
  dailyRows: number;
  secondaryPriority: number;
  withHourly: boolean;
}

describeE2E("Prefect objects through the API on the test bed", (testbed) => {
  const [server, w1, w2, w3] = testbed.nodes;
  const dir = tempDir("reconcile-objects-");
  const file = join(dir, "cluster.yaml");
  const run = (args: string[], timeoutMs?: number) =>
    reconcile(["-f", file, ...args], { cwd: dir, env: { RECONCILE_SECRET_PG_PASSWORD: "pg-objects", RECONCILE_SECRET_PREFECT_AUTH: AUTH }, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
  const onNode = async (name: string, command: string) => {
    const r = await sshExec(name, command);
    expect(r.code, `${name}: ${command}: ${r.stderr}`).toBe(0);
    return r.stdout.trim();
  };
  const api = () => `https://${server!.address}:${PORT}/api`;
  /** The API's answer, asked from the first worker node through Caddy: [status, parsed body]. */
  const ask = async (path: string, method = "GET", body: unknown = null): Promise<[number, unknown]> => {
    const out = await onNode(w1!.name, requestCommand(`${api()}${path}`, CA_ON_WORKER, AUTH, method, body === null ? null : JSON.stringify(body)));
    const space = out.indexOf(" ");
    return [Number(out.slice(0, space)), JSON.parse(out.slice(space + 1)) as unknown];
  };
  const HASH = bcrypt.hashSync(PASSWORD, 10);
  const debPins: Record<string, string> = {};
  let envs: { etl: { file: string; sha256: string }; report: { file: string; sha256: string } };

  const writeCluster = (k: Knobs) => {
    const bundle = prefectBundle();
    writeFileSync(
      file,
      `${clusterHead("e2e-objects", [server!, ...testbed.nodes.filter((n) => (k.nodes ?? k.workers).includes(n.name))], testbed.identityFile)}
${bundleArtifactsYaml({ "prefect-env": bundle, "etl-env": envs.etl, "report-env": envs.report }, debPins)}${serverYaml({ node: server!.name, port: PORT, user: USER, hash: HASH })}${demoObjectsYaml({ ...k, hourlyPaused: true })}workers:
${k.workers.map((w) => `  - node: ${w}\n    env: prefect-env\n    limit: 4\n    pools:\n      - pool: production\n        queues: [prod-main, prod-secondary]\n`).join("")}`,
    );
  };
  const knobs: Knobs = { workers: [w1!.name, w2!.name], dailyCron: "0 6 * * *", dailyRows: 1000, secondaryPriority: 2, withHourly: true };
  const deploymentId = async (flow: string, name: string) => {
    const [status, body] = await ask(`/deployments/name/${flow}/${name}`);
    return status === 200 ? (body as { id: string }).id : null;
  };
  const onlineWorkers = async () => {
    const [, body] = await ask("/work_pools/production/workers/filter", "POST", {});
    return (body as { name: string; status: string }[])
      .filter((w) => w.status === "ONLINE")
      .map((w) => w.name)
      .sort();
  };

  beforeAll(async () => {
    if (w3 === undefined) throw new Error("needs 4 nodes");
    await Promise.all(testbed.nodes.slice(0, 4).map((n) => resetNode(n.name)));
    cpSync(EXAMPLES, join(dir, "flows"), { recursive: true });
    envs = { etl: writeFlowEnv(dir, "etl-env"), report: writeFlowEnv(dir, "report-env") };
    writeCluster({ ...knobs, workers: [w1!.name, w2!.name, w3.name] });
    expect(run(["trust", "--yes"]).code).toBe(0);
    const fetched = run(["fetch"], 300_000);
    expect(fetched.code, fetched.stdout + fetched.stderr).toBe(0);
    const artifacts = (parseYaml(readFileSync(file, "utf8")) as { artifacts: Record<string, { sha256?: string }> }).artifacts;
    for (const name of ["pg-debs", "caddy-debs"]) debPins[name] = artifacts[name]!.sha256!;
    writeCluster(knobs);
  }, 600_000);
  afterAll(async () => {
    await Promise.all(testbed.nodes.slice(0, 4).map((n) => resetNode(n.name)));
  });

  it("one apply brings up the whole cluster: the pool, its queues, both flows and their deployments, in order; every worker is ONLINE", async () => {
    const r = run(["apply", "--yes"], 900_000);
    expect(looksLikeACrash(r.stdout + r.stderr)).toBe(false);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    const out = r.stdout;
    const at = (s: string) => out.indexOf(s);
    for (const a of ["work-pool:production", "work-queue:production/prod-main", "work-queue:production/prod-secondary", "flow:etl", "flow:report", "deployment:etl/daily", "deployment:etl/hourly", "deployment:report/weekly", "deployment:report/on-demand"]) {
      expect(out).toContain(`prefect api: create ${a}`);
    }
    expect(at("prefect api: create work-pool:production")).toBeLessThan(at("prefect api: create work-queue:production/prod-main"));
    expect(at("prefect api: create work-queue:production/prod-secondary")).toBeLessThan(at("prefect api: create flow:etl"));
    expect(at("prefect api: create flow:report")).toBeLessThan(at("prefect api: create deployment:etl/daily"));
    expect(await onlineWorkers()).toEqual([`${w1!.name}-production`, `${w2!.name}-production`]);
    const [, queues] = await ask("/work_pools/production/queues/filter", "POST", {});
    expect((queues as { name: string; priority: number }[]).map((q) => [q.name, q.priority]).sort()).toEqual([
      ["default", 3],
      ["prod-main", 1],
      ["prod-secondary", 2],
    ]);
    const [, daily] = await ask("/deployments/name/etl/daily");
    const d = daily as { job_variables: Record<string, string>; schedules: { schedule: { cron: string; timezone: string } }[]; parameters: unknown; work_queue_name: string };
    expect(d.work_queue_name).toBe("prod-main");
    expect(d.schedules.map((s) => s.schedule)).toMatchObject([{ cron: "0 6 * * *", timezone: "Europe/Berlin" }]);
    expect(d.parameters).toEqual({ rows: 1000, source: "warehouse" });
    expect(d.job_variables.command).toMatch(/\/envs\/etl-env\/bin\/python -m prefect\.engine$/);
    // The flow's environment and code are on every worker of its pool.
    for (const w of [w1!, w2!]) {
      await onNode(w.name, `test -x ${d.job_variables.command!.split(" ")[0]} && test -f ${d.job_variables.working_dir}/flow.py`);
    }
  });

  it("reconcile run of a deployment completes on a worker, in the flow's own environment", async () => {
    const r = run(["run", "etl/daily", "--param", "rows=7", "--wait", "--timeout", "5m"], 400_000);
    expect(looksLikeACrash(r.stdout + r.stderr)).toBe(false);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/COMPLETED/);
    expect(r.stdout).toMatch(new RegExp(`(${w1!.name}|${w2!.name})-production`));
    expect(r.stdout).toContain("loading 7 rows from warehouse");
    // The log names the Prefect the run imported: the flow's environment's, in the store folder of etl-env.
    const prefectDir = /prefect 3\.4\.25 from (\S+)/.exec(r.stdout)?.[1];
    expect(prefectDir).toContain(`/store/${envs.etl.sha256}/`);
  });

  it("then the plan is empty", () => {
    const r = run(["plan", "--detailed-exitcode"], 300_000);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("No changes.");
  });

  it("a schedule, a parameter and a queue priority changed in cluster.yaml are updated in place", async () => {
    const id = await deploymentId("etl", "daily");
    expect(id).not.toBeNull();
    Object.assign(knobs, { dailyCron: "30 7 * * 1-5", dailyRows: 2000, secondaryPriority: 5 });
    writeCluster(knobs);
    const planned = run(["plan"], 300_000);
    expect(planned.stdout).toMatch(/~ deployment etl\/daily +schedules, parameters differ/);
    expect(planned.stdout).toMatch(/~ work-queue production\/prod-secondary +priority differs/);
    expect(planned.stdout).not.toMatch(/[-+] deployment etl\/daily/);
    const r = run(["apply", "--yes"], 300_000);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await deploymentId("etl", "daily")).toBe(id);
    const [, daily] = await ask("/deployments/name/etl/daily");
    const d = daily as { schedules: { schedule: { cron: string } }[]; parameters: { rows: number } };
    expect(d.schedules.map((s) => s.schedule.cron)).toEqual(["30 7 * * 1-5"]);
    expect(d.parameters.rows).toBe(2000);
    const [, queue] = await ask("/work_pools/production/queues/prod-secondary");
    expect((queue as { priority: number }).priority).toBe(5);
    expect(run(["plan", "--detailed-exitcode"], 300_000).code).toBe(0);
  });

  it("a fourth node added as a worker receives its environment, units and every flow environment in one apply, and comes ONLINE", async () => {
    knobs.workers = [w1!.name, w2!.name, w3!.name];
    writeCluster(knobs);
    expect(run(["trust", "--yes"]).code).toBe(0);
    const r = run(["apply", "--yes"], 600_000);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toContain("prefect api:");
    const [, daily] = await ask("/deployments/name/report/weekly");
    const { command, working_dir: wd } = (daily as { job_variables: Record<string, string> }).job_variables;
    await onNode(w3!.name, `test -x ${command!.split(" ")[0]} && test -f ${wd}/flow.py`);
    expect(await onNode(w3!.name, "systemctl is-active prefect-worker@production.service")).toBe("active");
    expect(await onlineWorkers()).toEqual([w1!, w2!, w3!].map((w) => `${w.name}-production`).sort());
  });

  it("a deployment removed from the spec is deleted on the server only with --prune", async () => {
    knobs.withHourly = false;
    writeCluster(knobs);
    const planned = run(["plan"], 300_000);
    expect(planned.stdout).toMatch(/- deployment etl\/hourly +no longer declared; kept until apply --prune/);
    const kept = run(["apply", "--yes"], 300_000);
    expect(kept.code, kept.stdout + kept.stderr).toBe(0);
    expect(await deploymentId("etl", "hourly")).not.toBeNull();
    const pruned = run(["apply", "--yes", "--prune"], 300_000);
    expect(pruned.code, pruned.stdout + pruned.stderr).toBe(0);
    expect(pruned.stdout).toContain("prefect api: delete deployment:etl/hourly");
    expect(await deploymentId("etl", "hourly")).toBeNull();
    expect(await deploymentId("etl", "daily")).not.toBeNull();
    expect(run(["plan", "--detailed-exitcode", "--prune"], 300_000).code).toBe(0);
  });

  it("a flow and a worker removed from the spec: with --prune the flow's deployments and the flow go from the server, the worker's unit is stopped and disabled, and store content goes once nothing references it", async () => {
    const reportEnv = `/opt/prefect/store/${envs.report.sha256}`;
    expect(await onNode(w3!.name, `test -d ${reportEnv} && echo there`)).toBe("there");
    Object.assign(knobs, { nodes: [w1!.name, w2!.name, w3!.name], workers: [w1!.name, w2!.name], withReport: false });
    writeCluster(knobs);
    const planned = run(["plan"], 300_000);
    for (const a of ["deployment report/weekly", "deployment report/on-demand", "flow report"]) expect(planned.stdout).toMatch(new RegExp(`- ${a} +no longer declared; kept until apply --prune`));
    expect(planned.stdout).toMatch(/- service prefect-worker@production\.service +no longer declared; kept until apply --prune/);
    const r = run(["apply", "--yes", "--prune"], 300_000);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await deploymentId("report", "weekly")).toBeNull();
    expect((await ask("/flows/name/report"))[0]).toBe(404);
    expect(await onNode(w3!.name, "systemctl is-enabled prefect-worker@production.service || true")).not.toBe("enabled");
    expect(await onNode(w3!.name, "systemctl is-active prefect-worker@production.service || true")).not.toBe("active");
    // The links into the store went in this apply; a rollback of it would need their folders, so
    // they go with the next prune, once nothing references them.
    expect(await onNode(w3!.name, `test -d ${reportEnv} && echo there`)).toBe("there");
    const gc = run(["apply", "--yes", "--prune"], 300_000);
    expect(gc.code, gc.stdout + gc.stderr).toBe(0);
    expect(await onNode(w3!.name, `test -d ${reportEnv} && echo there || echo gone`)).toBe("gone");
    expect(await onNode(w1!.name, `test -d ${reportEnv} && echo there || echo gone`)).toBe("gone");
    // What the remaining flow runs with stays.
    expect(await onNode(w1!.name, `test -d /opt/prefect/store/${envs.etl.sha256} && echo there`)).toBe("there");
    expect(run(["plan", "--detailed-exitcode", "--prune"], 300_000).code).toBe(0);
    // Back as it was for the tests that follow.
    Object.assign(knobs, { nodes: undefined, workers: [w1!.name, w2!.name, w3!.name], withReport: true });
    writeCluster(knobs);
    const back = run(["apply", "--yes"], 600_000);
    expect(back.code, back.stdout + back.stderr).toBe(0);
  });

  it("a parameter the flow does not take is refused at its place in cluster.yaml, before anything is gathered or changed", () => {
    writeCluster(knobs);
    const text = readFileSync(file, "utf8");
    writeFileSync(file, text.replace("parameters: {rows: ", "parameters: {rowz: "));
    const line = text.split("\n").findIndex((l) => l.includes("parameters: {rows: ")) + 1;
    const r = run(["plan"], 120_000);
    expect(looksLikeACrash(r.stdout + r.stderr)).toBe(false);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`cluster\\.yaml:${line}:\\d+ flows\\[0\\]\\.deployments\\[0\\]\\.parameters\\.rowz: flow etl does not take a parameter rowz`));
    writeCluster(knobs);
  });

  it("a cron the server rejects fails at that deployment with the server's words, after the writes before it, which the run lists", async () => {
    const before = await deploymentId("etl", "daily");
    const good = { ...knobs };
    // cron-parser takes `5L` (last Friday); Prefect's croniter does not.
    Object.assign(knobs, { dailyCron: "0 0 * * 5L", secondaryPriority: 6 });
    writeCluster(knobs);
    const r = run(["apply", "--yes"], 300_000);
    expect(looksLikeACrash(r.stdout + r.stderr)).toBe(false);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(/prefect api: failed at update deployment:etl\/daily: the server answered 422: .*cron.*Invalid cron string/);
    expect(r.stderr).toContain("written before it: update work-queue:production/prod-secondary");
    // The queue was written; the deployment kept its schedule (and its id).
    const [, queue] = await ask("/work_pools/production/queues/prod-secondary");
    expect((queue as { priority: number }).priority).toBe(6);
    const [, daily] = await ask("/deployments/name/etl/daily");
    expect((daily as { id: string; schedules: { schedule: { cron: string } }[] }).schedules.map((s) => s.schedule.cron)).toEqual([good.dailyCron]);
    expect((daily as { id: string }).id).toBe(before);
    Object.assign(knobs, good);
    writeCluster(knobs);
    expect(run(["apply", "--yes"], 300_000).code).toBe(0);
  });

  it("reconcile ui forwards a local port to Caddy through the server node's SSH connection: the API and the UI answer over verified TLS, and Ctrl-C ends it with 0", async () => {
    const ca = await onNode(server!.name, `cat ${CA_ON_SERVER}`);
    const ui = reconcileInBackground(["-f", file, "ui", "--port", "14200"], { cwd: dir });
    try {
      const deadline = Date.now() + 60_000;
      while (!ui.output().includes("Ctrl-C to stop.")) {
        if (Date.now() > deadline || ui.child.exitCode !== null) throw new Error(`reconcile ui did not come up: ${ui.output()}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(ui.output()).toContain("open https://localhost:14200/");
      const get = (path: string, auth: string | null) =>
        new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
          httpsGet(`https://localhost:14200${path}`, { ca, ...(auth === null ? {} : { auth }) }, (res) => {
            let body = "";
            res.on("data", (d: Buffer) => (body += d.toString()));
            res.on("end", () => resolve({ status: res.statusCode, body }));
          }).on("error", reject);
        });
      expect(await get("/api/health", AUTH)).toEqual({ status: 200, body: "true" });
      expect((await get("/work-pools", null)).status).toBe(401);
      expect((await get("/work-pools", AUTH)).status).toBe(200);
    } finally {
      ui.child.kill("SIGINT");
    }
    const ended = await ui.done;
    expect(ended.code, ended.stdout + ended.stderr).toBe(0);
    expect(looksLikeACrash(ended.stdout + ended.stderr)).toBe(false);
  });

  it("the work pool page of the UI, through Caddy in headless Chromium, shows both queues and the ONLINE workers", async () => {
    const ca = await onNode(server!.name, `cat ${CA_ON_SERVER}`);
    const browser = await launchBrowser(ca);
    try {
      const page = await browser.newPage();
      await page.setViewport({ width: 1280, height: 900 });
      await page.authenticate({ username: USER, password: PASSWORD });
      const answered = await page.goto(`https://${server!.address}:${PORT}/work-pools/work-pool/production?tab=Work%20Queues`, { waitUntil: "networkidle0", timeout: 60_000 });
      expect(answered?.status()).toBe(200);
      await page.waitForFunction('document.body.innerText.includes("prod-secondary")', { timeout: 60_000 });
      await skipCommunityDialog(page);
      await page.screenshot({ path: screenshotPath("objects-ui-work-pool-queues.png"), fullPage: true });
      const queues = String(await page.evaluate("document.body.innerText"));
      expect(queues).toContain("prod-main");
      expect(queues).toContain("prod-secondary");
      await page.goto(`https://${server!.address}:${PORT}/work-pools/work-pool/production?tab=Workers`, { waitUntil: "networkidle0", timeout: 60_000 });
      await page.waitForFunction(`document.body.innerText.includes(${JSON.stringify(`${w3!.name}-production`)})`, { timeout: 60_000 });
      await skipCommunityDialog(page);
      await page.screenshot({ path: screenshotPath("objects-ui-work-pool-workers.png"), fullPage: true });
      // One table row per worker, each with its status.
      const rows = (await page.evaluate('Array.from(document.querySelectorAll("tr")).map((r) => r.innerText)')) as string[];
      for (const w of [w1!, w2!, w3!]) expect(rows.find((r) => r.includes(`${w.name}-production`))).toMatch(/\bOnline\b/);
    } finally {
      await browser.close();
    }
  });
});

