/**
 * `reconcile plan` refuses a deployment parameter its flow does not take, at its place in
 * cluster.yaml, through the real binary (run `npm run build` first). The node is a closed port:
 * it is unreachable at once, and the flows are checked all the same.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { reconcile, tempDir } from "../helpers/cli.js";
import { keyPair } from "../executors/fake-sshd.js";

const ENV_TAR = "pretend this is a tar of an environment\n";

/** A one-node project whose node is 127.0.0.1:`port`, with one flow (its code, and its deployment's parameters as YAML lines). */
function project(port: number, code: string, parameters: string): string {
  const dir = tempDir();
  mkdirSync(join(dir, "artifacts"));
  writeFileSync(join(dir, "artifacts", "prefect.tar"), ENV_TAR);
  writeFileSync(join(dir, "id_ed25519"), keyPair().private, { mode: 0o600 });
  mkdirSync(join(dir, "flows", "etl"), { recursive: true });
  writeFileSync(join(dir, "flows", "etl", "flow.py"), code);
  writeFileSync(
    join(dir, "cluster.yaml"),
    `apiVersion: reconcile/v1
kind: PrefectCluster
metadata: {name: params-test}
ssh: {identityFile: id_ed25519, connectTimeout: 5s}
nodes:
  - {name: node-1, address: 127.0.0.1, ssh: {port: ${port}}}
artifacts:
  prefect-env: {kind: tar, source: artifacts/prefect.tar, sha256: ${createHash("sha256").update(ENV_TAR).digest("hex")}}
server:
  node: node-1
  prefect: {env: prefect-env}
  database: {type: sqlite}
workPools:
  - name: production
workers:
  - node: node-1
    env: prefect-env
    pools: [{pool: production}]
flows:
  - name: etl
    env: prefect-env
    source: flows/etl
    entrypoint: flow.py:main
    pool: production
    deployments:
      - name: hourly
        parameters:
${parameters}`,
  );
  return dir;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("reconcile plan and the flows' parameters", () => {
  it("a parameter the flow does not take: file:line:col of its key, and exit 1", async () => {
    const dir = project(await closedPort(), "from prefect import flow\n\n@flow\ndef main(n: int, name: str = 'x'):\n    pass\n", "          n: 1\n          nmae: y\n");
    const r = reconcile(["plan"], { cwd: dir });
    expect(r.stderr).toContain("cluster.yaml:29:11 flows[0].deployments[0].parameters.nmae: flow etl does not take a parameter nmae: main() in flow.py takes n, name (remove it from the deployment's parameters, or add it to the flow function)\n");
    expect(r.code).toBe(1);
  });

  it("an entrypoint whose function is missing: at the flow's entrypoint", async () => {
    const dir = project(await closedPort(), "def other():\n    pass\n", "          n: 1\n");
    const r = reconcile(["plan"], { cwd: dir });
    expect(r.stderr).toContain("cluster.yaml:23:17 flows[0].entrypoint: cannot read the parameters of flow.py:main: flow.py:1:1: no top-level function main (def main(...) or async def main(...))");
    expect(r.code).toBe(1);
  });
});
