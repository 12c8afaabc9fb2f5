/**
 * Issue 11, end to end on real Debian 13 nodes: `reconcile fetch` resolves the PostgreSQL and
 * Caddy deb sets against the server node's own dpkg status and pins them; one apply installs
 * PostgreSQL, creates the role and database, runs the real Prefect 3.4.25 server on it behind Caddy,
 * and a worker on another node registers through Caddy; the next plan is empty; a rotated
 * database password reaches the role and restarts only the Prefect server.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { shellQuote } from "../../src/facts/shell.js";
import { looksLikeACrash, reconcile, tempDir } from "../helpers/cli.js";
import { describeE2E } from "../testbed/e2e.js";
import { resetNode, sshExec } from "../testbed/testbed.mjs";
import { clusterHead } from "./cluster-files.mjs";
import { until } from "./on-node.js";
import { BUNDLE_FOLDER, prefectBundle } from "./prefect-bundle.mjs";

const PASSWORDS = ["pg first 'pass' $1", "pg-Second\\pass\"2"];

describeE2E("the server node from fetched packages on the test bed", (testbed) => {
  const nodes = testbed.nodes.slice(0, 2);
  const [server, worker] = nodes;
  const dir = tempDir("reconcile-server-node-");
  const file = join(dir, "cluster.yaml");
  let password = PASSWORDS[0]!;
  const run = (args: string[], timeoutMs?: number) => reconcile(["-f", file, ...args], { cwd: dir, env: { RECONCILE_SECRET_PG_PASSWORD: password }, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
  const onNode = async (name: string, command: string) => {
    const r = await sshExec(name, command);
    expect(r.code, `${name}: ${command}: ${r.stderr}`).toBe(0);
    return r.stdout.trim();
  };
  const get = (url: string) => `python3 -c ${shellQuote(`import urllib.request; print(urllib.request.urlopen('${url}', timeout=5).read().decode())`)}`;
  const since = (name: string, unit: string) => onNode(name, `systemctl show -p ActiveEnterTimestampMonotonic --value ${unit}`);

  beforeAll(async () => {
    if (server === undefined || worker === undefined) throw new Error("needs 2 nodes");
    const bundle = prefectBundle();
    await Promise.all(nodes.map((n) => resetNode(n.name)));
    writeFileSync(
      file,
      `${clusterHead("e2e-server", nodes, testbed.identityFile)}
artifacts:
  prefect-env:
    kind: tar
    source: ${bundle.file}
    path: ${BUNDLE_FOLDER}
    sha256: ${bundle.sha256}
  pg-debs:
    kind: deb
    source: debs/postgresql
    packages: [postgresql]
  caddy-debs:
    kind: deb
    source: debs/caddy
    packages: [caddy]
server:
  node: ${server.name}
  prefect:
    env: prefect-env
  database:
    type: postgresql
    packages: pg-debs
    name: prefect
    user: prefect
    password: {secret: PG_PASSWORD}
  proxy:
    type: caddy
    packages: caddy-debs
    listen: ":8080"
    tls: {mode: "off"}
workPools:
  - name: production
workers:
  - node: ${worker.name}
    env: prefect-env
    pools:
      - pool: production
`,
    );
    expect(run(["trust", "--yes"]).code).toBe(0);
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => resetNode(n.name)));
  });

  it("fetch resolves the two sets against the server node's own release and dpkg status, writes them with their manifest and pins them", () => {
    const r = run(["fetch"], 300_000);
    expect(looksLikeACrash(r.stdout + r.stderr)).toBe(false);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const set of ["pg-debs", "caddy-debs"]) expect(r.stdout + r.stderr).toMatch(new RegExp(`${set}\\s+\\d+ \\.deb files, .* for ${server!.name} \\(trixie amd64\\)`));
    const manifest = readFileSync(join(dir, "debs", "postgresql", "SHA256SUMS"), "utf8");
    expect(manifest).toMatch(/ {2}postgresql-17_[^ ]+_amd64\.deb$/m);
    expect(readFileSync(join(dir, "debs", "caddy", "SHA256SUMS"), "utf8")).toMatch(/ {2}caddy_[^ ]+_amd64\.deb$/m);
    // Pinned: the spec now validates strictly.
    expect(run(["validate", "--strict"]).code).toBe(0);
  });

  it("one apply installs PostgreSQL, the role and database, the real Prefect server on it and Caddy; the worker registers through Caddy", async () => {
    const r = run(["apply", "--yes"], 400_000);
    expect(looksLikeACrash(r.stdout + r.stderr)).toBe(false);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(password);
    for (const unit of ["postgresql.service", "prefect-server.service", "caddy.service"]) expect(await onNode(server!.name, `systemctl is-active ${unit}`)).toBe("active");
    // PostgreSQL listens on loopback only.
    const listening = await onNode(server!.name, "ss -Hltn 'sport = :5432' | awk '{print $4}' | sort");
    expect(listening.split("\n").every((a) => a.startsWith("127.0.0.1:") || a.startsWith("[::1]:"))).toBe(true);
    expect(await onNode(server!.name, `runuser -u postgres -- psql -Atc "select rolname from pg_roles where rolname = 'prefect'"`)).toBe("prefect");
    // The server migrated onto PostgreSQL: its extension is there.
    expect(await until(server!.name, `runuser -u postgres -- psql -d prefect -Atc "select extname from pg_extension where extname = 'pg_trgm'" | grep pg_trgm`, 90)).toBe("pg_trgm");
    // From the worker node, through Caddy.
    expect(await until(worker!.name, get(`http://${server!.address}:8080/api/health`), 90)).toBe("true");
    const workers = await until(server!.name, `python3 -c ${shellQuote("import urllib.request; r = urllib.request.Request('http://127.0.0.1:4200/api/work_pools/production/workers/filter', data=b'{}', headers={'Content-Type': 'application/json'}); print(urllib.request.urlopen(r, timeout=5).read().decode())")} | grep -F '"name":"${worker!.name}-production"'`, 120);
    expect(workers).toContain(`${worker!.name}-production`);
  });

  it("then the plan is empty", () => {
    const r = run(["plan", "--detailed-exitcode"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("No changes.");
  });

  it("a rotated password reaches the role; only the Prefect server restarts", async () => {
    const before = { postgres: await since(server!.name, "postgresql.service"), caddy: await since(server!.name, "caddy.service"), prefect: await since(server!.name, "prefect-server.service") };
    password = PASSWORDS[1]!;
    const planned = run(["plan"]);
    expect(planned.stdout).toMatch(/~ database prefect\s+the password is set again/);
    expect(planned.stdout).not.toContain(password);
    const r = run(["apply", "--yes"], 300_000);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(password);
    // The role takes the new password over TCP, as Prefect connects.
    expect(await onNode(server!.name, `PGPASSWORD=${shellQuote(password)} psql -h 127.0.0.1 -U prefect -d prefect -Atc 'select 1'`)).toBe("1");
    expect(await since(server!.name, "prefect-server.service")).not.toBe(before.prefect);
    expect(await since(server!.name, "postgresql.service")).toBe(before.postgres);
    expect(await since(server!.name, "caddy.service")).toBe(before.caddy);
    expect(await until(worker!.name, get(`http://${server!.address}:8080/api/health`), 90)).toBe("true");
  });
});
