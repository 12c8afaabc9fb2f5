/** Files rendered from the spec: worker units and their instance files, env files, the Caddyfile. */
import { describe, expect, it } from "vitest";
import { desiredFor } from "../../src/planner/desired.js";
import {
  apiUrl,
  basicAuthDirective,
  caddyToken,
  caddyfile,
  instanceEnv,
  poolOfWorkerUnit,
  renderEnv,
  serverEnv,
  serverUnitFile,
  systemdPath,
  systemdWord,
  workerEnv,
  workerInstances,
  workerUnit,
  workerUnitFile,
} from "../../src/planner/templates.js";
import type { LocalInputs } from "../../src/planner/types.js";
import type { ResolvedCluster, ResolvedNode } from "../../src/spec/resolved.js";
import { Sensitive } from "../../src/spec/secrets.js";
import { check } from "../helpers/spec.js";

const SHA = { env: "a1".repeat(32), cert: "ce".repeat(32), key: "ee".repeat(32), caddy: "c1".repeat(32), pg: "d1".repeat(32) };
const HEADER = "# Managed by reconcile (cluster tpl); local changes are overwritten.\n";
const LOCAL: LocalInputs = { artifacts: {}, flows: {} };

/** A cluster with one server node and one worker node; `server`, `workers` and extra artifacts vary. */
function cluster(options: { server?: string; workers?: string; artifacts?: string; pools?: string; root?: string; workerRoot?: string } = {}): ResolvedCluster {
  const text = `apiVersion: reconcile/v1
kind: PrefectCluster
metadata:
  name: tpl
${options.root === undefined ? "" : `root: "${options.root}"\n`}nodes:
  - name: server
    address: 198.51.100.41
  - name: worker-1
    address: 198.51.100.42
    root: "${options.workerRoot ?? "/data/prefect"}"
artifacts:
  prefect-env:
    kind: tar
    source: artifacts/prefect-env.tar
    sha256: ${SHA.env}
  caddy-debs:
    kind: deb
    source: debs/caddy
    sha256: ${SHA.caddy}
  pg-debs:
    kind: deb
    source: debs/postgresql
    sha256: ${SHA.pg}
${options.artifacts ?? ""}server:
  node: server
  prefect:
    env: prefect-env
${options.server ?? "  database:\n    type: sqlite\n"}workPools:
${options.pools ?? "  - name: production\n    queues:\n      - name: prod-main\n        priority: 1\n  - name: staging\n"}workers:
${options.workers ?? "  - node: worker-1\n    env: prefect-env\n    pools:\n      - pool: production\n"}`;
  const result = check(text);
  if (result.cluster === undefined) throw new Error(result.diagnostics.map((d) => `${d.path}: ${d.message}`).join("\n"));
  return result.cluster;
}

const nodeNamed = (c: ResolvedCluster, name: string): ResolvedNode => {
  const n = c.nodes.find((x) => x.name === name);
  if (n === undefined) throw new Error(`no node ${name}`);
  return n;
};

/**
 * What systemd makes of one `KEY="VALUE"` line of an EnvironmentFile (src/basic/env-file.c, the
 * DOUBLE_QUOTE_VALUE states): a backslash before one of `"\`$` and a backtick drops out, before
 * a newline both drop out, before anything else it stays; newlines inside the quotes are kept.
 */
function systemdValue(line: string): string {
  const m = /^[A-Z_][A-Z0-9_]*="([\s\S]*)"$/.exec(line);
  if (m === null) throw new Error(`not a double-quoted assignment: ${line}`);
  const quoted = m[1] ?? "";
  let out = "";
  for (let i = 0; i < quoted.length; i++) {
    const c = quoted[i];
    if (c !== "\\") {
      out += c;
      continue;
    }
    const next = quoted[++i] ?? "";
    if ('"\\`$'.includes(next)) out += next;
    else if (next !== "\n") out += `\\${next}`;
  }
  return out;
}


/**
 * What systemd makes of an `ExecStart=` value (systemd.service(5) "Command lines"): specifiers
 * first (`%%` is `%`), then words split on whitespace, a word wrapped whole in double or single
 * quotes with C escapes inside (`\\`, `\"`, `\'`), then `$$` is `$` at exec time. Only what
 * the templates may write is modelled; anything else throws.
 */
function systemdCommandLine(value: string): string[] {
  const text = value.replace(/%(.)/g, (_, c: string) => {
    if (c !== "%") throw new Error(`specifier %${c} in ${value}`);
    return "%";
  });
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i] ?? "")) {
      i++;
      continue;
    }
    const quote = text[i] === '"' || text[i] === "'" ? text[i] : null;
    if (quote !== null) i++;
    let word = "";
    for (;;) {
      const c = text[i];
      if (c === undefined) {
        if (quote !== null) throw new Error(`unterminated quote in ${value}`);
        break;
      }
      if (quote === null && /\s/.test(c)) break;
      if (c === quote) {
        i++;
        if (i < text.length && !/\s/.test(text[i] ?? "")) throw new Error(`a closing quote must end the word in ${value}`);
        break;
      }
      if (c === "\\") {
        const next = text[i + 1] ?? "";
        if (!"\\\"'".includes(next)) throw new Error(`escape \\${next} not modelled in ${value}`);
        word += next;
        i += 2;
        continue;
      }
      word += c;
      i++;
    }
    words.push(word.replace(/\$\$/g, "$"));
  }
  return words;
}

const execStart = (unitText: string) => {
  const line = /^ExecStart=(.*)$/m.exec(unitText)?.[1];
  if (line === undefined) throw new Error(`no ExecStart in ${unitText}`);
  return systemdCommandLine(line);
};


/** The Caddyfile as the server node gets it. */
const serverCaddyfile = (c: ResolvedCluster) => caddyfile(c, c.nodes.find((n) => n.server) as ResolvedNode);

describe("worker units", () => {
  const c = cluster({
    workers: `  - node: worker-1
    env: prefect-env
    processes: 2
    limit: 4
    pools:
      - pool: production
        queues: [prod-main, default]
      - pool: staging
`,
  });
  const node = nodeNamed(c, "worker-1");

  it("one template for every instance; the env link comes from the node's root", () => {
    expect(workerUnitFile(c, node, "prefect-env")).toBe(
      `${HEADER}[Unit]
Description=Prefect worker %i
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=prefect
Group=prefect
WorkingDirectory=/var/lib/prefect
EnvironmentFile=/etc/prefect/worker.env
EnvironmentFile=-/etc/prefect/worker.secrets.env
EnvironmentFile=/etc/prefect/worker-%i.env
ExecStart=/data/prefect/envs/prefect-env/bin/prefect worker start --type process --pool \${RECONCILE_POOL} --name \${RECONCILE_WORKER_NAME} $RECONCILE_WORKER_ARGS
Restart=always
RestartSec=5
KillMode=mixed
TimeoutStopSec=30

[Install]
WantedBy=multi-user.target
`,
    );
  });

  it("two processes per pool membership, each with a stable name, its queues and the limit", () => {
    expect(workerInstances(node, c)).toEqual([
      { instance: "production.1", pool: "production", workerName: "worker-1-production-1", queues: ["prod-main", "default"], limit: 4 },
      { instance: "production.2", pool: "production", workerName: "worker-1-production-2", queues: ["prod-main", "default"], limit: 4 },
      { instance: "staging.1", pool: "staging", workerName: "worker-1-staging-1", queues: "all", limit: 4 },
      { instance: "staging.2", pool: "staging", workerName: "worker-1-staging-2", queues: "all", limit: 4 },
    ]);
    // The cluster run reads a unit's pool back from its name.
    for (const w of workerInstances(node, c)) expect(poolOfWorkerUnit(workerUnit(w.instance))).toBe(w.pool);
    expect(poolOfWorkerUnit("prefect-server.service")).toBeNull();
    const [first, , third] = workerInstances(node, c);
    if (first === undefined || third === undefined) throw new Error("instances missing");
    expect(renderEnv(c.name, instanceEnv(first).entries)).toBe(
      `${HEADER}RECONCILE_POOL="production"\nRECONCILE_WORKER_NAME="worker-1-production-1"\nRECONCILE_WORKER_ARGS="--work-queue prod-main --work-queue default --limit 4"\n`,
    );
    // All queues: no --work-queue, so the worker polls every queue of the pool.
    expect(renderEnv(c.name, instanceEnv(third).entries)).toBe(`${HEADER}RECONCILE_POOL="staging"\nRECONCILE_WORKER_NAME="worker-1-staging-1"\nRECONCILE_WORKER_ARGS="--limit 4"\n`);
  });

  it("one process keeps the bare pool name; the node gets one unit and one instance file per process", () => {
    const single = cluster();
    const n = nodeNamed(single, "worker-1");
    expect(workerInstances(n, single).map((w) => [w.instance, w.workerName])).toEqual([["production", "worker-1-production"]]);
    const addresses = desiredFor(c, node, LOCAL).map((d) => d.address);
    expect(addresses.filter((a) => a.startsWith("service:"))).toEqual([
      "service:prefect-worker@production.1.service",
      "service:prefect-worker@production.2.service",
      "service:prefect-worker@staging.1.service",
      "service:prefect-worker@staging.2.service",
    ]);
    expect(addresses.filter((a) => a.startsWith("file:"))).toEqual([
      "file:/etc/prefect/worker.env",
      "file:/etc/systemd/system/prefect-worker@.service",
      "file:/etc/prefect/worker-production.1.env",
      "file:/etc/prefect/worker-production.2.env",
      "file:/etc/prefect/worker-staging.1.env",
      "file:/etc/prefect/worker-staging.2.env",
    ]);
  });
});

describe("env files", () => {
  const tricky: [string, string][] = [
    ["QUOTES", 'say "hi"'],
    ["BACKSLASHES", "C:\\path\\to\\"],
    ["SPACES", "  two  words  "],
    ["SHELLISH", "$HOME and `date` and ${X}"],
    ["EMPTY", ""],
  ];

  it("quotes every value, escaping backslashes and double quotes only", () => {
    expect(renderEnv("tpl", tricky)).toBe(
      `${HEADER}QUOTES="say \\"hi\\""
BACKSLASHES="C:\\\\path\\\\to\\\\"
SPACES="  two  words  "
SHELLISH="$HOME and \`date\` and \${X}"
EMPTY=""
`,
    );
  });

  it("systemd reads back exactly the values written (quotes, backslashes, spaces, $ and backticks)", () => {
    const lines = renderEnv("tpl", tricky).split("\n").slice(1, -1);
    expect(lines.map(systemdValue)).toEqual(tricky.map(([, v]) => v));
  });

  // Regression test (found by the fixture review; fixed in src).
  it("systemd reads back a value with a newline as that newline", () => {
    const text = renderEnv("tpl", [["MULTI", "line one\nline two"]]);
    const body = text.slice(HEADER.length, -1);
    expect(systemdValue(body)).toBe("line one\nline two");
  });

  it("secret entries are filled from the secrets map, escaped like the rest, and read (sensitive) without it", () => {
    const entries: [string, string | { secret: string }][] = [["PREFECT_API_AUTH_STRING", { secret: "AUTH" }]];
    const secrets = new Map([["AUTH", new Sensitive('adm"in:p\\w')]]);
    expect(renderEnv("tpl", entries, secrets)).toBe(`${HEADER}PREFECT_API_AUTH_STRING="adm\\"in:p\\\\w"\n`);
    expect(renderEnv("tpl", entries)).toBe(`${HEADER}PREFECT_API_AUTH_STRING=(sensitive)\n`);
  });

  it("server: base entries sorted, a setting replaces the base entry of the same name, secrets in their own file", () => {
    const c = cluster({
      server: `    port: 4300
    authString: {secret: PREFECT_AUTH}
    settings:
      PREFECT_UI_API_URL: https://ui.example/api
      PREFECT_LOGGING_LEVEL: DEBUG
  database:
    type: sqlite
`,
    });
    const env = serverEnv(c);
    expect(env.plain.entries).toEqual([
      ["PREFECT_API_DATABASE_CONNECTION_URL", "sqlite+aiosqlite:////var/lib/prefect/prefect.db"],
      // The migration step migrates the database; the server must not at start (2.x/3.0 name, then 3.x).
      ["PREFECT_API_DATABASE_MIGRATE_ON_START", "false"],
      ["PREFECT_HOME", "/var/lib/prefect"],
      ["PREFECT_LOGGING_LEVEL", "DEBUG"],
      ["PREFECT_SERVER_ANALYTICS_ENABLED", "false"],
      ["PREFECT_SERVER_API_HOST", "0.0.0.0"],
      ["PREFECT_SERVER_API_PORT", "4300"],
      ["PREFECT_SERVER_DATABASE_MIGRATE_ON_START", "false"],
      ["PREFECT_SERVER_MEMO_STORE_PATH", "/var/lib/prefect/memo_store.toml"],
      ["PREFECT_UI_API_URL", "https://ui.example/api"],
      ["PREFECT_UI_STATIC_DIRECTORY", "/var/lib/prefect/ui"],
    ]);
    expect(env.secret?.entries).toEqual([["PREFECT_SERVER_API_AUTH_STRING", { secret: "PREFECT_AUTH" }]]);
  });

  // Regression test (found by the fixture review; fixed in src).
  it("server: the PostgreSQL connection URL is a whole asyncpg URL with the password encoded", () => {
    const c = cluster({
      server: `  database:
    type: postgresql
    packages: pg-debs
    name: prefect
    user: prefect
    password: {secret: PG_PASSWORD}
    port: 5433
`,
    });
    const env = serverEnv(c);
    const text = renderEnv(c.name, env.secret?.entries ?? [], new Map([["PG_PASSWORD", new Sensitive("p@ss:w/rd")]]));
    expect(text).toMatch(/^PREFECT_API_DATABASE_CONNECTION_URL="postgresql\+asyncpg:\/\/prefect:p%40ss%3Aw%2Frd@(127\.0\.0\.1|localhost):5433\/prefect"$/m);
  });

  it("worker: the API URL and home, its own settings, the auth string in the secrets file", () => {
    const c = cluster({
      server: "    authString: {secret: PREFECT_AUTH}\n  database:\n    type: sqlite\n",
      workers: "  - node: worker-1\n    env: prefect-env\n    settings:\n      PREFECT_WORKER_QUERY_SECONDS: 5\n      PREFECT_DEBUG_MODE: true\n    pools:\n      - pool: production\n",
    });
    const worker = c.workers[0];
    if (worker === undefined) throw new Error("no worker");
    const env = workerEnv(c, worker.settings);
    expect(env.plain.entries).toEqual([
      ["PREFECT_API_URL", "http://198.51.100.41:4200/api"],
      ["PREFECT_DEBUG_MODE", "true"],
      ["PREFECT_HOME", "/var/lib/prefect"],
      ["PREFECT_WORKER_QUERY_SECONDS", "5"],
    ]);
    expect(env.secret?.entries).toEqual([["PREFECT_API_AUTH_STRING", { secret: "PREFECT_AUTH" }]]);
  });

  // Regression test (found by the fixture review; fixed in src).
  it("worker: a secret setting replaces the base secret of the same name, as plain settings do", () => {
    const c = cluster({
      server: "    authString: {secret: PREFECT_AUTH}\n  database:\n    type: sqlite\n",
      workers: "  - node: worker-1\n    env: prefect-env\n    settings:\n      PREFECT_API_AUTH_STRING: {secret: WORKER_AUTH}\n    pools:\n      - pool: production\n",
    });
    const worker = c.workers[0];
    if (worker === undefined) throw new Error("no worker");
    expect(workerEnv(c, worker.settings).secret?.entries).toEqual([["PREFECT_API_AUTH_STRING", { secret: "WORKER_AUTH" }]]);
  });
});

describe("the API URL clients use", () => {
  const proxy = (listen: string, tls: string) => `  database:\n    type: sqlite\n  proxy:\n    type: caddy\n    packages: caddy-debs\n    listen: "${listen}"\n    tls: ${tls}\n`;
  it.each([
    ["no proxy: straight to the server's port", "  database:\n    type: sqlite\n", "http://198.51.100.41:4200/api"],
    ["TLS on 443: no port", proxy("prefect.internal:443", "{mode: internal}"), "https://prefect.internal/api"],
    ["no host in listen: the server's address", proxy(":8443", "{mode: internal}"), "https://198.51.100.41:8443/api"],
    ["TLS off on 80: http, no port", proxy("prefect.internal:80", "{mode: off}"), "http://prefect.internal/api"],
    ["TLS off on another port", proxy(":8080", "{mode: off}"), "http://198.51.100.41:8080/api"],
  ])("%s", (_name, server, url) => {
    expect(apiUrl(cluster({ server }))).toBe(url);
  });
});

describe("the API URL the UI uses", () => {
  const uiUrl = (c: ResolvedCluster) => serverEnv(c).plain.entries.find(([k]) => k === "PREFECT_UI_API_URL")?.[1];
  const proxy = "  database:\n    type: sqlite\n  proxy:\n    type: caddy\n    packages: caddy-debs\n    listen: \"prefect.internal:443\"\n    tls: {mode: internal}\n";
  it.each([
    ["no proxy", "  database:\n    type: sqlite\n"],
    ["behind the proxy", proxy],
  ])("%s: a path alone, which the browser resolves against whatever host it used (proxy, tunnel)", (_name, server) => {
    expect(uiUrl(cluster({ server }))).toBe("/api");
  });

  it.each([
    ["/prefect/api", "/prefect/api"],
    ["/prefect/api/", "/prefect/api"],
    ["/", "/"],
  ])("the API's base path %s when the settings move it", (basePath, url) => {
    const c = cluster({ server: `    settings:\n      PREFECT_SERVER_API_BASE_PATH: "${basePath}"\n  database:\n    type: sqlite\n` });
    expect(uiUrl(c)).toBe(url);
  });
});

describe("Caddyfile", () => {
  const withProxy = (proxy: string, artifacts = "") =>
    cluster({ server: `  database:\n    type: sqlite\n  proxy:\n    type: caddy\n    packages: caddy-debs\n${proxy}`, artifacts });

  it("none without a proxy", () => {
    expect(serverCaddyfile(cluster())).toBeNull();
  });

  const GLOBAL = "{\n\tskip_install_trust\n}\n\n";
  const OPS = "$2a$14$Zkx19XLiW6VYouLHR5NmfOFU0z2GTNmpkT/5qqR7hx4IjWJPDhjvG";
  const users = `    basicAuth:\n      - user: ops\n        passwordHash: ${OPS}\n`;
  const caddyDebs = (version: string): LocalInputs => ({ artifacts: { "caddy-debs": { bytes: 1, unpackedBytes: 1, debs: [{ name: "caddy", version, arch: "amd64" }], prefectVersion: null } }, flows: {} });
  const render = (proxy: string, local: LocalInputs = LOCAL) => {
    const c = withProxy(proxy);
    const node = c.nodes.find((n) => n.server) as ResolvedNode;
    // The planner's path: the version comes from the deb set's caddy package.
    const file = desiredFor(c, node, local).find((d) => d.kind === "file" && d.path === "/etc/caddy/Caddyfile");
    return file?.kind === "file" && file.content.type === "text" ? file.content.text : null;
  };
  // [case, proxy as written, local inputs, the whole Caddyfile]
  const table: [string, string, LocalInputs, string][] = [
    ["tls internal, a host in listen: that host", "    listen: prefect.internal:443\n    tls: {mode: internal}\n", LOCAL, `prefect.internal:443 {\n\ttls internal\n\treverse_proxy 127.0.0.1:4200\n}\n`],
    [
      "tls internal, no host in listen: the server's address, localhost and 127.0.0.1, each with the port",
      '    listen: ":8443"\n    tls: {mode: internal}\n',
      LOCAL,
      `198.51.100.41:8443, localhost:8443, 127.0.0.1:8443 {\n\ttls internal\n\treverse_proxy 127.0.0.1:4200\n}\n`,
    ],
    ["tls off: an http:// site address and no tls line", '    listen: ":8080"\n    tls: {mode: off}\n', LOCAL, `http://:8080 {\n\treverse_proxy 127.0.0.1:4200\n}\n`],
    ["tls off with a host", "    listen: prefect.internal:80\n    tls: {mode: off}\n", LOCAL, `http://prefect.internal:80 {\n\treverse_proxy 127.0.0.1:4200\n}\n`],
    [
      "basic auth, caddy version unknown: basicauth",
      `    listen: prefect.internal:443\n${users}`,
      LOCAL,
      `prefect.internal:443 {\n\ttls internal\n\t@ui not path /api/*\n\tbasicauth @ui {\n\t\tops ${OPS}\n\t}\n\treverse_proxy 127.0.0.1:4200\n}\n`,
    ],
    [
      "basic auth, caddy 2.6.2 (Debian trixie): basicauth",
      `    listen: prefect.internal:443\n${users}`,
      caddyDebs("2.6.2-12"),
      `prefect.internal:443 {\n\ttls internal\n\t@ui not path /api/*\n\tbasicauth @ui {\n\t\tops ${OPS}\n\t}\n\treverse_proxy 127.0.0.1:4200\n}\n`,
    ],
    [
      "basic auth, caddy 2.8.4: basic_auth",
      `    listen: prefect.internal:443\n${users}`,
      caddyDebs("2.8.4-1"),
      `prefect.internal:443 {\n\ttls internal\n\t@ui not path /api/*\n\tbasic_auth @ui {\n\t\tops ${OPS}\n\t}\n\treverse_proxy 127.0.0.1:4200\n}\n`,
    ],
    [
      "extra directives: inside the site, after the auth and before reverse_proxy, as written",
      `    listen: prefect.internal:443\n${users}    extraDirectives:\n      - encode gzip\n      - "header {"\n      - "  -Server"\n      - "}"\n      - 'respond /healthz "ok {path}" 200'\n`,
      caddyDebs("2.10.0-1"),
      `prefect.internal:443 {\n\ttls internal\n\t@ui not path /api/*\n\tbasic_auth @ui {\n\t\tops ${OPS}\n\t}\n\tencode gzip\n\theader {\n\t  -Server\n\t}\n\trespond /healthz "ok {path}" 200\n\treverse_proxy 127.0.0.1:4200\n}\n`,
    ],
  ];
  it.each(table)("%s", (_, proxy, local, body) => {
    expect(render(proxy, local)).toBe(`${HEADER}${GLOBAL}${body}`);
  });

  it("the basic-auth directive's name by Caddy version: basic_auth from 2.8, basicauth before or when unknown", () => {
    const cases: [string | null, string][] = [
      [null, "basicauth"],
      ["2.6.2-5", "basicauth"],
      ["2.7.6-1", "basicauth"],
      ["2.8.0-1", "basic_auth"],
      ["1:2.8.4-1", "basic_auth"],
      ["2.10.2-1", "basic_auth"],
      ["3.0.0-1", "basic_auth"],
      ["garbage", "basicauth"],
    ];
    for (const [version, name] of cases) expect(basicAuthDirective(version), String(version)).toBe(name);
  });

  it("the site addresses are what the workers' API URL names", () => {
    const c = withProxy('    listen: ":8443"\n    tls: {mode: internal}\n');
    expect(apiUrl(c)).toBe("https://198.51.100.41:8443/api");
    expect(serverCaddyfile(c)).toContain("198.51.100.41:8443, ");
  });

  it("quotes a token that needs it; refuses control characters in extra directives", () => {
    expect(caddyToken("a b")).toBe('"a b"');
    const c = withProxy("    listen: prefect.internal:443\n");
    const bad = { ...c, server: { ...c.server, proxy: { ...c.server.proxy!, extraDirectives: ["encode gzip\nreverse_proxy evil:80"] } } };
    expect(() => serverCaddyfile(bad)).toThrow(/control character/);
  });

  it("basic auth guards the UI only: a `not path /api/*` matcher scopes it, and /api goes through unguarded", () => {
    const text = serverCaddyfile(
      withProxy(`    listen: prefect.internal:443
    tls: {mode: internal}
    basicAuth:
      - user: ops
        passwordHash: $2a$14$Zkx19XLiW6VYouLHR5NmfOFU0z2GTNmpkT/5qqR7hx4IjWJPDhjvG
      - user: viewer
        passwordHash: $2b$14$abcdefghijklmnopqrstuuJ0pZ1lXb7W5xkQy4I3l2m6n8o9p0qrS
`),
    );
    expect(text).toContain(`prefect.internal:443 {
\ttls internal
\t@ui not path /api/*
\tbasicauth @ui {
\t\tops $2a$14$Zkx19XLiW6VYouLHR5NmfOFU0z2GTNmpkT/5qqR7hx4IjWJPDhjvG
\t\tviewer $2b$14$abcdefghijklmnopqrstuuJ0pZ1lXb7W5xkQy4I3l2m6n8o9p0qrS
\t}
\treverse_proxy 127.0.0.1:4200
}
`);
    // The one basicauth directive is scoped by the matcher, never bare (which would guard /api too).
    expect(text?.match(/basicauth/g)).toHaveLength(1);
    expect(text).not.toMatch(/^\tbasicauth \{/m);
  });

  const filesTls = () =>
    withProxy(
      "    listen: prefect.internal:443\n    tls: {mode: files, certificate: tls-cert, key: tls-key}\n",
      `  tls-cert:\n    kind: file\n    source: tls/cert.pem\n    sha256: ${SHA.cert}\n  tls-key:\n    kind: file\n    source: tls/key.pem\n    sha256: ${SHA.key}\n`,
    );

  // Regression test (found by the fixture review; fixed in src).
  it("tls files: the certificate and key are delivered to the server and the Caddyfile names their paths", () => {
    const c = filesTls();
    const text = serverCaddyfile(c) ?? "";
    expect(text).toMatch(new RegExp(`^\\ttls /opt/prefect/store/${SHA.cert}\\S* /opt/prefect/store/${SHA.key}\\S*$`, "m"));
    const addresses = desiredFor(c, nodeNamed(c, "server"), LOCAL).map((d) => d.address);
    expect(addresses).toEqual(expect.arrayContaining(["artifact:tls-cert", "artifact:tls-key"]));
  });

  it("tls files: the site keeps its address and gets exactly one tls line", () => {
    const text = serverCaddyfile(filesTls()) ?? "";
    expect(text.startsWith(`${HEADER}{\n\tskip_install_trust\n}\n\nprefect.internal:443 {\n\ttls `)).toBe(true);
    expect(text.match(/^\ttls /gm)).toHaveLength(1);
    expect(text).not.toContain("tls internal");
  });
});

describe("paths in units, env files and the Caddyfile (root with spaces)", () => {
  const spaced = cluster({
    root: "/opt/my prefect",
    workerRoot: "/srv/team a+b@site, v2:x=y~z/pre.fect_1-0",
    server: "  database:\n    type: sqlite\n    path: /var/lib/my prefect/prefect db.sqlite\n",
  });

  it("ExecStart quotes the program path holding a space, and systemd reads it back as one word", () => {
    const server = serverUnitFile(spaced, nodeNamed(spaced, "server"));
    expect(server).toContain('\nExecStart="/opt/my prefect/envs/prefect-env/bin/prefect" server start\n');
    expect(execStart(server)).toEqual(["/opt/my prefect/envs/prefect-env/bin/prefect", "server", "start"]);
    const worker = workerUnitFile(spaced, nodeNamed(spaced, "worker-1"), "prefect-env");
    expect(worker).toContain('\nExecStart="/srv/team a+b@site, v2:x=y~z/pre.fect_1-0/envs/prefect-env/bin/prefect" worker start --type process');
    expect(execStart(worker)).toEqual([
      "/srv/team a+b@site, v2:x=y~z/pre.fect_1-0/envs/prefect-env/bin/prefect",
      ..."worker start --type process --pool ${RECONCILE_POOL} --name ${RECONCILE_WORKER_NAME} $RECONCILE_WORKER_ARGS".split(" "),
    ]);
  });

  it("an ordinary root gives the same unit text as before (no quotes)", () => {
    const plain = cluster();
    expect(serverUnitFile(plain, nodeNamed(plain, "server"))).toContain("\nExecStart=/opt/prefect/envs/prefect-env/bin/prefect server start\n");
  });

  it.each([
    ["a plain path stays as it is", "/opt/prefect/bin/prefect", "/opt/prefect/bin/prefect"],
    ["a space: quoted whole", "/opt/my prefect/bin/prefect", '"/opt/my prefect/bin/prefect"'],
    ["two spaces and a tab-free run of punctuation", "/a  b/+@,:=~._-", '"/a  b/+@,:=~._-"'],
    ["% is doubled (else a specifier)", "/opt/100%/x", "/opt/100%%/x"],
    ["$ is doubled (else a variable)", "/opt/$HOME/x", "/opt/$$HOME/x"],
    ["a double quote: quoted and escaped", '/opt/say "hi"', '"/opt/say \\"hi\\""'],
    ["a single quote: quoted", "/opt/it's", '"/opt/it\'s"'],
    ["a backslash: quoted and escaped", "/opt/a\\b", '"/opt/a\\\\b"'],
    ["everything at once", "/o p/%$\"'\\", '"/o p/%%$$\\"\'\\\\"'],
  ])("systemdWord: %s", (_name, word, written) => {
    expect(systemdWord(word)).toBe(written);
    expect(systemdCommandLine(`${systemdWord(word)} next`)).toEqual([word, "next"]);
  });

  it("systemdPath: taken literally by WorkingDirectory= and EnvironmentFile=, spaces as they are, % doubled", () => {
    expect(systemdPath("/etc/my prefect/worker.env")).toBe("/etc/my prefect/worker.env");
    expect(systemdPath("/etc/100%/x.env")).toBe("/etc/100%%/x.env");
  });

  it("a control character cannot go into a unit or the Caddyfile: refused as a bug (the schema refuses it first)", () => {
    expect(() => systemdWord("/opt/a\nb")).toThrow(/control character/);
    expect(() => systemdPath("/opt/a\tb")).toThrow(/control character/);
    expect(() => caddyToken("/opt/a\nb")).toThrow(/control character/);
    expect(() => caddyToken("/opt/a\\b")).toThrow(/backslash/);
  });

  it("env files: the SQLite URL keeps the path with its spaces, and systemd reads the value back exactly", () => {
    const entry = serverEnv(spaced).plain.entries.find(([k]) => k === "PREFECT_API_DATABASE_CONNECTION_URL");
    expect(entry).toEqual(["PREFECT_API_DATABASE_CONNECTION_URL", "sqlite+aiosqlite:////var/lib/my prefect/prefect db.sqlite"]);
    const line = renderEnv("tpl", [entry as [string, string]]).split("\n")[1] ?? "";
    expect(line).toBe('PREFECT_API_DATABASE_CONNECTION_URL="sqlite+aiosqlite:////var/lib/my prefect/prefect db.sqlite"');
    expect(systemdValue(line)).toBe("sqlite+aiosqlite:////var/lib/my prefect/prefect db.sqlite");
  });

  it("Caddyfile: a tls file under a root with a space is one quoted token; plain paths stay bare", () => {
    expect(caddyToken("/opt/prefect/store/ab/cert")).toBe("/opt/prefect/store/ab/cert");
    expect(caddyToken("/opt/my prefect/store/ab/cert")).toBe('"/opt/my prefect/store/ab/cert"');
    expect(caddyToken('/opt/say "hi"')).toBe('"/opt/say \\"hi\\""');
    expect(caddyToken("/opt/{x}#y")).toBe('"/opt/{x}#y"');
    const c = cluster({
      root: "/opt/my prefect",
      server: "  database:\n    type: sqlite\n  proxy:\n    type: caddy\n    packages: caddy-debs\n    listen: prefect.internal:443\n    tls: {mode: files, certificate: tls-cert, key: tls-key}\n",
      artifacts: `  tls-cert:\n    kind: file\n    source: tls/cert.pem\n    sha256: ${SHA.cert}\n  tls-key:\n    kind: file\n    source: tls/key.pem\n    sha256: ${SHA.key}\n`,
    });
    expect(serverCaddyfile(c)).toContain(`\n\ttls "/opt/my prefect/store/${SHA.cert}/tls-cert" "/opt/my prefect/store/${SHA.key}/tls-key"\n`);
  });
});
