/**
 * Issue 11, end to end on fresh Debian 13 nodes:
 * - `reconcile fetch` resolves the PostgreSQL and Caddy deb sets against the server node's own dpkg
 *   status and pins them;
 * - one `apply --yes` brings up PostgreSQL (loopback only), the role and database, the real
 *   Prefect 3.4.25 server migrated onto it, and Caddy with TLS from its own CA and basic auth; the
 *   worker node gets Caddy's root as a managed file, and its worker registers through Caddy;
 * - from the worker node, /api/health answers through Caddy over verified TLS with the
 *   credentials; without them the UI and the API are refused;
 * - the UI loads in headless Chromium through Caddy and shows the server's data (screenshot kept);
 * - the next plan is empty;
 * - a rotated database password reaches the role and restarts only the Prefect server;
 * - a Caddyfile that `caddy validate` rejects is not applied and the old one keeps serving;
 * - a new Prefect environment is preceded by a backup, and when its server then fails verify, the
 *   node switches the environment back and restores the database (the objects made before are
 *   back), and the run says so.
 */
import { readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { get as httpsGet } from "node:https";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, expect, it } from "vitest";
import { shellQuote } from "../../src/facts/shell.js";
import { looksLikeACrash, reconcile, tempDir } from "../helpers/cli.js";
import { describeE2E } from "../testbed/e2e.js";
import { resetNode, sshExec } from "../testbed/testbed.mjs";
import { launchBrowser, screenshotPath } from "./browser.js";
import { PREFECT_MAIN, bundleArtifactsYaml, clusterHead, serverYaml, writeTestEnv } from "./cluster-files.mjs";
import { requestCommand, until } from "./on-node.js";
import { PREFECT_VERSION, prefectBundle } from "./prefect-bundle.mjs";

const PASSWORDS = ["pg first 'pass' $1", "pg-Second\\pass\"2"];
/** Prefect's auth string, and the same user and password for Caddy: the browser then logs in once. */
const USER = "admin";
const UI_PASSWORD = "ui-Pa55 word";
const AUTH = `${USER}:${UI_PASSWORD}`;
const PORT = 8443;
const CA_ON_SERVER = "/var/lib/caddy/.local/share/caddy/pki/authorities/local/root.crt";
const CA_ON_WORKER = "/etc/prefect/proxy-ca.crt";

describeE2E("the server node from fetched packages on the test bed", (testbed) => {
  const nodes = testbed.nodes.slice(0, 2);
  const [server, worker] = nodes;
  const dir = tempDir("reconcile-server-node-");
  const file = join(dir, "cluster.yaml");
  let password = PASSWORDS[0]!;
  const run = (args: string[], timeoutMs?: number) =>
    reconcile(["-f", file, ...args], { cwd: dir, env: { RECONCILE_SECRET_PG_PASSWORD: password, RECONCILE_SECRET_PREFECT_AUTH: AUTH }, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
  const onNode = async (name: string, command: string) => {
    const r = await sshExec(name, command);
    expect(r.code, `${name}: ${command}: ${r.stderr}`).toBe(0);
    return r.stdout.trim();
  };
  const api = `https://${server?.address}:${PORT}/api`;
  const request = requestCommand;
  const since = (name: string, unit: string) => onNode(name, `systemctl show -p ActiveEnterTimestampMonotonic --value ${unit}`);
  const writeCluster = (options: { env?: { source: string; sha256?: string }; extraDirectives?: string[]; prefectPort?: number } = {}) => {
    const bundle = prefectBundle();
    const env = options.env ?? { source: bundle.file, sha256: bundle.sha256 };
    writeFileSync(
      file,
      `${clusterHead("e2e-server", nodes, testbed.identityFile)}
${bundleArtifactsYaml({ "prefect-env": { file: env.source, ...(env.sha256 === undefined ? {} : { sha256: env.sha256 }) } }, debPins)}${serverYaml({ node: server!.name, port: PORT, user: USER, hash: HASH, backupsKeep: 3, ...(options.prefectPort === undefined ? {} : { prefectPort: options.prefectPort }), ...(options.extraDirectives === undefined ? {} : { extraDirectives: options.extraDirectives }) })}workPools:
  - name: production
workers:
  - node: ${worker!.name}
    env: prefect-env
    pools:
      - pool: production
`,
    );
  };
  const HASH = bcrypt.hashSync(UI_PASSWORD, 10);
  /** The deb sets' pins that fetch wrote, kept across rewrites of the file. */
  const debPins: Record<string, string> = {};
  const keepPins = () => {
    const artifacts = (parseYaml(readFileSync(file, "utf8")) as { artifacts: Record<string, { sha256?: string }> }).artifacts;
    for (const name of ["pg-debs", "caddy-debs"]) if (artifacts[name]?.sha256 !== undefined) debPins[name] = artifacts[name].sha256;
  };

  beforeAll(async () => {
    if (server === undefined || worker === undefined) throw new Error("needs 2 nodes");
    await Promise.all(nodes.map((n) => resetNode(n.name)));
    writeCluster();
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
    keepPins();
    expect(Object.keys(debPins).sort()).toEqual(["caddy-debs", "pg-debs"]);
  });

  it("a deb set that cannot install (a dependency left out) is refused before dpkg changes anything, naming what is missing", async () => {
    const setDir = join(dir, "debs", "postgresql");
    const llvm = readdirSync(setDir).find((f) => f.startsWith("libllvm19_"));
    expect(llvm).toBeDefined();
    renameSync(join(setDir, llvm!), join(dir, llvm!));
    try {
      expect(run(["pin", "pg-debs"]).code).toBe(0);
      const r = run(["apply", "--yes"], 300_000);
      expect(looksLikeACrash(r.stdout + r.stderr)).toBe(false);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout + r.stderr).toMatch(new RegExp(`node ${server!.name}: .*install packages:pg-debs.*the set cannot install: postgresql-17 needs libllvm19 .*which is neither installed nor in the set`));
      expect(r.stdout + r.stderr).toContain("hint: run `reconcile fetch pg-debs` against this node's status, then `reconcile pin`");
      // dpkg changed nothing: no PostgreSQL package is installed, half or whole.
      expect(await onNode(server!.name, "dpkg-query -W -f '${db:Status-Abbrev}${Package}\\n' 'postgresql*' 2>/dev/null | grep -v '^un' | wc -l")).toBe("0");
    } finally {
      renameSync(join(dir, llvm!), join(setDir, llvm!));
      expect(run(["pin", "pg-debs"]).code).toBe(0);
    }
    keepPins();
  });

  it("one apply brings up PostgreSQL, the real Prefect server on it and Caddy with TLS and basic auth; the worker registers through Caddy", async () => {
    const r = run(["apply", "--yes"], 400_000);
    expect(looksLikeACrash(r.stdout + r.stderr)).toBe(false);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const secret of [password, UI_PASSWORD]) expect(r.stdout + r.stderr).not.toContain(secret);
    for (const unit of ["postgresql.service", "prefect-server.service", "caddy.service"]) expect(await onNode(server!.name, `systemctl is-active ${unit}`)).toBe("active");
    // PostgreSQL listens on loopback only.
    const listening = await onNode(server!.name, "ss -Hltn 'sport = :5432' | awk '{print $4}' | sort");
    expect(listening.split("\n").every((a) => a.startsWith("127.0.0.1:") || a.startsWith("[::1]:"))).toBe(true);
    expect(await onNode(server!.name, `runuser -u postgres -- psql -Atc "select rolname from pg_roles where rolname = 'prefect'"`)).toBe("prefect");
    // The migration ran as its own step before the server started: pg_trgm is there.
    expect(await onNode(server!.name, `runuser -u postgres -- psql -d prefect -Atc "select extname from pg_extension where extname = 'pg_trgm'"`)).toBe("pg_trgm");
    expect(await onNode(server!.name, "cat /etc/prefect/server.env")).toContain('PREFECT_SERVER_DATABASE_MIGRATE_ON_START="false"');
    // The worker node trusts Caddy's own CA through a managed copy of its root, and its workers use it.
    expect(await onNode(worker!.name, `cat ${CA_ON_WORKER}`)).toBe(await onNode(server!.name, `cat ${CA_ON_SERVER}`));
    expect(await onNode(worker!.name, "cat /etc/prefect/worker.env")).toContain(`PREFECT_API_SSL_CERT_FILE="${CA_ON_WORKER}"`);
    const workers = await until(worker!.name, `${request(`${api}/work_pools/production/workers/filter`, CA_ON_WORKER, AUTH, "POST", "{}")} | grep -F '"name":"${worker!.name}-production"'`, 120);
    expect(workers).toMatch(/^200 /);
  });

  it("from the worker node, the API answers through Caddy over verified TLS with the credentials; without them the UI and the API are refused", async () => {
    expect(await onNode(worker!.name, request(`${api}/health`, CA_ON_WORKER, AUTH))).toBe("200 true");
    expect(await onNode(worker!.name, request(`${api}/admin/version`, CA_ON_WORKER, AUTH))).toBe(`200 ${JSON.stringify(PREFECT_VERSION)}`);
    expect(await onNode(worker!.name, request(`${api}/admin/version`, CA_ON_WORKER, null))).toMatch(/^401 /);
    expect(await onNode(worker!.name, request(`${api}/work_pools/filter`, CA_ON_WORKER, `${USER}:wrong`, "POST", "{}"))).toMatch(/^401 /);
    expect(await onNode(worker!.name, request(`https://${server!.address}:${PORT}/`, CA_ON_WORKER, null))).toMatch(/^401\b/);
    expect(await onNode(worker!.name, request(`https://${server!.address}:${PORT}/work-pools`, CA_ON_WORKER, null))).toMatch(/^401\b/);
    // The certificate is Caddy's, checked against its root: the system's trust alone refuses it.
    const untrusted = await sshExec(worker!.name, request(`${api}/health`, "/etc/ssl/certs/ca-certificates.crt", AUTH));
    expect(untrusted.stderr).toContain("CERTIFICATE_VERIFY_FAILED");
  });

  it("the UI loads in headless Chromium through Caddy and shows the server's work pools; without credentials it gets 401", async () => {
    const ca = await onNode(server!.name, `cat ${CA_ON_SERVER}`);
    const browser = await launchBrowser(ca);
    try {
      // Without credentials Caddy asks for them (401, WWW-Authenticate: Basic); a browser that has
      // none cannot load the page.
      const challenge = await new Promise<{ status: number | undefined; authenticate: string | undefined }>((resolve, reject) => {
        httpsGet(`https://${server!.address}:${PORT}/work-pools`, { ca }, (res) => {
          res.resume();
          resolve({ status: res.statusCode, authenticate: res.headers["www-authenticate"] });
        }).on("error", reject);
      });
      expect(challenge.status).toBe(401);
      expect(challenge.authenticate).toMatch(/^Basic /);
      const anonymous = await browser.newPage();
      await expect(anonymous.goto(`https://${server!.address}:${PORT}/work-pools`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
      await anonymous.close();

      const page = await browser.newPage();
      await page.setViewport({ width: 1280, height: 800 });
      await page.authenticate({ username: USER, password: UI_PASSWORD });
      const answered = await page.goto(`https://${server!.address}:${PORT}/work-pools`, { waitUntil: "networkidle0", timeout: 60_000 });
      expect(answered?.status()).toBe(200);
      // The server's data, fetched by the UI from the API through Caddy: the pool and its worker type.
      await page.waitForFunction('document.body.innerText.includes("production")', { timeout: 60_000 });
      expect(page.url()).not.toContain("/login");
      await page.screenshot({ path: screenshotPath("server-node-ui-work-pools.png"), fullPage: true });
      const text = String(await page.evaluate("document.body.innerText"));
      expect(text).toContain("production");
      expect(text).not.toMatch(/Authentication failed|Can't connect to Server API/);
    } finally {
      await browser.close();
    }
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
    expect(await onNode(worker!.name, request(`${api}/health`, CA_ON_WORKER, AUTH))).toBe("200 true");
  });

  it("PostgreSQL down (and unable to start): the database step fails naming node, step and psql's words, and the node is put back", async () => {
    // Down, with a setting that keeps it from starting again (Debian's postgresql.service itself
    // is a placeholder that "starts" whatever the cluster does).
    const broken = "/etc/postgresql/17/main/conf.d/zz-broken.conf";
    await onNode(server!.name, `systemctl stop postgresql.service && echo 'shared_buffers = nonsense' > ${broken}`);
    try {
      password = PASSWORDS[0]!;
      const r = run(["apply", "--yes"], 300_000);
      expect(looksLikeACrash(r.stdout + r.stderr)).toBe(false);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout + r.stderr).toMatch(new RegExp(`node ${server!.name}: .*database:prefect`));
      expect(r.stdout + r.stderr).toMatch(/configure database:prefect failed: PostgreSQL does not run on the node: exit 2: psql: error: connection to server on socket .* failed/);
      expect(r.stdout + r.stderr).toContain("hint: see why on the node (`systemctl status 'postgresql@*'`");
      expect(r.stdout + r.stderr).toMatch(/rolled back to generation \d+/);
      expect(r.stdout + r.stderr).not.toContain(password);
      console.info(`PostgreSQL down: ${(r.stdout + r.stderr).split("\n").filter((l) => l.includes("database:prefect")).join("\n")}`);
    } finally {
      await onNode(server!.name, `rm -f ${broken} && systemctl restart postgresql.service`);
    }
    // With PostgreSQL back, the same change converges.
    const again = run(["apply", "--yes"], 300_000);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(await onNode(worker!.name, request(`${api}/health`, CA_ON_WORKER, AUTH))).toBe("200 true");
  });

  it("a port already taken on the node: verify fails naming what answered, and the server is put back on its old port", async () => {
    // Something else holds the port the spec moves the server to.
    await onNode(server!.name, "systemd-run --unit=squatter -p DynamicUser=yes python3 -m http.server 4300 --bind 127.0.0.1");
    try {
      writeCluster({ prefectPort: 4300 });
      const r = run(["apply", "--yes"], 400_000);
      expect(looksLikeACrash(r.stdout + r.stderr)).toBe(false);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout + r.stderr).toMatch(new RegExp(`node ${server!.name}: .*rolled back to generation \\d+ after verify failed`));
      expect(r.stdout + r.stderr).toMatch(/the API on loopback \(http:\/\/127\.0\.0\.1:4300\/api\/health\): HTTP 404: not Prefect's API \(another program on that port, or a wrong path\?\) after \d+ s/);
      console.info(`port taken: ${(r.stdout + r.stderr).split("\n").filter((l) => l.includes("verify failed") || l.startsWith("  hint:")).join("\n")}`);
      expect(await onNode(server!.name, "grep PREFECT_SERVER_API_PORT /etc/prefect/server.env")).toBe('PREFECT_SERVER_API_PORT="4200"');
      expect(await until(worker!.name, `${request(`${api}/health`, CA_ON_WORKER, AUTH)} | grep '^200 true$'`, 90)).toBe("200 true");
    } finally {
      await onNode(server!.name, "systemctl stop squatter.service || true");
    }
    writeCluster();
    expect(run(["plan", "--detailed-exitcode"]).code).toBe(0);
  });

  it("a Caddyfile that caddy validate rejects is not applied, and the old one keeps serving", async () => {
    const caddyfile = await onNode(server!.name, "cat /etc/caddy/Caddyfile");
    const caddySince = await since(server!.name, "caddy.service");
    const listing = await onNode(server!.name, "ls -A /etc/caddy");
    writeCluster({ extraDirectives: ["no_such_directive on"] });
    const r = run(["apply", "--yes"], 300_000);
    expect(looksLikeACrash(r.stdout + r.stderr)).toBe(false);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout + r.stderr).toMatch(new RegExp(`node ${server!.name}: .*file:/etc/caddy/Caddyfile`));
    expect(r.stdout + r.stderr).toContain("no_such_directive");
    expect(await onNode(server!.name, "cat /etc/caddy/Caddyfile")).toBe(caddyfile);
    expect(await onNode(server!.name, "ls -A /etc/caddy")).toBe(listing);
    expect(await since(server!.name, "caddy.service")).toBe(caddySince);
    expect(await onNode(worker!.name, request(`${api}/health`, CA_ON_WORKER, AUTH))).toBe("200 true");
    writeCluster();
    expect(run(["plan", "--detailed-exitcode"]).code).toBe(0);
  });

  it("a new Prefect environment is preceded by a backup; when its server fails verify, the environment and the database come back", async () => {
    // An object made before the upgrade: the broken release's "migration" wipes every table.
    expect(await onNode(worker!.name, request(`${api}/work_pools/`, CA_ON_WORKER, AUTH, "POST", '{"name":"made-before-upgrade","type":"process"}'))).toMatch(/^201 /);
    const linkBefore = await onNode(server!.name, "readlink /opt/prefect/envs/prefect-env");
    // A release whose migration resets the database and whose server cannot start.
    const broken = writeTestEnv(
      dir,
      "resets-and-breaks",
      false,
      0,
      `#!/bin/sh
py="$(dirname "$(readlink -f "$0")")/python"
case "$*" in
  "server database upgrade -y") exec "$py" -c '${PREFECT_MAIN}' server database reset -y ;;
  "server start"*) echo "this release cannot start" >&2; exit 1 ;;
esac
exec "$py" -c '${PREFECT_MAIN}' "$@"
`,
    );
    writeCluster({ env: { source: broken } });
    expect(run(["pin"]).code).toBe(0);
    const planned = run(["plan"]);
    expect(planned.stdout).toMatch(/migration/);
    const r = run(["apply", "--yes"], 400_000);
    expect(looksLikeACrash(r.stdout + r.stderr)).toBe(false);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout + r.stderr).toMatch(new RegExp(`node ${server!.name}: .*rolled back to generation \\d+`));
    expect(r.stdout + r.stderr).toMatch(/database prefect restored from \/var\/backups\/reconcile\/\S+/);
    // The backup is there, root's only.
    expect(await onNode(server!.name, "stat -c '%a %U' /var/backups/reconcile")).toBe("700 root");
    expect(await onNode(server!.name, "ls /var/backups/reconcile | wc -l")).not.toBe("0");
    // The old environment runs again on the restored database: the object made before is back.
    expect(await onNode(server!.name, "readlink /opt/prefect/envs/prefect-env")).toBe(linkBefore);
    expect(await onNode(server!.name, "systemctl is-active prefect-server.service")).toBe("active");
    expect(await until(worker!.name, `${request(`${api}/work_pools/made-before-upgrade`, CA_ON_WORKER, AUTH)} | grep '^200 '`, 90)).toMatch(/"name":"made-before-upgrade"/);
  });
});
