/**
 * `reconcile run`: its arguments (table), the command in-process with a fake Prefect API scripted
 * from a real server's answers (test/fixtures/prefect/3.4.25/run) and a fake clock, and the binary
 * for usage errors and help. Run `npm run build` first for the binary's tests.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseParams, parseTarget, parseTimeout, runCommand, type RunArgs } from "../../src/cli/commands/run.js";
import type { CliIO } from "../../src/cli/io.js";
import { createLogger } from "../../src/log.js";
import type { PrefectApi } from "../../src/executors/prefect-api.js";
import { reconcile, looksLikeACrash } from "../helpers/cli.js";
import { REPO } from "../helpers/spec.js";
import { FakePrefectApi, fakeClock, fixture } from "../run/prefect-fakes.js";

const EXAMPLE = join(REPO, "cluster.yaml.example");
const AUTH = "admin:very-secret-auth";

describe("--param", () => {
  it.each<[string[], Record<string, unknown>]>([
    [[], {}],
    [["day=3"], { day: 3 }],
    [["ratio=0.5", "big=1e3", "neg=-2"], { ratio: 0.5, big: 1000, neg: -2 }],
    [["full=true", "dry=false", "none=null"], { full: true, dry: false, none: null }],
    [['regions=["eu","us"]', 'opts={"a":1}'], { regions: ["eu", "us"], opts: { a: 1 } }],
    [['quoted="42"'], { quoted: "42" }],
    [["name=world", "empty=", "spaced=a b"], { name: "world", empty: "", spaced: "a b" }],
    [["eq=a=b", "url=http://x/?q=1"], { eq: "a=b", url: "http://x/?q=1" }],
    [["bad=[1,", "word=True"], { bad: "[1,", word: "True" }],
  ])("%j → %j", (pairs, expected) => {
    expect(parseParams(pairs)).toEqual(expected);
  });

  it.each([
    [["day=3", "day=4"], "--param day is given twice"],
    [["day"], "--param day: expected NAME=VALUE"],
    [["=3"], "--param =3: expected NAME=VALUE"],
  ])("%j is a usage error", (pairs, message) => {
    expect(() => parseParams(pairs)).toThrow(expect.objectContaining({ message, exitCode: 64 }));
  });

  it("a key named like an Object property is an ordinary key", () => {
    expect(parseParams(["constructor=1", "toString=x"])).toEqual({ constructor: 1, toString: "x" });
  });
});

describe("FLOW/DEPLOYMENT and --timeout", () => {
  it.each([
    ["etl/daily", { flow: "etl", deployment: "daily" }],
    ["etl/a/b", { flow: "etl", deployment: "a/b" }],
  ])("%s", (text, expected) => expect(parseTarget(text)).toEqual(expected));

  it.each(["etl", "/daily", "etl/"])("%s is a usage error", (text) => {
    expect(() => parseTarget(text, ["etl/daily"])).toThrow(expect.objectContaining({ message: `'${text}' is not FLOW/DEPLOYMENT`, exitCode: 64 }));
  });

  it.each<[Pick<RunArgs, "wait" | "timeout">, number | string]>([
    [{ wait: true }, 30 * 60_000],
    [{ wait: false }, 30 * 60_000],
    [{ wait: true, timeout: "90s" }, 90_000],
    [{ wait: true, timeout: "10m" }, 600_000],
    [{ wait: false, timeout: "10m" }, "--timeout goes with --wait"],
    [{ wait: true, timeout: "10 minutes" }, "--timeout 10 minutes: not a duration"],
    [{ wait: true, timeout: "0s" }, "--timeout 0s: must be longer than 0"],
  ])("%j → %s", (args, expected) => {
    if (typeof expected === "number") expect(parseTimeout(args)).toBe(expected);
    else expect(() => parseTimeout(args)).toThrow(expect.objectContaining({ message: expected, exitCode: 64 }));
  });
});

/** Runs the command in this process on cluster.yaml.example, with `api` for the cluster's API. */
async function runWith(api: PrefectApi, args: Partial<RunArgs> & { target: string }, env: Record<string, string> = { RECONCILE_SECRET_PREFECT_AUTH_STRING: AUTH }) {
  let stdout = "";
  let stderr = "";
  const io: CliIO = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env };
  const opened: string[] = [];
  const code = await runCommand({ file: EXAMPLE, params: [], wait: false, ...args }, io, createLogger(), {
    openApi: (_session, _cluster, secrets) => {
      opened.push(secrets.get("PREFECT_AUTH_STRING")?.reveal() ?? "(none)");
      return Promise.resolve(api);
    },
    clock: fakeClock(),
  });
  return { code, stdout, stderr, opened };
}

const session = (name: string, extra = {}) => FakePrefectApi.fromSession(name, extra);

describe("reconcile run (in-process, fake API)", () => {
  it("without --wait: prints the run and exits 0 once it is created", async () => {
    const api = session("session-completed.json");
    const r = await runWith(api, { target: "etl/hourly", params: ["batch_size=10", "mode=full"] });
    expect(r).toMatchObject({ code: 0, stderr: "", stdout: "flow run ancient-seal (9ec09480-eb3c-4b38-8787-5e7932992441) of etl/hourly created\n" });
    expect(api.calls.map((c) => `${c.method} ${c.path}`)).toEqual(["GET /deployments/name/etl/hourly", "POST /deployments/21ff977d-70ed-47bc-b24c-21466b624359/create_flow_run"]);
    expect(api.calls[1]?.body).toEqual({ parameters: { batch_size: 10, mode: "full" } });
    expect(r.opened).toEqual([AUTH]); // the auth string reaches the client, and nothing prints it
    expect(r.stdout + r.stderr).not.toContain("very-secret");
  });

  it("--wait, completed: states, log lines, the worker, exit 0", async () => {
    const r = await runWith(session("session-completed.json"), { target: "etl/hourly", wait: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout.split("\n")).toEqual([
      "flow run ancient-seal (9ec09480-eb3c-4b38-8787-5e7932992441) of etl/hourly created",
      "state: Scheduled",
      "state: Pending",
      "taken by worker w1",
      "15:43:13 INFO    Worker 'w1' submitting flow run '9ec09480-eb3c-4b38-8787-5e7932992441'",
      "15:43:13 INFO    Opening process...",
      "15:43:13 INFO    Completed submission of flow run '9ec09480-eb3c-4b38-8787-5e7932992441'",
      "state: Completed",
      "15:43:17 INFO    Downloading flow code from storage at '/srv/flows/hello4413'",
      "15:43:17 INFO    Beginning flow run 'ancient-seal' for flow 'hello'",
      "15:43:17 INFO    hello session from /usr/bin/python3",
      "15:43:17 INFO    Finished in state Completed()",
      "15:43:17 INFO    Process for flow run 'ancient-seal' exited cleanly.",
      "flow run ancient-seal COMPLETED on worker w1",
      "",
    ]);
  });

  it("--wait, failed: the traceback indented under its line, the reason on stderr, exit 1", async () => {
    const r = await runWith(session("session-failed.json"), { target: "etl/hourly", wait: true });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^\d\d:\d\d:\d\d ERROR {3}Encountered exception during execution: RuntimeError\('asked to fail'\)\n {17}Traceback \(most recent call last\):\n/m);
    expect(r.stderr).toBe("flow run hasty-condor FAILED on worker w1: Flow run encountered an exception: RuntimeError: asked to fail\n");
  });

  it("a worker reconcile named is shown with its node", async () => {
    const events = fixture<{ events: { resource: Record<string, string> }[] }>("worker-events-crashed.json");
    for (const e of events.events) e.resource["prefect.resource.name"] = "worker-a-production";
    const api = session("session-completed.json", { runs: [{ status: 200, body: fixture("flow-run-crashed.json") }], logs: [[]], events: { status: 200, body: events } });
    const r = await runWith(api, { target: "etl/hourly", wait: true });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("taken by worker worker-a-production (node worker-a)\n");
    expect(r.stderr).toBe("flow run ancient-seal CRASHED on worker worker-a-production (node worker-a): Flow run process exited with non-zero status code 3.\n");
  });

  it("--wait --timeout: exit 2, says the run goes on and how to find it", async () => {
    const scheduled = fixture<{ response: unknown }[]>("session-completed.json")[1]!.response;
    const r = await runWith(session("session-completed.json", { runs: [{ status: 200, body: scheduled }], logs: [[]] }), { target: "etl/hourly", wait: true, timeout: "90s" });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "flow run ancient-seal had not ended after 1 min 30 s (state: Scheduled); stopped waiting\n" +
        "the run goes on (it was not cancelled): flow run ancient-seal (9ec09480-eb3c-4b38-8787-5e7932992441)\n",
    );
  });

  it("an unknown deployment: exit 1, with a guess from the spec", async () => {
    const api = session("session-completed.json", { deployment: { status: 404, body: fixture("deployment-not-found.json") } });
    await expect(runWith(api, { target: "etl/hourlyy", wait: true })).rejects.toMatchObject({ message: "no deployment etl/hourlyy on the Prefect server on prefect-server", hint: "did you mean 'etl/hourly'?", exitCode: 1 });
    await expect(runWith(api, { target: "etl/nightly-full" })).rejects.toMatchObject({ hint: "run `reconcile apply` to create it" });
  });

  it("an auth string the spec names but nobody set: refused before any request", async () => {
    const api = session("session-completed.json");
    await expect(runWith(api, { target: "etl/hourly" }, {})).rejects.toMatchObject({
      message: "secret 'PREFECT_AUTH_STRING' (server.prefect.authString) is not set: the Prefect server would refuse every request",
    });
    expect(api.calls).toEqual([]);
  });
});

describe("reconcile run (the binary)", () => {
  it.each([
    [["run", "etl", "-f", "cluster.yaml.example"], "error: 'etl' is not FLOW/DEPLOYMENT"],
    [["run", "etl/hourly", "--param", "a=1", "--param", "a=2", "-f", "cluster.yaml.example"], "error: --param a is given twice"],
    [["run", "etl/hourly", "--timeout", "5m", "-f", "cluster.yaml.example"], "error: --timeout goes with --wait"],
    [["run", "-f", "cluster.yaml.example"], "error: missing required argument 'flow/deployment'"],
  ])("%j: usage error (exit 64) before any node is reached", (args, message) => {
    const r = reconcile(args, { env: { RECONCILE_SECRET_PREFECT_AUTH_STRING: AUTH } });
    expect(r.code).toBe(64);
    expect(r.stderr).toContain(message);
    expect(looksLikeACrash(r.stderr)).toBe(false);
  });

  it("--help has examples, and the top-level help lists it", () => {
    const r = reconcile(["run", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Examples:\n  $ reconcile run etl/daily\n");
    expect(r.stdout).toContain(`--param day=3 --param regions='["eu","us"]' --wait`);
    expect(reconcile(["--help"]).stdout).toMatch(/\n {2}run \[options\] <flow\/deployment>/);
  });
});
