/**
 * Issue 11, end to end on real Debian 13 nodes with the real Prefect 3.4.25 (not a stand-in): the
 * release-style archive (one top folder, named by the artifact's `path`) converges as the server
 * (SQLite) on one node and a process worker on another; the server answers health and its version
 * on the node, the worker registers with it, and the next plan is empty.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { gatherLocalInputs } from "../../src/executors/local-inputs.js";
import { shellQuote } from "../../src/facts/shell.js";
import { looksLikeACrash, reconcile, tempDir } from "../helpers/cli.js";
import { check } from "../helpers/spec.js";
import { describeE2E } from "../testbed/e2e.js";
import { resetNode, sshExec } from "../testbed/testbed.mjs";
import { writeApplyCluster } from "./cluster-files.mjs";
import { until } from "./on-node.js";
import { BUNDLE_FOLDER, PREFECT_VERSION, prefectBundle } from "./prefect-bundle.mjs";

/** A GET or POST on the server's API from the node itself, with python3 (the node has no curl). */
const apiCall = (path: string, body?: unknown) =>
  `python3 -c ${shellQuote(
    `import urllib.request; r = urllib.request.Request('http://127.0.0.1:4200/api${path}', data=${body === undefined ? "None" : `b'${JSON.stringify(body)}'`}, headers={'Content-Type': 'application/json'}); print(urllib.request.urlopen(r, timeout=5).read().decode())`,
  )}`;

describeE2E("the real Prefect 3.4.25 on the test bed", (testbed) => {
  const nodes = testbed.nodes.slice(0, 2);
  const [server, worker] = nodes;
  const dir = tempDir("reconcile-prefect-");
  let file = "";
  const run = (args: string[]) => reconcile(["-f", file, ...args], { cwd: dir });

  beforeAll(async () => {
    if (server === undefined || worker === undefined) throw new Error("needs 2 nodes");
    const bundle = prefectBundle();
    await Promise.all(nodes.map((n) => resetNode(n.name)));
    file = writeApplyCluster(dir, nodes, testbed.identityFile, { env: { source: bundle.file, path: BUNDLE_FOLDER } }).file;
    expect(run(["pin"]).code).toBe(0);
    expect(run(["trust", "--yes"]).code).toBe(0);
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => resetNode(n.name)));
  });

  it("the controller reads the Prefect version of the archive as released (3.4.25, under its path)", async () => {
    const spec = check(readFileSync(file, "utf8"));
    expect(spec.cluster).toBeDefined();
    const local = await gatherLocalInputs(spec.cluster!, { inspectCache: tempDir("reconcile-inspect-") });
    expect(local.artifacts["prefect-env"]?.prefectVersion).toBe(PREFECT_VERSION);
  });

  it("apply converges the server and the worker from the archive as it is released", async () => {
    const r = run(["apply", "--yes"]);
    expect(looksLikeACrash(r.stdout + r.stderr)).toBe(false);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const n of nodes) expect(r.stdout).toContain(`node ${n.name}: converged`);
    const link = await until(server!.name, "readlink /opt/prefect/envs/prefect-env", 1);
    expect(link).toMatch(new RegExp(`^/opt/prefect/store/[0-9a-f]{64}/${BUNDLE_FOLDER}$`));
  });

  it("the server answers health and says its version; it serves its UI and keeps its memo in the service user's folder", async () => {
    expect(await until(server!.name, apiCall("/health"), 90)).toBe("true");
    expect(await until(server!.name, apiCall("/admin/version"), 10)).toBe(JSON.stringify(PREFECT_VERSION));
    expect(await until(server!.name, "stat -c %U /var/lib/prefect/ui/UI_SERVE_BASE", 10)).toBe("prefect");
    // Its memo of registered blocks is kept where the service user may write (no warning, no slow restarts).
    expect(await until(server!.name, "stat -c %U /var/lib/prefect/memo_store.toml", 30)).toBe("prefect");
    expect((await sshExec(server!.name, "journalctl -u prefect-server.service --no-pager | grep -c memo_store")).stdout.trim()).toBe("0");
  });

  it("the worker on the other node registers with the server under its stable name", async () => {
    const workers = await until(server!.name, `${apiCall("/work_pools/production/workers/filter", {})} | grep -F '"name":"${worker!.name}-production"'`, 120);
    expect(workers).toContain(`"name":"${worker!.name}-production"`);
  });

  it("then the plan is empty", () => {
    const r = run(["plan", "--detailed-exitcode"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("No changes.");
  });
});
