/**
 * Issue 4, end to end on real nodes: fresh nodes → apply converges the real Prefect server and
 * workers (the real bundle) → plan shows nothing to do → a changed worker setting touches only that node →
 * a wrong sha256 is refused before any byte is sent → a failing verify rolls the node back →
 * a second apply is refused by the lock → a saved plan made stale by a change on a node is refused.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { reconcile, tempDir, looksLikeACrash } from "../helpers/cli.js";
import { describeE2E } from "../testbed/e2e.js";
import { resetNode, sshExec } from "../testbed/testbed.mjs";
import { writeApplyCluster, writeTestEnv } from "./cluster-files.mjs";

describeE2E("reconcile apply on the test bed", (testbed) => {
  const nodes = testbed.nodes.slice(0, 3);
  const [server, w1, w2] = nodes;
  const dir = tempDir("reconcile-apply-");
  let file = "";
  const run = (args: string[]) => reconcile(["-f", file, ...args], { cwd: dir });
  const write = (options: Parameters<typeof writeApplyCluster>[3] = {}) => {
    // The real Prefect bundle, as the variant "test-env" (its VERSION file tells variants apart).
    file = writeApplyCluster(dir, nodes, testbed.identityFile, { envName: "test-env", ...options }).file;
    const pinned = run(["pin"]);
    expect(pinned.code, pinned.stderr).toBe(0);
  };
  const onNode = async (name: string, command: string) => (await sshExec(name, command)).stdout.trim();
  const since = (name: string, unit: string) => onNode(name, `systemctl show -p ActiveEnterTimestampMonotonic --value ${unit}`);
  const unit = "prefect-worker@production.service";

  beforeAll(async () => {
    if (server === undefined || w1 === undefined || w2 === undefined) throw new Error("needs 3 nodes");
    await Promise.all(nodes.map((n) => resetNode(n.name)));
    write();
    expect(run(["trust", "--yes"]).code).toBe(0);
  });
  // Leave fresh nodes to the next test file.
  afterAll(async () => {
    await Promise.all(nodes.map((n) => resetNode(n.name)));
  });

  it("converges fresh nodes: units active, environment linked, state recorded, every remote command logged", async () => {
    const log = `${dir}/apply-log.json`;
    const r = run(["apply", "--yes", "--verify-settle", "1", "--log-file", log]);
    expect(looksLikeACrash(r.stdout + r.stderr)).toBe(false);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // apply holds the lease while it plans: the plan it shows does not call that a lock.
    expect(r.stdout).not.toContain("locked by");
    for (const w of [w1, w2]) {
      expect(r.stdout).toContain(`node ${w?.name}: converged`);
      expect(await onNode(w?.name ?? "", `systemctl is-active ${unit}`)).toBe("active");
      expect(await onNode(w?.name ?? "", "cat /opt/prefect/envs/prefect-env/VERSION")).toBe("test-env");
      const state = JSON.parse(await onNode(w?.name ?? "", "cat /var/lib/reconcile/state.json")) as { generation: number; resources: { id: string }[] };
      expect(state.generation).toBe(1);
      expect(state.resources.map((x) => x.id)).toContain(`service:${unit}`);
    }
    expect(await onNode(server?.name ?? "", "systemctl is-active prefect-server.service")).toBe("active");

    // The log: one JSON line per remote command, with its node, step, duration and exit code.
    const entries = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const execs = entries.filter((e) => e["msg"] === "exec");
    expect(execs.length).toBeGreaterThan(10);
    for (const e of execs) {
      expect(e, JSON.stringify(e)).toMatchObject({ node: expect.any(String), step: expect.any(String), durationMs: expect.any(Number), code: 0 });
    }
    const steps = execs.map((e) => `${String(e["node"])} ${String(e["step"])}`);
    for (const n of nodes) {
      for (const stage of ["gather facts", "transfer", "install", "configure", "verify"]) expect(steps.some((s) => s.startsWith(`${n.name} ${stage}`)), `${n.name} ${stage} in ${steps.join("\n")}`).toBe(true);
    }
    expect(steps.filter((s) => s.endsWith("take the apply lock"))).toEqual([`${server?.name} take the apply lock`]);
  });

  it("then plan --detailed-exitcode exits 0", () => {
    const r = run(["plan", "--detailed-exitcode"]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain("No changes.");
  });

  it("a changed worker setting changes only that node's file and restarts only its unit", async () => {
    const before = { w1: await since(w1?.name ?? "", unit), w2: await since(w2?.name ?? "", unit) };
    write({ workerSettings: { [w2?.name ?? ""]: { PREFECT_LOGGING_LEVEL: "DEBUG" } } });
    const plan = run(["plan", "--json"]);
    const json = JSON.parse(plan.stdout) as { nodes: { name: string; changes: { address: string; action: string }[] }[] };
    const changed = json.nodes.flatMap((n) => n.changes.filter((c) => c.action !== "noop").map((c) => `${n.name} ${c.action} ${c.address}`));
    expect(changed).toEqual([`${w2?.name} update file:/etc/prefect/worker.env`, `${w2?.name} restart service:${unit}`]);
    const r = run(["apply", "--yes", "--verify-settle", "1"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await onNode(w2?.name ?? "", "cat /etc/prefect/worker.env")).toContain('PREFECT_LOGGING_LEVEL="DEBUG"');
    expect(await since(w1?.name ?? "", unit)).toBe(before.w1);
    expect(await since(w2?.name ?? "", unit)).not.toBe(before.w2);
  });

  it("an artifact with a wrong sha256 is refused before any byte is sent", async () => {
    writeTestEnv(dir, "test-env-2", false);
    const text = readFileSync(file, "utf8").replace(/source: .*test-env\.tar/, `source: ${dir}/artifacts/test-env-2.tar`);
    const wrong = "a".repeat(64);
    writeFileSync(file, text.replace(/sha256: [0-9a-f]{64}/, `sha256: ${wrong}`));
    const r = run(["apply", "--yes"]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(new RegExp(`prefect-env.*${wrong}`));
    for (const n of nodes) expect(await onNode(n.name, "ls -A /opt/prefect/store/.incoming 2>/dev/null | wc -l")).toBe("0");
    expect(run(["plan", "--detailed-exitcode"]).code).not.toBe(1);
  });

  it("a verify that fails rolls the node back to the previous generation", async () => {
    write({ envName: "broken-env", failing: true, workerSettings: { [w2?.name ?? ""]: { PREFECT_LOGGING_LEVEL: "DEBUG" } } });
    const r = run(["apply", "--yes", "--verify-settle", "1"]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(new RegExp(`node ${server?.name}: .*rolled back to generation \\d+`));
    // The server failed, so no worker was touched; the server is back on its old environment and running.
    expect(await onNode(server?.name ?? "", "cat /opt/prefect/envs/prefect-env/VERSION")).toBe("test-env");
    expect(await onNode(server?.name ?? "", "systemctl is-active prefect-server.service")).toBe("active");
  });

  it("a second apply is refused while the first holds the lock", async () => {
    write({ workerSettings: { [w2?.name ?? ""]: { PREFECT_LOGGING_LEVEL: "INFO" } } });
    const { spawn } = await import("node:child_process");
    const { BIN } = await import("../helpers/cli.js");
    const first = spawn(process.execPath, [BIN, "-f", file, "apply", "--yes", "--verify-settle", "8"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    first.stdout.on("data", (d: Buffer) => (out += d.toString()));
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (out.includes(": configure") || out.includes(": verify")) {
          clearInterval(t);
          resolve();
        }
      }, 100);
    });
    const closed = new Promise<number | null>((resolve) => first.on("close", resolve));
    try {
      // From this controller: its local lock refuses at once.
      const here = run(["apply", "--yes"]);
      expect(here.code).toBe(1);
      expect(here.stderr).toMatch(/another reconcile \(pid \d+\) is applying this cluster from this machine/);
      // From another controller (its own cache and local locks): the lease on the server node refuses, naming the holder.
      const other = reconcile(["-f", file, "apply", "--yes"], { cwd: dir, env: { XDG_CACHE_HOME: tempDir("reconcile-other-controller-") } });
      expect(other.code).toBe(1);
      expect(other.stderr).toMatch(/the cluster \(node \S+\) is locked by \S+@\S+ on \S+ \(pid \d+\) since \S+; the lease runs until \S+/);
      expect(other.stderr).toContain("reconcile unlock");
    } finally {
      expect(await closed, out).toBe(0);
    }
  });

  it("Ctrl-C mid-transfer stops the remote work, switches nothing, releases the lock; the next apply resumes and converges", async () => {
    write({ envName: "big-env", padBytes: 200 * 1024 * 1024 });
    const { spawn } = await import("node:child_process");
    const { BIN } = await import("../helpers/cli.js");
    const first = spawn(process.execPath, [BIN, "-f", file, "apply", "--yes"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    first.stdout.on("data", (d: Buffer) => (out += d.toString()));
    first.stderr.on("data", (d: Buffer) => (out += d.toString()));
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (out.includes(": transfer")) {
          clearInterval(t);
          setTimeout(resolve, 1200);
        }
      }, 50);
    });
    const stopped = performance.now();
    first.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => first.on("close", resolve));
    expect(code, out).toBe(130);
    expect(performance.now() - stopped).toBeLessThan(10_000);
    expect(out).toContain("interrupted (SIGINT)");
    // Nothing was switched: every node still runs the previous environment, complete.
    for (const n of nodes) expect(await onNode(n.name, "cat /opt/prefect/envs/prefect-env/VERSION")).toBe("test-env");
    const parts = await Promise.all(nodes.map((n) => onNode(n.name, "ls /opt/prefect/store/.incoming/ 2>/dev/null | grep -c '\\.part$' || true")));
    expect(parts.some((p) => Number(p) > 0), `no partial upload left on any node: ${parts.join(",")}`).toBe(true);
    // The lock was released: the next apply runs, resumes the uploads and converges.
    const again = run(["apply", "--yes", "--verify-settle", "1"]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/resumed at \d+(\.\d)? (B|KiB|MiB|GiB)\)/);
    // Without a terminal, progress comes as plain lines (a quarter at a time), never as a live line.
    expect(again.stdout).toMatch(/^ {2}n\d: [\d.]+ MiB of [\d.]+ MiB \((25|50|75)%\)/m);
    expect(again.stdout).not.toContain("\x1b[K");
    for (const n of nodes) expect(await onNode(n.name, "cat /opt/prefect/envs/prefect-env/VERSION")).toBe("big-env");
  });

  it("a saved plan made stale by a change on a node is refused, naming what changed", async () => {
    write({ workerSettings: { [w2?.name ?? ""]: { PREFECT_LOGGING_LEVEL: "WARNING" } } });
    expect(run(["plan", "--out", "plan.json"]).code).toBe(0);
    await sshExec(w2?.name ?? "", "echo '# edited by hand' >> /etc/prefect/worker.env");
    const r = run(["apply", "plan.json"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`node ${w2?.name}: file:/etc/prefect/worker.env changed since the plan was made`);
    expect(r.stderr).toContain("is stale");
  });
});
