/**
 * gatherStatus (src/run/status.ts) in the pipeline: one gather, the drift report from it, and what
 * could not be read as the status's problems. The server node is a transport that refuses every
 * command, as a node that is down does; statuses of reachable clusters are the model's tests
 * (test/planner/status.test.ts) and the e2e tests'.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConnectError } from "../../src/errors.js";
import { ArtifactCache } from "../../src/executors/stage.js";
import type { ExecOptions, ExecResult, NodeConnections, Transport } from "../../src/executors/transport.js";
import { createLogger } from "../../src/log.js";
import { statusExitCode } from "../../src/planner/status.js";
import { Session } from "../../src/run/session.js";
import { gatherStatus } from "../../src/run/status.js";
import { loadCluster } from "../../src/spec/load.js";
import { tempDir } from "../helpers/cli.js";

const ENV_TAR = "pretend this is a tar of an environment\n";

/** A node that is down: every command is refused; the steps asked are recorded. */
class DownNode implements Transport {
  readonly steps: string[] = [];
  constructor(readonly node: string) {}
  async exec(_command: string, options: ExecOptions = {}): Promise<ExecResult> {
    this.steps.push(options.step ?? "?");
    throw new ConnectError(this.node, "refused", "connection refused", { hint: "is sshd running on the node?" });
  }
  forward(): never {
    throw new Error("no tunnels");
  }
  files(): never {
    throw new Error("no files");
  }
  async close(): Promise<void> {}
}

describe("gatherStatus", () => {
  it("gathers once; a node that is down is the status's problem, and so is the API behind it", async () => {
    const dir = tempDir("reconcile-status-");
    mkdirSync(join(dir, "artifacts"));
    writeFileSync(join(dir, "artifacts", "prefect.tar"), ENV_TAR);
    writeFileSync(
      join(dir, "cluster.yaml"),
      `apiVersion: reconcile/v1
kind: PrefectCluster
metadata: {name: status-test}
nodes:
  - name: node-1
    address: 127.0.0.1
artifacts:
  prefect-env: {kind: tar, source: artifacts/prefect.tar, sha256: ${createHash("sha256").update(ENV_TAR).digest("hex")}}
server:
  node: node-1
  prefect: {env: prefect-env}
  database: {type: sqlite}
workPools:
  - name: etl
`,
    );
    const { cluster, secrets } = await loadCluster(join(dir, "cluster.yaml"), { strict: true, env: {} });
    const node = new DownNode("node-1");
    const connections: NodeConnections = { get: async () => node, ensure: async () => node, warm: () => undefined, closeAll: async () => undefined };
    const session = Session.open(cluster.nodes, { env: {}, log: createLogger(), signal: new AbortController().signal, connections, cache: new ArtifactCache(join(dir, "cache")) });
    const { status, gathered, plan } = await gatherStatus(session, cluster, secrets.values);
    expect(node.steps).toEqual(["gather facts"]);
    expect(gathered.api).toEqual({ state: "error", error: "the server node node-1 is unreachable" });
    expect(plan.prune).toBe(false);
    expect(status.nodes[0]).toMatchObject({ name: "node-1", reachable: false, error: "node node-1: connection refused", hint: "is sshd running on the node?" });
    expect(status.pools).toMatchObject([{ name: "etl", exists: null, workersRead: false, lateRuns: null }]);
    expect(status.problems).toEqual(["node node-1: connection refused", "the Prefect API: the server node node-1 is unreachable"]);
    expect(statusExitCode(status)).toBe(1);
  });
});
