/**
 * Issue 3, end to end on real nodes: a cluster whose root holds a space (`/opt/my prefect`)
 * converges (units active with ExecStart naming the right program, environments linked), plan then
 * shows nothing to do, and a failing environment makes verify fail and the node is rolled back
 * (link and env file back, the old unit active again), all under that root.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { looksLikeACrash, reconcile, tempDir } from "../helpers/cli.js";
import { describeE2E } from "../testbed/e2e.js";
import { resetNode, sshExec } from "../testbed/testbed.mjs";
import { writeApplyCluster } from "./cluster-files.mjs";

const ROOT = "/opt/my prefect";
/** `ROOT/…` as one word for the node's shell. */
const onRoot = (rest: string) => `'${ROOT}/${rest}'`;

describeE2E("a root holding a space, on the test bed", (testbed) => {
  const nodes = testbed.nodes.slice(0, 2);
  const [server, worker] = nodes;
  const dir = tempDir("reconcile-paths-");
  let file = "";
  const run = (args: string[]) => reconcile(["-f", file, ...args], { cwd: dir });
  const write = (options: Parameters<typeof writeApplyCluster>[3] = {}) => {
    file = writeApplyCluster(dir, nodes, testbed.identityFile, { root: ROOT, envName: "test-env", ...options }).file;
    const pinned = run(["pin"]);
    expect(pinned.code, pinned.stderr).toBe(0);
  };
  const onNode = async (name: string, command: string) => {
    const r = await sshExec(name, command);
    expect(r.code, `${name}: ${command}: ${r.stderr}`).toBe(0);
    return r.stdout.trim();
  };
  const serverUnit = "prefect-server.service";
  const workerUnit = "prefect-worker@production.service";
  const program = `${ROOT}/envs/prefect-env/bin/prefect`;

  beforeAll(async () => {
    if (server === undefined || worker === undefined) throw new Error("needs 2 nodes");
    await Promise.all(nodes.map((n) => resetNode(n.name)));
    write();
    expect(run(["trust", "--yes"]).code).toBe(0);
  });
  // Leave fresh nodes to the next test file.
  afterAll(async () => {
    await Promise.all(nodes.map((n) => resetNode(n.name)));
  });

  it("validate --strict accepts the root", () => {
    const r = run(["validate", "--strict"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it("apply converges: units active, ExecStart names the program under the root, the environment linked into the root's store", async () => {
    const r = run(["apply", "--yes", "--verify-settle", "1"]);
    expect(looksLikeACrash(r.stdout + r.stderr)).toBe(false);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const [node, unit, args] of [
      [server?.name ?? "", serverUnit, "server start"],
      [worker?.name ?? "", workerUnit, "worker start --type process"],
    ] as const) {
      expect(r.stdout).toContain(`node ${node}: converged`);
      expect(await onNode(node, `systemctl is-active ${unit}`)).toBe("active");
      // systemd split the line as meant: the whole path is the program, and its first argument.
      const execStart = await onNode(node, `systemctl show -p ExecStart --value ${unit}`);
      expect(execStart).toContain(`path=${program} ;`);
      expect(execStart).toContain(`argv[]=${program} ${args}`);
      expect(await onNode(node, `cat ${onRoot("envs/prefect-env/VERSION")}`)).toBe("test-env");
      expect(await onNode(node, `readlink ${onRoot("envs/prefect-env")}`)).toMatch(new RegExp(`^${ROOT}/store/[0-9a-f]{64}/prefect-3\\.4\\.25$`));
    }
    // The unit file quotes the program path as systemd.service(5) asks.
    expect(await onNode(server?.name ?? "", `grep '^ExecStart=' /etc/systemd/system/${serverUnit}`)).toBe(`ExecStart="${program}" server start`);
  });

  it("then plan --detailed-exitcode exits 0: the facts under the root read back as converged", () => {
    const r = run(["plan", "--detailed-exitcode"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("No changes.");
  });

  it("a failing environment makes verify fail, and the server node is rolled back: link, env file and running unit as before", async () => {
    const node = server?.name ?? "";
    const before = {
      link: await onNode(node, `readlink ${onRoot("envs/prefect-env")}`),
      env: await onNode(node, "cat /etc/prefect/server.env"),
      pid: await onNode(node, `systemctl show -p MainPID --value ${serverUnit}`),
    };
    // A new environment that dies at once, and a changed server setting (so a file changes too).
    write({ envName: "broken-env", failing: true });
    const text = readFileSync(file, "utf8");
    const withSetting = text.replace("  prefect:\n    env: prefect-env\n", "  prefect:\n    env: prefect-env\n    settings:\n      PREFECT_LOGGING_LEVEL: DEBUG\n");
    expect(withSetting).not.toBe(text);
    writeFileSync(file, withSetting);
    const plan = run(["plan", "--json"]);
    const changes = (JSON.parse(plan.stdout) as { nodes: { name: string; changes: { address: string; action: string }[] }[] }).nodes
      .find((n) => n.name === node)
      ?.changes.filter((c) => c.action !== "noop")
      .map((c) => c.address);
    expect(changes).toEqual(expect.arrayContaining([`link:${ROOT}/envs/prefect-env`, "file:/etc/prefect/server.env"]));

    const r = run(["apply", "--yes", "--verify-settle", "1"]);
    expect(looksLikeACrash(r.stdout + r.stderr)).toBe(false);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout + r.stderr).toMatch(new RegExp(`node ${node}: .*rolled back to generation 1`));
    expect(await onNode(node, `readlink ${onRoot("envs/prefect-env")}`)).toBe(before.link);
    expect(await onNode(node, `cat ${onRoot("envs/prefect-env/VERSION")}`)).toBe("test-env");
    expect(await onNode(node, "cat /etc/prefect/server.env")).toBe(before.env);
    expect(await onNode(node, `systemctl is-active ${serverUnit}`)).toBe("active");
    // Restarted on the old environment: a new process, running the program under the root.
    const pid = await onNode(node, `systemctl show -p MainPID --value ${serverUnit}`);
    expect(pid).not.toBe(before.pid);
    expect(await onNode(node, `systemctl show -p ExecStart --value ${serverUnit}`)).toContain(`path=${program} ;`);
    // The worker was not touched: the server failed first.
    expect(await onNode(worker?.name ?? "", `cat ${onRoot("envs/prefect-env/VERSION")}`)).toBe("test-env");
    expect(await onNode(worker?.name ?? "", `systemctl is-active ${workerUnit}`)).toBe("active");
  });
});
