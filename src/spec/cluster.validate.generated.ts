/* eslint-disable */
// @ts-nocheck
/**
 * The cluster.yaml validators, compiled by ajv from schema/cluster.schema.json (ajv standalone
 * code): `validate` for the whole document, `branchValidators` for each branch of an alternative
 * (keyed by the branch's JSON text). Never edit by hand: change the schema, then run
 * `npm run gen:types`.
 */
import * as ucs2lengthModule from "ajv/dist/runtime/ucs2length.js";
import { fullFormats } from "ajv-formats/dist/formats.js";
// A CommonJS module's default export: Node gives module.exports, bundlers its `default`.
const ucs2length = typeof ucs2lengthModule.default === "function" ? ucs2lengthModule.default : ucs2lengthModule.default.default;
export const validate = validate10;
const schema11 = {"$schema":"http://json-schema.org/draft-07/schema#","$id":"https://prefect-reconcile.dev/schema/cluster.schema.json","title":"ClusterSpec","description":"A self-hosted Prefect cluster on air-gapped Linux nodes, as declared in cluster.yaml and converged by `reconcile`.","type":"object","additionalProperties":false,"required":["apiVersion","kind","metadata","nodes","artifacts","server"],"properties":{"$schema":{"description":"Optional JSON Schema reference for editors; ignored by reconcile.","type":"string"},"apiVersion":{"description":"Version of this file format. Always `reconcile/v1`.","const":"reconcile/v1"},"kind":{"description":"Kind of document. Always `PrefectCluster`.","const":"PrefectCluster"},"metadata":{"title":"Metadata","description":"Identity of the cluster.","type":"object","additionalProperties":false,"required":["name"],"properties":{"name":{"description":"Name of the cluster (for example `production`). Shown in plans, logs and lock holders.","$ref":"#/definitions/name"},"description":{"description":"Free text for humans.","type":"string"}}},"root":{"description":"Managed root on every node: the artifact store, environments and flow code live under it. Default `/opt/prefect`.","$ref":"#/definitions/absolutePath"},"ssh":{"$ref":"#/definitions/sshSettings"},"secrets":{"title":"SecretsSettings","description":"Where secret references (`{secret: NAME}`) are resolved. The environment variable `RECONCILE_SECRET_<NAME>` always wins over the file.","type":"object","additionalProperties":false,"properties":{"file":{"description":"A secrets file of `NAME=value` lines, relative to cluster.yaml. It must not be readable by group or others (mode 0600 or 0400).","type":"string","minLength":1}}},"tools":{"title":"Tools","description":"Helper programs that reconcile ships to the nodes, each an artifact.","type":"object","additionalProperties":false,"properties":{"pixiUnpack":{"description":"Artifact (kind `file`) holding a static `pixi-unpack` binary for the nodes' platform; required when any `pixi-pack` artifact is used.","$ref":"#/definitions/name"}}},"nodes":{"description":"Every machine reconcile manages. Other sections refer to nodes by name.","type":"array","minItems":1,"items":{"$ref":"#/definitions/node"}},"artifacts":{"description":"Package pins: every byte that crosses the air gap, by name. Each is sha256-pinned; `reconcile pin` fills the digests of local files.","type":"object","propertyNames":{"$ref":"#/definitions/name"},"additionalProperties":{"$ref":"#/definitions/artifact"}},"server":{"$ref":"#/definitions/server"},"workPools":{"description":"Prefect work pools and their queues.","type":"array","items":{"$ref":"#/definitions/workPool"}},"workers":{"description":"Nodes that run Prefect workers, one entry per node.","type":"array","items":{"$ref":"#/definitions/worker"}},"flows":{"description":"Flows with their own environment, code and deployments.","type":"array","items":{"$ref":"#/definitions/flow"}},"drift":{"title":"DriftSettings","description":"How `reconcile drift` judges differences.","type":"object","additionalProperties":false,"properties":{"ignore":{"description":"Differences that are expected: neither reported by `reconcile drift` nor changed by plan, apply and watch.","type":"array","items":{"$ref":"#/definitions/driftIgnoreRule"}},"policies":{"description":"What reconcile does about a resource that differs from its declaration: `fix` (the default) converges it, `warn` reports it as drift but plan, apply and watch leave it, `ignore` neither reports nor changes it. The first matching entry wins. Creating a missing resource and deleting one no longer declared are not drift and always follow the spec.","type":"array","items":{"$ref":"#/definitions/driftPolicy"}}}}},"definitions":{"name":{"description":"A name safe in systemd unit names and file paths: lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 63 characters.","type":"string","pattern":"^[a-z0-9][a-z0-9_-]{0,62}$"},"absolutePath":{"description":"An absolute path on the node, made of ASCII letters, digits, spaces and `+`, `@`, `,`, `:`, `=`, `~`, `.`, `_`, `-` between its `/`. Other characters are refused for now: `$`, backquotes, quotes and `\\` mean something to the node's scripts and systemd units (the scripts that write scripts cannot carry them yet), `%` is a systemd specifier, and control characters such as a newline or tab would break the unit files, env files and undo journal, which are read line by line.","type":"string","pattern":"^/[A-Za-z0-9 +@,:=~._/-]*$"},"duration":{"description":"A duration such as `30s`, `5m` or `1h`.","type":"string","pattern":"^[1-9][0-9]*(ms|s|m|h)$"},"envName":{"description":"An environment variable name.","type":"string","pattern":"^[A-Za-z_][A-Za-z0-9_]*$"},"secretRef":{"title":"SecretRef","description":"A reference to a secret, never the secret itself. `{secret: PG_PASSWORD}` is read from the environment variable `RECONCILE_SECRET_PG_PASSWORD` or from the secrets file.","type":"object","additionalProperties":false,"required":["secret"],"properties":{"secret":{"description":"A secret name: uppercase letters, digits and `_` (the environment variable is `RECONCILE_SECRET_<name>`).","type":"string","pattern":"^[A-Z][A-Z0-9_]{0,127}$"}}},"settingValue":{"description":"A setting's value: text, a number, a boolean, or a secret reference.","anyOf":[{"type":"string"},{"type":"number"},{"type":"boolean"},{"$ref":"#/definitions/secretRef"}]},"prefectSettings":{"title":"PrefectSettings","description":"Extra Prefect settings as environment variables (`PREFECT_*`).","type":"object","propertyNames":{"pattern":"^PREFECT_[A-Z0-9_]+$","description":"A Prefect setting name: `PREFECT_` then uppercase letters, digits and `_`"},"additionalProperties":{"$ref":"#/definitions/settingValue"}},"sshSettings":{"title":"SshSettings","description":"How reconcile reaches a node over SSH.","type":"object","additionalProperties":false,"properties":{"user":{"description":"A login user name. Default `root`.","type":"string","pattern":"^[a-z_][a-z0-9_-]{0,31}$"},"port":{"description":"SSH port. Default 22.","type":"integer","minimum":1,"maximum":65535},"identityFile":{"description":"Private key file on the controller, relative to cluster.yaml or absolute (`~/` allowed). Without it, the SSH agent (`SSH_AUTH_SOCK`) is used.","type":"string","minLength":1},"knownHostsFile":{"description":"The cluster's known_hosts file, relative to cluster.yaml. Host keys are always verified; `reconcile trust` writes this file. Default `known_hosts` beside cluster.yaml.","type":"string","minLength":1},"connectTimeout":{"description":"How long to wait for a connection and handshake. Default `10s`.","$ref":"#/definitions/duration"},"commandTimeout":{"description":"Longest a single remote command may run before it is cancelled. Default `10m`.","$ref":"#/definitions/duration"},"keepaliveInterval":{"description":"Interval of SSH keepalive messages. A node that answers none for three intervals in a row counts as lost: what was under way on it fails at once, and apply reconnects (retrying with backoff) or gives up on that node. Default `15s`.","$ref":"#/definitions/duration"},"progressTimeout":{"description":"Longest an upload may go without progress (no write acknowledged by the node) before it is stopped with an error; the next try resumes it. Default `60s`.","$ref":"#/definitions/duration"},"become":{"description":"Run remote commands through `sudo -n` (non-interactive) when the login user is not root. Default: no privilege escalation.","enum":["sudo","none"]}}},"node":{"title":"Node","description":"A machine reconcile manages over SSH.","type":"object","additionalProperties":false,"required":["name","address"],"properties":{"name":{"description":"Node name used everywhere else in this file, in plans and in worker names.","$ref":"#/definitions/name"},"address":{"description":"Host name or IP address reconcile connects to.","type":"string","anyOf":[{"format":"ipv4"},{"format":"ipv6"},{"format":"hostname"}]},"root":{"description":"Managed root on this node; overrides the cluster's `root`.","$ref":"#/definitions/absolutePath"},"ssh":{"$ref":"#/definitions/sshSettings"}}},"artifact":{"title":"Artifact","description":"Bytes that cross the air gap, pinned by sha256.","type":"object","additionalProperties":false,"required":["kind","source","sha256"],"properties":{"kind":{"description":"`pixi-pack`: a pixi-pack environment tar. `conda-pack`: a conda-pack archive. `tar`: a plain tar of a ready environment. `deb`: a folder of .deb files with a `SHA256SUMS` manifest. `file`: a single file.","enum":["pixi-pack","conda-pack","tar","deb","file"]},"source":{"description":"A local path (relative to cluster.yaml) or an http(s) URL that the controller fetches. A `deb` set is a local folder.","type":"string","minLength":1,"pattern":"^(https?://[^\\s]+|(?![a-zA-Z][a-zA-Z0-9+.-]*://)[^\\u0000]+)$"},"path":{"description":"A folder inside the archive, relative, `/`-separated and without `.` or `..` parts: the one that is the environment, in a `tar` or `conda-pack` archive whose files sit under one top folder (`path: prefect-3.4.25` for `prefect-3.4.25/bin/python`...). Default: the archive's root.","type":"string","pattern":"^(?!\\.\\.?(/|$))(?!.*/\\.\\.?(/|$))[A-Za-z0-9+@,=~._-]+(/[A-Za-z0-9+@,=~._-]+)*$"},"sha256":{"description":"Expected sha256 of the file, 64 lowercase hex digits (for a `deb` set: of its `SHA256SUMS` manifest). `reconcile pin` writes it.","type":"string","pattern":"^[a-f0-9]{64}$"},"packages":{"description":"`deb` only: the Debian packages the set must provide (`[postgresql, caddy]`). `reconcile fetch` resolves what the target nodes lack of them and their dependencies, against the nodes' own release, architecture and installed packages, downloads it into `source` with its manifest, and pins `sha256`.","type":"array","minItems":1,"uniqueItems":true,"items":{"description":"A Debian package name (`postgresql`, `libpq5`): at least two characters, lowercase letters, digits, `+`, `-` and `.`, starting with a letter or digit.","type":"string","pattern":"^[a-z0-9][a-z0-9+.-]+$"}},"description":{"description":"Free text for humans.","type":"string"}}},"server":{"title":"Server","description":"The Prefect server node: database, Prefect API and optional reverse proxy.","type":"object","additionalProperties":false,"required":["node","prefect","database"],"properties":{"node":{"description":"Name of the node (from `nodes`) that runs the server.","$ref":"#/definitions/name"},"prefect":{"$ref":"#/definitions/prefectServer"},"database":{"$ref":"#/definitions/database"},"proxy":{"$ref":"#/definitions/proxy"}}},"prefectServer":{"title":"PrefectServer","description":"The Prefect API server process.","type":"object","additionalProperties":false,"required":["env"],"properties":{"env":{"description":"Environment artifact (pixi-pack, conda-pack or tar) that contains Prefect.","$ref":"#/definitions/name"},"port":{"description":"Port the API listens on, on the server's loopback. Default 4200.","type":"integer","minimum":1,"maximum":65535},"settings":{"$ref":"#/definitions/prefectSettings"},"authString":{"$ref":"#/definitions/secretRef"}}},"database":{"title":"Database","description":"The server's database: PostgreSQL installed from .debs, or SQLite.","type":"object","discriminator":{"propertyName":"type"},"oneOf":[{"$ref":"#/definitions/postgresqlDatabase"},{"$ref":"#/definitions/sqliteDatabase"}]},"postgresqlDatabase":{"title":"PostgresqlDatabase","description":"PostgreSQL on the server node, installed from a `deb` artifact.","type":"object","additionalProperties":false,"required":["type","packages","name","user","password"],"properties":{"type":{"description":"`postgresql`.","const":"postgresql"},"packages":{"description":"Artifact of kind `deb` with PostgreSQL and what it depends on.","$ref":"#/definitions/name"},"name":{"description":"Database name.","$ref":"#/definitions/name"},"user":{"description":"Database role that owns the database.","$ref":"#/definitions/name"},"password":{"$ref":"#/definitions/secretRef"},"port":{"description":"PostgreSQL port on the server's loopback. Default 5432.","type":"integer","minimum":1,"maximum":65535},"backups":{"$ref":"#/definitions/databaseBackups"}}},"sqliteDatabase":{"title":"SqliteDatabase","description":"SQLite file on the server node (small clusters and tests).","type":"object","additionalProperties":false,"required":["type"],"properties":{"type":{"description":"`sqlite`.","const":"sqlite"},"path":{"description":"Database file on the server node. Default `/var/lib/prefect/prefect.db`.","$ref":"#/definitions/absolutePath"},"backups":{"$ref":"#/definitions/databaseBackups"}}},"databaseBackups":{"title":"DatabaseBackups","description":"Backups of the server's database that reconcile makes on the server node (in `/var/backups/reconcile/`, root only) before it migrates the database to a new Prefect environment; a rollback restores the one it made.","type":"object","additionalProperties":false,"properties":{"keep":{"description":"How many of this cluster's backups of the database to keep on the node: the newest ones; older ones are deleted after each backup. Default 5.","type":"integer","minimum":1}}},"proxy":{"title":"Proxy","description":"Caddy in front of the Prefect API and UI, installed from a `deb` artifact.","type":"object","additionalProperties":false,"required":["type","packages","listen"],"properties":{"type":{"description":"`caddy`.","const":"caddy"},"packages":{"description":"Artifact of kind `deb` with Caddy and what it depends on.","$ref":"#/definitions/name"},"listen":{"description":"A site address `host:port` or `:port` that Caddy serves, for example `prefect.internal:443` or `:8443`.","type":"string","pattern":"^[A-Za-z0-9.-]*:[0-9]{1,5}$"},"tls":{"$ref":"#/definitions/tls"},"basicAuth":{"description":"Users Caddy asks for before the UI (Prefect's own auth string protects the API).","type":"array","items":{"$ref":"#/definitions/basicAuthUser"}},"extraDirectives":{"description":"Raw Caddyfile lines placed inside the site block, after the basic auth and before `reverse_proxy`, for example `encode gzip` or `header -Server`. A line may open or close a block (`header {`, `}`). Caddy checks the whole file (`caddy validate`) before it replaces the running one: a line it rejects fails the apply and the old Caddyfile stays.","type":"array","items":{"type":"string","minLength":1,"pattern":"^[^\\u0000-\\u001f\\u007f]*$","description":"A single Caddyfile line without control characters (no newline or tab; indent with spaces)."}}}},"tls":{"title":"Tls","description":"TLS for the proxy: Caddy's internal CA, certificate files, or off (plain HTTP).","type":"object","discriminator":{"propertyName":"mode"},"oneOf":[{"$ref":"#/definitions/tlsInternal"},{"$ref":"#/definitions/tlsFiles"},{"$ref":"#/definitions/tlsOff"}]},"tlsInternal":{"title":"TlsInternal","description":"Certificates from Caddy's local CA (no ACME: the nodes are air-gapped), for the server node's address, `localhost` and `127.0.0.1` when `listen` names no host. Every worker node trusts the CA's root, copied from the server node once Caddy made it.","type":"object","additionalProperties":false,"required":["mode"],"properties":{"mode":{"description":"`internal`.","const":"internal"}}},"tlsFiles":{"title":"TlsFiles","description":"A certificate and key you provide, each a `file` artifact, and optionally the CA that signed the certificate, which the workers then trust.","type":"object","additionalProperties":false,"required":["mode","certificate","key"],"properties":{"mode":{"description":"`files`.","const":"files"},"certificate":{"description":"Artifact (kind `file`) with the PEM certificate chain.","$ref":"#/definitions/name"},"key":{"description":"Artifact (kind `file`) with the PEM private key.","$ref":"#/definitions/name"},"ca":{"description":"Artifact (kind `file`) with the PEM certificate of the CA that signed `certificate`: written to every worker node, whose Prefect trusts it (PREFECT_API_SSL_CERT_FILE). Without it the workers use the system's trusted CAs.","$ref":"#/definitions/name"}}},"tlsOff":{"title":"TlsOff","description":"Plain HTTP.","type":"object","additionalProperties":false,"required":["mode"],"properties":{"mode":{"description":"`off`.","const":"off"}}},"basicAuthUser":{"title":"BasicAuthUser","description":"A user Caddy accepts, with a bcrypt hash (`caddy hash-password`), never a password.","type":"object","additionalProperties":false,"required":["user","passwordHash"],"properties":{"user":{"description":"A user name: letters, digits, `.`, `_` and `-`.","type":"string","pattern":"^[A-Za-z0-9._-]{1,64}$"},"passwordHash":{"description":"A bcrypt hash such as `$2a$14$...` (60 characters), as printed by `caddy hash-password`.","type":"string","pattern":"^\\$2[aby]\\$[0-9]{2}\\$[./A-Za-z0-9]{53}$"}}},"workPool":{"title":"WorkPool","description":"A Prefect work pool.","type":"object","additionalProperties":false,"required":["name"],"properties":{"name":{"description":"Pool name. Names starting with `prefect` are reserved by Prefect.","$ref":"#/definitions/name"},"type":{"description":"Worker type. Only `process` (the default) is supported.","enum":["process"]},"description":{"description":"Shown in the Prefect UI.","type":"string"},"concurrencyLimit":{"description":"Most flow runs the pool runs at once. Unset means no limit.","type":"integer","minimum":0},"paused":{"description":"A paused pool hands out no runs. Default false.","type":"boolean"},"baseJobTemplate":{"description":"Base job template of the pool. Default: Prefect's process worker template.","type":"object"},"queues":{"description":"Queues of the pool. Prefect always adds a `default` queue.","type":"array","items":{"$ref":"#/definitions/workQueue"}}}},"workQueue":{"title":"WorkQueue","description":"A queue inside a work pool.","type":"object","additionalProperties":false,"required":["name"],"properties":{"name":{"description":"Queue name, unique within its pool.","$ref":"#/definitions/name"},"description":{"description":"Shown in the Prefect UI.","type":"string"},"priority":{"description":"1 is the highest. Unique within the pool (Prefect shifts clashing priorities, which would never converge).","type":"integer","minimum":1},"concurrencyLimit":{"description":"Most flow runs from this queue at once. Unset means no limit.","type":"integer","minimum":0},"paused":{"description":"A paused queue hands out no runs. Default false.","type":"boolean"}}},"worker":{"title":"Worker","description":"Prefect workers on one node.","type":"object","additionalProperties":false,"required":["node","env","pools"],"properties":{"node":{"description":"Name of the node (from `nodes`).","$ref":"#/definitions/name"},"env":{"description":"Base environment artifact (pixi-pack, conda-pack or tar) that contains Prefect; workers run from it.","$ref":"#/definitions/name"},"pools":{"description":"Pools this node serves; one systemd unit `prefect-worker@<pool>.service` each.","type":"array","minItems":1,"items":{"$ref":"#/definitions/workerPool"}},"processes":{"description":"Worker processes per pool on this node. Default 1.","type":"integer","minimum":1,"maximum":64},"limit":{"description":"Most flow runs one worker process runs at once. Unset means no limit.","type":"integer","minimum":1},"settings":{"$ref":"#/definitions/prefectSettings"}}},"workerPool":{"title":"WorkerPool","description":"A pool a worker node serves.","type":"object","additionalProperties":false,"required":["pool"],"properties":{"pool":{"description":"Name of a pool in `workPools`.","$ref":"#/definitions/name"},"queues":{"description":"Queues of that pool to poll. Default: all of them.","type":"array","minItems":1,"items":{"$ref":"#/definitions/name"}}}},"flow":{"title":"Flow","description":"A flow with its own environment and code, installed on every worker of its pool.","type":"object","additionalProperties":false,"required":["name","env","source","entrypoint","pool"],"properties":{"name":{"description":"Flow name as Prefect knows it.","$ref":"#/definitions/name"},"env":{"description":"The flow's own environment artifact (pixi-pack, conda-pack or tar); it must contain Prefect.","$ref":"#/definitions/name"},"source":{"description":"Folder with the flow's code, relative to cluster.yaml; packed deterministically (`.git` and `__pycache__` left out).","type":"string","minLength":1},"entrypoint":{"description":"`path/to/file.py:function`, relative to `source` and inside it (no leading `/`, no `..`).","type":"string","pattern":"^(?!/)(?!(.*/)?\\.\\.(/|:))[^:\\s]+\\.py:[A-Za-z_][A-Za-z0-9_]*$"},"pool":{"description":"Pool whose workers run this flow.","$ref":"#/definitions/name"},"deployments":{"description":"Deployments of this flow.","type":"array","items":{"$ref":"#/definitions/deployment"}}}},"deployment":{"title":"Deployment","description":"A Prefect deployment: schedules, parameters and the queue its runs go to.","type":"object","additionalProperties":false,"required":["name"],"properties":{"name":{"description":"Deployment name, unique within the flow.","$ref":"#/definitions/name"},"description":{"description":"Shown in the Prefect UI.","type":"string"},"queue":{"description":"Queue of the flow's pool the runs go to. Default `default`.","$ref":"#/definitions/name"},"schedules":{"description":"When runs are created. None means runs only start on demand.","type":"array","items":{"$ref":"#/definitions/schedule"}},"parameters":{"description":"Parameters passed to the flow function.","type":"object"},"tags":{"description":"Tags on the deployment and its runs.","type":"array","uniqueItems":true,"items":{"type":"string","minLength":1}},"paused":{"description":"A paused deployment creates no scheduled runs. Default false.","type":"boolean"},"concurrencyLimit":{"description":"Most runs of this deployment at once (Prefect 3.x). Unset means no limit.","type":"integer","minimum":1},"env":{"description":"Extra environment variables for the flow runs.","type":"object","propertyNames":{"$ref":"#/definitions/envName"},"additionalProperties":{"$ref":"#/definitions/settingValue"}}}},"schedule":{"title":"Schedule","description":"Exactly one of `cron`, `interval` or `rrule`.","oneOf":[{"$ref":"#/definitions/cronSchedule"},{"$ref":"#/definitions/intervalSchedule"},{"$ref":"#/definitions/rruleSchedule"}]},"cronSchedule":{"title":"CronSchedule","description":"A cron schedule.","type":"object","additionalProperties":false,"required":["cron"],"properties":{"cron":{"description":"Five-field cron expression, for example `0 6 * * 1-5`.","type":"string","minLength":1},"timezone":{"$ref":"#/definitions/timezone"},"dayOr":{"description":"When both day-of-month and day-of-week are set, run when either matches (cron's usual rule). Default true.","type":"boolean"},"active":{"$ref":"#/definitions/scheduleActive"}}},"intervalSchedule":{"title":"IntervalSchedule","description":"A fixed interval.","type":"object","additionalProperties":false,"required":["interval"],"properties":{"interval":{"description":"Interval: seconds, or a duration such as `15m` or `1h`.","oneOf":[{"type":"integer","minimum":1},{"$ref":"#/definitions/duration"}]},"anchorDate":{"description":"Date and time the intervals are counted from (ISO 8601).","type":"string","format":"date-time"},"timezone":{"$ref":"#/definitions/timezone"},"active":{"$ref":"#/definitions/scheduleActive"}}},"rruleSchedule":{"title":"RRuleSchedule","description":"An RFC 5545 recurrence rule.","type":"object","additionalProperties":false,"required":["rrule"],"properties":{"rrule":{"description":"Recurrence rule, for example `FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=7`.","type":"string","minLength":1},"timezone":{"$ref":"#/definitions/timezone"},"active":{"$ref":"#/definitions/scheduleActive"}}},"timezone":{"description":"IANA time zone such as `Europe/Berlin`. Default `UTC`.","type":"string","minLength":1},"scheduleActive":{"description":"An inactive schedule is kept but creates no runs. Default true.","type":"boolean"},"driftIgnoreRule":{"title":"DriftIgnoreRule","description":"A difference that is expected: `reconcile drift` does not report it, and plan, apply and watch do not change it.","type":"object","additionalProperties":false,"required":["reason"],"properties":{"node":{"description":"Node name or glob (`worker-*`). Default: every node.","type":"string","minLength":1},"resource":{"description":"Resource or glob, as drift names them: `file:/etc/prefect/server.env`, `service:prefect-worker@*.service`, `link:*`, `deployment:etl/*`, `work-queue:production/*`.","type":"string","minLength":1},"fields":{"description":"Only these fields of the resource are ignored, each a name or a path into it (`mode`, `schedules`, `parameters.limit`, or a JSON pointer `/parameters/limit`). Default: all of them.","type":"array","minItems":1,"items":{"type":"string","minLength":1}},"reason":{"description":"Why this difference is expected; shown in drift reports.","type":"string","minLength":1}}},"driftPolicy":{"title":"DriftPolicy","description":"The policy for the resources a rule matches.","type":"object","additionalProperties":false,"required":["policy"],"properties":{"node":{"description":"Node name or glob (`worker-*`). Default: every node (and the Prefect objects, which belong to no node).","type":"string","minLength":1},"resource":{"description":"Resource or glob, as drift names them (`deployment:etl/*`, `service:prefect-worker@*.service`). Default: every resource.","type":"string","minLength":1},"policy":{"description":"`fix`: converge it (the default). `warn`: report it, change nothing. `ignore`: neither.","enum":["fix","warn","ignore"]},"reason":{"description":"Why; shown in plans and drift reports.","type":"string","minLength":1}}}}};
const schema12 = {"description":"A name safe in systemd unit names and file paths: lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 63 characters.","type":"string","pattern":"^[a-z0-9][a-z0-9_-]{0,62}$"};
const schema13 = {"description":"An absolute path on the node, made of ASCII letters, digits, spaces and `+`, `@`, `,`, `:`, `=`, `~`, `.`, `_`, `-` between its `/`. Other characters are refused for now: `$`, backquotes, quotes and `\\` mean something to the node's scripts and systemd units (the scripts that write scripts cannot carry them yet), `%` is a systemd specifier, and control characters such as a newline or tab would break the unit files, env files and undo journal, which are read line by line.","type":"string","pattern":"^/[A-Za-z0-9 +@,:=~._/-]*$"};
const schema24 = {"title":"Artifact","description":"Bytes that cross the air gap, pinned by sha256.","type":"object","additionalProperties":false,"required":["kind","source","sha256"],"properties":{"kind":{"description":"`pixi-pack`: a pixi-pack environment tar. `conda-pack`: a conda-pack archive. `tar`: a plain tar of a ready environment. `deb`: a folder of .deb files with a `SHA256SUMS` manifest. `file`: a single file.","enum":["pixi-pack","conda-pack","tar","deb","file"]},"source":{"description":"A local path (relative to cluster.yaml) or an http(s) URL that the controller fetches. A `deb` set is a local folder.","type":"string","minLength":1,"pattern":"^(https?://[^\\s]+|(?![a-zA-Z][a-zA-Z0-9+.-]*://)[^\\u0000]+)$"},"path":{"description":"A folder inside the archive, relative, `/`-separated and without `.` or `..` parts: the one that is the environment, in a `tar` or `conda-pack` archive whose files sit under one top folder (`path: prefect-3.4.25` for `prefect-3.4.25/bin/python`...). Default: the archive's root.","type":"string","pattern":"^(?!\\.\\.?(/|$))(?!.*/\\.\\.?(/|$))[A-Za-z0-9+@,=~._-]+(/[A-Za-z0-9+@,=~._-]+)*$"},"sha256":{"description":"Expected sha256 of the file, 64 lowercase hex digits (for a `deb` set: of its `SHA256SUMS` manifest). `reconcile pin` writes it.","type":"string","pattern":"^[a-f0-9]{64}$"},"packages":{"description":"`deb` only: the Debian packages the set must provide (`[postgresql, caddy]`). `reconcile fetch` resolves what the target nodes lack of them and their dependencies, against the nodes' own release, architecture and installed packages, downloads it into `source` with its manifest, and pins `sha256`.","type":"array","minItems":1,"uniqueItems":true,"items":{"description":"A Debian package name (`postgresql`, `libpq5`): at least two characters, lowercase letters, digits, `+`, `-` and `.`, starting with a letter or digit.","type":"string","pattern":"^[a-z0-9][a-z0-9+.-]+$"}},"description":{"description":"Free text for humans.","type":"string"}}};
const schema82 = {"title":"DriftIgnoreRule","description":"A difference that is expected: `reconcile drift` does not report it, and plan, apply and watch do not change it.","type":"object","additionalProperties":false,"required":["reason"],"properties":{"node":{"description":"Node name or glob (`worker-*`). Default: every node.","type":"string","minLength":1},"resource":{"description":"Resource or glob, as drift names them: `file:/etc/prefect/server.env`, `service:prefect-worker@*.service`, `link:*`, `deployment:etl/*`, `work-queue:production/*`.","type":"string","minLength":1},"fields":{"description":"Only these fields of the resource are ignored, each a name or a path into it (`mode`, `schedules`, `parameters.limit`, or a JSON pointer `/parameters/limit`). Default: all of them.","type":"array","minItems":1,"items":{"type":"string","minLength":1}},"reason":{"description":"Why this difference is expected; shown in drift reports.","type":"string","minLength":1}}};
const schema83 = {"title":"DriftPolicy","description":"The policy for the resources a rule matches.","type":"object","additionalProperties":false,"required":["policy"],"properties":{"node":{"description":"Node name or glob (`worker-*`). Default: every node (and the Prefect objects, which belong to no node).","type":"string","minLength":1},"resource":{"description":"Resource or glob, as drift names them (`deployment:etl/*`, `service:prefect-worker@*.service`). Default: every resource.","type":"string","minLength":1},"policy":{"description":"`fix`: converge it (the default). `warn`: report it, change nothing. `ignore`: neither.","enum":["fix","warn","ignore"]},"reason":{"description":"Why; shown in plans and drift reports.","type":"string","minLength":1}}};
const func2 = Object.prototype.hasOwnProperty;
const func4 = ucs2length;
const pattern0 = new RegExp("^[a-z0-9][a-z0-9_-]{0,62}$", "u");
const pattern1 = new RegExp("^/[A-Za-z0-9 +@,:=~._/-]*$", "u");
const pattern11 = new RegExp("^(https?://[^\\s]+|(?![a-zA-Z][a-zA-Z0-9+.-]*://)[^\\u0000]+)$", "u");
const pattern12 = new RegExp("^(?!\\.\\.?(/|$))(?!.*/\\.\\.?(/|$))[A-Za-z0-9+@,=~._-]+(/[A-Za-z0-9+@,=~._-]+)*$", "u");
const pattern13 = new RegExp("^[a-f0-9]{64}$", "u");
const pattern14 = new RegExp("^[a-z0-9][a-z0-9+.-]+$", "u");
const schema14 = {"title":"SshSettings","description":"How reconcile reaches a node over SSH.","type":"object","additionalProperties":false,"properties":{"user":{"description":"A login user name. Default `root`.","type":"string","pattern":"^[a-z_][a-z0-9_-]{0,31}$"},"port":{"description":"SSH port. Default 22.","type":"integer","minimum":1,"maximum":65535},"identityFile":{"description":"Private key file on the controller, relative to cluster.yaml or absolute (`~/` allowed). Without it, the SSH agent (`SSH_AUTH_SOCK`) is used.","type":"string","minLength":1},"knownHostsFile":{"description":"The cluster's known_hosts file, relative to cluster.yaml. Host keys are always verified; `reconcile trust` writes this file. Default `known_hosts` beside cluster.yaml.","type":"string","minLength":1},"connectTimeout":{"description":"How long to wait for a connection and handshake. Default `10s`.","$ref":"#/definitions/duration"},"commandTimeout":{"description":"Longest a single remote command may run before it is cancelled. Default `10m`.","$ref":"#/definitions/duration"},"keepaliveInterval":{"description":"Interval of SSH keepalive messages. A node that answers none for three intervals in a row counts as lost: what was under way on it fails at once, and apply reconnects (retrying with backoff) or gives up on that node. Default `15s`.","$ref":"#/definitions/duration"},"progressTimeout":{"description":"Longest an upload may go without progress (no write acknowledged by the node) before it is stopped with an error; the next try resumes it. Default `60s`.","$ref":"#/definitions/duration"},"become":{"description":"Run remote commands through `sudo -n` (non-interactive) when the login user is not root. Default: no privilege escalation.","enum":["sudo","none"]}}};
const schema15 = {"description":"A duration such as `30s`, `5m` or `1h`.","type":"string","pattern":"^[1-9][0-9]*(ms|s|m|h)$"};
const pattern2 = new RegExp("^[a-z_][a-z0-9_-]{0,31}$", "u");
const pattern3 = new RegExp("^[1-9][0-9]*(ms|s|m|h)$", "u");

function validate11(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!(func2.call(schema14.properties, key0))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema14,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.user !== undefined){
let data0 = data.user;
if(typeof data0 === "string"){
if(!pattern2.test(data0)){
const err1 = {instancePath:instancePath+"/user",schemaPath:"#/properties/user/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_-]{0,31}$"},message:"must match pattern \""+"^[a-z_][a-z0-9_-]{0,31}$"+"\"",schema:"^[a-z_][a-z0-9_-]{0,31}$",parentSchema:schema14.properties.user,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
else {
const err2 = {instancePath:instancePath+"/user",schemaPath:"#/properties/user/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema14.properties.user.type,parentSchema:schema14.properties.user,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.port !== undefined){
let data1 = data.port;
if(!(((typeof data1 == "number") && (!(data1 % 1) && !isNaN(data1))) && (isFinite(data1)))){
const err3 = {instancePath:instancePath+"/port",schemaPath:"#/properties/port/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema14.properties.port.type,parentSchema:schema14.properties.port,data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
if((typeof data1 == "number") && (isFinite(data1))){
if(data1 > 65535 || isNaN(data1)){
const err4 = {instancePath:instancePath+"/port",schemaPath:"#/properties/port/maximum",keyword:"maximum",params:{comparison: "<=", limit: 65535},message:"must be <= 65535",schema:65535,parentSchema:schema14.properties.port,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
if(data1 < 1 || isNaN(data1)){
const err5 = {instancePath:instancePath+"/port",schemaPath:"#/properties/port/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema14.properties.port,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
}
if(data.identityFile !== undefined){
let data2 = data.identityFile;
if(typeof data2 === "string"){
if(func4(data2) < 1){
const err6 = {instancePath:instancePath+"/identityFile",schemaPath:"#/properties/identityFile/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema14.properties.identityFile,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
else {
const err7 = {instancePath:instancePath+"/identityFile",schemaPath:"#/properties/identityFile/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema14.properties.identityFile.type,parentSchema:schema14.properties.identityFile,data:data2};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
if(data.knownHostsFile !== undefined){
let data3 = data.knownHostsFile;
if(typeof data3 === "string"){
if(func4(data3) < 1){
const err8 = {instancePath:instancePath+"/knownHostsFile",schemaPath:"#/properties/knownHostsFile/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema14.properties.knownHostsFile,data:data3};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
else {
const err9 = {instancePath:instancePath+"/knownHostsFile",schemaPath:"#/properties/knownHostsFile/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema14.properties.knownHostsFile.type,parentSchema:schema14.properties.knownHostsFile,data:data3};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data.connectTimeout !== undefined){
let data4 = data.connectTimeout;
if(typeof data4 === "string"){
if(!pattern3.test(data4)){
const err10 = {instancePath:instancePath+"/connectTimeout",schemaPath:"#/definitions/duration/pattern",keyword:"pattern",params:{pattern: "^[1-9][0-9]*(ms|s|m|h)$"},message:"must match pattern \""+"^[1-9][0-9]*(ms|s|m|h)$"+"\"",schema:"^[1-9][0-9]*(ms|s|m|h)$",parentSchema:schema15,data:data4};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
else {
const err11 = {instancePath:instancePath+"/connectTimeout",schemaPath:"#/definitions/duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.type,parentSchema:schema15,data:data4};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data.commandTimeout !== undefined){
let data5 = data.commandTimeout;
if(typeof data5 === "string"){
if(!pattern3.test(data5)){
const err12 = {instancePath:instancePath+"/commandTimeout",schemaPath:"#/definitions/duration/pattern",keyword:"pattern",params:{pattern: "^[1-9][0-9]*(ms|s|m|h)$"},message:"must match pattern \""+"^[1-9][0-9]*(ms|s|m|h)$"+"\"",schema:"^[1-9][0-9]*(ms|s|m|h)$",parentSchema:schema15,data:data5};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
else {
const err13 = {instancePath:instancePath+"/commandTimeout",schemaPath:"#/definitions/duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.type,parentSchema:schema15,data:data5};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data.keepaliveInterval !== undefined){
let data6 = data.keepaliveInterval;
if(typeof data6 === "string"){
if(!pattern3.test(data6)){
const err14 = {instancePath:instancePath+"/keepaliveInterval",schemaPath:"#/definitions/duration/pattern",keyword:"pattern",params:{pattern: "^[1-9][0-9]*(ms|s|m|h)$"},message:"must match pattern \""+"^[1-9][0-9]*(ms|s|m|h)$"+"\"",schema:"^[1-9][0-9]*(ms|s|m|h)$",parentSchema:schema15,data:data6};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
else {
const err15 = {instancePath:instancePath+"/keepaliveInterval",schemaPath:"#/definitions/duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.type,parentSchema:schema15,data:data6};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
if(data.progressTimeout !== undefined){
let data7 = data.progressTimeout;
if(typeof data7 === "string"){
if(!pattern3.test(data7)){
const err16 = {instancePath:instancePath+"/progressTimeout",schemaPath:"#/definitions/duration/pattern",keyword:"pattern",params:{pattern: "^[1-9][0-9]*(ms|s|m|h)$"},message:"must match pattern \""+"^[1-9][0-9]*(ms|s|m|h)$"+"\"",schema:"^[1-9][0-9]*(ms|s|m|h)$",parentSchema:schema15,data:data7};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
else {
const err17 = {instancePath:instancePath+"/progressTimeout",schemaPath:"#/definitions/duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.type,parentSchema:schema15,data:data7};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
if(data.become !== undefined){
let data8 = data.become;
if(!((data8 === "sudo") || (data8 === "none"))){
const err18 = {instancePath:instancePath+"/become",schemaPath:"#/properties/become/enum",keyword:"enum",params:{allowedValues: schema14.properties.become.enum},message:"must be equal to one of the allowed values",schema:schema14.properties.become.enum,parentSchema:schema14.properties.become,data:data8};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
}
else {
const err19 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema14.type,parentSchema:schema14,data};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
validate11.errors = vErrors;
return errors === 0;
}

const schema20 = {"title":"Node","description":"A machine reconcile manages over SSH.","type":"object","additionalProperties":false,"required":["name","address"],"properties":{"name":{"description":"Node name used everywhere else in this file, in plans and in worker names.","$ref":"#/definitions/name"},"address":{"description":"Host name or IP address reconcile connects to.","type":"string","anyOf":[{"format":"ipv4"},{"format":"ipv6"},{"format":"hostname"}]},"root":{"description":"Managed root on this node; overrides the cluster's `root`.","$ref":"#/definitions/absolutePath"},"ssh":{"$ref":"#/definitions/sshSettings"}}};
const formats0 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const formats2 = /^((([0-9a-f]{1,4}:){7}([0-9a-f]{1,4}|:))|(([0-9a-f]{1,4}:){6}(:[0-9a-f]{1,4}|((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})|:))|(([0-9a-f]{1,4}:){5}(((:[0-9a-f]{1,4}){1,2})|:((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})|:))|(([0-9a-f]{1,4}:){4}(((:[0-9a-f]{1,4}){1,3})|((:[0-9a-f]{1,4})?:((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}))|:))|(([0-9a-f]{1,4}:){3}(((:[0-9a-f]{1,4}){1,4})|((:[0-9a-f]{1,4}){0,2}:((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}))|:))|(([0-9a-f]{1,4}:){2}(((:[0-9a-f]{1,4}){1,5})|((:[0-9a-f]{1,4}){0,3}:((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}))|:))|(([0-9a-f]{1,4}:){1}(((:[0-9a-f]{1,4}){1,6})|((:[0-9a-f]{1,4}){0,4}:((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}))|:))|(:(((:[0-9a-f]{1,4}){1,7})|((:[0-9a-f]{1,4}){0,5}:((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}))|:)))$/i;
const formats4 = /^(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-0-9a-z]{0,61}[0-9a-z])?)*\.?$/i;

function validate13(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.name === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema20.required,parentSchema:schema20,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.address === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "address"},message:"must have required property '"+"address"+"'",schema:schema20.required,parentSchema:schema20,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
for(const key0 in data){
if(!((((key0 === "name") || (key0 === "address")) || (key0 === "root")) || (key0 === "ssh"))){
const err2 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema20,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.name !== undefined){
let data0 = data.name;
if(typeof data0 === "string"){
if(!pattern0.test(data0)){
const err3 = {instancePath:instancePath+"/name",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
else {
const err4 = {instancePath:instancePath+"/name",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data0};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.address !== undefined){
let data1 = data.address;
if(typeof data1 !== "string"){
const err5 = {instancePath:instancePath+"/address",schemaPath:"#/properties/address/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema20.properties.address.type,parentSchema:schema20.properties.address,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
const _errs7 = errors;
let valid2 = false;
const _errs8 = errors;
if(typeof data1 === "string"){
if(!(formats0.test(data1))){
const err6 = {instancePath:instancePath+"/address",schemaPath:"#/properties/address/anyOf/0/format",keyword:"format",params:{format: "ipv4"},message:"must match format \""+"ipv4"+"\"",schema:"ipv4",parentSchema:schema20.properties.address.anyOf[0],data:data1};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
var _valid0 = _errs8 === errors;
valid2 = valid2 || _valid0;
if(!valid2){
const _errs9 = errors;
if(typeof data1 === "string"){
if(!(formats2.test(data1))){
const err7 = {instancePath:instancePath+"/address",schemaPath:"#/properties/address/anyOf/1/format",keyword:"format",params:{format: "ipv6"},message:"must match format \""+"ipv6"+"\"",schema:"ipv6",parentSchema:schema20.properties.address.anyOf[1],data:data1};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
var _valid0 = _errs9 === errors;
valid2 = valid2 || _valid0;
if(!valid2){
const _errs10 = errors;
if(typeof data1 === "string"){
if(!(formats4.test(data1))){
const err8 = {instancePath:instancePath+"/address",schemaPath:"#/properties/address/anyOf/2/format",keyword:"format",params:{format: "hostname"},message:"must match format \""+"hostname"+"\"",schema:"hostname",parentSchema:schema20.properties.address.anyOf[2],data:data1};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
var _valid0 = _errs10 === errors;
valid2 = valid2 || _valid0;
}
}
if(!valid2){
const err9 = {instancePath:instancePath+"/address",schemaPath:"#/properties/address/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema20.properties.address.anyOf,parentSchema:schema20.properties.address,data:data1};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
else {
errors = _errs7;
if(vErrors !== null){
if(_errs7){
vErrors.length = _errs7;
}
else {
vErrors = null;
}
}
}
}
if(data.root !== undefined){
let data2 = data.root;
if(typeof data2 === "string"){
if(!pattern1.test(data2)){
const err10 = {instancePath:instancePath+"/root",schemaPath:"#/definitions/absolutePath/pattern",keyword:"pattern",params:{pattern: "^/[A-Za-z0-9 +@,:=~._/-]*$"},message:"must match pattern \""+"^/[A-Za-z0-9 +@,:=~._/-]*$"+"\"",schema:"^/[A-Za-z0-9 +@,:=~._/-]*$",parentSchema:schema13,data:data2};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
else {
const err11 = {instancePath:instancePath+"/root",schemaPath:"#/definitions/absolutePath/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema13.type,parentSchema:schema13,data:data2};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data.ssh !== undefined){
if(!(validate11(data.ssh, {instancePath:instancePath+"/ssh",parentData:data,parentDataProperty:"ssh",rootData}))){
vErrors = vErrors === null ? validate11.errors : vErrors.concat(validate11.errors);
errors = vErrors.length;
}
}
}
else {
const err12 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema20.type,parentSchema:schema20,data};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
validate13.errors = vErrors;
return errors === 0;
}

const schema25 = {"title":"Server","description":"The Prefect server node: database, Prefect API and optional reverse proxy.","type":"object","additionalProperties":false,"required":["node","prefect","database"],"properties":{"node":{"description":"Name of the node (from `nodes`) that runs the server.","$ref":"#/definitions/name"},"prefect":{"$ref":"#/definitions/prefectServer"},"database":{"$ref":"#/definitions/database"},"proxy":{"$ref":"#/definitions/proxy"}}};
const schema27 = {"title":"PrefectServer","description":"The Prefect API server process.","type":"object","additionalProperties":false,"required":["env"],"properties":{"env":{"description":"Environment artifact (pixi-pack, conda-pack or tar) that contains Prefect.","$ref":"#/definitions/name"},"port":{"description":"Port the API listens on, on the server's loopback. Default 4200.","type":"integer","minimum":1,"maximum":65535},"settings":{"$ref":"#/definitions/prefectSettings"},"authString":{"$ref":"#/definitions/secretRef"}}};
const schema31 = {"title":"SecretRef","description":"A reference to a secret, never the secret itself. `{secret: PG_PASSWORD}` is read from the environment variable `RECONCILE_SECRET_PG_PASSWORD` or from the secrets file.","type":"object","additionalProperties":false,"required":["secret"],"properties":{"secret":{"description":"A secret name: uppercase letters, digits and `_` (the environment variable is `RECONCILE_SECRET_<name>`).","type":"string","pattern":"^[A-Z][A-Z0-9_]{0,127}$"}}};
const pattern18 = new RegExp("^[A-Z][A-Z0-9_]{0,127}$", "u");
const schema29 = {"title":"PrefectSettings","description":"Extra Prefect settings as environment variables (`PREFECT_*`).","type":"object","propertyNames":{"pattern":"^PREFECT_[A-Z0-9_]+$","description":"A Prefect setting name: `PREFECT_` then uppercase letters, digits and `_`"},"additionalProperties":{"$ref":"#/definitions/settingValue"}};
const pattern17 = new RegExp("^PREFECT_[A-Z0-9_]+$", "u");
const schema30 = {"description":"A setting's value: text, a number, a boolean, or a secret reference.","anyOf":[{"type":"string"},{"type":"number"},{"type":"boolean"},{"$ref":"#/definitions/secretRef"}]};

function validate19(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
const _errs0 = errors;
let valid0 = false;
const _errs1 = errors;
if(typeof data !== "string"){
const err0 = {instancePath,schemaPath:"#/anyOf/0/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema30.anyOf[0].type,parentSchema:schema30.anyOf[0],data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
var _valid0 = _errs1 === errors;
valid0 = valid0 || _valid0;
if(!valid0){
const _errs3 = errors;
if(!((typeof data == "number") && (isFinite(data)))){
const err1 = {instancePath,schemaPath:"#/anyOf/1/type",keyword:"type",params:{type: "number"},message:"must be number",schema:schema30.anyOf[1].type,parentSchema:schema30.anyOf[1],data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
var _valid0 = _errs3 === errors;
valid0 = valid0 || _valid0;
if(!valid0){
const _errs5 = errors;
if(typeof data !== "boolean"){
const err2 = {instancePath,schemaPath:"#/anyOf/2/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema30.anyOf[2].type,parentSchema:schema30.anyOf[2],data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
var _valid0 = _errs5 === errors;
valid0 = valid0 || _valid0;
if(!valid0){
const _errs7 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.secret === undefined){
const err3 = {instancePath,schemaPath:"#/definitions/secretRef/required",keyword:"required",params:{missingProperty: "secret"},message:"must have required property '"+"secret"+"'",schema:schema31.required,parentSchema:schema31,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
for(const key0 in data){
if(!(key0 === "secret")){
const err4 = {instancePath,schemaPath:"#/definitions/secretRef/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema31,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.secret !== undefined){
let data0 = data.secret;
if(typeof data0 === "string"){
if(!pattern18.test(data0)){
const err5 = {instancePath:instancePath+"/secret",schemaPath:"#/definitions/secretRef/properties/secret/pattern",keyword:"pattern",params:{pattern: "^[A-Z][A-Z0-9_]{0,127}$"},message:"must match pattern \""+"^[A-Z][A-Z0-9_]{0,127}$"+"\"",schema:"^[A-Z][A-Z0-9_]{0,127}$",parentSchema:schema31.properties.secret,data:data0};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
else {
const err6 = {instancePath:instancePath+"/secret",schemaPath:"#/definitions/secretRef/properties/secret/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema31.properties.secret.type,parentSchema:schema31.properties.secret,data:data0};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
}
else {
const err7 = {instancePath,schemaPath:"#/definitions/secretRef/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema31.type,parentSchema:schema31,data};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
var _valid0 = _errs7 === errors;
valid0 = valid0 || _valid0;
}
}
}
if(!valid0){
const err8 = {instancePath,schemaPath:"#/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema30.anyOf,parentSchema:schema30,data};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
else {
errors = _errs0;
if(vErrors !== null){
if(_errs0){
vErrors.length = _errs0;
}
else {
vErrors = null;
}
}
}
validate19.errors = vErrors;
return errors === 0;
}


function validate18(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
const _errs1 = errors;
if(typeof key0 === "string"){
if(!pattern17.test(key0)){
const err0 = {instancePath,schemaPath:"#/propertyNames/pattern",keyword:"pattern",params:{pattern: "^PREFECT_[A-Z0-9_]+$"},message:"must match pattern \""+"^PREFECT_[A-Z0-9_]+$"+"\"",schema:"^PREFECT_[A-Z0-9_]+$",parentSchema:schema29.propertyNames,data:key0,propertyName:key0};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
var valid0 = _errs1 === errors;
if(!valid0){
const err1 = {instancePath,schemaPath:"#/propertyNames",keyword:"propertyNames",params:{propertyName: key0},message:"property name must be valid",schema:schema29.propertyNames,parentSchema:schema29,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
for(const key1 in data){
if(!(validate19(data[key1], {instancePath:instancePath+"/" + key1.replace(/~/g, "~0").replace(/\//g, "~1"),parentData:data,parentDataProperty:key1,rootData}))){
vErrors = vErrors === null ? validate19.errors : vErrors.concat(validate19.errors);
errors = vErrors.length;
}
}
}
else {
const err2 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema29.type,parentSchema:schema29,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
validate18.errors = vErrors;
return errors === 0;
}


function validate17(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.env === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "env"},message:"must have required property '"+"env"+"'",schema:schema27.required,parentSchema:schema27,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!((((key0 === "env") || (key0 === "port")) || (key0 === "settings")) || (key0 === "authString"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema27,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.env !== undefined){
let data0 = data.env;
if(typeof data0 === "string"){
if(!pattern0.test(data0)){
const err2 = {instancePath:instancePath+"/env",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
else {
const err3 = {instancePath:instancePath+"/env",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.port !== undefined){
let data1 = data.port;
if(!(((typeof data1 == "number") && (!(data1 % 1) && !isNaN(data1))) && (isFinite(data1)))){
const err4 = {instancePath:instancePath+"/port",schemaPath:"#/properties/port/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema27.properties.port.type,parentSchema:schema27.properties.port,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
if((typeof data1 == "number") && (isFinite(data1))){
if(data1 > 65535 || isNaN(data1)){
const err5 = {instancePath:instancePath+"/port",schemaPath:"#/properties/port/maximum",keyword:"maximum",params:{comparison: "<=", limit: 65535},message:"must be <= 65535",schema:65535,parentSchema:schema27.properties.port,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
if(data1 < 1 || isNaN(data1)){
const err6 = {instancePath:instancePath+"/port",schemaPath:"#/properties/port/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema27.properties.port,data:data1};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
}
if(data.settings !== undefined){
if(!(validate18(data.settings, {instancePath:instancePath+"/settings",parentData:data,parentDataProperty:"settings",rootData}))){
vErrors = vErrors === null ? validate18.errors : vErrors.concat(validate18.errors);
errors = vErrors.length;
}
}
if(data.authString !== undefined){
let data3 = data.authString;
if(data3 && typeof data3 == "object" && !Array.isArray(data3)){
if(data3.secret === undefined){
const err7 = {instancePath:instancePath+"/authString",schemaPath:"#/definitions/secretRef/required",keyword:"required",params:{missingProperty: "secret"},message:"must have required property '"+"secret"+"'",schema:schema31.required,parentSchema:schema31,data:data3};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
for(const key1 in data3){
if(!(key1 === "secret")){
const err8 = {instancePath:instancePath+"/authString",schemaPath:"#/definitions/secretRef/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema31,data:data3};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data3.secret !== undefined){
let data4 = data3.secret;
if(typeof data4 === "string"){
if(!pattern18.test(data4)){
const err9 = {instancePath:instancePath+"/authString/secret",schemaPath:"#/definitions/secretRef/properties/secret/pattern",keyword:"pattern",params:{pattern: "^[A-Z][A-Z0-9_]{0,127}$"},message:"must match pattern \""+"^[A-Z][A-Z0-9_]{0,127}$"+"\"",schema:"^[A-Z][A-Z0-9_]{0,127}$",parentSchema:schema31.properties.secret,data:data4};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
else {
const err10 = {instancePath:instancePath+"/authString/secret",schemaPath:"#/definitions/secretRef/properties/secret/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema31.properties.secret.type,parentSchema:schema31.properties.secret,data:data4};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
}
else {
const err11 = {instancePath:instancePath+"/authString",schemaPath:"#/definitions/secretRef/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema31.type,parentSchema:schema31,data:data3};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
}
else {
const err12 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema27.type,parentSchema:schema27,data};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
validate17.errors = vErrors;
return errors === 0;
}

const schema33 = {"title":"Database","description":"The server's database: PostgreSQL installed from .debs, or SQLite.","type":"object","discriminator":{"propertyName":"type"},"oneOf":[{"$ref":"#/definitions/postgresqlDatabase"},{"$ref":"#/definitions/sqliteDatabase"}]};
const schema34 = {"title":"PostgresqlDatabase","description":"PostgreSQL on the server node, installed from a `deb` artifact.","type":"object","additionalProperties":false,"required":["type","packages","name","user","password"],"properties":{"type":{"description":"`postgresql`.","const":"postgresql"},"packages":{"description":"Artifact of kind `deb` with PostgreSQL and what it depends on.","$ref":"#/definitions/name"},"name":{"description":"Database name.","$ref":"#/definitions/name"},"user":{"description":"Database role that owns the database.","$ref":"#/definitions/name"},"password":{"$ref":"#/definitions/secretRef"},"port":{"description":"PostgreSQL port on the server's loopback. Default 5432.","type":"integer","minimum":1,"maximum":65535},"backups":{"$ref":"#/definitions/databaseBackups"}}};
const schema39 = {"title":"DatabaseBackups","description":"Backups of the server's database that reconcile makes on the server node (in `/var/backups/reconcile/`, root only) before it migrates the database to a new Prefect environment; a rollback restores the one it made.","type":"object","additionalProperties":false,"properties":{"keep":{"description":"How many of this cluster's backups of the database to keep on the node: the newest ones; older ones are deleted after each backup. Default 5.","type":"integer","minimum":1}}};

function validate24(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.type === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "type"},message:"must have required property '"+"type"+"'",schema:schema34.required,parentSchema:schema34,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.packages === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "packages"},message:"must have required property '"+"packages"+"'",schema:schema34.required,parentSchema:schema34,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(data.name === undefined){
const err2 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema34.required,parentSchema:schema34,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if(data.user === undefined){
const err3 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "user"},message:"must have required property '"+"user"+"'",schema:schema34.required,parentSchema:schema34,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
if(data.password === undefined){
const err4 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "password"},message:"must have required property '"+"password"+"'",schema:schema34.required,parentSchema:schema34,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
for(const key0 in data){
if(!(((((((key0 === "type") || (key0 === "packages")) || (key0 === "name")) || (key0 === "user")) || (key0 === "password")) || (key0 === "port")) || (key0 === "backups"))){
const err5 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema34,data};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.type !== undefined){
let data0 = data.type;
if("postgresql" !== data0){
const err6 = {instancePath:instancePath+"/type",schemaPath:"#/properties/type/const",keyword:"const",params:{allowedValue: "postgresql"},message:"must be equal to constant",schema:"postgresql",parentSchema:schema34.properties.type,data:data0};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.packages !== undefined){
let data1 = data.packages;
if(typeof data1 === "string"){
if(!pattern0.test(data1)){
const err7 = {instancePath:instancePath+"/packages",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data1};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
else {
const err8 = {instancePath:instancePath+"/packages",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data1};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.name !== undefined){
let data2 = data.name;
if(typeof data2 === "string"){
if(!pattern0.test(data2)){
const err9 = {instancePath:instancePath+"/name",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data2};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
else {
const err10 = {instancePath:instancePath+"/name",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data2};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
if(data.user !== undefined){
let data3 = data.user;
if(typeof data3 === "string"){
if(!pattern0.test(data3)){
const err11 = {instancePath:instancePath+"/user",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data3};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
else {
const err12 = {instancePath:instancePath+"/user",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data3};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
if(data.password !== undefined){
let data4 = data.password;
if(data4 && typeof data4 == "object" && !Array.isArray(data4)){
if(data4.secret === undefined){
const err13 = {instancePath:instancePath+"/password",schemaPath:"#/definitions/secretRef/required",keyword:"required",params:{missingProperty: "secret"},message:"must have required property '"+"secret"+"'",schema:schema31.required,parentSchema:schema31,data:data4};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
for(const key1 in data4){
if(!(key1 === "secret")){
const err14 = {instancePath:instancePath+"/password",schemaPath:"#/definitions/secretRef/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema31,data:data4};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
if(data4.secret !== undefined){
let data5 = data4.secret;
if(typeof data5 === "string"){
if(!pattern18.test(data5)){
const err15 = {instancePath:instancePath+"/password/secret",schemaPath:"#/definitions/secretRef/properties/secret/pattern",keyword:"pattern",params:{pattern: "^[A-Z][A-Z0-9_]{0,127}$"},message:"must match pattern \""+"^[A-Z][A-Z0-9_]{0,127}$"+"\"",schema:"^[A-Z][A-Z0-9_]{0,127}$",parentSchema:schema31.properties.secret,data:data5};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
else {
const err16 = {instancePath:instancePath+"/password/secret",schemaPath:"#/definitions/secretRef/properties/secret/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema31.properties.secret.type,parentSchema:schema31.properties.secret,data:data5};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
}
else {
const err17 = {instancePath:instancePath+"/password",schemaPath:"#/definitions/secretRef/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema31.type,parentSchema:schema31,data:data4};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
if(data.port !== undefined){
let data6 = data.port;
if(!(((typeof data6 == "number") && (!(data6 % 1) && !isNaN(data6))) && (isFinite(data6)))){
const err18 = {instancePath:instancePath+"/port",schemaPath:"#/properties/port/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema34.properties.port.type,parentSchema:schema34.properties.port,data:data6};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
if((typeof data6 == "number") && (isFinite(data6))){
if(data6 > 65535 || isNaN(data6)){
const err19 = {instancePath:instancePath+"/port",schemaPath:"#/properties/port/maximum",keyword:"maximum",params:{comparison: "<=", limit: 65535},message:"must be <= 65535",schema:65535,parentSchema:schema34.properties.port,data:data6};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
if(data6 < 1 || isNaN(data6)){
const err20 = {instancePath:instancePath+"/port",schemaPath:"#/properties/port/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema34.properties.port,data:data6};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
}
if(data.backups !== undefined){
let data7 = data.backups;
if(data7 && typeof data7 == "object" && !Array.isArray(data7)){
for(const key2 in data7){
if(!(key2 === "keep")){
const err21 = {instancePath:instancePath+"/backups",schemaPath:"#/definitions/databaseBackups/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties",schema:false,parentSchema:schema39,data:data7};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
if(data7.keep !== undefined){
let data8 = data7.keep;
if(!(((typeof data8 == "number") && (!(data8 % 1) && !isNaN(data8))) && (isFinite(data8)))){
const err22 = {instancePath:instancePath+"/backups/keep",schemaPath:"#/definitions/databaseBackups/properties/keep/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema39.properties.keep.type,parentSchema:schema39.properties.keep,data:data8};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
if((typeof data8 == "number") && (isFinite(data8))){
if(data8 < 1 || isNaN(data8)){
const err23 = {instancePath:instancePath+"/backups/keep",schemaPath:"#/definitions/databaseBackups/properties/keep/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema39.properties.keep,data:data8};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
}
}
else {
const err24 = {instancePath:instancePath+"/backups",schemaPath:"#/definitions/databaseBackups/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema39.type,parentSchema:schema39,data:data7};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
}
}
else {
const err25 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema34.type,parentSchema:schema34,data};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
validate24.errors = vErrors;
return errors === 0;
}

const schema40 = {"title":"SqliteDatabase","description":"SQLite file on the server node (small clusters and tests).","type":"object","additionalProperties":false,"required":["type"],"properties":{"type":{"description":"`sqlite`.","const":"sqlite"},"path":{"description":"Database file on the server node. Default `/var/lib/prefect/prefect.db`.","$ref":"#/definitions/absolutePath"},"backups":{"$ref":"#/definitions/databaseBackups"}}};

function validate25(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.type === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "type"},message:"must have required property '"+"type"+"'",schema:schema40.required,parentSchema:schema40,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!(((key0 === "type") || (key0 === "path")) || (key0 === "backups"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema40,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.type !== undefined){
let data0 = data.type;
if("sqlite" !== data0){
const err2 = {instancePath:instancePath+"/type",schemaPath:"#/properties/type/const",keyword:"const",params:{allowedValue: "sqlite"},message:"must be equal to constant",schema:"sqlite",parentSchema:schema40.properties.type,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.path !== undefined){
let data1 = data.path;
if(typeof data1 === "string"){
if(!pattern1.test(data1)){
const err3 = {instancePath:instancePath+"/path",schemaPath:"#/definitions/absolutePath/pattern",keyword:"pattern",params:{pattern: "^/[A-Za-z0-9 +@,:=~._/-]*$"},message:"must match pattern \""+"^/[A-Za-z0-9 +@,:=~._/-]*$"+"\"",schema:"^/[A-Za-z0-9 +@,:=~._/-]*$",parentSchema:schema13,data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
else {
const err4 = {instancePath:instancePath+"/path",schemaPath:"#/definitions/absolutePath/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema13.type,parentSchema:schema13,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.backups !== undefined){
let data2 = data.backups;
if(data2 && typeof data2 == "object" && !Array.isArray(data2)){
for(const key1 in data2){
if(!(key1 === "keep")){
const err5 = {instancePath:instancePath+"/backups",schemaPath:"#/definitions/databaseBackups/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema39,data:data2};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data2.keep !== undefined){
let data3 = data2.keep;
if(!(((typeof data3 == "number") && (!(data3 % 1) && !isNaN(data3))) && (isFinite(data3)))){
const err6 = {instancePath:instancePath+"/backups/keep",schemaPath:"#/definitions/databaseBackups/properties/keep/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema39.properties.keep.type,parentSchema:schema39.properties.keep,data:data3};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
if((typeof data3 == "number") && (isFinite(data3))){
if(data3 < 1 || isNaN(data3)){
const err7 = {instancePath:instancePath+"/backups/keep",schemaPath:"#/definitions/databaseBackups/properties/keep/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema39.properties.keep,data:data3};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
}
}
else {
const err8 = {instancePath:instancePath+"/backups",schemaPath:"#/definitions/databaseBackups/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema39.type,parentSchema:schema39,data:data2};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
}
else {
const err9 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema40.type,parentSchema:schema40,data};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
validate25.errors = vErrors;
return errors === 0;
}


function validate23(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
const tag0 = data.type;
if(typeof tag0 == "string"){
if(tag0 === "postgresql"){
if(!(validate24(data, {instancePath,parentData,parentDataProperty,rootData}))){
vErrors = vErrors === null ? validate24.errors : vErrors.concat(validate24.errors);
errors = vErrors.length;
}
}
else if(tag0 === "sqlite"){
if(!(validate25(data, {instancePath,parentData,parentDataProperty,rootData}))){
vErrors = vErrors === null ? validate25.errors : vErrors.concat(validate25.errors);
errors = vErrors.length;
}
}
else {
const err0 = {instancePath,schemaPath:"#/discriminator",keyword:"discriminator",params:{error: "mapping", tag: "type", tagValue: tag0},message:"value of tag \"type\" must be in oneOf",schema:schema33.discriminator,parentSchema:schema33,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
else {
const err1 = {instancePath,schemaPath:"#/discriminator",keyword:"discriminator",params:{error: "tag", tag: "type", tagValue: tag0},message:"tag \"type\" must be string",schema:schema33.discriminator,parentSchema:schema33,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
else {
const err2 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema33.type,parentSchema:schema33,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
validate23.errors = vErrors;
return errors === 0;
}

const schema43 = {"title":"Proxy","description":"Caddy in front of the Prefect API and UI, installed from a `deb` artifact.","type":"object","additionalProperties":false,"required":["type","packages","listen"],"properties":{"type":{"description":"`caddy`.","const":"caddy"},"packages":{"description":"Artifact of kind `deb` with Caddy and what it depends on.","$ref":"#/definitions/name"},"listen":{"description":"A site address `host:port` or `:port` that Caddy serves, for example `prefect.internal:443` or `:8443`.","type":"string","pattern":"^[A-Za-z0-9.-]*:[0-9]{1,5}$"},"tls":{"$ref":"#/definitions/tls"},"basicAuth":{"description":"Users Caddy asks for before the UI (Prefect's own auth string protects the API).","type":"array","items":{"$ref":"#/definitions/basicAuthUser"}},"extraDirectives":{"description":"Raw Caddyfile lines placed inside the site block, after the basic auth and before `reverse_proxy`, for example `encode gzip` or `header -Server`. A line may open or close a block (`header {`, `}`). Caddy checks the whole file (`caddy validate`) before it replaces the running one: a line it rejects fails the apply and the old Caddyfile stays.","type":"array","items":{"type":"string","minLength":1,"pattern":"^[^\\u0000-\\u001f\\u007f]*$","description":"A single Caddyfile line without control characters (no newline or tab; indent with spaces)."}}}};
const schema52 = {"title":"BasicAuthUser","description":"A user Caddy accepts, with a bcrypt hash (`caddy hash-password`), never a password.","type":"object","additionalProperties":false,"required":["user","passwordHash"],"properties":{"user":{"description":"A user name: letters, digits, `.`, `_` and `-`.","type":"string","pattern":"^[A-Za-z0-9._-]{1,64}$"},"passwordHash":{"description":"A bcrypt hash such as `$2a$14$...` (60 characters), as printed by `caddy hash-password`.","type":"string","pattern":"^\\$2[aby]\\$[0-9]{2}\\$[./A-Za-z0-9]{53}$"}}};
const pattern26 = new RegExp("^[A-Za-z0-9.-]*:[0-9]{1,5}$", "u");
const pattern30 = new RegExp("^[A-Za-z0-9._-]{1,64}$", "u");
const pattern31 = new RegExp("^\\$2[aby]\\$[0-9]{2}\\$[./A-Za-z0-9]{53}$", "u");
const pattern32 = new RegExp("^[^\\u0000-\\u001f\\u007f]*$", "u");
const schema45 = {"title":"Tls","description":"TLS for the proxy: Caddy's internal CA, certificate files, or off (plain HTTP).","type":"object","discriminator":{"propertyName":"mode"},"oneOf":[{"$ref":"#/definitions/tlsInternal"},{"$ref":"#/definitions/tlsFiles"},{"$ref":"#/definitions/tlsOff"}]};
const schema50 = {"title":"TlsInternal","description":"Certificates from Caddy's local CA (no ACME: the nodes are air-gapped), for the server node's address, `localhost` and `127.0.0.1` when `listen` names no host. Every worker node trusts the CA's root, copied from the server node once Caddy made it.","type":"object","additionalProperties":false,"required":["mode"],"properties":{"mode":{"description":"`internal`.","const":"internal"}}};
const schema51 = {"title":"TlsOff","description":"Plain HTTP.","type":"object","additionalProperties":false,"required":["mode"],"properties":{"mode":{"description":"`off`.","const":"off"}}};
const schema46 = {"title":"TlsFiles","description":"A certificate and key you provide, each a `file` artifact, and optionally the CA that signed the certificate, which the workers then trust.","type":"object","additionalProperties":false,"required":["mode","certificate","key"],"properties":{"mode":{"description":"`files`.","const":"files"},"certificate":{"description":"Artifact (kind `file`) with the PEM certificate chain.","$ref":"#/definitions/name"},"key":{"description":"Artifact (kind `file`) with the PEM private key.","$ref":"#/definitions/name"},"ca":{"description":"Artifact (kind `file`) with the PEM certificate of the CA that signed `certificate`: written to every worker node, whose Prefect trusts it (PREFECT_API_SSL_CERT_FILE). Without it the workers use the system's trusted CAs.","$ref":"#/definitions/name"}}};

function validate31(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.mode === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "mode"},message:"must have required property '"+"mode"+"'",schema:schema46.required,parentSchema:schema46,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.certificate === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "certificate"},message:"must have required property '"+"certificate"+"'",schema:schema46.required,parentSchema:schema46,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(data.key === undefined){
const err2 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "key"},message:"must have required property '"+"key"+"'",schema:schema46.required,parentSchema:schema46,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
for(const key0 in data){
if(!((((key0 === "mode") || (key0 === "certificate")) || (key0 === "key")) || (key0 === "ca"))){
const err3 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema46,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.mode !== undefined){
let data0 = data.mode;
if("files" !== data0){
const err4 = {instancePath:instancePath+"/mode",schemaPath:"#/properties/mode/const",keyword:"const",params:{allowedValue: "files"},message:"must be equal to constant",schema:"files",parentSchema:schema46.properties.mode,data:data0};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.certificate !== undefined){
let data1 = data.certificate;
if(typeof data1 === "string"){
if(!pattern0.test(data1)){
const err5 = {instancePath:instancePath+"/certificate",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
else {
const err6 = {instancePath:instancePath+"/certificate",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data1};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.key !== undefined){
let data2 = data.key;
if(typeof data2 === "string"){
if(!pattern0.test(data2)){
const err7 = {instancePath:instancePath+"/key",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data2};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
else {
const err8 = {instancePath:instancePath+"/key",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data2};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.ca !== undefined){
let data3 = data.ca;
if(typeof data3 === "string"){
if(!pattern0.test(data3)){
const err9 = {instancePath:instancePath+"/ca",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data3};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
else {
const err10 = {instancePath:instancePath+"/ca",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data3};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
}
else {
const err11 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema46.type,parentSchema:schema46,data};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
validate31.errors = vErrors;
return errors === 0;
}


function validate30(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
const tag0 = data.mode;
if(typeof tag0 == "string"){
if(tag0 === "internal"){
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.mode === undefined){
const err0 = {instancePath,schemaPath:"#/definitions/tlsInternal/required",keyword:"required",params:{missingProperty: "mode"},message:"must have required property '"+"mode"+"'",schema:schema50.required,parentSchema:schema50,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!(key0 === "mode")){
const err1 = {instancePath,schemaPath:"#/definitions/tlsInternal/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema50,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.mode !== undefined){
let data0 = data.mode;
if("internal" !== data0){
const err2 = {instancePath:instancePath+"/mode",schemaPath:"#/definitions/tlsInternal/properties/mode/const",keyword:"const",params:{allowedValue: "internal"},message:"must be equal to constant",schema:"internal",parentSchema:schema50.properties.mode,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
}
else {
const err3 = {instancePath,schemaPath:"#/definitions/tlsInternal/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema50.type,parentSchema:schema50,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
else if(tag0 === "files"){
if(!(validate31(data, {instancePath,parentData,parentDataProperty,rootData}))){
vErrors = vErrors === null ? validate31.errors : vErrors.concat(validate31.errors);
errors = vErrors.length;
}
}
else if(tag0 === "off"){
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.mode === undefined){
const err4 = {instancePath,schemaPath:"#/definitions/tlsOff/required",keyword:"required",params:{missingProperty: "mode"},message:"must have required property '"+"mode"+"'",schema:schema51.required,parentSchema:schema51,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
for(const key1 in data){
if(!(key1 === "mode")){
const err5 = {instancePath,schemaPath:"#/definitions/tlsOff/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema51,data};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.mode !== undefined){
let data1 = data.mode;
if("off" !== data1){
const err6 = {instancePath:instancePath+"/mode",schemaPath:"#/definitions/tlsOff/properties/mode/const",keyword:"const",params:{allowedValue: "off"},message:"must be equal to constant",schema:"off",parentSchema:schema51.properties.mode,data:data1};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
}
else {
const err7 = {instancePath,schemaPath:"#/definitions/tlsOff/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema51.type,parentSchema:schema51,data};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
else {
const err8 = {instancePath,schemaPath:"#/discriminator",keyword:"discriminator",params:{error: "mapping", tag: "mode", tagValue: tag0},message:"value of tag \"mode\" must be in oneOf",schema:schema45.discriminator,parentSchema:schema45,data};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
else {
const err9 = {instancePath,schemaPath:"#/discriminator",keyword:"discriminator",params:{error: "tag", tag: "mode", tagValue: tag0},message:"tag \"mode\" must be string",schema:schema45.discriminator,parentSchema:schema45,data};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
else {
const err10 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema45.type,parentSchema:schema45,data};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
validate30.errors = vErrors;
return errors === 0;
}


function validate29(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.type === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "type"},message:"must have required property '"+"type"+"'",schema:schema43.required,parentSchema:schema43,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.packages === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "packages"},message:"must have required property '"+"packages"+"'",schema:schema43.required,parentSchema:schema43,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(data.listen === undefined){
const err2 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "listen"},message:"must have required property '"+"listen"+"'",schema:schema43.required,parentSchema:schema43,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
for(const key0 in data){
if(!((((((key0 === "type") || (key0 === "packages")) || (key0 === "listen")) || (key0 === "tls")) || (key0 === "basicAuth")) || (key0 === "extraDirectives"))){
const err3 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema43,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.type !== undefined){
let data0 = data.type;
if("caddy" !== data0){
const err4 = {instancePath:instancePath+"/type",schemaPath:"#/properties/type/const",keyword:"const",params:{allowedValue: "caddy"},message:"must be equal to constant",schema:"caddy",parentSchema:schema43.properties.type,data:data0};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.packages !== undefined){
let data1 = data.packages;
if(typeof data1 === "string"){
if(!pattern0.test(data1)){
const err5 = {instancePath:instancePath+"/packages",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
else {
const err6 = {instancePath:instancePath+"/packages",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data1};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.listen !== undefined){
let data2 = data.listen;
if(typeof data2 === "string"){
if(!pattern26.test(data2)){
const err7 = {instancePath:instancePath+"/listen",schemaPath:"#/properties/listen/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z0-9.-]*:[0-9]{1,5}$"},message:"must match pattern \""+"^[A-Za-z0-9.-]*:[0-9]{1,5}$"+"\"",schema:"^[A-Za-z0-9.-]*:[0-9]{1,5}$",parentSchema:schema43.properties.listen,data:data2};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
else {
const err8 = {instancePath:instancePath+"/listen",schemaPath:"#/properties/listen/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema43.properties.listen.type,parentSchema:schema43.properties.listen,data:data2};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.tls !== undefined){
if(!(validate30(data.tls, {instancePath:instancePath+"/tls",parentData:data,parentDataProperty:"tls",rootData}))){
vErrors = vErrors === null ? validate30.errors : vErrors.concat(validate30.errors);
errors = vErrors.length;
}
}
if(data.basicAuth !== undefined){
let data4 = data.basicAuth;
if(Array.isArray(data4)){
const len0 = data4.length;
for(let i0=0; i0<len0; i0++){
let data5 = data4[i0];
if(data5 && typeof data5 == "object" && !Array.isArray(data5)){
if(data5.user === undefined){
const err9 = {instancePath:instancePath+"/basicAuth/" + i0,schemaPath:"#/definitions/basicAuthUser/required",keyword:"required",params:{missingProperty: "user"},message:"must have required property '"+"user"+"'",schema:schema52.required,parentSchema:schema52,data:data5};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
if(data5.passwordHash === undefined){
const err10 = {instancePath:instancePath+"/basicAuth/" + i0,schemaPath:"#/definitions/basicAuthUser/required",keyword:"required",params:{missingProperty: "passwordHash"},message:"must have required property '"+"passwordHash"+"'",schema:schema52.required,parentSchema:schema52,data:data5};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
for(const key1 in data5){
if(!((key1 === "user") || (key1 === "passwordHash"))){
const err11 = {instancePath:instancePath+"/basicAuth/" + i0,schemaPath:"#/definitions/basicAuthUser/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema52,data:data5};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data5.user !== undefined){
let data6 = data5.user;
if(typeof data6 === "string"){
if(!pattern30.test(data6)){
const err12 = {instancePath:instancePath+"/basicAuth/" + i0+"/user",schemaPath:"#/definitions/basicAuthUser/properties/user/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z0-9._-]{1,64}$"},message:"must match pattern \""+"^[A-Za-z0-9._-]{1,64}$"+"\"",schema:"^[A-Za-z0-9._-]{1,64}$",parentSchema:schema52.properties.user,data:data6};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
else {
const err13 = {instancePath:instancePath+"/basicAuth/" + i0+"/user",schemaPath:"#/definitions/basicAuthUser/properties/user/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema52.properties.user.type,parentSchema:schema52.properties.user,data:data6};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data5.passwordHash !== undefined){
let data7 = data5.passwordHash;
if(typeof data7 === "string"){
if(!pattern31.test(data7)){
const err14 = {instancePath:instancePath+"/basicAuth/" + i0+"/passwordHash",schemaPath:"#/definitions/basicAuthUser/properties/passwordHash/pattern",keyword:"pattern",params:{pattern: "^\\$2[aby]\\$[0-9]{2}\\$[./A-Za-z0-9]{53}$"},message:"must match pattern \""+"^\\$2[aby]\\$[0-9]{2}\\$[./A-Za-z0-9]{53}$"+"\"",schema:"^\\$2[aby]\\$[0-9]{2}\\$[./A-Za-z0-9]{53}$",parentSchema:schema52.properties.passwordHash,data:data7};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
else {
const err15 = {instancePath:instancePath+"/basicAuth/" + i0+"/passwordHash",schemaPath:"#/definitions/basicAuthUser/properties/passwordHash/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema52.properties.passwordHash.type,parentSchema:schema52.properties.passwordHash,data:data7};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
}
else {
const err16 = {instancePath:instancePath+"/basicAuth/" + i0,schemaPath:"#/definitions/basicAuthUser/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema52.type,parentSchema:schema52,data:data5};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
}
else {
const err17 = {instancePath:instancePath+"/basicAuth",schemaPath:"#/properties/basicAuth/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema43.properties.basicAuth.type,parentSchema:schema43.properties.basicAuth,data:data4};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
if(data.extraDirectives !== undefined){
let data8 = data.extraDirectives;
if(Array.isArray(data8)){
const len1 = data8.length;
for(let i1=0; i1<len1; i1++){
let data9 = data8[i1];
if(typeof data9 === "string"){
if(func4(data9) < 1){
const err18 = {instancePath:instancePath+"/extraDirectives/" + i1,schemaPath:"#/properties/extraDirectives/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema43.properties.extraDirectives.items,data:data9};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
if(!pattern32.test(data9)){
const err19 = {instancePath:instancePath+"/extraDirectives/" + i1,schemaPath:"#/properties/extraDirectives/items/pattern",keyword:"pattern",params:{pattern: "^[^\\u0000-\\u001f\\u007f]*$"},message:"must match pattern \""+"^[^\\u0000-\\u001f\\u007f]*$"+"\"",schema:"^[^\\u0000-\\u001f\\u007f]*$",parentSchema:schema43.properties.extraDirectives.items,data:data9};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
else {
const err20 = {instancePath:instancePath+"/extraDirectives/" + i1,schemaPath:"#/properties/extraDirectives/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema43.properties.extraDirectives.items.type,parentSchema:schema43.properties.extraDirectives.items,data:data9};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
}
else {
const err21 = {instancePath:instancePath+"/extraDirectives",schemaPath:"#/properties/extraDirectives/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema43.properties.extraDirectives.type,parentSchema:schema43.properties.extraDirectives,data:data8};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
}
else {
const err22 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema43.type,parentSchema:schema43,data};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
validate29.errors = vErrors;
return errors === 0;
}


function validate16(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.node === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "node"},message:"must have required property '"+"node"+"'",schema:schema25.required,parentSchema:schema25,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.prefect === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "prefect"},message:"must have required property '"+"prefect"+"'",schema:schema25.required,parentSchema:schema25,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(data.database === undefined){
const err2 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "database"},message:"must have required property '"+"database"+"'",schema:schema25.required,parentSchema:schema25,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
for(const key0 in data){
if(!((((key0 === "node") || (key0 === "prefect")) || (key0 === "database")) || (key0 === "proxy"))){
const err3 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema25,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.node !== undefined){
let data0 = data.node;
if(typeof data0 === "string"){
if(!pattern0.test(data0)){
const err4 = {instancePath:instancePath+"/node",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data0};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/node",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data0};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.prefect !== undefined){
if(!(validate17(data.prefect, {instancePath:instancePath+"/prefect",parentData:data,parentDataProperty:"prefect",rootData}))){
vErrors = vErrors === null ? validate17.errors : vErrors.concat(validate17.errors);
errors = vErrors.length;
}
}
if(data.database !== undefined){
if(!(validate23(data.database, {instancePath:instancePath+"/database",parentData:data,parentDataProperty:"database",rootData}))){
vErrors = vErrors === null ? validate23.errors : vErrors.concat(validate23.errors);
errors = vErrors.length;
}
}
if(data.proxy !== undefined){
if(!(validate29(data.proxy, {instancePath:instancePath+"/proxy",parentData:data,parentDataProperty:"proxy",rootData}))){
vErrors = vErrors === null ? validate29.errors : vErrors.concat(validate29.errors);
errors = vErrors.length;
}
}
}
else {
const err6 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema25.type,parentSchema:schema25,data};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
validate16.errors = vErrors;
return errors === 0;
}

const schema53 = {"title":"WorkPool","description":"A Prefect work pool.","type":"object","additionalProperties":false,"required":["name"],"properties":{"name":{"description":"Pool name. Names starting with `prefect` are reserved by Prefect.","$ref":"#/definitions/name"},"type":{"description":"Worker type. Only `process` (the default) is supported.","enum":["process"]},"description":{"description":"Shown in the Prefect UI.","type":"string"},"concurrencyLimit":{"description":"Most flow runs the pool runs at once. Unset means no limit.","type":"integer","minimum":0},"paused":{"description":"A paused pool hands out no runs. Default false.","type":"boolean"},"baseJobTemplate":{"description":"Base job template of the pool. Default: Prefect's process worker template.","type":"object"},"queues":{"description":"Queues of the pool. Prefect always adds a `default` queue.","type":"array","items":{"$ref":"#/definitions/workQueue"}}}};
const schema55 = {"title":"WorkQueue","description":"A queue inside a work pool.","type":"object","additionalProperties":false,"required":["name"],"properties":{"name":{"description":"Queue name, unique within its pool.","$ref":"#/definitions/name"},"description":{"description":"Shown in the Prefect UI.","type":"string"},"priority":{"description":"1 is the highest. Unique within the pool (Prefect shifts clashing priorities, which would never converge).","type":"integer","minimum":1},"concurrencyLimit":{"description":"Most flow runs from this queue at once. Unset means no limit.","type":"integer","minimum":0},"paused":{"description":"A paused queue hands out no runs. Default false.","type":"boolean"}}};

function validate37(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.name === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema55.required,parentSchema:schema55,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!(((((key0 === "name") || (key0 === "description")) || (key0 === "priority")) || (key0 === "concurrencyLimit")) || (key0 === "paused"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema55,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.name !== undefined){
let data0 = data.name;
if(typeof data0 === "string"){
if(!pattern0.test(data0)){
const err2 = {instancePath:instancePath+"/name",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
else {
const err3 = {instancePath:instancePath+"/name",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.description !== undefined){
let data1 = data.description;
if(typeof data1 !== "string"){
const err4 = {instancePath:instancePath+"/description",schemaPath:"#/properties/description/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema55.properties.description.type,parentSchema:schema55.properties.description,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.priority !== undefined){
let data2 = data.priority;
if(!(((typeof data2 == "number") && (!(data2 % 1) && !isNaN(data2))) && (isFinite(data2)))){
const err5 = {instancePath:instancePath+"/priority",schemaPath:"#/properties/priority/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema55.properties.priority.type,parentSchema:schema55.properties.priority,data:data2};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
if((typeof data2 == "number") && (isFinite(data2))){
if(data2 < 1 || isNaN(data2)){
const err6 = {instancePath:instancePath+"/priority",schemaPath:"#/properties/priority/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema55.properties.priority,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
}
if(data.concurrencyLimit !== undefined){
let data3 = data.concurrencyLimit;
if(!(((typeof data3 == "number") && (!(data3 % 1) && !isNaN(data3))) && (isFinite(data3)))){
const err7 = {instancePath:instancePath+"/concurrencyLimit",schemaPath:"#/properties/concurrencyLimit/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema55.properties.concurrencyLimit.type,parentSchema:schema55.properties.concurrencyLimit,data:data3};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
if((typeof data3 == "number") && (isFinite(data3))){
if(data3 < 0 || isNaN(data3)){
const err8 = {instancePath:instancePath+"/concurrencyLimit",schemaPath:"#/properties/concurrencyLimit/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema55.properties.concurrencyLimit,data:data3};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
}
if(data.paused !== undefined){
let data4 = data.paused;
if(typeof data4 !== "boolean"){
const err9 = {instancePath:instancePath+"/paused",schemaPath:"#/properties/paused/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema55.properties.paused.type,parentSchema:schema55.properties.paused,data:data4};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
}
else {
const err10 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema55.type,parentSchema:schema55,data};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
validate37.errors = vErrors;
return errors === 0;
}


function validate36(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.name === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema53.required,parentSchema:schema53,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!(((((((key0 === "name") || (key0 === "type")) || (key0 === "description")) || (key0 === "concurrencyLimit")) || (key0 === "paused")) || (key0 === "baseJobTemplate")) || (key0 === "queues"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema53,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.name !== undefined){
let data0 = data.name;
if(typeof data0 === "string"){
if(!pattern0.test(data0)){
const err2 = {instancePath:instancePath+"/name",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
else {
const err3 = {instancePath:instancePath+"/name",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.type !== undefined){
let data1 = data.type;
if(!(data1 === "process")){
const err4 = {instancePath:instancePath+"/type",schemaPath:"#/properties/type/enum",keyword:"enum",params:{allowedValues: schema53.properties.type.enum},message:"must be equal to one of the allowed values",schema:schema53.properties.type.enum,parentSchema:schema53.properties.type,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.description !== undefined){
let data2 = data.description;
if(typeof data2 !== "string"){
const err5 = {instancePath:instancePath+"/description",schemaPath:"#/properties/description/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema53.properties.description.type,parentSchema:schema53.properties.description,data:data2};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.concurrencyLimit !== undefined){
let data3 = data.concurrencyLimit;
if(!(((typeof data3 == "number") && (!(data3 % 1) && !isNaN(data3))) && (isFinite(data3)))){
const err6 = {instancePath:instancePath+"/concurrencyLimit",schemaPath:"#/properties/concurrencyLimit/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema53.properties.concurrencyLimit.type,parentSchema:schema53.properties.concurrencyLimit,data:data3};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
if((typeof data3 == "number") && (isFinite(data3))){
if(data3 < 0 || isNaN(data3)){
const err7 = {instancePath:instancePath+"/concurrencyLimit",schemaPath:"#/properties/concurrencyLimit/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema53.properties.concurrencyLimit,data:data3};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
}
if(data.paused !== undefined){
let data4 = data.paused;
if(typeof data4 !== "boolean"){
const err8 = {instancePath:instancePath+"/paused",schemaPath:"#/properties/paused/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema53.properties.paused.type,parentSchema:schema53.properties.paused,data:data4};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.baseJobTemplate !== undefined){
let data5 = data.baseJobTemplate;
if(!(data5 && typeof data5 == "object" && !Array.isArray(data5))){
const err9 = {instancePath:instancePath+"/baseJobTemplate",schemaPath:"#/properties/baseJobTemplate/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema53.properties.baseJobTemplate.type,parentSchema:schema53.properties.baseJobTemplate,data:data5};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data.queues !== undefined){
let data6 = data.queues;
if(Array.isArray(data6)){
const len0 = data6.length;
for(let i0=0; i0<len0; i0++){
if(!(validate37(data6[i0], {instancePath:instancePath+"/queues/" + i0,parentData:data6,parentDataProperty:i0,rootData}))){
vErrors = vErrors === null ? validate37.errors : vErrors.concat(validate37.errors);
errors = vErrors.length;
}
}
}
else {
const err10 = {instancePath:instancePath+"/queues",schemaPath:"#/properties/queues/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema53.properties.queues.type,parentSchema:schema53.properties.queues,data:data6};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
}
else {
const err11 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema53.type,parentSchema:schema53,data};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
validate36.errors = vErrors;
return errors === 0;
}

const schema57 = {"title":"Worker","description":"Prefect workers on one node.","type":"object","additionalProperties":false,"required":["node","env","pools"],"properties":{"node":{"description":"Name of the node (from `nodes`).","$ref":"#/definitions/name"},"env":{"description":"Base environment artifact (pixi-pack, conda-pack or tar) that contains Prefect; workers run from it.","$ref":"#/definitions/name"},"pools":{"description":"Pools this node serves; one systemd unit `prefect-worker@<pool>.service` each.","type":"array","minItems":1,"items":{"$ref":"#/definitions/workerPool"}},"processes":{"description":"Worker processes per pool on this node. Default 1.","type":"integer","minimum":1,"maximum":64},"limit":{"description":"Most flow runs one worker process runs at once. Unset means no limit.","type":"integer","minimum":1},"settings":{"$ref":"#/definitions/prefectSettings"}}};
const schema60 = {"title":"WorkerPool","description":"A pool a worker node serves.","type":"object","additionalProperties":false,"required":["pool"],"properties":{"pool":{"description":"Name of a pool in `workPools`.","$ref":"#/definitions/name"},"queues":{"description":"Queues of that pool to poll. Default: all of them.","type":"array","minItems":1,"items":{"$ref":"#/definitions/name"}}}};

function validate41(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.pool === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "pool"},message:"must have required property '"+"pool"+"'",schema:schema60.required,parentSchema:schema60,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!((key0 === "pool") || (key0 === "queues"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema60,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.pool !== undefined){
let data0 = data.pool;
if(typeof data0 === "string"){
if(!pattern0.test(data0)){
const err2 = {instancePath:instancePath+"/pool",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
else {
const err3 = {instancePath:instancePath+"/pool",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.queues !== undefined){
let data1 = data.queues;
if(Array.isArray(data1)){
if(data1.length < 1){
const err4 = {instancePath:instancePath+"/queues",schemaPath:"#/properties/queues/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema60.properties.queues,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
const len0 = data1.length;
for(let i0=0; i0<len0; i0++){
let data2 = data1[i0];
if(typeof data2 === "string"){
if(!pattern0.test(data2)){
const err5 = {instancePath:instancePath+"/queues/" + i0,schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data2};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
else {
const err6 = {instancePath:instancePath+"/queues/" + i0,schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
}
else {
const err7 = {instancePath:instancePath+"/queues",schemaPath:"#/properties/queues/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema60.properties.queues.type,parentSchema:schema60.properties.queues,data:data1};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
}
else {
const err8 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema60.type,parentSchema:schema60,data};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
validate41.errors = vErrors;
return errors === 0;
}


function validate40(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.node === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "node"},message:"must have required property '"+"node"+"'",schema:schema57.required,parentSchema:schema57,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.env === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "env"},message:"must have required property '"+"env"+"'",schema:schema57.required,parentSchema:schema57,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(data.pools === undefined){
const err2 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "pools"},message:"must have required property '"+"pools"+"'",schema:schema57.required,parentSchema:schema57,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
for(const key0 in data){
if(!((((((key0 === "node") || (key0 === "env")) || (key0 === "pools")) || (key0 === "processes")) || (key0 === "limit")) || (key0 === "settings"))){
const err3 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema57,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.node !== undefined){
let data0 = data.node;
if(typeof data0 === "string"){
if(!pattern0.test(data0)){
const err4 = {instancePath:instancePath+"/node",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data0};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/node",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data0};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.env !== undefined){
let data1 = data.env;
if(typeof data1 === "string"){
if(!pattern0.test(data1)){
const err6 = {instancePath:instancePath+"/env",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data1};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
else {
const err7 = {instancePath:instancePath+"/env",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data1};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
if(data.pools !== undefined){
let data2 = data.pools;
if(Array.isArray(data2)){
if(data2.length < 1){
const err8 = {instancePath:instancePath+"/pools",schemaPath:"#/properties/pools/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema57.properties.pools,data:data2};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
const len0 = data2.length;
for(let i0=0; i0<len0; i0++){
if(!(validate41(data2[i0], {instancePath:instancePath+"/pools/" + i0,parentData:data2,parentDataProperty:i0,rootData}))){
vErrors = vErrors === null ? validate41.errors : vErrors.concat(validate41.errors);
errors = vErrors.length;
}
}
}
else {
const err9 = {instancePath:instancePath+"/pools",schemaPath:"#/properties/pools/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema57.properties.pools.type,parentSchema:schema57.properties.pools,data:data2};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data.processes !== undefined){
let data4 = data.processes;
if(!(((typeof data4 == "number") && (!(data4 % 1) && !isNaN(data4))) && (isFinite(data4)))){
const err10 = {instancePath:instancePath+"/processes",schemaPath:"#/properties/processes/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema57.properties.processes.type,parentSchema:schema57.properties.processes,data:data4};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
if((typeof data4 == "number") && (isFinite(data4))){
if(data4 > 64 || isNaN(data4)){
const err11 = {instancePath:instancePath+"/processes",schemaPath:"#/properties/processes/maximum",keyword:"maximum",params:{comparison: "<=", limit: 64},message:"must be <= 64",schema:64,parentSchema:schema57.properties.processes,data:data4};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
if(data4 < 1 || isNaN(data4)){
const err12 = {instancePath:instancePath+"/processes",schemaPath:"#/properties/processes/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema57.properties.processes,data:data4};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
}
if(data.limit !== undefined){
let data5 = data.limit;
if(!(((typeof data5 == "number") && (!(data5 % 1) && !isNaN(data5))) && (isFinite(data5)))){
const err13 = {instancePath:instancePath+"/limit",schemaPath:"#/properties/limit/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema57.properties.limit.type,parentSchema:schema57.properties.limit,data:data5};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
if((typeof data5 == "number") && (isFinite(data5))){
if(data5 < 1 || isNaN(data5)){
const err14 = {instancePath:instancePath+"/limit",schemaPath:"#/properties/limit/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema57.properties.limit,data:data5};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
}
if(data.settings !== undefined){
if(!(validate18(data.settings, {instancePath:instancePath+"/settings",parentData:data,parentDataProperty:"settings",rootData}))){
vErrors = vErrors === null ? validate18.errors : vErrors.concat(validate18.errors);
errors = vErrors.length;
}
}
}
else {
const err15 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema57.type,parentSchema:schema57,data};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
validate40.errors = vErrors;
return errors === 0;
}

const schema63 = {"title":"Flow","description":"A flow with its own environment and code, installed on every worker of its pool.","type":"object","additionalProperties":false,"required":["name","env","source","entrypoint","pool"],"properties":{"name":{"description":"Flow name as Prefect knows it.","$ref":"#/definitions/name"},"env":{"description":"The flow's own environment artifact (pixi-pack, conda-pack or tar); it must contain Prefect.","$ref":"#/definitions/name"},"source":{"description":"Folder with the flow's code, relative to cluster.yaml; packed deterministically (`.git` and `__pycache__` left out).","type":"string","minLength":1},"entrypoint":{"description":"`path/to/file.py:function`, relative to `source` and inside it (no leading `/`, no `..`).","type":"string","pattern":"^(?!/)(?!(.*/)?\\.\\.(/|:))[^:\\s]+\\.py:[A-Za-z_][A-Za-z0-9_]*$"},"pool":{"description":"Pool whose workers run this flow.","$ref":"#/definitions/name"},"deployments":{"description":"Deployments of this flow.","type":"array","items":{"$ref":"#/definitions/deployment"}}}};
const pattern41 = new RegExp("^(?!/)(?!(.*/)?\\.\\.(/|:))[^:\\s]+\\.py:[A-Za-z_][A-Za-z0-9_]*$", "u");
const schema67 = {"title":"Deployment","description":"A Prefect deployment: schedules, parameters and the queue its runs go to.","type":"object","additionalProperties":false,"required":["name"],"properties":{"name":{"description":"Deployment name, unique within the flow.","$ref":"#/definitions/name"},"description":{"description":"Shown in the Prefect UI.","type":"string"},"queue":{"description":"Queue of the flow's pool the runs go to. Default `default`.","$ref":"#/definitions/name"},"schedules":{"description":"When runs are created. None means runs only start on demand.","type":"array","items":{"$ref":"#/definitions/schedule"}},"parameters":{"description":"Parameters passed to the flow function.","type":"object"},"tags":{"description":"Tags on the deployment and its runs.","type":"array","uniqueItems":true,"items":{"type":"string","minLength":1}},"paused":{"description":"A paused deployment creates no scheduled runs. Default false.","type":"boolean"},"concurrencyLimit":{"description":"Most runs of this deployment at once (Prefect 3.x). Unset means no limit.","type":"integer","minimum":1},"env":{"description":"Extra environment variables for the flow runs.","type":"object","propertyNames":{"$ref":"#/definitions/envName"},"additionalProperties":{"$ref":"#/definitions/settingValue"}}}};
const schema81 = {"description":"An environment variable name.","type":"string","pattern":"^[A-Za-z_][A-Za-z0-9_]*$"};
const pattern46 = new RegExp("^[A-Za-z_][A-Za-z0-9_]*$", "u");
const schema70 = {"title":"Schedule","description":"Exactly one of `cron`, `interval` or `rrule`.","oneOf":[{"$ref":"#/definitions/cronSchedule"},{"$ref":"#/definitions/intervalSchedule"},{"$ref":"#/definitions/rruleSchedule"}]};
const schema71 = {"title":"CronSchedule","description":"A cron schedule.","type":"object","additionalProperties":false,"required":["cron"],"properties":{"cron":{"description":"Five-field cron expression, for example `0 6 * * 1-5`.","type":"string","minLength":1},"timezone":{"$ref":"#/definitions/timezone"},"dayOr":{"description":"When both day-of-month and day-of-week are set, run when either matches (cron's usual rule). Default true.","type":"boolean"},"active":{"$ref":"#/definitions/scheduleActive"}}};
const schema72 = {"description":"IANA time zone such as `Europe/Berlin`. Default `UTC`.","type":"string","minLength":1};
const schema73 = {"description":"An inactive schedule is kept but creates no runs. Default true.","type":"boolean"};

function validate48(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.cron === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "cron"},message:"must have required property '"+"cron"+"'",schema:schema71.required,parentSchema:schema71,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!((((key0 === "cron") || (key0 === "timezone")) || (key0 === "dayOr")) || (key0 === "active"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema71,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.cron !== undefined){
let data0 = data.cron;
if(typeof data0 === "string"){
if(func4(data0) < 1){
const err2 = {instancePath:instancePath+"/cron",schemaPath:"#/properties/cron/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema71.properties.cron,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
else {
const err3 = {instancePath:instancePath+"/cron",schemaPath:"#/properties/cron/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema71.properties.cron.type,parentSchema:schema71.properties.cron,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.timezone !== undefined){
let data1 = data.timezone;
if(typeof data1 === "string"){
if(func4(data1) < 1){
const err4 = {instancePath:instancePath+"/timezone",schemaPath:"#/definitions/timezone/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema72,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/timezone",schemaPath:"#/definitions/timezone/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema72.type,parentSchema:schema72,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.dayOr !== undefined){
let data2 = data.dayOr;
if(typeof data2 !== "boolean"){
const err6 = {instancePath:instancePath+"/dayOr",schemaPath:"#/properties/dayOr/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema71.properties.dayOr.type,parentSchema:schema71.properties.dayOr,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.active !== undefined){
let data3 = data.active;
if(typeof data3 !== "boolean"){
const err7 = {instancePath:instancePath+"/active",schemaPath:"#/definitions/scheduleActive/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema73.type,parentSchema:schema73,data:data3};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
}
else {
const err8 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema71.type,parentSchema:schema71,data};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
validate48.errors = vErrors;
return errors === 0;
}

const schema74 = {"title":"IntervalSchedule","description":"A fixed interval.","type":"object","additionalProperties":false,"required":["interval"],"properties":{"interval":{"description":"Interval: seconds, or a duration such as `15m` or `1h`.","oneOf":[{"type":"integer","minimum":1},{"$ref":"#/definitions/duration"}]},"anchorDate":{"description":"Date and time the intervals are counted from (ISO 8601).","type":"string","format":"date-time"},"timezone":{"$ref":"#/definitions/timezone"},"active":{"$ref":"#/definitions/scheduleActive"}}};
const formats6 = fullFormats["date-time"];

function validate50(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.interval === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "interval"},message:"must have required property '"+"interval"+"'",schema:schema74.required,parentSchema:schema74,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!((((key0 === "interval") || (key0 === "anchorDate")) || (key0 === "timezone")) || (key0 === "active"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema74,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.interval !== undefined){
let data0 = data.interval;
const _errs3 = errors;
let valid1 = false;
let passing0 = null;
const _errs4 = errors;
if(!(((typeof data0 == "number") && (!(data0 % 1) && !isNaN(data0))) && (isFinite(data0)))){
const err2 = {instancePath:instancePath+"/interval",schemaPath:"#/properties/interval/oneOf/0/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema74.properties.interval.oneOf[0].type,parentSchema:schema74.properties.interval.oneOf[0],data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if((typeof data0 == "number") && (isFinite(data0))){
if(data0 < 1 || isNaN(data0)){
const err3 = {instancePath:instancePath+"/interval",schemaPath:"#/properties/interval/oneOf/0/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema74.properties.interval.oneOf[0],data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
var _valid0 = _errs4 === errors;
if(_valid0){
valid1 = true;
passing0 = 0;
}
const _errs6 = errors;
if(typeof data0 === "string"){
if(!pattern3.test(data0)){
const err4 = {instancePath:instancePath+"/interval",schemaPath:"#/definitions/duration/pattern",keyword:"pattern",params:{pattern: "^[1-9][0-9]*(ms|s|m|h)$"},message:"must match pattern \""+"^[1-9][0-9]*(ms|s|m|h)$"+"\"",schema:"^[1-9][0-9]*(ms|s|m|h)$",parentSchema:schema15,data:data0};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/interval",schemaPath:"#/definitions/duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.type,parentSchema:schema15,data:data0};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
var _valid0 = _errs6 === errors;
if(_valid0 && valid1){
valid1 = false;
passing0 = [passing0, 1];
}
else {
if(_valid0){
valid1 = true;
passing0 = 1;
}
}
if(!valid1){
const err6 = {instancePath:instancePath+"/interval",schemaPath:"#/properties/interval/oneOf",keyword:"oneOf",params:{passingSchemas: passing0},message:"must match exactly one schema in oneOf",schema:schema74.properties.interval.oneOf,parentSchema:schema74.properties.interval,data:data0};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
else {
errors = _errs3;
if(vErrors !== null){
if(_errs3){
vErrors.length = _errs3;
}
else {
vErrors = null;
}
}
}
}
if(data.anchorDate !== undefined){
let data1 = data.anchorDate;
if(typeof data1 === "string"){
if(!(formats6.validate(data1))){
const err7 = {instancePath:instancePath+"/anchorDate",schemaPath:"#/properties/anchorDate/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\"",schema:"date-time",parentSchema:schema74.properties.anchorDate,data:data1};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
else {
const err8 = {instancePath:instancePath+"/anchorDate",schemaPath:"#/properties/anchorDate/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema74.properties.anchorDate.type,parentSchema:schema74.properties.anchorDate,data:data1};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.timezone !== undefined){
let data2 = data.timezone;
if(typeof data2 === "string"){
if(func4(data2) < 1){
const err9 = {instancePath:instancePath+"/timezone",schemaPath:"#/definitions/timezone/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema72,data:data2};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
else {
const err10 = {instancePath:instancePath+"/timezone",schemaPath:"#/definitions/timezone/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema72.type,parentSchema:schema72,data:data2};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
if(data.active !== undefined){
let data3 = data.active;
if(typeof data3 !== "boolean"){
const err11 = {instancePath:instancePath+"/active",schemaPath:"#/definitions/scheduleActive/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema73.type,parentSchema:schema73,data:data3};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
}
else {
const err12 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema74.type,parentSchema:schema74,data};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
validate50.errors = vErrors;
return errors === 0;
}

const schema78 = {"title":"RRuleSchedule","description":"An RFC 5545 recurrence rule.","type":"object","additionalProperties":false,"required":["rrule"],"properties":{"rrule":{"description":"Recurrence rule, for example `FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=7`.","type":"string","minLength":1},"timezone":{"$ref":"#/definitions/timezone"},"active":{"$ref":"#/definitions/scheduleActive"}}};

function validate52(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.rrule === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "rrule"},message:"must have required property '"+"rrule"+"'",schema:schema78.required,parentSchema:schema78,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!(((key0 === "rrule") || (key0 === "timezone")) || (key0 === "active"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema78,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.rrule !== undefined){
let data0 = data.rrule;
if(typeof data0 === "string"){
if(func4(data0) < 1){
const err2 = {instancePath:instancePath+"/rrule",schemaPath:"#/properties/rrule/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema78.properties.rrule,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
else {
const err3 = {instancePath:instancePath+"/rrule",schemaPath:"#/properties/rrule/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema78.properties.rrule.type,parentSchema:schema78.properties.rrule,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.timezone !== undefined){
let data1 = data.timezone;
if(typeof data1 === "string"){
if(func4(data1) < 1){
const err4 = {instancePath:instancePath+"/timezone",schemaPath:"#/definitions/timezone/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema72,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/timezone",schemaPath:"#/definitions/timezone/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema72.type,parentSchema:schema72,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.active !== undefined){
let data2 = data.active;
if(typeof data2 !== "boolean"){
const err6 = {instancePath:instancePath+"/active",schemaPath:"#/definitions/scheduleActive/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema73.type,parentSchema:schema73,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
}
else {
const err7 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema78.type,parentSchema:schema78,data};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
validate52.errors = vErrors;
return errors === 0;
}


function validate47(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
const _errs0 = errors;
let valid0 = false;
let passing0 = null;
const _errs1 = errors;
if(!(validate48(data, {instancePath,parentData,parentDataProperty,rootData}))){
vErrors = vErrors === null ? validate48.errors : vErrors.concat(validate48.errors);
errors = vErrors.length;
}
var _valid0 = _errs1 === errors;
if(_valid0){
valid0 = true;
passing0 = 0;
}
const _errs2 = errors;
if(!(validate50(data, {instancePath,parentData,parentDataProperty,rootData}))){
vErrors = vErrors === null ? validate50.errors : vErrors.concat(validate50.errors);
errors = vErrors.length;
}
var _valid0 = _errs2 === errors;
if(_valid0 && valid0){
valid0 = false;
passing0 = [passing0, 1];
}
else {
if(_valid0){
valid0 = true;
passing0 = 1;
}
const _errs3 = errors;
if(!(validate52(data, {instancePath,parentData,parentDataProperty,rootData}))){
vErrors = vErrors === null ? validate52.errors : vErrors.concat(validate52.errors);
errors = vErrors.length;
}
var _valid0 = _errs3 === errors;
if(_valid0 && valid0){
valid0 = false;
passing0 = [passing0, 2];
}
else {
if(_valid0){
valid0 = true;
passing0 = 2;
}
}
}
if(!valid0){
const err0 = {instancePath,schemaPath:"#/oneOf",keyword:"oneOf",params:{passingSchemas: passing0},message:"must match exactly one schema in oneOf",schema:schema70.oneOf,parentSchema:schema70,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
else {
errors = _errs0;
if(vErrors !== null){
if(_errs0){
vErrors.length = _errs0;
}
else {
vErrors = null;
}
}
}
validate47.errors = vErrors;
return errors === 0;
}


function validate46(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.name === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema67.required,parentSchema:schema67,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!(func2.call(schema67.properties, key0))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema67,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.name !== undefined){
let data0 = data.name;
if(typeof data0 === "string"){
if(!pattern0.test(data0)){
const err2 = {instancePath:instancePath+"/name",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
else {
const err3 = {instancePath:instancePath+"/name",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.description !== undefined){
let data1 = data.description;
if(typeof data1 !== "string"){
const err4 = {instancePath:instancePath+"/description",schemaPath:"#/properties/description/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema67.properties.description.type,parentSchema:schema67.properties.description,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.queue !== undefined){
let data2 = data.queue;
if(typeof data2 === "string"){
if(!pattern0.test(data2)){
const err5 = {instancePath:instancePath+"/queue",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data2};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
else {
const err6 = {instancePath:instancePath+"/queue",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.schedules !== undefined){
let data3 = data.schedules;
if(Array.isArray(data3)){
const len0 = data3.length;
for(let i0=0; i0<len0; i0++){
if(!(validate47(data3[i0], {instancePath:instancePath+"/schedules/" + i0,parentData:data3,parentDataProperty:i0,rootData}))){
vErrors = vErrors === null ? validate47.errors : vErrors.concat(validate47.errors);
errors = vErrors.length;
}
}
}
else {
const err7 = {instancePath:instancePath+"/schedules",schemaPath:"#/properties/schedules/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema67.properties.schedules.type,parentSchema:schema67.properties.schedules,data:data3};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
if(data.parameters !== undefined){
let data5 = data.parameters;
if(!(data5 && typeof data5 == "object" && !Array.isArray(data5))){
const err8 = {instancePath:instancePath+"/parameters",schemaPath:"#/properties/parameters/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema67.properties.parameters.type,parentSchema:schema67.properties.parameters,data:data5};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.tags !== undefined){
let data6 = data.tags;
if(Array.isArray(data6)){
const len1 = data6.length;
for(let i1=0; i1<len1; i1++){
let data7 = data6[i1];
if(typeof data7 === "string"){
if(func4(data7) < 1){
const err9 = {instancePath:instancePath+"/tags/" + i1,schemaPath:"#/properties/tags/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema67.properties.tags.items,data:data7};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
else {
const err10 = {instancePath:instancePath+"/tags/" + i1,schemaPath:"#/properties/tags/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema67.properties.tags.items.type,parentSchema:schema67.properties.tags.items,data:data7};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
let i2 = data6.length;
let j0;
if(i2 > 1){
const indices0 = {};
for(;i2--;){
let item0 = data6[i2];
if(typeof item0 !== "string"){
continue;
}
if(typeof indices0[item0] == "number"){
j0 = indices0[item0];
const err11 = {instancePath:instancePath+"/tags",schemaPath:"#/properties/tags/uniqueItems",keyword:"uniqueItems",params:{i: i2, j: j0},message:"must NOT have duplicate items (items ## "+j0+" and "+i2+" are identical)",schema:true,parentSchema:schema67.properties.tags,data:data6};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
break;
}
indices0[item0] = i2;
}
}
}
else {
const err12 = {instancePath:instancePath+"/tags",schemaPath:"#/properties/tags/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema67.properties.tags.type,parentSchema:schema67.properties.tags,data:data6};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
if(data.paused !== undefined){
let data8 = data.paused;
if(typeof data8 !== "boolean"){
const err13 = {instancePath:instancePath+"/paused",schemaPath:"#/properties/paused/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema67.properties.paused.type,parentSchema:schema67.properties.paused,data:data8};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data.concurrencyLimit !== undefined){
let data9 = data.concurrencyLimit;
if(!(((typeof data9 == "number") && (!(data9 % 1) && !isNaN(data9))) && (isFinite(data9)))){
const err14 = {instancePath:instancePath+"/concurrencyLimit",schemaPath:"#/properties/concurrencyLimit/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema67.properties.concurrencyLimit.type,parentSchema:schema67.properties.concurrencyLimit,data:data9};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
if((typeof data9 == "number") && (isFinite(data9))){
if(data9 < 1 || isNaN(data9)){
const err15 = {instancePath:instancePath+"/concurrencyLimit",schemaPath:"#/properties/concurrencyLimit/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema67.properties.concurrencyLimit,data:data9};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
}
if(data.env !== undefined){
let data10 = data.env;
if(data10 && typeof data10 == "object" && !Array.isArray(data10)){
for(const key1 in data10){
const _errs25 = errors;
if(typeof key1 === "string"){
if(!pattern46.test(key1)){
const err16 = {instancePath:instancePath+"/env",schemaPath:"#/definitions/envName/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z_][A-Za-z0-9_]*$"},message:"must match pattern \""+"^[A-Za-z_][A-Za-z0-9_]*$"+"\"",schema:"^[A-Za-z_][A-Za-z0-9_]*$",parentSchema:schema81,data:key1,propertyName:key1};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
else {
const err17 = {instancePath:instancePath+"/env",schemaPath:"#/definitions/envName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema81.type,parentSchema:schema81,data:key1,propertyName:key1};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
var valid8 = _errs25 === errors;
if(!valid8){
const err18 = {instancePath:instancePath+"/env",schemaPath:"#/properties/env/propertyNames",keyword:"propertyNames",params:{propertyName: key1},message:"property name must be valid",schema:schema67.properties.env.propertyNames,parentSchema:schema67.properties.env,data:data10};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
for(const key2 in data10){
if(!(validate19(data10[key2], {instancePath:instancePath+"/env/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),parentData:data10,parentDataProperty:key2,rootData}))){
vErrors = vErrors === null ? validate19.errors : vErrors.concat(validate19.errors);
errors = vErrors.length;
}
}
}
else {
const err19 = {instancePath:instancePath+"/env",schemaPath:"#/properties/env/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema67.properties.env.type,parentSchema:schema67.properties.env,data:data10};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
}
else {
const err20 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema67.type,parentSchema:schema67,data};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
validate46.errors = vErrors;
return errors === 0;
}


function validate45(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.name === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema63.required,parentSchema:schema63,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.env === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "env"},message:"must have required property '"+"env"+"'",schema:schema63.required,parentSchema:schema63,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(data.source === undefined){
const err2 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "source"},message:"must have required property '"+"source"+"'",schema:schema63.required,parentSchema:schema63,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if(data.entrypoint === undefined){
const err3 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "entrypoint"},message:"must have required property '"+"entrypoint"+"'",schema:schema63.required,parentSchema:schema63,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
if(data.pool === undefined){
const err4 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "pool"},message:"must have required property '"+"pool"+"'",schema:schema63.required,parentSchema:schema63,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
for(const key0 in data){
if(!((((((key0 === "name") || (key0 === "env")) || (key0 === "source")) || (key0 === "entrypoint")) || (key0 === "pool")) || (key0 === "deployments"))){
const err5 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema63,data};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.name !== undefined){
let data0 = data.name;
if(typeof data0 === "string"){
if(!pattern0.test(data0)){
const err6 = {instancePath:instancePath+"/name",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data0};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
else {
const err7 = {instancePath:instancePath+"/name",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data0};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
if(data.env !== undefined){
let data1 = data.env;
if(typeof data1 === "string"){
if(!pattern0.test(data1)){
const err8 = {instancePath:instancePath+"/env",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data1};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
else {
const err9 = {instancePath:instancePath+"/env",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data1};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data.source !== undefined){
let data2 = data.source;
if(typeof data2 === "string"){
if(func4(data2) < 1){
const err10 = {instancePath:instancePath+"/source",schemaPath:"#/properties/source/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema63.properties.source,data:data2};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
else {
const err11 = {instancePath:instancePath+"/source",schemaPath:"#/properties/source/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema63.properties.source.type,parentSchema:schema63.properties.source,data:data2};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data.entrypoint !== undefined){
let data3 = data.entrypoint;
if(typeof data3 === "string"){
if(!pattern41.test(data3)){
const err12 = {instancePath:instancePath+"/entrypoint",schemaPath:"#/properties/entrypoint/pattern",keyword:"pattern",params:{pattern: "^(?!/)(?!(.*/)?\\.\\.(/|:))[^:\\s]+\\.py:[A-Za-z_][A-Za-z0-9_]*$"},message:"must match pattern \""+"^(?!/)(?!(.*/)?\\.\\.(/|:))[^:\\s]+\\.py:[A-Za-z_][A-Za-z0-9_]*$"+"\"",schema:"^(?!/)(?!(.*/)?\\.\\.(/|:))[^:\\s]+\\.py:[A-Za-z_][A-Za-z0-9_]*$",parentSchema:schema63.properties.entrypoint,data:data3};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
else {
const err13 = {instancePath:instancePath+"/entrypoint",schemaPath:"#/properties/entrypoint/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema63.properties.entrypoint.type,parentSchema:schema63.properties.entrypoint,data:data3};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data.pool !== undefined){
let data4 = data.pool;
if(typeof data4 === "string"){
if(!pattern0.test(data4)){
const err14 = {instancePath:instancePath+"/pool",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data4};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
else {
const err15 = {instancePath:instancePath+"/pool",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data4};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
if(data.deployments !== undefined){
let data5 = data.deployments;
if(Array.isArray(data5)){
const len0 = data5.length;
for(let i0=0; i0<len0; i0++){
if(!(validate46(data5[i0], {instancePath:instancePath+"/deployments/" + i0,parentData:data5,parentDataProperty:i0,rootData}))){
vErrors = vErrors === null ? validate46.errors : vErrors.concat(validate46.errors);
errors = vErrors.length;
}
}
}
else {
const err16 = {instancePath:instancePath+"/deployments",schemaPath:"#/properties/deployments/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema63.properties.deployments.type,parentSchema:schema63.properties.deployments,data:data5};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
}
else {
const err17 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema63.type,parentSchema:schema63,data};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
validate45.errors = vErrors;
return errors === 0;
}


function validate10(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
/*# sourceURL="https://prefect-reconcile.dev/schema/cluster.schema.json" */;
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.apiVersion === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "apiVersion"},message:"must have required property '"+"apiVersion"+"'",schema:schema11.required,parentSchema:schema11,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.kind === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "kind"},message:"must have required property '"+"kind"+"'",schema:schema11.required,parentSchema:schema11,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(data.metadata === undefined){
const err2 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "metadata"},message:"must have required property '"+"metadata"+"'",schema:schema11.required,parentSchema:schema11,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if(data.nodes === undefined){
const err3 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "nodes"},message:"must have required property '"+"nodes"+"'",schema:schema11.required,parentSchema:schema11,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
if(data.artifacts === undefined){
const err4 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "artifacts"},message:"must have required property '"+"artifacts"+"'",schema:schema11.required,parentSchema:schema11,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
if(data.server === undefined){
const err5 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "server"},message:"must have required property '"+"server"+"'",schema:schema11.required,parentSchema:schema11,data};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
for(const key0 in data){
if(!(func2.call(schema11.properties, key0))){
const err6 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema11,data};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.$schema !== undefined){
let data0 = data.$schema;
if(typeof data0 !== "string"){
const err7 = {instancePath:instancePath+"/$schema",schemaPath:"#/properties/%24schema/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.$schema.type,parentSchema:schema11.properties.$schema,data:data0};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
if(data.apiVersion !== undefined){
let data1 = data.apiVersion;
if("reconcile/v1" !== data1){
const err8 = {instancePath:instancePath+"/apiVersion",schemaPath:"#/properties/apiVersion/const",keyword:"const",params:{allowedValue: "reconcile/v1"},message:"must be equal to constant",schema:"reconcile/v1",parentSchema:schema11.properties.apiVersion,data:data1};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.kind !== undefined){
let data2 = data.kind;
if("PrefectCluster" !== data2){
const err9 = {instancePath:instancePath+"/kind",schemaPath:"#/properties/kind/const",keyword:"const",params:{allowedValue: "PrefectCluster"},message:"must be equal to constant",schema:"PrefectCluster",parentSchema:schema11.properties.kind,data:data2};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data.metadata !== undefined){
let data3 = data.metadata;
if(data3 && typeof data3 == "object" && !Array.isArray(data3)){
if(data3.name === undefined){
const err10 = {instancePath:instancePath+"/metadata",schemaPath:"#/properties/metadata/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema11.properties.metadata.required,parentSchema:schema11.properties.metadata,data:data3};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
for(const key1 in data3){
if(!((key1 === "name") || (key1 === "description"))){
const err11 = {instancePath:instancePath+"/metadata",schemaPath:"#/properties/metadata/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema11.properties.metadata,data:data3};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data3.name !== undefined){
let data4 = data3.name;
if(typeof data4 === "string"){
if(!pattern0.test(data4)){
const err12 = {instancePath:instancePath+"/metadata/name",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data4};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
else {
const err13 = {instancePath:instancePath+"/metadata/name",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data4};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data3.description !== undefined){
let data5 = data3.description;
if(typeof data5 !== "string"){
const err14 = {instancePath:instancePath+"/metadata/description",schemaPath:"#/properties/metadata/properties/description/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.metadata.properties.description.type,parentSchema:schema11.properties.metadata.properties.description,data:data5};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
}
else {
const err15 = {instancePath:instancePath+"/metadata",schemaPath:"#/properties/metadata/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema11.properties.metadata.type,parentSchema:schema11.properties.metadata,data:data3};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
if(data.root !== undefined){
let data6 = data.root;
if(typeof data6 === "string"){
if(!pattern1.test(data6)){
const err16 = {instancePath:instancePath+"/root",schemaPath:"#/definitions/absolutePath/pattern",keyword:"pattern",params:{pattern: "^/[A-Za-z0-9 +@,:=~._/-]*$"},message:"must match pattern \""+"^/[A-Za-z0-9 +@,:=~._/-]*$"+"\"",schema:"^/[A-Za-z0-9 +@,:=~._/-]*$",parentSchema:schema13,data:data6};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
else {
const err17 = {instancePath:instancePath+"/root",schemaPath:"#/definitions/absolutePath/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema13.type,parentSchema:schema13,data:data6};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
if(data.ssh !== undefined){
if(!(validate11(data.ssh, {instancePath:instancePath+"/ssh",parentData:data,parentDataProperty:"ssh",rootData}))){
vErrors = vErrors === null ? validate11.errors : vErrors.concat(validate11.errors);
errors = vErrors.length;
}
}
if(data.secrets !== undefined){
let data8 = data.secrets;
if(data8 && typeof data8 == "object" && !Array.isArray(data8)){
for(const key2 in data8){
if(!(key2 === "file")){
const err18 = {instancePath:instancePath+"/secrets",schemaPath:"#/properties/secrets/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties",schema:false,parentSchema:schema11.properties.secrets,data:data8};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
if(data8.file !== undefined){
let data9 = data8.file;
if(typeof data9 === "string"){
if(func4(data9) < 1){
const err19 = {instancePath:instancePath+"/secrets/file",schemaPath:"#/properties/secrets/properties/file/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema11.properties.secrets.properties.file,data:data9};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
else {
const err20 = {instancePath:instancePath+"/secrets/file",schemaPath:"#/properties/secrets/properties/file/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.secrets.properties.file.type,parentSchema:schema11.properties.secrets.properties.file,data:data9};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
}
else {
const err21 = {instancePath:instancePath+"/secrets",schemaPath:"#/properties/secrets/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema11.properties.secrets.type,parentSchema:schema11.properties.secrets,data:data8};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
if(data.tools !== undefined){
let data10 = data.tools;
if(data10 && typeof data10 == "object" && !Array.isArray(data10)){
for(const key3 in data10){
if(!(key3 === "pixiUnpack")){
const err22 = {instancePath:instancePath+"/tools",schemaPath:"#/properties/tools/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key3},message:"must NOT have additional properties",schema:false,parentSchema:schema11.properties.tools,data:data10};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
if(data10.pixiUnpack !== undefined){
let data11 = data10.pixiUnpack;
if(typeof data11 === "string"){
if(!pattern0.test(data11)){
const err23 = {instancePath:instancePath+"/tools/pixiUnpack",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data11};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
else {
const err24 = {instancePath:instancePath+"/tools/pixiUnpack",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data11};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
}
}
else {
const err25 = {instancePath:instancePath+"/tools",schemaPath:"#/properties/tools/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema11.properties.tools.type,parentSchema:schema11.properties.tools,data:data10};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
}
if(data.nodes !== undefined){
let data12 = data.nodes;
if(Array.isArray(data12)){
if(data12.length < 1){
const err26 = {instancePath:instancePath+"/nodes",schemaPath:"#/properties/nodes/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema11.properties.nodes,data:data12};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
const len0 = data12.length;
for(let i0=0; i0<len0; i0++){
if(!(validate13(data12[i0], {instancePath:instancePath+"/nodes/" + i0,parentData:data12,parentDataProperty:i0,rootData}))){
vErrors = vErrors === null ? validate13.errors : vErrors.concat(validate13.errors);
errors = vErrors.length;
}
}
}
else {
const err27 = {instancePath:instancePath+"/nodes",schemaPath:"#/properties/nodes/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema11.properties.nodes.type,parentSchema:schema11.properties.nodes,data:data12};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
}
if(data.artifacts !== undefined){
let data14 = data.artifacts;
if(data14 && typeof data14 == "object" && !Array.isArray(data14)){
for(const key4 in data14){
const _errs34 = errors;
if(typeof key4 === "string"){
if(!pattern0.test(key4)){
const err28 = {instancePath:instancePath+"/artifacts",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:key4,propertyName:key4};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
}
else {
const err29 = {instancePath:instancePath+"/artifacts",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:key4,propertyName:key4};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
var valid9 = _errs34 === errors;
if(!valid9){
const err30 = {instancePath:instancePath+"/artifacts",schemaPath:"#/properties/artifacts/propertyNames",keyword:"propertyNames",params:{propertyName: key4},message:"property name must be valid",schema:schema11.properties.artifacts.propertyNames,parentSchema:schema11.properties.artifacts,data:data14};
if(vErrors === null){
vErrors = [err30];
}
else {
vErrors.push(err30);
}
errors++;
}
}
for(const key5 in data14){
let data15 = data14[key5];
if(data15 && typeof data15 == "object" && !Array.isArray(data15)){
if(data15.kind === undefined){
const err31 = {instancePath:instancePath+"/artifacts/" + key5.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/artifact/required",keyword:"required",params:{missingProperty: "kind"},message:"must have required property '"+"kind"+"'",schema:schema24.required,parentSchema:schema24,data:data15};
if(vErrors === null){
vErrors = [err31];
}
else {
vErrors.push(err31);
}
errors++;
}
if(data15.source === undefined){
const err32 = {instancePath:instancePath+"/artifacts/" + key5.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/artifact/required",keyword:"required",params:{missingProperty: "source"},message:"must have required property '"+"source"+"'",schema:schema24.required,parentSchema:schema24,data:data15};
if(vErrors === null){
vErrors = [err32];
}
else {
vErrors.push(err32);
}
errors++;
}
if(data15.sha256 === undefined){
const err33 = {instancePath:instancePath+"/artifacts/" + key5.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/artifact/required",keyword:"required",params:{missingProperty: "sha256"},message:"must have required property '"+"sha256"+"'",schema:schema24.required,parentSchema:schema24,data:data15};
if(vErrors === null){
vErrors = [err33];
}
else {
vErrors.push(err33);
}
errors++;
}
for(const key6 in data15){
if(!((((((key6 === "kind") || (key6 === "source")) || (key6 === "path")) || (key6 === "sha256")) || (key6 === "packages")) || (key6 === "description"))){
const err34 = {instancePath:instancePath+"/artifacts/" + key5.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/artifact/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key6},message:"must NOT have additional properties",schema:false,parentSchema:schema24,data:data15};
if(vErrors === null){
vErrors = [err34];
}
else {
vErrors.push(err34);
}
errors++;
}
}
if(data15.kind !== undefined){
let data16 = data15.kind;
if(!(((((data16 === "pixi-pack") || (data16 === "conda-pack")) || (data16 === "tar")) || (data16 === "deb")) || (data16 === "file"))){
const err35 = {instancePath:instancePath+"/artifacts/" + key5.replace(/~/g, "~0").replace(/\//g, "~1")+"/kind",schemaPath:"#/definitions/artifact/properties/kind/enum",keyword:"enum",params:{allowedValues: schema24.properties.kind.enum},message:"must be equal to one of the allowed values",schema:schema24.properties.kind.enum,parentSchema:schema24.properties.kind,data:data16};
if(vErrors === null){
vErrors = [err35];
}
else {
vErrors.push(err35);
}
errors++;
}
}
if(data15.source !== undefined){
let data17 = data15.source;
if(typeof data17 === "string"){
if(func4(data17) < 1){
const err36 = {instancePath:instancePath+"/artifacts/" + key5.replace(/~/g, "~0").replace(/\//g, "~1")+"/source",schemaPath:"#/definitions/artifact/properties/source/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema24.properties.source,data:data17};
if(vErrors === null){
vErrors = [err36];
}
else {
vErrors.push(err36);
}
errors++;
}
if(!pattern11.test(data17)){
const err37 = {instancePath:instancePath+"/artifacts/" + key5.replace(/~/g, "~0").replace(/\//g, "~1")+"/source",schemaPath:"#/definitions/artifact/properties/source/pattern",keyword:"pattern",params:{pattern: "^(https?://[^\\s]+|(?![a-zA-Z][a-zA-Z0-9+.-]*://)[^\\u0000]+)$"},message:"must match pattern \""+"^(https?://[^\\s]+|(?![a-zA-Z][a-zA-Z0-9+.-]*://)[^\\u0000]+)$"+"\"",schema:"^(https?://[^\\s]+|(?![a-zA-Z][a-zA-Z0-9+.-]*://)[^\\u0000]+)$",parentSchema:schema24.properties.source,data:data17};
if(vErrors === null){
vErrors = [err37];
}
else {
vErrors.push(err37);
}
errors++;
}
}
else {
const err38 = {instancePath:instancePath+"/artifacts/" + key5.replace(/~/g, "~0").replace(/\//g, "~1")+"/source",schemaPath:"#/definitions/artifact/properties/source/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema24.properties.source.type,parentSchema:schema24.properties.source,data:data17};
if(vErrors === null){
vErrors = [err38];
}
else {
vErrors.push(err38);
}
errors++;
}
}
if(data15.path !== undefined){
let data18 = data15.path;
if(typeof data18 === "string"){
if(!pattern12.test(data18)){
const err39 = {instancePath:instancePath+"/artifacts/" + key5.replace(/~/g, "~0").replace(/\//g, "~1")+"/path",schemaPath:"#/definitions/artifact/properties/path/pattern",keyword:"pattern",params:{pattern: "^(?!\\.\\.?(/|$))(?!.*/\\.\\.?(/|$))[A-Za-z0-9+@,=~._-]+(/[A-Za-z0-9+@,=~._-]+)*$"},message:"must match pattern \""+"^(?!\\.\\.?(/|$))(?!.*/\\.\\.?(/|$))[A-Za-z0-9+@,=~._-]+(/[A-Za-z0-9+@,=~._-]+)*$"+"\"",schema:"^(?!\\.\\.?(/|$))(?!.*/\\.\\.?(/|$))[A-Za-z0-9+@,=~._-]+(/[A-Za-z0-9+@,=~._-]+)*$",parentSchema:schema24.properties.path,data:data18};
if(vErrors === null){
vErrors = [err39];
}
else {
vErrors.push(err39);
}
errors++;
}
}
else {
const err40 = {instancePath:instancePath+"/artifacts/" + key5.replace(/~/g, "~0").replace(/\//g, "~1")+"/path",schemaPath:"#/definitions/artifact/properties/path/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema24.properties.path.type,parentSchema:schema24.properties.path,data:data18};
if(vErrors === null){
vErrors = [err40];
}
else {
vErrors.push(err40);
}
errors++;
}
}
if(data15.sha256 !== undefined){
let data19 = data15.sha256;
if(typeof data19 === "string"){
if(!pattern13.test(data19)){
const err41 = {instancePath:instancePath+"/artifacts/" + key5.replace(/~/g, "~0").replace(/\//g, "~1")+"/sha256",schemaPath:"#/definitions/artifact/properties/sha256/pattern",keyword:"pattern",params:{pattern: "^[a-f0-9]{64}$"},message:"must match pattern \""+"^[a-f0-9]{64}$"+"\"",schema:"^[a-f0-9]{64}$",parentSchema:schema24.properties.sha256,data:data19};
if(vErrors === null){
vErrors = [err41];
}
else {
vErrors.push(err41);
}
errors++;
}
}
else {
const err42 = {instancePath:instancePath+"/artifacts/" + key5.replace(/~/g, "~0").replace(/\//g, "~1")+"/sha256",schemaPath:"#/definitions/artifact/properties/sha256/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema24.properties.sha256.type,parentSchema:schema24.properties.sha256,data:data19};
if(vErrors === null){
vErrors = [err42];
}
else {
vErrors.push(err42);
}
errors++;
}
}
if(data15.packages !== undefined){
let data20 = data15.packages;
if(Array.isArray(data20)){
if(data20.length < 1){
const err43 = {instancePath:instancePath+"/artifacts/" + key5.replace(/~/g, "~0").replace(/\//g, "~1")+"/packages",schemaPath:"#/definitions/artifact/properties/packages/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema24.properties.packages,data:data20};
if(vErrors === null){
vErrors = [err43];
}
else {
vErrors.push(err43);
}
errors++;
}
const len1 = data20.length;
for(let i1=0; i1<len1; i1++){
let data21 = data20[i1];
if(typeof data21 === "string"){
if(!pattern14.test(data21)){
const err44 = {instancePath:instancePath+"/artifacts/" + key5.replace(/~/g, "~0").replace(/\//g, "~1")+"/packages/" + i1,schemaPath:"#/definitions/artifact/properties/packages/items/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9+.-]+$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9+.-]+$"+"\"",schema:"^[a-z0-9][a-z0-9+.-]+$",parentSchema:schema24.properties.packages.items,data:data21};
if(vErrors === null){
vErrors = [err44];
}
else {
vErrors.push(err44);
}
errors++;
}
}
else {
const err45 = {instancePath:instancePath+"/artifacts/" + key5.replace(/~/g, "~0").replace(/\//g, "~1")+"/packages/" + i1,schemaPath:"#/definitions/artifact/properties/packages/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema24.properties.packages.items.type,parentSchema:schema24.properties.packages.items,data:data21};
if(vErrors === null){
vErrors = [err45];
}
else {
vErrors.push(err45);
}
errors++;
}
}
let i2 = data20.length;
let j0;
if(i2 > 1){
const indices0 = {};
for(;i2--;){
let item0 = data20[i2];
if(typeof item0 !== "string"){
continue;
}
if(typeof indices0[item0] == "number"){
j0 = indices0[item0];
const err46 = {instancePath:instancePath+"/artifacts/" + key5.replace(/~/g, "~0").replace(/\//g, "~1")+"/packages",schemaPath:"#/definitions/artifact/properties/packages/uniqueItems",keyword:"uniqueItems",params:{i: i2, j: j0},message:"must NOT have duplicate items (items ## "+j0+" and "+i2+" are identical)",schema:true,parentSchema:schema24.properties.packages,data:data20};
if(vErrors === null){
vErrors = [err46];
}
else {
vErrors.push(err46);
}
errors++;
break;
}
indices0[item0] = i2;
}
}
}
else {
const err47 = {instancePath:instancePath+"/artifacts/" + key5.replace(/~/g, "~0").replace(/\//g, "~1")+"/packages",schemaPath:"#/definitions/artifact/properties/packages/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema24.properties.packages.type,parentSchema:schema24.properties.packages,data:data20};
if(vErrors === null){
vErrors = [err47];
}
else {
vErrors.push(err47);
}
errors++;
}
}
if(data15.description !== undefined){
let data22 = data15.description;
if(typeof data22 !== "string"){
const err48 = {instancePath:instancePath+"/artifacts/" + key5.replace(/~/g, "~0").replace(/\//g, "~1")+"/description",schemaPath:"#/definitions/artifact/properties/description/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema24.properties.description.type,parentSchema:schema24.properties.description,data:data22};
if(vErrors === null){
vErrors = [err48];
}
else {
vErrors.push(err48);
}
errors++;
}
}
}
else {
const err49 = {instancePath:instancePath+"/artifacts/" + key5.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/artifact/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema24.type,parentSchema:schema24,data:data15};
if(vErrors === null){
vErrors = [err49];
}
else {
vErrors.push(err49);
}
errors++;
}
}
}
else {
const err50 = {instancePath:instancePath+"/artifacts",schemaPath:"#/properties/artifacts/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema11.properties.artifacts.type,parentSchema:schema11.properties.artifacts,data:data14};
if(vErrors === null){
vErrors = [err50];
}
else {
vErrors.push(err50);
}
errors++;
}
}
if(data.server !== undefined){
if(!(validate16(data.server, {instancePath:instancePath+"/server",parentData:data,parentDataProperty:"server",rootData}))){
vErrors = vErrors === null ? validate16.errors : vErrors.concat(validate16.errors);
errors = vErrors.length;
}
}
if(data.workPools !== undefined){
let data24 = data.workPools;
if(Array.isArray(data24)){
const len2 = data24.length;
for(let i3=0; i3<len2; i3++){
if(!(validate36(data24[i3], {instancePath:instancePath+"/workPools/" + i3,parentData:data24,parentDataProperty:i3,rootData}))){
vErrors = vErrors === null ? validate36.errors : vErrors.concat(validate36.errors);
errors = vErrors.length;
}
}
}
else {
const err51 = {instancePath:instancePath+"/workPools",schemaPath:"#/properties/workPools/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema11.properties.workPools.type,parentSchema:schema11.properties.workPools,data:data24};
if(vErrors === null){
vErrors = [err51];
}
else {
vErrors.push(err51);
}
errors++;
}
}
if(data.workers !== undefined){
let data26 = data.workers;
if(Array.isArray(data26)){
const len3 = data26.length;
for(let i4=0; i4<len3; i4++){
if(!(validate40(data26[i4], {instancePath:instancePath+"/workers/" + i4,parentData:data26,parentDataProperty:i4,rootData}))){
vErrors = vErrors === null ? validate40.errors : vErrors.concat(validate40.errors);
errors = vErrors.length;
}
}
}
else {
const err52 = {instancePath:instancePath+"/workers",schemaPath:"#/properties/workers/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema11.properties.workers.type,parentSchema:schema11.properties.workers,data:data26};
if(vErrors === null){
vErrors = [err52];
}
else {
vErrors.push(err52);
}
errors++;
}
}
if(data.flows !== undefined){
let data28 = data.flows;
if(Array.isArray(data28)){
const len4 = data28.length;
for(let i5=0; i5<len4; i5++){
if(!(validate45(data28[i5], {instancePath:instancePath+"/flows/" + i5,parentData:data28,parentDataProperty:i5,rootData}))){
vErrors = vErrors === null ? validate45.errors : vErrors.concat(validate45.errors);
errors = vErrors.length;
}
}
}
else {
const err53 = {instancePath:instancePath+"/flows",schemaPath:"#/properties/flows/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema11.properties.flows.type,parentSchema:schema11.properties.flows,data:data28};
if(vErrors === null){
vErrors = [err53];
}
else {
vErrors.push(err53);
}
errors++;
}
}
if(data.drift !== undefined){
let data30 = data.drift;
if(data30 && typeof data30 == "object" && !Array.isArray(data30)){
for(const key7 in data30){
if(!((key7 === "ignore") || (key7 === "policies"))){
const err54 = {instancePath:instancePath+"/drift",schemaPath:"#/properties/drift/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key7},message:"must NOT have additional properties",schema:false,parentSchema:schema11.properties.drift,data:data30};
if(vErrors === null){
vErrors = [err54];
}
else {
vErrors.push(err54);
}
errors++;
}
}
if(data30.ignore !== undefined){
let data31 = data30.ignore;
if(Array.isArray(data31)){
const len5 = data31.length;
for(let i6=0; i6<len5; i6++){
let data32 = data31[i6];
if(data32 && typeof data32 == "object" && !Array.isArray(data32)){
if(data32.reason === undefined){
const err55 = {instancePath:instancePath+"/drift/ignore/" + i6,schemaPath:"#/definitions/driftIgnoreRule/required",keyword:"required",params:{missingProperty: "reason"},message:"must have required property '"+"reason"+"'",schema:schema82.required,parentSchema:schema82,data:data32};
if(vErrors === null){
vErrors = [err55];
}
else {
vErrors.push(err55);
}
errors++;
}
for(const key8 in data32){
if(!((((key8 === "node") || (key8 === "resource")) || (key8 === "fields")) || (key8 === "reason"))){
const err56 = {instancePath:instancePath+"/drift/ignore/" + i6,schemaPath:"#/definitions/driftIgnoreRule/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key8},message:"must NOT have additional properties",schema:false,parentSchema:schema82,data:data32};
if(vErrors === null){
vErrors = [err56];
}
else {
vErrors.push(err56);
}
errors++;
}
}
if(data32.node !== undefined){
let data33 = data32.node;
if(typeof data33 === "string"){
if(func4(data33) < 1){
const err57 = {instancePath:instancePath+"/drift/ignore/" + i6+"/node",schemaPath:"#/definitions/driftIgnoreRule/properties/node/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema82.properties.node,data:data33};
if(vErrors === null){
vErrors = [err57];
}
else {
vErrors.push(err57);
}
errors++;
}
}
else {
const err58 = {instancePath:instancePath+"/drift/ignore/" + i6+"/node",schemaPath:"#/definitions/driftIgnoreRule/properties/node/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema82.properties.node.type,parentSchema:schema82.properties.node,data:data33};
if(vErrors === null){
vErrors = [err58];
}
else {
vErrors.push(err58);
}
errors++;
}
}
if(data32.resource !== undefined){
let data34 = data32.resource;
if(typeof data34 === "string"){
if(func4(data34) < 1){
const err59 = {instancePath:instancePath+"/drift/ignore/" + i6+"/resource",schemaPath:"#/definitions/driftIgnoreRule/properties/resource/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema82.properties.resource,data:data34};
if(vErrors === null){
vErrors = [err59];
}
else {
vErrors.push(err59);
}
errors++;
}
}
else {
const err60 = {instancePath:instancePath+"/drift/ignore/" + i6+"/resource",schemaPath:"#/definitions/driftIgnoreRule/properties/resource/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema82.properties.resource.type,parentSchema:schema82.properties.resource,data:data34};
if(vErrors === null){
vErrors = [err60];
}
else {
vErrors.push(err60);
}
errors++;
}
}
if(data32.fields !== undefined){
let data35 = data32.fields;
if(Array.isArray(data35)){
if(data35.length < 1){
const err61 = {instancePath:instancePath+"/drift/ignore/" + i6+"/fields",schemaPath:"#/definitions/driftIgnoreRule/properties/fields/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema82.properties.fields,data:data35};
if(vErrors === null){
vErrors = [err61];
}
else {
vErrors.push(err61);
}
errors++;
}
const len6 = data35.length;
for(let i7=0; i7<len6; i7++){
let data36 = data35[i7];
if(typeof data36 === "string"){
if(func4(data36) < 1){
const err62 = {instancePath:instancePath+"/drift/ignore/" + i6+"/fields/" + i7,schemaPath:"#/definitions/driftIgnoreRule/properties/fields/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema82.properties.fields.items,data:data36};
if(vErrors === null){
vErrors = [err62];
}
else {
vErrors.push(err62);
}
errors++;
}
}
else {
const err63 = {instancePath:instancePath+"/drift/ignore/" + i6+"/fields/" + i7,schemaPath:"#/definitions/driftIgnoreRule/properties/fields/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema82.properties.fields.items.type,parentSchema:schema82.properties.fields.items,data:data36};
if(vErrors === null){
vErrors = [err63];
}
else {
vErrors.push(err63);
}
errors++;
}
}
}
else {
const err64 = {instancePath:instancePath+"/drift/ignore/" + i6+"/fields",schemaPath:"#/definitions/driftIgnoreRule/properties/fields/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema82.properties.fields.type,parentSchema:schema82.properties.fields,data:data35};
if(vErrors === null){
vErrors = [err64];
}
else {
vErrors.push(err64);
}
errors++;
}
}
if(data32.reason !== undefined){
let data37 = data32.reason;
if(typeof data37 === "string"){
if(func4(data37) < 1){
const err65 = {instancePath:instancePath+"/drift/ignore/" + i6+"/reason",schemaPath:"#/definitions/driftIgnoreRule/properties/reason/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema82.properties.reason,data:data37};
if(vErrors === null){
vErrors = [err65];
}
else {
vErrors.push(err65);
}
errors++;
}
}
else {
const err66 = {instancePath:instancePath+"/drift/ignore/" + i6+"/reason",schemaPath:"#/definitions/driftIgnoreRule/properties/reason/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema82.properties.reason.type,parentSchema:schema82.properties.reason,data:data37};
if(vErrors === null){
vErrors = [err66];
}
else {
vErrors.push(err66);
}
errors++;
}
}
}
else {
const err67 = {instancePath:instancePath+"/drift/ignore/" + i6,schemaPath:"#/definitions/driftIgnoreRule/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema82.type,parentSchema:schema82,data:data32};
if(vErrors === null){
vErrors = [err67];
}
else {
vErrors.push(err67);
}
errors++;
}
}
}
else {
const err68 = {instancePath:instancePath+"/drift/ignore",schemaPath:"#/properties/drift/properties/ignore/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema11.properties.drift.properties.ignore.type,parentSchema:schema11.properties.drift.properties.ignore,data:data31};
if(vErrors === null){
vErrors = [err68];
}
else {
vErrors.push(err68);
}
errors++;
}
}
if(data30.policies !== undefined){
let data38 = data30.policies;
if(Array.isArray(data38)){
const len7 = data38.length;
for(let i8=0; i8<len7; i8++){
let data39 = data38[i8];
if(data39 && typeof data39 == "object" && !Array.isArray(data39)){
if(data39.policy === undefined){
const err69 = {instancePath:instancePath+"/drift/policies/" + i8,schemaPath:"#/definitions/driftPolicy/required",keyword:"required",params:{missingProperty: "policy"},message:"must have required property '"+"policy"+"'",schema:schema83.required,parentSchema:schema83,data:data39};
if(vErrors === null){
vErrors = [err69];
}
else {
vErrors.push(err69);
}
errors++;
}
for(const key9 in data39){
if(!((((key9 === "node") || (key9 === "resource")) || (key9 === "policy")) || (key9 === "reason"))){
const err70 = {instancePath:instancePath+"/drift/policies/" + i8,schemaPath:"#/definitions/driftPolicy/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key9},message:"must NOT have additional properties",schema:false,parentSchema:schema83,data:data39};
if(vErrors === null){
vErrors = [err70];
}
else {
vErrors.push(err70);
}
errors++;
}
}
if(data39.node !== undefined){
let data40 = data39.node;
if(typeof data40 === "string"){
if(func4(data40) < 1){
const err71 = {instancePath:instancePath+"/drift/policies/" + i8+"/node",schemaPath:"#/definitions/driftPolicy/properties/node/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema83.properties.node,data:data40};
if(vErrors === null){
vErrors = [err71];
}
else {
vErrors.push(err71);
}
errors++;
}
}
else {
const err72 = {instancePath:instancePath+"/drift/policies/" + i8+"/node",schemaPath:"#/definitions/driftPolicy/properties/node/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema83.properties.node.type,parentSchema:schema83.properties.node,data:data40};
if(vErrors === null){
vErrors = [err72];
}
else {
vErrors.push(err72);
}
errors++;
}
}
if(data39.resource !== undefined){
let data41 = data39.resource;
if(typeof data41 === "string"){
if(func4(data41) < 1){
const err73 = {instancePath:instancePath+"/drift/policies/" + i8+"/resource",schemaPath:"#/definitions/driftPolicy/properties/resource/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema83.properties.resource,data:data41};
if(vErrors === null){
vErrors = [err73];
}
else {
vErrors.push(err73);
}
errors++;
}
}
else {
const err74 = {instancePath:instancePath+"/drift/policies/" + i8+"/resource",schemaPath:"#/definitions/driftPolicy/properties/resource/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema83.properties.resource.type,parentSchema:schema83.properties.resource,data:data41};
if(vErrors === null){
vErrors = [err74];
}
else {
vErrors.push(err74);
}
errors++;
}
}
if(data39.policy !== undefined){
let data42 = data39.policy;
if(!(((data42 === "fix") || (data42 === "warn")) || (data42 === "ignore"))){
const err75 = {instancePath:instancePath+"/drift/policies/" + i8+"/policy",schemaPath:"#/definitions/driftPolicy/properties/policy/enum",keyword:"enum",params:{allowedValues: schema83.properties.policy.enum},message:"must be equal to one of the allowed values",schema:schema83.properties.policy.enum,parentSchema:schema83.properties.policy,data:data42};
if(vErrors === null){
vErrors = [err75];
}
else {
vErrors.push(err75);
}
errors++;
}
}
if(data39.reason !== undefined){
let data43 = data39.reason;
if(typeof data43 === "string"){
if(func4(data43) < 1){
const err76 = {instancePath:instancePath+"/drift/policies/" + i8+"/reason",schemaPath:"#/definitions/driftPolicy/properties/reason/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema83.properties.reason,data:data43};
if(vErrors === null){
vErrors = [err76];
}
else {
vErrors.push(err76);
}
errors++;
}
}
else {
const err77 = {instancePath:instancePath+"/drift/policies/" + i8+"/reason",schemaPath:"#/definitions/driftPolicy/properties/reason/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema83.properties.reason.type,parentSchema:schema83.properties.reason,data:data43};
if(vErrors === null){
vErrors = [err77];
}
else {
vErrors.push(err77);
}
errors++;
}
}
}
else {
const err78 = {instancePath:instancePath+"/drift/policies/" + i8,schemaPath:"#/definitions/driftPolicy/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema83.type,parentSchema:schema83,data:data39};
if(vErrors === null){
vErrors = [err78];
}
else {
vErrors.push(err78);
}
errors++;
}
}
}
else {
const err79 = {instancePath:instancePath+"/drift/policies",schemaPath:"#/properties/drift/properties/policies/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema11.properties.drift.properties.policies.type,parentSchema:schema11.properties.drift.properties.policies,data:data38};
if(vErrors === null){
vErrors = [err79];
}
else {
vErrors.push(err79);
}
errors++;
}
}
}
else {
const err80 = {instancePath:instancePath+"/drift",schemaPath:"#/properties/drift/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema11.properties.drift.type,parentSchema:schema11.properties.drift,data:data30};
if(vErrors === null){
vErrors = [err80];
}
else {
vErrors.push(err80);
}
errors++;
}
}
}
else {
const err81 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema11.type,parentSchema:schema11,data};
if(vErrors === null){
vErrors = [err81];
}
else {
vErrors.push(err81);
}
errors++;
}
validate10.errors = vErrors;
return errors === 0;
}

export const branch0 = validate58;
const schema84 = {"type":"string"};

function validate58(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(typeof data !== "string"){
const err0 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema84.type,parentSchema:schema84,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
validate58.errors = vErrors;
return errors === 0;
}

export const branch1 = validate59;
const schema85 = {"type":"number"};

function validate59(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(!((typeof data == "number") && (isFinite(data)))){
const err0 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "number"},message:"must be number",schema:schema85.type,parentSchema:schema85,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
validate59.errors = vErrors;
return errors === 0;
}

export const branch2 = validate60;
const schema86 = {"type":"boolean"};

function validate60(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(typeof data !== "boolean"){
const err0 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema86.type,parentSchema:schema86,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
validate60.errors = vErrors;
return errors === 0;
}

export const branch3 = validate61;
const schema87 = {"$ref":"cluster#/definitions/secretRef"};

function validate61(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.secret === undefined){
const err0 = {instancePath,schemaPath:"cluster#/definitions/secretRef/required",keyword:"required",params:{missingProperty: "secret"},message:"must have required property '"+"secret"+"'",schema:schema31.required,parentSchema:schema31,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!(key0 === "secret")){
const err1 = {instancePath,schemaPath:"cluster#/definitions/secretRef/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema31,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.secret !== undefined){
let data0 = data.secret;
if(typeof data0 === "string"){
if(!pattern18.test(data0)){
const err2 = {instancePath:instancePath+"/secret",schemaPath:"cluster#/definitions/secretRef/properties/secret/pattern",keyword:"pattern",params:{pattern: "^[A-Z][A-Z0-9_]{0,127}$"},message:"must match pattern \""+"^[A-Z][A-Z0-9_]{0,127}$"+"\"",schema:"^[A-Z][A-Z0-9_]{0,127}$",parentSchema:schema31.properties.secret,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
else {
const err3 = {instancePath:instancePath+"/secret",schemaPath:"cluster#/definitions/secretRef/properties/secret/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema31.properties.secret.type,parentSchema:schema31.properties.secret,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
}
else {
const err4 = {instancePath,schemaPath:"cluster#/definitions/secretRef/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema31.type,parentSchema:schema31,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
validate61.errors = vErrors;
return errors === 0;
}

export const branch4 = validate62;
const schema89 = {"format":"ipv4"};

function validate62(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(typeof data === "string"){
if(!(formats0.test(data))){
const err0 = {instancePath,schemaPath:"#/format",keyword:"format",params:{format: "ipv4"},message:"must match format \""+"ipv4"+"\"",schema:"ipv4",parentSchema:schema89,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
validate62.errors = vErrors;
return errors === 0;
}

export const branch5 = validate63;
const schema90 = {"format":"ipv6"};

function validate63(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(typeof data === "string"){
if(!(formats2.test(data))){
const err0 = {instancePath,schemaPath:"#/format",keyword:"format",params:{format: "ipv6"},message:"must match format \""+"ipv6"+"\"",schema:"ipv6",parentSchema:schema90,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
validate63.errors = vErrors;
return errors === 0;
}

export const branch6 = validate64;
const schema91 = {"format":"hostname"};

function validate64(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(typeof data === "string"){
if(!(formats4.test(data))){
const err0 = {instancePath,schemaPath:"#/format",keyword:"format",params:{format: "hostname"},message:"must match format \""+"hostname"+"\"",schema:"hostname",parentSchema:schema91,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
validate64.errors = vErrors;
return errors === 0;
}

export const branch7 = validate65;
const schema92 = {"$ref":"cluster#/definitions/postgresqlDatabase"};

function validate66(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.type === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "type"},message:"must have required property '"+"type"+"'",schema:schema34.required,parentSchema:schema34,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.packages === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "packages"},message:"must have required property '"+"packages"+"'",schema:schema34.required,parentSchema:schema34,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(data.name === undefined){
const err2 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema34.required,parentSchema:schema34,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if(data.user === undefined){
const err3 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "user"},message:"must have required property '"+"user"+"'",schema:schema34.required,parentSchema:schema34,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
if(data.password === undefined){
const err4 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "password"},message:"must have required property '"+"password"+"'",schema:schema34.required,parentSchema:schema34,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
for(const key0 in data){
if(!(((((((key0 === "type") || (key0 === "packages")) || (key0 === "name")) || (key0 === "user")) || (key0 === "password")) || (key0 === "port")) || (key0 === "backups"))){
const err5 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema34,data};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.type !== undefined){
let data0 = data.type;
if("postgresql" !== data0){
const err6 = {instancePath:instancePath+"/type",schemaPath:"#/properties/type/const",keyword:"const",params:{allowedValue: "postgresql"},message:"must be equal to constant",schema:"postgresql",parentSchema:schema34.properties.type,data:data0};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.packages !== undefined){
let data1 = data.packages;
if(typeof data1 === "string"){
if(!pattern0.test(data1)){
const err7 = {instancePath:instancePath+"/packages",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data1};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
else {
const err8 = {instancePath:instancePath+"/packages",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data1};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.name !== undefined){
let data2 = data.name;
if(typeof data2 === "string"){
if(!pattern0.test(data2)){
const err9 = {instancePath:instancePath+"/name",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data2};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
else {
const err10 = {instancePath:instancePath+"/name",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data2};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
if(data.user !== undefined){
let data3 = data.user;
if(typeof data3 === "string"){
if(!pattern0.test(data3)){
const err11 = {instancePath:instancePath+"/user",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data3};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
else {
const err12 = {instancePath:instancePath+"/user",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data3};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
if(data.password !== undefined){
let data4 = data.password;
if(data4 && typeof data4 == "object" && !Array.isArray(data4)){
if(data4.secret === undefined){
const err13 = {instancePath:instancePath+"/password",schemaPath:"#/definitions/secretRef/required",keyword:"required",params:{missingProperty: "secret"},message:"must have required property '"+"secret"+"'",schema:schema31.required,parentSchema:schema31,data:data4};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
for(const key1 in data4){
if(!(key1 === "secret")){
const err14 = {instancePath:instancePath+"/password",schemaPath:"#/definitions/secretRef/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema31,data:data4};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
if(data4.secret !== undefined){
let data5 = data4.secret;
if(typeof data5 === "string"){
if(!pattern18.test(data5)){
const err15 = {instancePath:instancePath+"/password/secret",schemaPath:"#/definitions/secretRef/properties/secret/pattern",keyword:"pattern",params:{pattern: "^[A-Z][A-Z0-9_]{0,127}$"},message:"must match pattern \""+"^[A-Z][A-Z0-9_]{0,127}$"+"\"",schema:"^[A-Z][A-Z0-9_]{0,127}$",parentSchema:schema31.properties.secret,data:data5};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
else {
const err16 = {instancePath:instancePath+"/password/secret",schemaPath:"#/definitions/secretRef/properties/secret/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema31.properties.secret.type,parentSchema:schema31.properties.secret,data:data5};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
}
else {
const err17 = {instancePath:instancePath+"/password",schemaPath:"#/definitions/secretRef/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema31.type,parentSchema:schema31,data:data4};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
if(data.port !== undefined){
let data6 = data.port;
if(!(((typeof data6 == "number") && (!(data6 % 1) && !isNaN(data6))) && (isFinite(data6)))){
const err18 = {instancePath:instancePath+"/port",schemaPath:"#/properties/port/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema34.properties.port.type,parentSchema:schema34.properties.port,data:data6};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
if((typeof data6 == "number") && (isFinite(data6))){
if(data6 > 65535 || isNaN(data6)){
const err19 = {instancePath:instancePath+"/port",schemaPath:"#/properties/port/maximum",keyword:"maximum",params:{comparison: "<=", limit: 65535},message:"must be <= 65535",schema:65535,parentSchema:schema34.properties.port,data:data6};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
if(data6 < 1 || isNaN(data6)){
const err20 = {instancePath:instancePath+"/port",schemaPath:"#/properties/port/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema34.properties.port,data:data6};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
}
if(data.backups !== undefined){
let data7 = data.backups;
if(data7 && typeof data7 == "object" && !Array.isArray(data7)){
for(const key2 in data7){
if(!(key2 === "keep")){
const err21 = {instancePath:instancePath+"/backups",schemaPath:"#/definitions/databaseBackups/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties",schema:false,parentSchema:schema39,data:data7};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
if(data7.keep !== undefined){
let data8 = data7.keep;
if(!(((typeof data8 == "number") && (!(data8 % 1) && !isNaN(data8))) && (isFinite(data8)))){
const err22 = {instancePath:instancePath+"/backups/keep",schemaPath:"#/definitions/databaseBackups/properties/keep/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema39.properties.keep.type,parentSchema:schema39.properties.keep,data:data8};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
if((typeof data8 == "number") && (isFinite(data8))){
if(data8 < 1 || isNaN(data8)){
const err23 = {instancePath:instancePath+"/backups/keep",schemaPath:"#/definitions/databaseBackups/properties/keep/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema39.properties.keep,data:data8};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
}
}
else {
const err24 = {instancePath:instancePath+"/backups",schemaPath:"#/definitions/databaseBackups/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema39.type,parentSchema:schema39,data:data7};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
}
}
else {
const err25 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema34.type,parentSchema:schema34,data};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
validate66.errors = vErrors;
return errors === 0;
}


function validate65(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(!(validate66(data, {instancePath,parentData,parentDataProperty,rootData}))){
vErrors = vErrors === null ? validate66.errors : vErrors.concat(validate66.errors);
errors = vErrors.length;
}
validate65.errors = vErrors;
return errors === 0;
}

export const branch8 = validate68;
const schema99 = {"$ref":"cluster#/definitions/sqliteDatabase"};

function validate69(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.type === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "type"},message:"must have required property '"+"type"+"'",schema:schema40.required,parentSchema:schema40,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!(((key0 === "type") || (key0 === "path")) || (key0 === "backups"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema40,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.type !== undefined){
let data0 = data.type;
if("sqlite" !== data0){
const err2 = {instancePath:instancePath+"/type",schemaPath:"#/properties/type/const",keyword:"const",params:{allowedValue: "sqlite"},message:"must be equal to constant",schema:"sqlite",parentSchema:schema40.properties.type,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.path !== undefined){
let data1 = data.path;
if(typeof data1 === "string"){
if(!pattern1.test(data1)){
const err3 = {instancePath:instancePath+"/path",schemaPath:"#/definitions/absolutePath/pattern",keyword:"pattern",params:{pattern: "^/[A-Za-z0-9 +@,:=~._/-]*$"},message:"must match pattern \""+"^/[A-Za-z0-9 +@,:=~._/-]*$"+"\"",schema:"^/[A-Za-z0-9 +@,:=~._/-]*$",parentSchema:schema13,data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
else {
const err4 = {instancePath:instancePath+"/path",schemaPath:"#/definitions/absolutePath/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema13.type,parentSchema:schema13,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.backups !== undefined){
let data2 = data.backups;
if(data2 && typeof data2 == "object" && !Array.isArray(data2)){
for(const key1 in data2){
if(!(key1 === "keep")){
const err5 = {instancePath:instancePath+"/backups",schemaPath:"#/definitions/databaseBackups/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema39,data:data2};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data2.keep !== undefined){
let data3 = data2.keep;
if(!(((typeof data3 == "number") && (!(data3 % 1) && !isNaN(data3))) && (isFinite(data3)))){
const err6 = {instancePath:instancePath+"/backups/keep",schemaPath:"#/definitions/databaseBackups/properties/keep/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema39.properties.keep.type,parentSchema:schema39.properties.keep,data:data3};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
if((typeof data3 == "number") && (isFinite(data3))){
if(data3 < 1 || isNaN(data3)){
const err7 = {instancePath:instancePath+"/backups/keep",schemaPath:"#/definitions/databaseBackups/properties/keep/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema39.properties.keep,data:data3};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
}
}
else {
const err8 = {instancePath:instancePath+"/backups",schemaPath:"#/definitions/databaseBackups/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema39.type,parentSchema:schema39,data:data2};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
}
else {
const err9 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema40.type,parentSchema:schema40,data};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
validate69.errors = vErrors;
return errors === 0;
}


function validate68(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(!(validate69(data, {instancePath,parentData,parentDataProperty,rootData}))){
vErrors = vErrors === null ? validate69.errors : vErrors.concat(validate69.errors);
errors = vErrors.length;
}
validate68.errors = vErrors;
return errors === 0;
}

export const branch9 = validate71;
const schema103 = {"$ref":"cluster#/definitions/tlsInternal"};

function validate71(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.mode === undefined){
const err0 = {instancePath,schemaPath:"cluster#/definitions/tlsInternal/required",keyword:"required",params:{missingProperty: "mode"},message:"must have required property '"+"mode"+"'",schema:schema50.required,parentSchema:schema50,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!(key0 === "mode")){
const err1 = {instancePath,schemaPath:"cluster#/definitions/tlsInternal/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema50,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.mode !== undefined){
let data0 = data.mode;
if("internal" !== data0){
const err2 = {instancePath:instancePath+"/mode",schemaPath:"cluster#/definitions/tlsInternal/properties/mode/const",keyword:"const",params:{allowedValue: "internal"},message:"must be equal to constant",schema:"internal",parentSchema:schema50.properties.mode,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
}
else {
const err3 = {instancePath,schemaPath:"cluster#/definitions/tlsInternal/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema50.type,parentSchema:schema50,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
validate71.errors = vErrors;
return errors === 0;
}

export const branch10 = validate72;
const schema105 = {"$ref":"cluster#/definitions/tlsFiles"};

function validate73(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.mode === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "mode"},message:"must have required property '"+"mode"+"'",schema:schema46.required,parentSchema:schema46,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.certificate === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "certificate"},message:"must have required property '"+"certificate"+"'",schema:schema46.required,parentSchema:schema46,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(data.key === undefined){
const err2 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "key"},message:"must have required property '"+"key"+"'",schema:schema46.required,parentSchema:schema46,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
for(const key0 in data){
if(!((((key0 === "mode") || (key0 === "certificate")) || (key0 === "key")) || (key0 === "ca"))){
const err3 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema46,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.mode !== undefined){
let data0 = data.mode;
if("files" !== data0){
const err4 = {instancePath:instancePath+"/mode",schemaPath:"#/properties/mode/const",keyword:"const",params:{allowedValue: "files"},message:"must be equal to constant",schema:"files",parentSchema:schema46.properties.mode,data:data0};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.certificate !== undefined){
let data1 = data.certificate;
if(typeof data1 === "string"){
if(!pattern0.test(data1)){
const err5 = {instancePath:instancePath+"/certificate",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
else {
const err6 = {instancePath:instancePath+"/certificate",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data1};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.key !== undefined){
let data2 = data.key;
if(typeof data2 === "string"){
if(!pattern0.test(data2)){
const err7 = {instancePath:instancePath+"/key",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data2};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
else {
const err8 = {instancePath:instancePath+"/key",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data2};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.ca !== undefined){
let data3 = data.ca;
if(typeof data3 === "string"){
if(!pattern0.test(data3)){
const err9 = {instancePath:instancePath+"/ca",schemaPath:"#/definitions/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9_-]{0,62}$"+"\"",schema:"^[a-z0-9][a-z0-9_-]{0,62}$",parentSchema:schema12,data:data3};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
else {
const err10 = {instancePath:instancePath+"/ca",schemaPath:"#/definitions/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data3};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
}
else {
const err11 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema46.type,parentSchema:schema46,data};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
validate73.errors = vErrors;
return errors === 0;
}


function validate72(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(!(validate73(data, {instancePath,parentData,parentDataProperty,rootData}))){
vErrors = vErrors === null ? validate73.errors : vErrors.concat(validate73.errors);
errors = vErrors.length;
}
validate72.errors = vErrors;
return errors === 0;
}

export const branch11 = validate75;
const schema110 = {"$ref":"cluster#/definitions/tlsOff"};

function validate75(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.mode === undefined){
const err0 = {instancePath,schemaPath:"cluster#/definitions/tlsOff/required",keyword:"required",params:{missingProperty: "mode"},message:"must have required property '"+"mode"+"'",schema:schema51.required,parentSchema:schema51,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!(key0 === "mode")){
const err1 = {instancePath,schemaPath:"cluster#/definitions/tlsOff/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema51,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.mode !== undefined){
let data0 = data.mode;
if("off" !== data0){
const err2 = {instancePath:instancePath+"/mode",schemaPath:"cluster#/definitions/tlsOff/properties/mode/const",keyword:"const",params:{allowedValue: "off"},message:"must be equal to constant",schema:"off",parentSchema:schema51.properties.mode,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
}
else {
const err3 = {instancePath,schemaPath:"cluster#/definitions/tlsOff/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema51.type,parentSchema:schema51,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
validate75.errors = vErrors;
return errors === 0;
}

export const branch12 = validate76;
const schema112 = {"$ref":"cluster#/definitions/cronSchedule"};

function validate77(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.cron === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "cron"},message:"must have required property '"+"cron"+"'",schema:schema71.required,parentSchema:schema71,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!((((key0 === "cron") || (key0 === "timezone")) || (key0 === "dayOr")) || (key0 === "active"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema71,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.cron !== undefined){
let data0 = data.cron;
if(typeof data0 === "string"){
if(func4(data0) < 1){
const err2 = {instancePath:instancePath+"/cron",schemaPath:"#/properties/cron/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema71.properties.cron,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
else {
const err3 = {instancePath:instancePath+"/cron",schemaPath:"#/properties/cron/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema71.properties.cron.type,parentSchema:schema71.properties.cron,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.timezone !== undefined){
let data1 = data.timezone;
if(typeof data1 === "string"){
if(func4(data1) < 1){
const err4 = {instancePath:instancePath+"/timezone",schemaPath:"#/definitions/timezone/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema72,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/timezone",schemaPath:"#/definitions/timezone/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema72.type,parentSchema:schema72,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.dayOr !== undefined){
let data2 = data.dayOr;
if(typeof data2 !== "boolean"){
const err6 = {instancePath:instancePath+"/dayOr",schemaPath:"#/properties/dayOr/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema71.properties.dayOr.type,parentSchema:schema71.properties.dayOr,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.active !== undefined){
let data3 = data.active;
if(typeof data3 !== "boolean"){
const err7 = {instancePath:instancePath+"/active",schemaPath:"#/definitions/scheduleActive/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema73.type,parentSchema:schema73,data:data3};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
}
else {
const err8 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema71.type,parentSchema:schema71,data};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
validate77.errors = vErrors;
return errors === 0;
}


function validate76(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(!(validate77(data, {instancePath,parentData,parentDataProperty,rootData}))){
vErrors = vErrors === null ? validate77.errors : vErrors.concat(validate77.errors);
errors = vErrors.length;
}
validate76.errors = vErrors;
return errors === 0;
}

export const branch13 = validate79;
const schema116 = {"$ref":"cluster#/definitions/intervalSchedule"};

function validate80(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.interval === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "interval"},message:"must have required property '"+"interval"+"'",schema:schema74.required,parentSchema:schema74,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!((((key0 === "interval") || (key0 === "anchorDate")) || (key0 === "timezone")) || (key0 === "active"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema74,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.interval !== undefined){
let data0 = data.interval;
const _errs3 = errors;
let valid1 = false;
let passing0 = null;
const _errs4 = errors;
if(!(((typeof data0 == "number") && (!(data0 % 1) && !isNaN(data0))) && (isFinite(data0)))){
const err2 = {instancePath:instancePath+"/interval",schemaPath:"#/properties/interval/oneOf/0/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema74.properties.interval.oneOf[0].type,parentSchema:schema74.properties.interval.oneOf[0],data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if((typeof data0 == "number") && (isFinite(data0))){
if(data0 < 1 || isNaN(data0)){
const err3 = {instancePath:instancePath+"/interval",schemaPath:"#/properties/interval/oneOf/0/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema74.properties.interval.oneOf[0],data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
var _valid0 = _errs4 === errors;
if(_valid0){
valid1 = true;
passing0 = 0;
}
const _errs6 = errors;
if(typeof data0 === "string"){
if(!pattern3.test(data0)){
const err4 = {instancePath:instancePath+"/interval",schemaPath:"#/definitions/duration/pattern",keyword:"pattern",params:{pattern: "^[1-9][0-9]*(ms|s|m|h)$"},message:"must match pattern \""+"^[1-9][0-9]*(ms|s|m|h)$"+"\"",schema:"^[1-9][0-9]*(ms|s|m|h)$",parentSchema:schema15,data:data0};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/interval",schemaPath:"#/definitions/duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.type,parentSchema:schema15,data:data0};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
var _valid0 = _errs6 === errors;
if(_valid0 && valid1){
valid1 = false;
passing0 = [passing0, 1];
}
else {
if(_valid0){
valid1 = true;
passing0 = 1;
}
}
if(!valid1){
const err6 = {instancePath:instancePath+"/interval",schemaPath:"#/properties/interval/oneOf",keyword:"oneOf",params:{passingSchemas: passing0},message:"must match exactly one schema in oneOf",schema:schema74.properties.interval.oneOf,parentSchema:schema74.properties.interval,data:data0};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
else {
errors = _errs3;
if(vErrors !== null){
if(_errs3){
vErrors.length = _errs3;
}
else {
vErrors = null;
}
}
}
}
if(data.anchorDate !== undefined){
let data1 = data.anchorDate;
if(typeof data1 === "string"){
if(!(formats6.validate(data1))){
const err7 = {instancePath:instancePath+"/anchorDate",schemaPath:"#/properties/anchorDate/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\"",schema:"date-time",parentSchema:schema74.properties.anchorDate,data:data1};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
else {
const err8 = {instancePath:instancePath+"/anchorDate",schemaPath:"#/properties/anchorDate/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema74.properties.anchorDate.type,parentSchema:schema74.properties.anchorDate,data:data1};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.timezone !== undefined){
let data2 = data.timezone;
if(typeof data2 === "string"){
if(func4(data2) < 1){
const err9 = {instancePath:instancePath+"/timezone",schemaPath:"#/definitions/timezone/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema72,data:data2};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
else {
const err10 = {instancePath:instancePath+"/timezone",schemaPath:"#/definitions/timezone/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema72.type,parentSchema:schema72,data:data2};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
if(data.active !== undefined){
let data3 = data.active;
if(typeof data3 !== "boolean"){
const err11 = {instancePath:instancePath+"/active",schemaPath:"#/definitions/scheduleActive/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema73.type,parentSchema:schema73,data:data3};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
}
else {
const err12 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema74.type,parentSchema:schema74,data};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
validate80.errors = vErrors;
return errors === 0;
}


function validate79(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(!(validate80(data, {instancePath,parentData,parentDataProperty,rootData}))){
vErrors = vErrors === null ? validate80.errors : vErrors.concat(validate80.errors);
errors = vErrors.length;
}
validate79.errors = vErrors;
return errors === 0;
}

export const branch14 = validate82;
const schema121 = {"$ref":"cluster#/definitions/rruleSchedule"};

function validate83(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.rrule === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "rrule"},message:"must have required property '"+"rrule"+"'",schema:schema78.required,parentSchema:schema78,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!(((key0 === "rrule") || (key0 === "timezone")) || (key0 === "active"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema78,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.rrule !== undefined){
let data0 = data.rrule;
if(typeof data0 === "string"){
if(func4(data0) < 1){
const err2 = {instancePath:instancePath+"/rrule",schemaPath:"#/properties/rrule/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema78.properties.rrule,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
else {
const err3 = {instancePath:instancePath+"/rrule",schemaPath:"#/properties/rrule/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema78.properties.rrule.type,parentSchema:schema78.properties.rrule,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.timezone !== undefined){
let data1 = data.timezone;
if(typeof data1 === "string"){
if(func4(data1) < 1){
const err4 = {instancePath:instancePath+"/timezone",schemaPath:"#/definitions/timezone/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema72,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/timezone",schemaPath:"#/definitions/timezone/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema72.type,parentSchema:schema72,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.active !== undefined){
let data2 = data.active;
if(typeof data2 !== "boolean"){
const err6 = {instancePath:instancePath+"/active",schemaPath:"#/definitions/scheduleActive/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema73.type,parentSchema:schema73,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
}
else {
const err7 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema78.type,parentSchema:schema78,data};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
validate83.errors = vErrors;
return errors === 0;
}


function validate82(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(!(validate83(data, {instancePath,parentData,parentDataProperty,rootData}))){
vErrors = vErrors === null ? validate83.errors : vErrors.concat(validate83.errors);
errors = vErrors.length;
}
validate82.errors = vErrors;
return errors === 0;
}

export const branch15 = validate85;
const schema125 = {"type":"integer","minimum":1};

function validate85(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(!(((typeof data == "number") && (!(data % 1) && !isNaN(data))) && (isFinite(data)))){
const err0 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema125.type,parentSchema:schema125,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if((typeof data == "number") && (isFinite(data))){
if(data < 1 || isNaN(data)){
const err1 = {instancePath,schemaPath:"#/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema125,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
validate85.errors = vErrors;
return errors === 0;
}

export const branch16 = validate86;
const schema126 = {"$ref":"cluster#/definitions/duration"};

function validate86(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(typeof data === "string"){
if(!pattern3.test(data)){
const err0 = {instancePath,schemaPath:"cluster#/definitions/duration/pattern",keyword:"pattern",params:{pattern: "^[1-9][0-9]*(ms|s|m|h)$"},message:"must match pattern \""+"^[1-9][0-9]*(ms|s|m|h)$"+"\"",schema:"^[1-9][0-9]*(ms|s|m|h)$",parentSchema:schema15,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
else {
const err1 = {instancePath,schemaPath:"cluster#/definitions/duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.type,parentSchema:schema15,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
validate86.errors = vErrors;
return errors === 0;
}
export const branchValidators = new Map([
  ["{\"type\":\"string\"}", branch0],
  ["{\"type\":\"number\"}", branch1],
  ["{\"type\":\"boolean\"}", branch2],
  ["{\"$ref\":\"#/definitions/secretRef\"}", branch3],
  ["{\"format\":\"ipv4\"}", branch4],
  ["{\"format\":\"ipv6\"}", branch5],
  ["{\"format\":\"hostname\"}", branch6],
  ["{\"$ref\":\"#/definitions/postgresqlDatabase\"}", branch7],
  ["{\"$ref\":\"#/definitions/sqliteDatabase\"}", branch8],
  ["{\"$ref\":\"#/definitions/tlsInternal\"}", branch9],
  ["{\"$ref\":\"#/definitions/tlsFiles\"}", branch10],
  ["{\"$ref\":\"#/definitions/tlsOff\"}", branch11],
  ["{\"$ref\":\"#/definitions/cronSchedule\"}", branch12],
  ["{\"$ref\":\"#/definitions/intervalSchedule\"}", branch13],
  ["{\"$ref\":\"#/definitions/rruleSchedule\"}", branch14],
  ["{\"type\":\"integer\",\"minimum\":1}", branch15],
  ["{\"$ref\":\"#/definitions/duration\"}", branch16],
]);
