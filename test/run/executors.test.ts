/**
 * The real executors (src/run/executors.ts) run for real on a local "node": commands with `sh`,
 * uploads into local files, the store, links, files, state and journal in a temp folder. Only
 * systemctl is a stand-in (the rollback reloads systemd). The artifacts are staged by the real
 * ArtifactCache. Nodes with systemd are the e2e tests' part.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createActor, toPromise } from "xstate";
import { ArtifactCache } from "../../src/executors/stage.js";
import type { ExecOptions, ExecResult, NodeTransports } from "../../src/executors/transport.js";
import { storeFile, storePath } from "../../src/facts/layout.js";
import type { NodeState } from "../../src/facts/types.js";
import { createLogger } from "../../src/log.js";
import { address, type Address } from "../../src/planner/address.js";
import { planOrder } from "../../src/planner/order.js";
import type { Change, NodePlan, Plan, Step, StepDetail } from "../../src/planner/types.js";
import { createExecutors, type ExecutorsOptions } from "../../src/run/executors.js";
import type { TransferEvent } from "../../src/run/events.js";
import type { ResolvedCluster } from "../../src/spec/resolved.js";
import { createNodeMachine } from "../../src/state-machine/node-machine.js";
import { tempDir } from "../helpers/cli.js";
import { LocalTransport } from "../helpers/local-transport.js";

const sha = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");
const me = userInfo().username;
const group = execFileSync("id", ["-gn"], { encoding: "utf8" }).trim();
const log = createLogger();
const signal = new AbortController().signal;

/** The local node, with a systemctl that only notes its calls (the host runs no systemd). */
class LocalNode extends LocalTransport {
  constructor(readonly bin: string) {
    super("n1");
  }
  override exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return super.exec(`PATH=${this.bin}:$PATH; export PATH\n${command}`, options);
  }
}

/** A local project: an environment (tar) whose python runs or not, a tool (a file artifact), the node's root and state folder. */
function project(python = "exit 0") {
  const dir = tempDir("reconcile-run-");
  const bin = join(dir, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "systemctl"), `#!/bin/sh\necho "$*" >> ${dir}/systemctl.calls\n`, { mode: 0o755 });
  const env = join(dir, "env");
  mkdirSync(join(env, "bin"), { recursive: true });
  writeFileSync(join(env, "bin", "python"), `#!/bin/sh\n${python}\n`, { mode: 0o755 });
  writeFileSync(join(env, "README"), `an environment (${python})\n`);
  const tar = join(dir, "env.tar");
  execFileSync("tar", ["-cf", tar, "-C", env, "."]);
  const tool = join(dir, "tool");
  writeFileSync(tool, "#!/bin/sh\necho tool\n");
  return { dir, bin, tar, tarSha: sha(readFileSync(tar)), tool, toolSha: sha(readFileSync(tool)), root: join(dir, "node-root"), stateDir: join(dir, "state") };
}

type Project = ReturnType<typeof project>;

const cluster = (root: string) =>
  ({ name: "local-test", specFile: "/dev/null", specDigest: "d".repeat(64), tools: { pixiUnpack: null }, artifacts: {}, nodes: [{ name: "n1", address: "127.0.0.1", root, server: true }] }) as unknown as ResolvedCluster;

let ids = 0;
const step = (stage: Step["stage"], address: Address, detail: StepDetail): Step => ({ id: `n1/${stage}/${address}#${ids++}`, node: "n1", stage, action: "create", address, dependsOn: [], facts: [], bytes: null, detail });
const change = (address: string, action: Change["action"]): Change => ({ address, kind: "file", action, before: null, after: null, reason: "test", sensitive: false, diff: null, prune: false }) as unknown as Change;

/** The plan apply would make: the environment and the tool into the store, a link to the environment, an env file, verify. */
function planFor(p: Project, text: string): Plan {
  const env: StepDetail = { kind: "artifact", artifact: "env", artifactKind: "tar", sha256: p.tarSha, source: p.tar };
  const tool: StepDetail = { kind: "artifact", artifact: "tool", artifactKind: "file", sha256: p.toolSha, source: p.tool };
  const link = join(p.root, "envs", "env");
  const file = join(p.root, "etc", "worker.env");
  const steps = [
    ...[env, tool].flatMap((d) => {
      const at = address.artifact(d.kind === "artifact" ? d.artifact : "");
      return [step("stage", at, d), step("transfer", at, d), step("install", at, d)];
    }),
    step("install", `link:${link}`, { kind: "link", path: link, target: storePath(p.root, p.tarSha) }),
    step("configure", `file:${file}`, { kind: "file", path: file, mode: "0600", owner: me, group, content: { type: "text", text } }),
    step("verify", "verify:n1", { kind: "verify", units: [], paths: [link], python: null, probes: [], loopbackOnly: [] }),
  ];
  const changes = [change("artifact:env", "create"), change("artifact:tool", "create"), change(`link:${link}`, "update"), change(`file:${file}`, "update"), change("user:prefect", "noop")];
  const node = { name: "n1", address: "127.0.0.1", roles: ["server"], status: "planned", errors: [], hint: null, changes, steps, bytesToSend: 0, bytesUnknown: false, disk: [], warnings: [] } as unknown as NodePlan;
  return { formatVersion: 2, cluster: "local-test", specFile: "/dev/null", specDigest: "d".repeat(64), prune: false, nodes: [node], clusterWide: { status: "not-gathered", server: "n1", version: null, errors: [], warnings: [], changes: [], steps: [] }, order: planOrder([node]), hasChanges: true, errored: false, applyable: true, blockers: [], summary: { add: 0, change: 0, destroy: 0, kept: 0 }, facts: {} };
}

function executorsFor(p: Project, plan: Plan, extra: Partial<ExecutorsOptions> = {}) {
  const node = new LocalNode(p.bin);
  const asked: string[] = [];
  const connections: NodeTransports = {
    get: async (name) => (asked.push(name), node),
    ensure: async (name) => (asked.push(name), node),
  };
  const events: TransferEvent[] = [];
  const executors = createExecutors({
    cluster: cluster(p.root),
    plan,
    connections,
    stager: new ArtifactCache(join(p.dir, "cache")),
    states: new Map(),
    secrets: new Map(),
    settleSeconds: 0,
    log,
    onEvent: (e) => events.push(e),
    now: () => new Date("2026-12-06T09:00:00.000Z"),
    state: { stateDir: p.stateDir, owner: { user: me, group } },
    ...extra,
  });
  return { executors, events, asked };
}

const stepsOf = (plan: Plan, stage: Step["stage"]) => plan.nodes[0]!.steps.filter((s) => s.stage === stage);
const readState = (p: Project) => JSON.parse(readFileSync(join(p.stateDir, "state.json"), "utf8")) as NodeState;

describe("the real executors on a local node", () => {
  it("stage, transfer, install, configure, verify, then record: a tar environment, a file artifact, a link and an env file", async () => {
    const p = project();
    const plan = planFor(p, "A=1\n");
    const { executors: x, events } = executorsFor(p, plan);
    for (const stage of ["stage", "transfer", "install", "configure", "verify"] as const) await x[stage]("n1", stepsOf(plan, stage), signal);

    // Uploaded, verified and unpacked under their digests, `.complete` last; nothing left in .incoming.
    expect(readFileSync(join(storePath(p.root, p.tarSha), "README"), "utf8")).toBe("an environment (exit 0)\n");
    expect(existsSync(join(storePath(p.root, p.tarSha), ".complete"))).toBe(true);
    expect(readFileSync(storeFile(p.root, p.toolSha, "tool"), "utf8")).toBe("#!/bin/sh\necho tool\n");
    expect(readdirSync(join(p.root, "store", ".incoming"))).toEqual([]);
    expect(readlinkSync(join(p.root, "envs", "env"))).toBe(storePath(p.root, p.tarSha));
    expect(readFileSync(join(p.root, "etc", "worker.env"), "utf8")).toBe("A=1\n");
    // Each upload reported its end, then its result.
    expect(events.filter((e) => e.type !== "transfer.progress").map((e) => [e.type, e.artifact])).toEqual([
      ["transfer.ended", "env"],
      ["transfer.done", "env"],
      ["transfer.ended", "tool"],
      ["transfer.done", "tool"],
    ]);
    expect(events.find((e) => e.type === "transfer.done")).toMatchObject({ node: "n1", result: { skipped: false, sent: readFileSync(p.tar).length } });

    // Verify recorded nothing: the state is its own step.
    expect(existsSync(join(p.stateDir, "state.json"))).toBe(false);
    await x.record("n1", signal);
    expect(readState(p)).toEqual({
      version: 1,
      generation: 1,
      cluster: "local-test",
      specDigest: "d".repeat(64),
      appliedAt: "2026-12-06T09:00:00.000Z",
      resources: [
        { id: "artifact:env", generation: 1 },
        { id: "artifact:tool", generation: 1 },
        { id: `file:${join(p.root, "etc", "worker.env")}`, generation: 1 },
        { id: `link:${join(p.root, "envs", "env")}`, generation: 1 },
        { id: "user:prefect", generation: 1 },
      ],
    });
    // Generation 1's journal stays (the way back to "never applied"); it is the only one.
    expect(readdirSync(join(p.stateDir, "rollback"))).toEqual(["1"]);

    // A second run finds the uploads in the store: transfer skips them.
    const again = executorsFor(p, plan);
    await again.executors.stage("n1", stepsOf(plan, "stage"), signal);
    await again.executors.transfer("n1", stepsOf(plan, "transfer"), signal);
    expect(again.events.filter((e) => e.type === "transfer.done").map((e) => e.type === "transfer.done" && e.result.skipped)).toEqual([true, true]);
  });

  it("record writes the spec's git commit beside its digest when the run was given one", async () => {
    const p = project();
    const plan = planFor(p, "A=1\n");
    const { executors } = executorsFor(p, plan, { revision: "0123456789abcdef0123456789abcdef01234567" });
    await executors.record("n1", signal);
    expect(readState(p)).toMatchObject({ specDigest: "d".repeat(64), revision: "0123456789abcdef0123456789abcdef01234567" });
  });

  it("rollback puts the link and the file back as the previous generation had them", async () => {
    const p = project();
    const first = planFor(p, "A=1\n");
    const one = executorsFor(p, first);
    for (const stage of ["stage", "transfer", "install", "configure", "verify"] as const) await one.executors[stage]("n1", stepsOf(first, stage), signal);
    await one.executors.record("n1", signal);

    // Generation 2: a new environment whose python fails, and a new env file.
    const q = { ...project("exit 1"), root: p.root, stateDir: p.stateDir };
    const second = planFor(q, "A=2\n");
    const two = executorsFor(q, second, { states: new Map([["n1", readState(p)]]) });
    for (const stage of ["stage", "transfer", "install", "configure"] as const) await two.executors[stage]("n1", stepsOf(second, stage), signal);
    expect(readlinkSync(join(p.root, "envs", "env"))).toBe(storePath(p.root, q.tarSha));
    expect(readFileSync(join(p.root, "etc", "worker.env"), "utf8")).toBe("A=2\n");
    await expect(two.executors.verify("n1", stepsOf(second, "verify"), signal)).rejects.toThrow(/bin\/python does not run/);

    await two.executors.rollback("n1", signal);
    expect(readlinkSync(join(p.root, "envs", "env"))).toBe(storePath(p.root, p.tarSha));
    expect(readFileSync(join(p.root, "etc", "worker.env"), "utf8")).toBe("A=1\n");
    expect(readFileSync(join(q.dir, "systemctl.calls"), "utf8")).toContain("daemon-reload");
    // The journal went with the rollback; the recorded state is still generation 1's.
    expect(existsSync(join(p.stateDir, "rollback", "2"))).toBe(false);
    expect(readState(p).generation).toBe(1);
  });

  it("driven by the node machine: a verify that fails rolls the node back and records nothing", async () => {
    const p = project();
    const first = planFor(p, "A=1\n");
    const one = executorsFor(p, first);
    expect(await toPromise(createActor(createNodeMachine(one.executors), { input: { plan: first.nodes[0]!, generation: 0 } }).start())).toMatchObject({ status: "converged" });
    expect(readState(p).generation).toBe(1);

    const q = { ...project("exit 1"), root: p.root, stateDir: p.stateDir };
    const second = planFor(q, "A=2\n");
    const two = executorsFor(q, second, { states: new Map([["n1", readState(p)]]) });
    const result = await toPromise(createActor(createNodeMachine(two.executors, { retry: { attempts: 1 } }), { input: { plan: second.nodes[0]!, generation: 1 } }).start());
    expect(result).toMatchObject({ status: "rolledBack", stage: "verify", generation: 1 });
    expect(readlinkSync(join(p.root, "envs", "env"))).toBe(storePath(p.root, p.tarSha));
    expect(readFileSync(join(p.root, "etc", "worker.env"), "utf8")).toBe("A=1\n");
    expect(readState(p).generation).toBe(1);
  });

  it("an artifact that was not staged is a bug that names the node and the artifact, not an empty digest", async () => {
    const p = project();
    const plan = planFor(p, "A=1\n");
    const { executors: x } = executorsFor(p, plan);
    await expect(x.transfer("n1", stepsOf(plan, "transfer"), signal)).rejects.toMatchObject({
      name: "InternalError",
      exitCode: 70,
      message: "bug: node n1: artifact env was not staged before its transfer (no stage step ran for it in this run)",
    });
    await expect(x.install("n1", stepsOf(plan, "install"), signal)).rejects.toThrow("bug: node n1: artifact env was not staged before its install");
    expect(existsSync(p.root)).toBe(false);
  });

  it("a node refused for lack of disk fails at its first stage, before anything is staged or sent", async () => {
    const p = project();
    const plan = planFor(p, "A=1\n");
    const { executors: x, asked } = executorsFor(p, plan, { refusals: new Map([["n1", "/opt has 1 B free"]]) });
    await expect(x.stage("n1", stepsOf(plan, "stage"), signal)).rejects.toThrow("node n1: refused before sending a byte: /opt has 1 B free");
    await expect(x.transfer("n1", stepsOf(plan, "transfer"), signal)).rejects.toThrow("refused before sending a byte");
    expect(asked).toEqual([]);
    expect(existsSync(join(p.dir, "cache"))).toBe(false);
  });
});

describe("files whose content is not in the plan", () => {
  it("configure reads a remote file over that node's connection, and copies a file artifact from the node's store", async () => {
    const p = project();
    const plan = planFor(p, "A=1\n");
    const root = join(p.dir, "caddy-root.crt");
    writeFileSync(root, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    const ca = join(p.root, "etc", "proxy-ca.crt");
    const copy = join(p.root, "etc", "tool-copy");
    const remote = step("configure", `file:${ca}`, { kind: "file", path: ca, mode: "0644", owner: me, group, content: { type: "remote", node: "n1", path: root, what: "Caddy's internal CA", missing: "start caddy" } });
    const fromStore = step("configure", `file:${copy}`, { kind: "file", path: copy, mode: "0644", owner: me, group, content: { type: "artifact", artifact: "tool", sha256: p.toolSha } });
    plan.nodes[0]!.steps.splice(-1, 0, remote, fromStore);
    const { executors: x, asked } = executorsFor(p, plan);
    for (const stage of ["stage", "transfer", "install"] as const) await x[stage]("n1", stepsOf(plan, stage), signal);
    asked.length = 0;
    await x.configure("n1", stepsOf(plan, "configure"), signal);
    expect(readFileSync(ca, "utf8")).toBe(readFileSync(root, "utf8"));
    expect(readFileSync(copy, "utf8")).toBe("#!/bin/sh\necho tool\n");
    // Once for the remote file, once for the node's own steps.
    expect(asked).toEqual(["n1", "n1"]);
  });

  it("a remote file that is not there fails the configure stage before anything is written", async () => {
    const p = project();
    const plan = planFor(p, "A=1\n");
    const missing = join(p.dir, "nowhere", "root.crt");
    const ca = join(p.root, "etc", "proxy-ca.crt");
    plan.nodes[0]!.steps.splice(-1, 0, step("configure", `file:${ca}`, { kind: "file", path: ca, mode: "0644", owner: me, group, content: { type: "remote", node: "n1", path: missing, what: "Caddy's internal CA", missing: "start caddy" } }));
    const { executors: x } = executorsFor(p, plan);
    const error = await x.configure("n1", stepsOf(plan, "configure"), signal).catch((e: unknown) => e as Error);
    expect((error as Error).message).toBe(`node n1: configure file:${ca} failed: Caddy's internal CA is not on n1 at ${missing}`);
    expect(existsSync(join(p.root, "etc", "worker.env"))).toBe(false);
  });
});
