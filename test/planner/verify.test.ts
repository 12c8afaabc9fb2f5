/** What each node's verify step proves: probes and loopback checks built from the spec alone. */
import { describe, expect, it } from "vitest";
import { verifyChecks } from "../../src/planner/verify.js";
import type { ResolvedCluster } from "../../src/spec/resolved.js";
import { check } from "../helpers/spec.js";

const SHA = "a1".repeat(32);

function cluster(server: string, artifacts = ""): ResolvedCluster {
  const text = `apiVersion: reconcile/v1
kind: PrefectCluster
metadata:
  name: v
nodes:
  - name: srv
    address: 198.51.100.41
  - name: w1
    address: 198.51.100.42
artifacts:
  prefect-env: { kind: tar, source: a.tar, sha256: ${SHA} }
  caddy-debs: { kind: deb, source: debs/caddy, sha256: ${"c1".repeat(32)} }
  pg-debs: { kind: deb, source: debs/pg, sha256: ${"d1".repeat(32)} }
${artifacts}server:
  node: srv
  prefect:
    env: prefect-env
    port: 4200
${server}workPools:
  - name: production
workers:
  - node: w1
    env: prefect-env
    pools:
      - pool: production
`;
  const r = check(text);
  if (r.cluster === undefined) throw new Error(r.diagnostics.map((d) => `${d.path}: ${d.message}`).join("\n"));
  return r.cluster;
}

const PG_CADDY = `    authString: { secret: PREFECT_AUTH }
  database:
    type: postgresql
    packages: pg-debs
    name: prefect
    user: prefect
    password: { secret: PG_PASSWORD }
  proxy:
    type: caddy
    packages: caddy-debs
    listen: ":8443"
    tls: { mode: internal }
    basicAuth:
      - user: admin
        passwordHash: "$2a$14$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
`;

describe("verifyChecks", () => {
  it("on the server node: loopback health and version, PostgreSQL on loopback only, and through the proxy over TLS with and without credentials", () => {
    const c = cluster(PG_CADDY);
    const checks = verifyChecks(c, c.nodes[0]!, "3.4.25");
    expect(checks.python).toBe("/opt/prefect/envs/prefect-env/bin/python");
    expect(checks.loopbackOnly).toEqual([{ what: "PostgreSQL", port: 5432 }]);
    const ca = "/var/lib/caddy/.local/share/caddy/pki/authorities/local/root.crt";
    const auth = { secret: "PREFECT_AUTH" };
    expect(checks.probes).toEqual([
      { what: "the API on loopback", url: "http://127.0.0.1:4200/api/health", caFile: null, auth: null, expect: "health" },
      { what: "the API on loopback", url: "http://127.0.0.1:4200/api/admin/version", caFile: null, auth, expect: "version" },
      { what: "the API through the proxy", url: "https://198.51.100.41:8443/api/health", caFile: ca, auth, expect: "health" },
      { what: "the API through the proxy", url: "https://198.51.100.41:8443/api/admin/version", caFile: ca, auth, expect: "version" },
      { what: "the API through the proxy without credentials", url: "https://198.51.100.41:8443/api/admin/version", caFile: ca, auth: null, expect: "unauthorized" },
      { what: "the UI through the proxy without credentials", url: "https://198.51.100.41:8443/", caFile: ca, auth: null, expect: "unauthorized" },
    ]);
  });

  it("on a worker node: the API the way its workers reach it, with the managed CA file and the credentials", () => {
    const c = cluster(PG_CADDY);
    const checks = verifyChecks(c, c.nodes[1]!, null);
    expect(checks.python).toBe("/opt/prefect/envs/prefect-env/bin/python");
    expect(checks.loopbackOnly).toEqual([]);
    expect(checks.probes.map((p) => [p.url, p.caFile, p.auth, p.expect])).toEqual([
      ["https://198.51.100.41:8443/api/health", "/etc/prefect/proxy-ca.crt", { secret: "PREFECT_AUTH" }, "health"],
      ["https://198.51.100.41:8443/api/admin/version", "/etc/prefect/proxy-ca.crt", { secret: "PREFECT_AUTH" }, "ok"],
      ["https://198.51.100.41:8443/api/work_pools/production/workers/filter", "/etc/prefect/proxy-ca.crt", { secret: "PREFECT_AUTH" }, "worker-online"],
    ]);
    expect(checks.probes.at(-1)).toMatchObject({ what: "worker w1-production", worker: { pool: "production", name: "w1-production" } });
  });

  it("every worker process of the node ONLINE in its pool, under the name it registers with (templates.ts workerInstances)", () => {
    const c = cluster("  database:\n    type: sqlite\n");
    const two = cluster("  database:\n    type: sqlite\n");
    two.workers[0]!.processes = 2;
    two.workers[0]!.pools.push({ pool: "etl jobs", queues: "all" });
    expect(verifyChecks(two, two.nodes[1]!, null).probes.filter((p) => p.expect === "worker-online").map((p) => [p.url, p.worker])).toEqual([
      ["http://198.51.100.41:4200/api/work_pools/production/workers/filter", { pool: "production", name: "w1-production-1" }],
      ["http://198.51.100.41:4200/api/work_pools/production/workers/filter", { pool: "production", name: "w1-production-2" }],
      ["http://198.51.100.41:4200/api/work_pools/etl%20jobs/workers/filter", { pool: "etl jobs", name: "w1-etl jobs-1" }],
      ["http://198.51.100.41:4200/api/work_pools/etl%20jobs/workers/filter", { pool: "etl jobs", name: "w1-etl jobs-2" }],
    ]);
    // The server node runs no worker here: it probes none.
    expect(verifyChecks(c, c.nodes[0]!, null).probes.some((p) => p.expect === "worker-online")).toBe(false);
  });

  it("a server node that also runs workers probes them too, with its own interpreter", () => {
    const c = cluster("  database:\n    type: sqlite\n");
    c.workers[0]!.node = "srv";
    const checks = verifyChecks(c, c.nodes[0]!, null);
    expect(checks.python).toBe("/opt/prefect/envs/prefect-env/bin/python");
    expect(checks.probes.filter((p) => p.expect === "worker-online").map((p) => p.worker)).toEqual([{ pool: "production", name: "srv-production" }]);
  });

  it("on Prefect before 3.1.8 (no auth string of its own) the API is probed without credentials, and not for a 401", () => {
    const c = cluster(PG_CADDY);
    const probes = verifyChecks(c, c.nodes[0]!, "2.20.0").probes;
    expect(probes.every((p) => p.auth === null)).toBe(true);
    expect(probes.map((p) => p.what)).toEqual(["the API on loopback", "the API on loopback", "the API through the proxy", "the API through the proxy", "the UI through the proxy without credentials"]);
  });

  it("with the server's Prefect version unknown, no probe expects the API to refuse (a 2.x or 3.0 server would answer)", () => {
    const c = cluster(PG_CADDY);
    const probes = verifyChecks(c, c.nodes[0]!, null).probes;
    expect(probes.filter((p) => p.expect === "unauthorized").map((p) => p.what)).toEqual(["the UI through the proxy without credentials"]);
  });

  it("with certificate files and their CA, the server node verifies against the CA artifact in its store, the workers against their copy", () => {
    const c = cluster(PG_CADDY.replace("tls: { mode: internal }", "tls: { mode: files, certificate: cert, key: key, ca: ca }"), `  cert: { kind: file, source: c.pem, sha256: ${"e1".repeat(32)} }\n  key: { kind: file, source: k.pem, sha256: ${"e2".repeat(32)} }\n  ca: { kind: file, source: ca.pem, sha256: ${"e3".repeat(32)} }\n`);
    expect(new Set(verifyChecks(c, c.nodes[0]!, "3.4.25").probes.filter((p) => p.url.startsWith("https:")).map((p) => p.caFile))).toEqual(new Set([`/opt/prefect/store/${"e3".repeat(32)}/ca`]));
    expect(new Set(verifyChecks(c, c.nodes[1]!, "3.4.25").probes.map((p) => p.caFile))).toEqual(new Set(["/etc/prefect/proxy-ca.crt"]));
  });

  it("without proxy, auth or PostgreSQL: the API directly, nothing else", () => {
    const c = cluster("  database:\n    type: sqlite\n");
    expect(verifyChecks(c, c.nodes[0]!, null)).toEqual({
      python: "/opt/prefect/envs/prefect-env/bin/python",
      loopbackOnly: [],
      probes: [
        { what: "the API on loopback", url: "http://127.0.0.1:4200/api/health", caFile: null, auth: null, expect: "health" },
        { what: "the API on loopback", url: "http://127.0.0.1:4200/api/admin/version", caFile: null, auth: null, expect: "version" },
      ],
    });
    expect(verifyChecks(c, c.nodes[1]!, null).probes.map((p) => p.url)).toEqual([
      "http://198.51.100.41:4200/api/health",
      "http://198.51.100.41:4200/api/admin/version",
      "http://198.51.100.41:4200/api/work_pools/production/workers/filter",
    ]);
  });
});
