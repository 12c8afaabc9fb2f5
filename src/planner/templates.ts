/**
 * Managed files rendered from the spec: systemd units, environment files, the Caddyfile. Pure
 * text builders; the planner compares their output with the node's files and apply writes it.
 */
import { isSecretRef, type Sensitive } from "../spec/secrets.js";
import type { ResolvedCluster, ResolvedNode, SettingValue } from "../spec/resolved.js";
import { CONFIG_DIR, SERVICE_USER, envLink, storeFile } from "../facts/layout.js";
import type { EnvValue, FileContent } from "./types.js";
import { prefectHasAuthString } from "./versions.js";

export const SERVICE_HOME = "/var/lib/prefect";
/** Where the Prefect server keeps the copy of its web UI it serves (written by the server at start). */
export const SERVER_UI_DIR = `${SERVICE_HOME}/ui`;
export const SERVER_UNIT = "prefect-server.service";
export const WORKER_TEMPLATE = "prefect-worker@.service";
export const CADDYFILE = "/etc/caddy/Caddyfile";
export const serverEnvFile = `${CONFIG_DIR}/server.env`;
export const serverSecretsFile = `${CONFIG_DIR}/server.secrets.env`;
export const workerEnvFile = `${CONFIG_DIR}/worker.env`;
export const workerSecretsFile = `${CONFIG_DIR}/worker.secrets.env`;
export const instanceEnvFile = (instance: string) => `${CONFIG_DIR}/worker-${instance}.env`;
export const workerUnit = (instance: string) => `prefect-worker@${instance}.service`;
/**
 * The work pool a worker unit serves: the inverse of {@link workerUnit} with the instances of
 * {@link workerInstances} (`<pool>` or `<pool>.<i>`; pool names hold no dot). Null for other units.
 */
export function poolOfWorkerUnit(unit: string): string | null {
  return /^prefect-worker@([a-z0-9][a-z0-9_-]*)(?:\.\d+)?\.service$/.exec(unit)?.[1] ?? null;
}

/** The setting that makes the Prefect server migrate its database at start: 3.x name, then the 2.x one (an alias in 3.x). */
export const MIGRATE_ON_START = ["PREFECT_SERVER_DATABASE_MIGRATE_ON_START", "PREFECT_API_DATABASE_MIGRATE_ON_START"] as const;

const header = (cluster: string) => `# Managed by reconcile (cluster ${cluster}); local changes are overwritten.\n`;

type Entry = [string, EnvValue];

/** Splits settings into plain entries and secret ones, sorted by name for stable files. */
function settingEntries(settings: Record<string, SettingValue>): { plain: Entry[]; secret: Entry[] } {
  const plain: Entry[] = [];
  const secret: Entry[] = [];
  for (const key of Object.keys(settings).sort()) {
    const value = settings[key];
    if (value === undefined) continue;
    if (isSecretRef(value)) secret.push([key, { secret: value.secret }]);
    else plain.push([key, String(value)]);
  }
  return { plain, secret };
}

/**
 * systemd EnvironmentFile syntax: the value in double quotes with `\` and `"` escaped, so spaces,
 * quotes and newlines survive (systemd keeps a newline inside quotes; `\n` would stay two
 * characters) and nothing is expanded.
 */
function envLine(key: string, value: string): string {
  return `${key}="${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** An env file's text; secret references are filled from `secrets` (or masked when it is absent). */
export function renderEnv(cluster: string, entries: readonly Entry[], secrets?: ReadonlyMap<string, Sensitive>): string {
  const body = entries.map(([key, value]) => {
    if (typeof value === "string") return envLine(key, value);
    const secret = secrets?.get(value.secret);
    if (secret === undefined) return `${key}=(sensitive)`;
    const text = value.urlEncode === true ? encodeURIComponent(secret.reveal()) : secret.reveal();
    return envLine(key, `${value.prefix ?? ""}${text}${value.suffix ?? ""}`);
  });
  return `${header(cluster)}${body.join("\n")}\n`;
}

/** The URL clients use for the API: through the proxy when there is one. */
export function apiUrl(cluster: ResolvedCluster): string {
  const server = cluster.nodes.find((n) => n.server);
  const address = server?.address ?? "127.0.0.1";
  const proxy = cluster.server.proxy;
  if (proxy === null) return `http://${address}:${cluster.server.prefect.port}/api`;
  const [host, port] = splitListen(proxy.listen);
  const scheme = proxy.tls.mode === "off" ? "http" : "https";
  const defaultPort = scheme === "http" ? "80" : "443";
  return `${scheme}://${host === "" ? address : host}${port === defaultPort ? "" : `:${port}`}/api`;
}

/**
 * Where the UI sends its API calls: a path alone, which the browser resolves against the host it
 * loaded the UI from, so the UI works through the proxy, a tunnel (`reconcile ui`) or any name the
 * server has. The API's base path when the settings move it (`PREFECT_SERVER_API_BASE_PATH`).
 */
export function uiApiUrl(settings: Readonly<Record<string, SettingValue>>): string {
  const base = settings.PREFECT_SERVER_API_BASE_PATH;
  return typeof base === "string" && base.startsWith("/") ? base.replace(/(.)\/+$/, "$1") : "/api";
}

/**
 * What `reconcile ui` forwards to on the server node, and how the browser on the controller reaches
 * it. Through the proxy when there is one (TLS and basic auth stay as they are): Caddy on its
 * listen port, at 127.0.0.1 when `listen` names no host (Caddy's internal certificate then names
 * `localhost`), else at that host, the only name Caddy answers for. Without a proxy, the Prefect
 * server's port.
 */
export interface UiEndpoint {
  /** Host and port as seen from the server node. */
  forwardHost: string;
  forwardPort: number;
  scheme: "http" | "https";
  /** The name the browser must use: `localhost`, or the proxy's `listen` host (Caddy matches it). */
  browserHost: string;
  /** How the proxy's certificate is made, when there is TLS. */
  tls: "internal" | "files" | null;
}

export function uiEndpoint(cluster: ResolvedCluster): UiEndpoint {
  const proxy = cluster.server.proxy;
  if (proxy === null) return { forwardHost: "127.0.0.1", forwardPort: cluster.server.prefect.port, scheme: "http", browserHost: "localhost", tls: null };
  const [host, port] = splitListen(proxy.listen);
  const anyHost = host === "" || host === "0.0.0.0";
  return {
    forwardHost: anyHost ? "127.0.0.1" : host,
    forwardPort: Number(port),
    scheme: proxy.tls.mode === "off" ? "http" : "https",
    browserHost: anyHost ? "localhost" : host,
    tls: proxy.tls.mode === "off" ? null : proxy.tls.mode,
  };
}

function splitListen(listen: string): [string, string] {
  const i = listen.lastIndexOf(":");
  return [listen.slice(0, i), listen.slice(i + 1)];
}

/** Prefect's database URL; the PostgreSQL password makes the whole value a secret. */
function databaseEntry(cluster: ResolvedCluster): Entry {
  const db = cluster.server.database;
  if (db.type === "sqlite") return ["PREFECT_API_DATABASE_CONNECTION_URL", `sqlite+aiosqlite:///${db.path}`];
  // asyncpg is the driver Prefect requires; the password is URL-encoded inside the URL (reference §2.1).
  return [
    "PREFECT_API_DATABASE_CONNECTION_URL",
    { secret: db.password.secret, prefix: `postgresql+asyncpg://${encodeURIComponent(db.user)}:`, suffix: `@127.0.0.1:${db.port}/${encodeURIComponent(db.name)}`, urlEncode: true },
  ];
}

export interface EnvFiles {
  plain: FileContent & { type: "env" };
  /** null when the unit needs no secret. */
  secret: (FileContent & { type: "env" }) | null;
}

const envFiles = (plain: Entry[], secret: Entry[]): EnvFiles => ({
  plain: { type: "env", entries: plain },
  secret: secret.length === 0 ? null : { type: "env", entries: secret },
});

/**
 * The server's env files. `prefectVersion` is the server environment's Prefect (null: unknown, taken
 * as 3.x): the auth string is set only on a Prefect that has one (3.1.8+, versions.ts).
 */
export function serverEnv(cluster: ResolvedCluster, prefectVersion: string | null = null): EnvFiles {
  const { prefect, proxy, database } = cluster.server;
  const { plain, secret } = settingEntries(prefect.settings);
  const base: Entry[] = [
    ["PREFECT_HOME", SERVICE_HOME],
    // Behind the proxy the API listens on loopback only; without one, workers reach it directly.
    ["PREFECT_SERVER_API_HOST", proxy === null ? "0.0.0.0" : "127.0.0.1"],
    ["PREFECT_SERVER_API_PORT", String(prefect.port)],
    ["PREFECT_SERVER_ANALYTICS_ENABLED", "false"],
    ["PREFECT_UI_API_URL", uiApiUrl(prefect.settings)],
    // The server copies its UI here at start and rewrites it: a folder of the service user's, as
    // the environment itself is root's (the server exits with a PermissionError otherwise).
    ["PREFECT_UI_STATIC_DIRECTORY", SERVER_UI_DIR],
    // Else ~/.prefect/memo_store.toml, whatever PREFECT_HOME says: a folder nobody made, so every
    // start registers the blocks again, slower, with a warning.
    ["PREFECT_SERVER_MEMO_STORE_PATH", `${SERVICE_HOME}/memo_store.toml`],
    // The database is migrated by its own step (after a backup, with the new environment, before
    // the server starts): the server must not migrate it again at start. The planner does not
    // know the Prefect version, so both names: 2.x and 3.0 read only PREFECT_API_…, 3.1+ reads
    // PREFECT_SERVER_… first and PREFECT_API_… as its alias (settings/models/server/database.py).
    ...MIGRATE_ON_START.map((key): Entry => [key, "false"]),
  ];
  const db = databaseEntry(cluster);
  const baseSecrets: Entry[] = [];
  if (database.type === "postgresql") baseSecrets.push(db);
  else base.push(db);
  if (prefect.authString !== null && prefectHasAuthString(prefectVersion)) baseSecrets.push(["PREFECT_SERVER_API_AUTH_STRING", { secret: prefect.authString.secret }]);
  return merge(base, baseSecrets, plain, secret);
}

/** A worker node's env files; `serverPrefect` is the server's Prefect version, which decides whether the API has an auth string (see serverEnv). */
export function workerEnv(cluster: ResolvedCluster, settings: Record<string, SettingValue>, serverPrefect: string | null = null): EnvFiles {
  const { plain, secret } = settingEntries(settings);
  const base: Entry[] = [
    ["PREFECT_HOME", SERVICE_HOME],
    ["PREFECT_API_URL", apiUrl(cluster)],
    // Read by Prefect's HTTP client and its websockets alike (3.4: client/orchestration,
    // _internal/websockets.py); TLS verification is never switched off.
    ...(proxyCaNeeded(cluster) ? [["PREFECT_API_SSL_CERT_FILE", PROXY_CA_FILE] as Entry] : []),
  ];
  const auth = cluster.server.prefect.authString;
  const baseSecrets: Entry[] = auth === null || !prefectHasAuthString(serverPrefect) ? [] : [["PREFECT_API_AUTH_STRING", { secret: auth.secret }]];
  return merge(base, baseSecrets, plain, secret);
}

/**
 * The unit's env files: what reconcile sets (`base`, `baseSecrets`), overridden key by key by the
 * user's settings (`plain`, `secret`), so a key is never written twice.
 */
function merge(base: Entry[], baseSecrets: Entry[], plain: Entry[], secret: Entry[]): EnvFiles {
  const userKeys = new Set([...plain, ...secret].map(([k]) => k));
  const keep = (entries: Entry[]) => entries.filter(([k]) => !userKeys.has(k));
  return envFiles([...keep(base), ...plain].sort(byKey), [...keep(baseSecrets), ...secret].sort(byKey));
}

const byKey = (a: Entry, b: Entry) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** One worker process: its systemd instance and its stable name in Prefect. */
export interface WorkerInstance {
  instance: string;
  pool: string;
  /** Stable across restarts, so Prefect keeps one worker row per process (reference §1.4). */
  workerName: string;
  queues: string[] | "all";
  limit: number | null;
}

export function workerInstances(node: ResolvedNode, cluster: ResolvedCluster): WorkerInstance[] {
  const worker = cluster.workers.find((w) => w.node === node.name);
  if (worker === undefined) return [];
  return worker.pools.flatMap((membership) =>
    Array.from({ length: worker.processes }, (_, i) => {
      const suffix = worker.processes === 1 ? "" : `.${i + 1}`;
      return {
        instance: `${membership.pool}${suffix}`,
        pool: membership.pool,
        workerName: `${node.name}-${membership.pool}${worker.processes === 1 ? "" : `-${i + 1}`}`,
        queues: membership.queues,
        limit: worker.limit,
      };
    }),
  );
}

export function instanceEnv(w: WorkerInstance): FileContent & { type: "env" } {
  const args = [...(w.queues === "all" ? [] : w.queues.flatMap((q) => ["--work-queue", q])), ...(w.limit === null ? [] : ["--limit", String(w.limit)])];
  return {
    type: "env",
    entries: [
      ["RECONCILE_POOL", w.pool],
      ["RECONCILE_WORKER_NAME", w.workerName],
      // Expanded unbraced in ExecStart, so systemd splits it into words.
      ["RECONCILE_WORKER_ARGS", args.join(" ")],
    ],
  };
}

/** Refuses control characters: no line-based file below can carry them (the schema refuses them in node paths). */
function singleLine(text: string, where: string): string {
  if (/[\u0000-\u001f\u007f]/.test(text)) throw new Error(`bug: ${JSON.stringify(text)} holds a control character and cannot go into ${where}`);
  return text;
}

/**
 * One word of a systemd command line (`ExecStart=`), per systemd.service(5) "Command lines":
 * `%` doubled (else a specifier) and `$` doubled (else a variable); a word holding whitespace,
 * a quote or a backslash is double-quoted whole, with `\` and `"` escaped inside. Other words
 * stay as they are.
 *
 * @example
 * systemdWord("/opt/my prefect/envs/e/bin/prefect") // → "\"/opt/my prefect/envs/e/bin/prefect\""
 */
export function systemdWord(word: string): string {
  const escaped = singleLine(word, "a systemd command line").replace(/[%$]/g, "$&$&");
  return word === "" || /[\s"'\\]/.test(word) ? `"${escaped.replace(/[\\"]/g, "\\$&")}"` : escaped;
}

/**
 * A path as the value of a unit setting that takes one path (`WorkingDirectory=`,
 * `EnvironmentFile=`): systemd takes it literally, spaces included, apart from `%` specifiers,
 * so `%` is doubled (systemd.unit(5) "Specifiers"). Quotes would be kept as part of the path.
 */
export function systemdPath(path: string): string {
  return singleLine(path, "a unit file").replace(/%/g, "%%");
}

/**
 * One token of a Caddyfile: a token holding whitespace, a quote, a brace or `#` is double-quoted
 * with `"` escaped (Caddyfile lexer: inside quotes a backslash escapes only `"`).
 */
export function caddyToken(token: string): string {
  singleLine(token, "the Caddyfile");
  if (token.includes("\\")) throw new Error(`bug: ${JSON.stringify(token)} holds a backslash, which a Caddyfile token cannot carry as it is`);
  return token === "" || /[\s"'`{}#]/.test(token) ? `"${token.replace(/"/g, '\\"')}"` : token;
}

const unit = (cluster: string, sections: Record<string, string[]>) =>
  header(cluster) +
  Object.entries(sections)
    .map(([name, lines]) => `[${name}]\n${lines.join("\n")}\n`)
    .join("\n");

/**
 * The [Service] lines every Prefect process shares: run as the service user from its home, with
 * the plain env file and the optional secrets one first, then `lines`, then restart on failure.
 */
const prefectService = (envFile: string, secretsFile: string, lines: string[]) => [
  "Type=simple",
  `User=${SERVICE_USER}`,
  `Group=${SERVICE_USER}`,
  `WorkingDirectory=${systemdPath(SERVICE_HOME)}`,
  `EnvironmentFile=${systemdPath(envFile)}`,
  `EnvironmentFile=-${systemdPath(secretsFile)}`,
  ...lines,
  "Restart=always",
  "RestartSec=5",
];

export function workerUnitFile(cluster: ResolvedCluster, node: ResolvedNode, env: string): string {
  return unit(cluster.name, {
    Unit: ["Description=Prefect worker %i", "After=network-online.target", "Wants=network-online.target"],
    Service: [
      ...prefectService(workerEnvFile, workerSecretsFile, [
        // %i is the instance: the one specifier meant here.
        `EnvironmentFile=${systemdPath(CONFIG_DIR)}/worker-%i.env`,
        `ExecStart=${systemdWord(`${envLink(node.root, env)}/bin/prefect`)} worker start --type process --pool \${RECONCILE_POOL} --name \${RECONCILE_WORKER_NAME} $RECONCILE_WORKER_ARGS`,
      ]),
      "KillMode=mixed",
      "TimeoutStopSec=30",
    ],
    Install: ["WantedBy=multi-user.target"],
  });
}

export function serverUnitFile(cluster: ResolvedCluster, node: ResolvedNode): string {
  const db = cluster.server.database;
  const after = db.type === "postgresql" ? ["After=network-online.target postgresql.service", "Requires=postgresql.service"] : ["After=network-online.target"];
  return unit(cluster.name, {
    Unit: ["Description=Prefect server", ...after, "Wants=network-online.target"],
    Service: [...prefectService(serverEnvFile, serverSecretsFile, [`ExecStart=${systemdWord(`${envLink(node.root, cluster.server.prefect.env)}/bin/prefect`)} server start`]), "TimeoutStopSec=30"],
    Install: ["WantedBy=multi-user.target"],
  });
}

/**
 * Where Caddy (user caddy, home /var/lib/caddy) keeps the root of its internal CA on the server
 * node: a public certificate, read by the server node's facts and copied to the workers.
 */
export const CADDY_ROOT_CERT = "/var/lib/caddy/.local/share/caddy/pki/authorities/local/root.crt";
/** The CA the workers' Prefect trusts for the proxy (PREFECT_API_SSL_CERT_FILE): Caddy's internal root, or `tls.ca`. */
export const PROXY_CA_FILE = `${CONFIG_DIR}/proxy-ca.crt`;

/**
 * Whether the workers get {@link PROXY_CA_FILE}: with Caddy's internal CA, or certificate files
 * with their `ca`; never without TLS (and with files but no `ca`, the system's trust is used).
 */
export function proxyCaNeeded(cluster: ResolvedCluster): boolean {
  const tls = cluster.server.proxy?.tls;
  return tls?.mode === "internal" || (tls?.mode === "files" && tls.ca !== null);
}

/**
 * The basic-auth directive of a Caddy version: `basicauth` before 2.8, `basic_auth` from 2.8
 * (reference §4.2; 2.6.2 rejects the new name). `version` is the Debian version of the caddy
 * package (`2.6.2-12`, `1:2.8.4-1`); unknown or unreadable reads as before 2.8.
 */
export function basicAuthDirective(version: string | null): "basicauth" | "basic_auth" {
  const m = version === null ? null : /^(?:\d+:)?(\d+)\.(\d+)/.exec(version);
  if (m === null) return "basicauth";
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 2 || (major === 2 && minor >= 8) ? "basic_auth" : "basicauth";
}

/** A host in a site address: an IPv6 address goes in brackets. */
const siteHost = (host: string) => (host.includes(":") ? `[${host}]` : host);

/**
 * The site addresses Caddy serves. With its internal CA and a `listen` without host (`:8443`),
 * the names clients use, so Caddy issues a certificate for each: the server node's address (what
 * the workers use, see {@link apiUrl}), `localhost` and `127.0.0.1` (an `ssh -L` tunnel), each
 * with the port. Otherwise `listen` as written (`http://` in front without TLS).
 */
function siteAddresses(cluster: ResolvedCluster, node: ResolvedNode): string[] {
  const proxy = cluster.server.proxy!;
  if (proxy.tls.mode === "off") return [`http://${proxy.listen}`];
  const [host, port] = splitListen(proxy.listen);
  if (proxy.tls.mode !== "internal" || host !== "") return [proxy.listen];
  return [...new Set([node.address, "localhost", "127.0.0.1"])].map((h) => `${siteHost(h)}:${port}`);
}

/**
 * Caddy in front of the API, on the server node `node`. Basic auth guards the UI only: Prefect's
 * websockets carry no Authorization header, so /api is protected by Prefect's own auth string
 * (reference §4.2). The global options keep Caddy away from the system trust store (the admin
 * API stays on: Debian's unit reloads through it). `caddyVersion` picks the basic-auth
 * directive's name ({@link basicAuthDirective}). The spec's extra directives go in as written,
 * after the auth and before `reverse_proxy`; `caddy validate` checks the file before it is used.
 */
export function caddyfile(cluster: ResolvedCluster, node: ResolvedNode, caddyVersion: string | null = null): string | null {
  const proxy = cluster.server.proxy;
  if (proxy === null) return null;
  const lines = ["{", "\tskip_install_trust", "}", "", `${siteAddresses(cluster, node).join(", ")} {`];
  if (proxy.tls.mode === "internal") lines.push("\ttls internal");
  if (proxy.tls.mode === "files") {
    const path = (artifact: string) => storeFile(node.root, cluster.artifacts[artifact]?.sha256 ?? "", artifact);
    lines.push(`\ttls ${caddyToken(path(proxy.tls.certificate))} ${caddyToken(path(proxy.tls.key))}`);
  }
  if (proxy.basicAuth.length > 0) {
    lines.push("\t@ui not path /api/*", `\t${basicAuthDirective(caddyVersion)} @ui {`);
    for (const user of proxy.basicAuth) lines.push(`\t\t${caddyToken(user.user)} ${caddyToken(user.passwordHash)}`);
    lines.push("\t}");
  }
  for (const line of proxy.extraDirectives) lines.push(`\t${singleLine(line, "the Caddyfile")}`);
  lines.push(`\treverse_proxy 127.0.0.1:${cluster.server.prefect.port}`, "}");
  return `${header(cluster.name)}${lines.join("\n")}\n`;
}

/** The PostgreSQL settings reconcile manages: in the cluster's conf.d, which postgresql.conf includes (reference §5.2). */
export const postgresqlConfFile = (major: string) => `/etc/postgresql/${major}/main/conf.d/reconcile.conf`;

/** Loopback only, on the declared port: the Prefect server on the same node is its only client. */
export function postgresqlConf(port: number): string {
  return ["# Managed by reconcile: changes here are overwritten.", "listen_addresses = 'localhost'", `port = ${port}`, ""].join("\n");
}
