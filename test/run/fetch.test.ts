/**
 * run/fetch.ts with the targets read from the nodes: the "node" is this machine through a local
 * transport (its own release and dpkg status), apt-get is the fake (test/fixtures/fetch/fake-apt-get),
 * and a URL artifact is served by a local HTTP server. No network, no SSH.
 */
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { ArtifactCache } from "../../src/executors/stage.js";
import type { NodeConnections } from "../../src/executors/transport.js";
import { createLogger } from "../../src/log.js";
import { fetchArtifacts, type FetchEvent } from "../../src/run/fetch.js";
import { Session } from "../../src/run/session.js";
import { loadCluster } from "../../src/spec/load.js";
import { tempDir } from "../helpers/cli.js";
import { LocalTransport } from "../helpers/local-transport.js";

const FAKE = fileURLToPath(new URL("../fixtures/fetch/fake-apt-get", import.meta.url));
const sha = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const TOOL = "#!/bin/sh\necho tool\n";

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve()))));

async function serve(body: string): Promise<string> {
  server = createServer((_req, res) => res.end(body));
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/tool`;
}

/** A one-node cluster.yaml in `dir` with these artifact lines (beside prefect-env) and database. */
function writeSpec(dir: string, artifacts: string[], database: string): void {
  const lines = [
    "apiVersion: reconcile/v1",
    "kind: PrefectCluster",
    "metadata: {name: fetch-run}",
    "nodes:",
    "  - {name: node-1, address: 127.0.0.1}",
    "artifacts:",
    `  prefect-env: {kind: tar, source: p.tar, sha256: ${"a".repeat(64)}}`,
    ...artifacts.map((a) => `  ${a}`),
    "server:",
    "  node: node-1",
    "  prefect: {env: prefect-env}",
    `  database: ${database}`,
    "",
  ];
  writeFileSync(join(dir, "cluster.yaml"), lines.join("\n"));
}

const here = existsSync("/var/lib/dpkg/status") && /^ID=debian$/m.test(existsSync("/etc/os-release") ? readFileSync("/etc/os-release", "utf8") : "");

describe.runIf(here)("fetchArtifacts from the nodes", () => {
  it("reads the node's release and status, fetches its deb set against them, and downloads a URL artifact checked", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "bin"));
    copyFileSync(FAKE, join(dir, "bin", "apt-get"));
    writeFileSync(join(dir, "keyring.gpg"), "key");
    mkdirSync(join(dir, "tmp"));
    const url = await serve(TOOL);
    writeSpec(dir, [`pg-debs: {kind: deb, source: debs, sha256: ${"b".repeat(64)}, packages: [reconcile-test-not-installed]}`, `tool: {kind: file, source: "${url}", sha256: ${sha(TOOL)}}`], "{type: postgresql, packages: pg-debs, name: prefect, user: prefect, password: {secret: PG}}");
    const { cluster } = await loadCluster(join(dir, "cluster.yaml"), { strict: false, env: {}, localInputs: false });
    const node = new LocalTransport("node-1");
    const connections: NodeConnections = { get: async () => node, ensure: async () => node, warm: () => undefined, closeAll: async () => undefined };
    const session = Session.open(cluster.nodes, {
      env: { PATH: `${join(dir, "bin")}:/usr/bin:/bin`, FAKE_APT_LOG: join(dir, "apt.log") },
      log: createLogger(),
      signal: new AbortController().signal,
      connections,
      cache: new ArtifactCache(join(dir, "cache")),
    });
    const events: FetchEvent[] = [];
    const result = await fetchArtifacts(session, cluster, {
      names: [],
      tmpDir: join(dir, "tmp"),
      sources: { mirror: "http://mirror.example/debian", securityMirror: "http://mirror.example/security", keyring: join(dir, "keyring.gpg") },
      onEvent: (e) => events.push(e),
    });
    expect(result.problems).toEqual([]);
    const codename = /^VERSION_CODENAME=(.*)$/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? "";
    expect(result.outcomes).toEqual([
      expect.objectContaining({ artifact: "pg-debs", kind: "deb", status: "fetched", release: expect.objectContaining({ codename }), nodes: ["node-1"], files: 2 }),
      { artifact: "tool", kind: "url", status: "fetched", bytes: TOOL.length, sha256: sha(TOOL), durationMs: expect.any(Number) },
    ]);
    expect(events[0]).toMatchObject({ type: "fetch.targets", from: "nodes", nodes: ["node-1"] });
    // The fake fetched what this machine's status lacks: the package, and its dependency.
    expect(existsSync(join(dir, "debs", "reconcile-test-not-installed_1.0_amd64.deb"))).toBe(true);
    expect(existsSync(join(dir, "debs", "libfake-common_2.0_all.deb"))).toBe(true);
    expect(readFileSync(join(dir, "cache", sha(TOOL)), "utf8")).toBe(TOOL);
  });
});

describe("fetchArtifacts, URL artifacts", () => {
  it("a download whose sha256 is not the pinned one fails that artifact, naming it, and caches nothing", async () => {
    const dir = tempDir();
    const url = await serve("not the pinned bytes\n");
    writeSpec(dir, [`tool: {kind: file, source: "${url}", sha256: ${sha(TOOL)}}`], "{type: sqlite}");
    const { cluster } = await loadCluster(join(dir, "cluster.yaml"), { strict: false, env: {}, localInputs: false });
    const connections: NodeConnections = { get: () => Promise.reject(new Error("no node is reached for URL artifacts")), ensure: () => Promise.reject(new Error("unused")), warm: () => undefined, closeAll: async () => undefined };
    const session = Session.open(cluster.nodes, { env: {}, log: createLogger(), signal: new AbortController().signal, connections, cache: new ArtifactCache(join(dir, "cache")) });
    const result = await fetchArtifacts(session, cluster, { names: ["tool"], tmpDir: dir, sources: { mirror: "http://m/debian", securityMirror: "http://m/security", keyring: "/k.gpg" } });
    expect(result.problems).toEqual([]);
    expect(result.outcomes).toEqual([{ artifact: "tool", kind: "url", status: "failed", message: expect.stringContaining("tool"), hint: expect.anything(), durationMs: expect.any(Number) }]);
    expect(existsSync(join(dir, "cache", sha(TOOL)))).toBe(false);
  });
});
