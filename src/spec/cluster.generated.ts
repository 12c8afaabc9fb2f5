/* eslint-disable */
/**
 * Generated from schema/cluster.schema.json by json-schema-to-typescript.
 * Never edit by hand: change the schema, then run `npm run gen:types`.
 */

/**
 * A setting's value: text, a number, a boolean, or a secret reference.
 */
export type SettingValue = string | number | boolean | SecretRef;
/**
 * The server's database: PostgreSQL installed from .debs, or SQLite.
 */
export type Database = PostgresqlDatabase | SqliteDatabase;
/**
 * TLS for the proxy: Caddy's internal CA, certificate files, or off (plain HTTP).
 */
export type Tls = TlsInternal | TlsFiles | TlsOff;
/**
 * A name safe in systemd unit names and file paths: lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 63 characters.
 */
export type Name = string;
/**
 * Exactly one of `cron`, `interval` or `rrule`.
 */
export type Schedule = CronSchedule | IntervalSchedule | RRuleSchedule;
/**
 * IANA time zone such as `Europe/Berlin`. Default `UTC`.
 */
export type Timezone = string;
/**
 * An inactive schedule is kept but creates no runs. Default true.
 */
export type ScheduleActive = boolean;
/**
 * A duration such as `30s`, `5m` or `1h`.
 */
export type Duration = string;

/**
 * A self-hosted Prefect cluster on air-gapped Linux nodes, as declared in cluster.yaml and converged by `reconcile`.
 */
export interface ClusterSpec {
  /**
   * Optional JSON Schema reference for editors; ignored by reconcile.
   */
  $schema?: string;
  /**
   * Version of this file format. Always `reconcile/v1`.
   */
  apiVersion: "reconcile/v1";
  /**
   * Kind of document. Always `PrefectCluster`.
   */
  kind: "PrefectCluster";
  metadata: Metadata;
  /**
   * Managed root on every node: the artifact store, environments and flow code live under it. Default `/opt/prefect`.
   */
  root?: string;
  ssh?: SshSettings;
  secrets?: SecretsSettings;
  tools?: Tools;
  /**
   * Every machine reconcile manages. Other sections refer to nodes by name.
   *
   * @minItems 1
   */
  nodes: [Node, ...Node[]];
  /**
   * Package pins: every byte that crosses the air gap, by name. Each is sha256-pinned; `reconcile pin` fills the digests of local files.
   */
  artifacts: {
    [k: string]: Artifact | undefined;
  };
  server: Server;
  /**
   * Prefect work pools and their queues.
   */
  workPools?: WorkPool[];
  /**
   * Nodes that run Prefect workers, one entry per node.
   */
  workers?: Worker[];
  /**
   * Flows with their own environment, code and deployments.
   */
  flows?: Flow[];
  drift?: DriftSettings;
}
/**
 * Identity of the cluster.
 */
export interface Metadata {
  /**
   * Name of the cluster (for example `production`). Shown in plans, logs and lock holders.
   */
  name: string;
  /**
   * Free text for humans.
   */
  description?: string;
}
/**
 * How reconcile reaches a node over SSH.
 */
export interface SshSettings {
  /**
   * A login user name. Default `root`.
   */
  user?: string;
  /**
   * SSH port. Default 22.
   */
  port?: number;
  /**
   * Private key file on the controller, relative to cluster.yaml or absolute (`~/` allowed). Without it, the SSH agent (`SSH_AUTH_SOCK`) is used.
   */
  identityFile?: string;
  /**
   * The cluster's known_hosts file, relative to cluster.yaml. Host keys are always verified; `reconcile trust` writes this file. Default `known_hosts` beside cluster.yaml.
   */
  knownHostsFile?: string;
  /**
   * How long to wait for a connection and handshake. Default `10s`.
   */
  connectTimeout?: string;
  /**
   * Longest a single remote command may run before it is cancelled. Default `10m`.
   */
  commandTimeout?: string;
  /**
   * Interval of SSH keepalive messages. A node that answers none for three intervals in a row counts as lost: what was under way on it fails at once, and apply reconnects (retrying with backoff) or gives up on that node. Default `15s`.
   */
  keepaliveInterval?: string;
  /**
   * Longest an upload may go without progress (no write acknowledged by the node) before it is stopped with an error; the next try resumes it. Default `60s`.
   */
  progressTimeout?: string;
  /**
   * Run remote commands through `sudo -n` (non-interactive) when the login user is not root. Default: no privilege escalation.
   */
  become?: "sudo" | "none";
}
/**
 * Where secret references (`{secret: NAME}`) are resolved. The environment variable `RECONCILE_SECRET_<NAME>` always wins over the file.
 */
export interface SecretsSettings {
  /**
   * A secrets file of `NAME=value` lines, relative to cluster.yaml. It must not be readable by group or others (mode 0600 or 0400).
   */
  file?: string;
}
/**
 * Helper programs that reconcile ships to the nodes, each an artifact.
 */
export interface Tools {
  /**
   * Artifact (kind `file`) holding a static `pixi-unpack` binary for the nodes' platform; required when any `pixi-pack` artifact is used.
   */
  pixiUnpack?: string;
}
/**
 * A machine reconcile manages over SSH.
 */
export interface Node {
  /**
   * Node name used everywhere else in this file, in plans and in worker names.
   */
  name: string;
  /**
   * Host name or IP address reconcile connects to.
   */
  address: (
    | {
        [k: string]: unknown | undefined;
      }
    | {
        [k: string]: unknown | undefined;
      }
    | {
        [k: string]: unknown | undefined;
      }
  ) &
    string;
  /**
   * Managed root on this node; overrides the cluster's `root`.
   */
  root?: string;
  ssh?: SshSettings;
}
/**
 * Bytes that cross the air gap, pinned by sha256.
 */
export interface Artifact {
  /**
   * `pixi-pack`: a pixi-pack environment tar. `conda-pack`: a conda-pack archive. `tar`: a plain tar of a ready environment. `deb`: a folder of .deb files with a `SHA256SUMS` manifest. `file`: a single file.
   */
  kind: "pixi-pack" | "conda-pack" | "tar" | "deb" | "file";
  /**
   * A local path (relative to cluster.yaml) or an http(s) URL that the controller fetches. A `deb` set is a local folder.
   */
  source: string;
  /**
   * A folder inside the archive, relative, `/`-separated and without `.` or `..` parts: the one that is the environment, in a `tar` or `conda-pack` archive whose files sit under one top folder (`path: prefect-3.4.25` for `prefect-3.4.25/bin/python`...). Default: the archive's root.
   */
  path?: string;
  /**
   * Expected sha256 of the file, 64 lowercase hex digits (for a `deb` set: of its `SHA256SUMS` manifest). `reconcile pin` writes it.
   */
  sha256: string;
  /**
   * `deb` only: the Debian packages the set must provide (`[postgresql, caddy]`). `reconcile fetch` resolves what the target nodes lack of them and their dependencies, against the nodes' own release, architecture and installed packages, downloads it into `source` with its manifest, and pins `sha256`.
   *
   * @minItems 1
   *
   * Items: A Debian package name (`postgresql`, `libpq5`): at least two characters, lowercase letters, digits, `+`, `-` and `.`, starting with a letter or digit.
   */
  packages?: [string, ...string[]];
  /**
   * Free text for humans.
   */
  description?: string;
}
/**
 * The Prefect server node: database, Prefect API and optional reverse proxy.
 */
export interface Server {
  /**
   * A name safe in systemd unit names and file paths: lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 63 characters.
   */
  node: string;
  prefect: PrefectServer;
  database: Database;
  proxy?: Proxy;
}
/**
 * The Prefect API server process.
 */
export interface PrefectServer {
  /**
   * A name safe in systemd unit names and file paths: lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 63 characters.
   */
  env: string;
  /**
   * Port the API listens on, on the server's loopback. Default 4200.
   */
  port?: number;
  settings?: PrefectSettings;
  authString?: SecretRef;
}
/**
 * Extra Prefect settings as environment variables (`PREFECT_*`).
 */
export interface PrefectSettings {
  [k: string]: SettingValue | undefined;
}
/**
 * A reference to a secret, never the secret itself. `{secret: PG_PASSWORD}` is read from the environment variable `RECONCILE_SECRET_PG_PASSWORD` or from the secrets file.
 */
export interface SecretRef {
  /**
   * A secret name: uppercase letters, digits and `_` (the environment variable is `RECONCILE_SECRET_<name>`).
   */
  secret: string;
}
/**
 * PostgreSQL on the server node, installed from a `deb` artifact.
 */
export interface PostgresqlDatabase {
  /**
   * `postgresql`.
   */
  type: "postgresql";
  /**
   * A name safe in systemd unit names and file paths: lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 63 characters.
   */
  packages: string;
  /**
   * A name safe in systemd unit names and file paths: lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 63 characters.
   */
  name: string;
  /**
   * A name safe in systemd unit names and file paths: lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 63 characters.
   */
  user: string;
  password: SecretRef;
  /**
   * PostgreSQL port on the server's loopback. Default 5432.
   */
  port?: number;
  backups?: DatabaseBackups;
}
/**
 * Backups of the server's database that reconcile makes on the server node (in `/var/backups/reconcile/`, root only) before it migrates the database to a new Prefect environment; a rollback restores the one it made.
 */
export interface DatabaseBackups {
  /**
   * How many of this cluster's backups of the database to keep on the node: the newest ones; older ones are deleted after each backup. Default 5.
   */
  keep?: number;
}
/**
 * SQLite file on the server node (small clusters and tests).
 */
export interface SqliteDatabase {
  /**
   * `sqlite`.
   */
  type: "sqlite";
  /**
   * Database file on the server node. Default `/var/lib/prefect/prefect.db`.
   */
  path?: string;
  backups?: DatabaseBackups;
}
/**
 * Caddy in front of the Prefect API and UI, installed from a `deb` artifact.
 */
export interface Proxy {
  /**
   * `caddy`.
   */
  type: "caddy";
  /**
   * A name safe in systemd unit names and file paths: lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 63 characters.
   */
  packages: string;
  /**
   * A site address `host:port` or `:port` that Caddy serves, for example `prefect.internal:443` or `:8443`.
   */
  listen: string;
  tls?: Tls;
  /**
   * Users Caddy asks for before the UI (Prefect's own auth string protects the API).
   */
  basicAuth?: BasicAuthUser[];
  /**
   * Raw Caddyfile lines placed inside the site block, after the basic auth and before `reverse_proxy`, for example `encode gzip` or `header -Server`. A line may open or close a block (`header {`, `}`). Caddy checks the whole file (`caddy validate`) before it replaces the running one: a line it rejects fails the apply and the old Caddyfile stays.
   *
   * Items: A single Caddyfile line without control characters (no newline or tab; indent with spaces).
   */
  extraDirectives?: string[];
}
/**
 * Certificates from Caddy's local CA (no ACME: the nodes are air-gapped), for the server node's address, `localhost` and `127.0.0.1` when `listen` names no host. Every worker node trusts the CA's root, copied from the server node once Caddy made it.
 */
export interface TlsInternal {
  /**
   * `internal`.
   */
  mode: "internal";
}
/**
 * A certificate and key you provide, each a `file` artifact, and optionally the CA that signed the certificate, which the workers then trust.
 */
export interface TlsFiles {
  /**
   * `files`.
   */
  mode: "files";
  /**
   * A name safe in systemd unit names and file paths: lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 63 characters.
   */
  certificate: string;
  /**
   * A name safe in systemd unit names and file paths: lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 63 characters.
   */
  key: string;
  /**
   * A name safe in systemd unit names and file paths: lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 63 characters.
   */
  ca?: string;
}
/**
 * Plain HTTP.
 */
export interface TlsOff {
  /**
   * `off`.
   */
  mode: "off";
}
/**
 * A user Caddy accepts, with a bcrypt hash (`caddy hash-password`), never a password.
 */
export interface BasicAuthUser {
  /**
   * A user name: letters, digits, `.`, `_` and `-`.
   */
  user: string;
  /**
   * A bcrypt hash such as `$2a$14$...` (60 characters), as printed by `caddy hash-password`.
   */
  passwordHash: string;
}
/**
 * A Prefect work pool.
 */
export interface WorkPool {
  /**
   * A name safe in systemd unit names and file paths: lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 63 characters.
   */
  name: string;
  /**
   * Worker type. Only `process` (the default) is supported.
   */
  type?: "process";
  /**
   * Shown in the Prefect UI.
   */
  description?: string;
  /**
   * Most flow runs the pool runs at once. Unset means no limit.
   */
  concurrencyLimit?: number;
  /**
   * A paused pool hands out no runs. Default false.
   */
  paused?: boolean;
  /**
   * Base job template of the pool. Default: Prefect's process worker template.
   */
  baseJobTemplate?: {};
  /**
   * Queues of the pool. Prefect always adds a `default` queue.
   */
  queues?: WorkQueue[];
}
/**
 * A queue inside a work pool.
 */
export interface WorkQueue {
  /**
   * A name safe in systemd unit names and file paths: lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 63 characters.
   */
  name: string;
  /**
   * Shown in the Prefect UI.
   */
  description?: string;
  /**
   * 1 is the highest. Unique within the pool (Prefect shifts clashing priorities, which would never converge).
   */
  priority?: number;
  /**
   * Most flow runs from this queue at once. Unset means no limit.
   */
  concurrencyLimit?: number;
  /**
   * A paused queue hands out no runs. Default false.
   */
  paused?: boolean;
}
/**
 * Prefect workers on one node.
 */
export interface Worker {
  /**
   * A name safe in systemd unit names and file paths: lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 63 characters.
   */
  node: string;
  /**
   * A name safe in systemd unit names and file paths: lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 63 characters.
   */
  env: string;
  /**
   * Pools this node serves; one systemd unit `prefect-worker@<pool>.service` each.
   *
   * @minItems 1
   */
  pools: [WorkerPool, ...WorkerPool[]];
  /**
   * Worker processes per pool on this node. Default 1.
   */
  processes?: number;
  /**
   * Most flow runs one worker process runs at once. Unset means no limit.
   */
  limit?: number;
  settings?: PrefectSettings;
}
/**
 * A pool a worker node serves.
 */
export interface WorkerPool {
  /**
   * A name safe in systemd unit names and file paths: lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 63 characters.
   */
  pool: string;
  /**
   * Queues of that pool to poll. Default: all of them.
   *
   * @minItems 1
   */
  queues?: [Name, ...Name[]];
}
/**
 * A flow with its own environment and code, installed on every worker of its pool.
 */
export interface Flow {
  /**
   * A name safe in systemd unit names and file paths: lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 63 characters.
   */
  name: string;
  /**
   * A name safe in systemd unit names and file paths: lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 63 characters.
   */
  env: string;
  /**
   * Folder with the flow's code, relative to cluster.yaml; packed deterministically (`.git` and `__pycache__` left out).
   */
  source: string;
  /**
   * `path/to/file.py:function`, relative to `source` and inside it (no leading `/`, no `..`).
   */
  entrypoint: string;
  /**
   * A name safe in systemd unit names and file paths: lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 63 characters.
   */
  pool: string;
  /**
   * Deployments of this flow.
   */
  deployments?: Deployment[];
}
/**
 * A Prefect deployment: schedules, parameters and the queue its runs go to.
 */
export interface Deployment {
  /**
   * A name safe in systemd unit names and file paths: lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 63 characters.
   */
  name: string;
  /**
   * Shown in the Prefect UI.
   */
  description?: string;
  /**
   * A name safe in systemd unit names and file paths: lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 63 characters.
   */
  queue?: string;
  /**
   * When runs are created. None means runs only start on demand.
   */
  schedules?: Schedule[];
  /**
   * Parameters passed to the flow function.
   */
  parameters?: {};
  /**
   * Tags on the deployment and its runs.
   */
  tags?: string[];
  /**
   * A paused deployment creates no scheduled runs. Default false.
   */
  paused?: boolean;
  /**
   * Most runs of this deployment at once (Prefect 3.x). Unset means no limit.
   */
  concurrencyLimit?: number;
  /**
   * Extra environment variables for the flow runs.
   */
  env?: {
    [k: string]: SettingValue | undefined;
  };
}
/**
 * A cron schedule.
 */
export interface CronSchedule {
  /**
   * Five-field cron expression, for example `0 6 * * 1-5`.
   */
  cron: string;
  timezone?: Timezone;
  /**
   * When both day-of-month and day-of-week are set, run when either matches (cron's usual rule). Default true.
   */
  dayOr?: boolean;
  active?: ScheduleActive;
}
/**
 * A fixed interval.
 */
export interface IntervalSchedule {
  /**
   * Interval: seconds, or a duration such as `15m` or `1h`.
   */
  interval: number | Duration;
  /**
   * Date and time the intervals are counted from (ISO 8601).
   */
  anchorDate?: string;
  timezone?: Timezone;
  active?: ScheduleActive;
}
/**
 * An RFC 5545 recurrence rule.
 */
export interface RRuleSchedule {
  /**
   * Recurrence rule, for example `FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=7`.
   */
  rrule: string;
  timezone?: Timezone;
  active?: ScheduleActive;
}
/**
 * How `reconcile drift` judges differences.
 */
export interface DriftSettings {
  /**
   * Differences that are expected: neither reported by `reconcile drift` nor changed by plan, apply and watch.
   */
  ignore?: DriftIgnoreRule[];
  /**
   * What reconcile does about a resource that differs from its declaration: `fix` (the default) converges it, `warn` reports it as drift but plan, apply and watch leave it, `ignore` neither reports nor changes it. The first matching entry wins. Creating a missing resource and deleting one no longer declared are not drift and always follow the spec.
   */
  policies?: DriftPolicy[];
}
/**
 * A difference that is expected: `reconcile drift` does not report it, and plan, apply and watch do not change it.
 */
export interface DriftIgnoreRule {
  /**
   * Node name or glob (`worker-*`). Default: every node.
   */
  node?: string;
  /**
   * Resource or glob, as drift names them: `file:/etc/prefect/server.env`, `service:prefect-worker@*.service`, `link:*`, `deployment:etl/*`, `work-queue:production/*`.
   */
  resource?: string;
  /**
   * Only these fields of the resource are ignored, each a name or a path into it (`mode`, `schedules`, `parameters.limit`, or a JSON pointer `/parameters/limit`). Default: all of them.
   *
   * @minItems 1
   */
  fields?: [string, ...string[]];
  /**
   * Why this difference is expected; shown in drift reports.
   */
  reason: string;
}
/**
 * The policy for the resources a rule matches.
 */
export interface DriftPolicy {
  /**
   * Node name or glob (`worker-*`). Default: every node (and the Prefect objects, which belong to no node).
   */
  node?: string;
  /**
   * Resource or glob, as drift names them (`deployment:etl/*`, `service:prefect-worker@*.service`). Default: every resource.
   */
  resource?: string;
  /**
   * `fix`: converge it (the default). `warn`: report it, change nothing. `ignore`: neither.
   */
  policy: "fix" | "warn" | "ignore";
  /**
   * Why; shown in plans and drift reports.
   */
  reason?: string;
}
