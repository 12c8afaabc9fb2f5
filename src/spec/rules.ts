/**
 * Semantic rules the schema cannot express: unique names, references that resolve and fit,
 * cron expressions, time zones, recurrence rules, port clashes, secrets that must be references.
 * Pure: a list of small named rules, each reporting problems with their document paths.
 */
import { CronExpressionParser } from "cron-parser";
import rrule from "rrule";
import type { ClusterSpec, Schedule } from "./cluster.generated.js";
import { formatPath, type DocPath } from "./document.js";
import schemaJson from "../../schema/cluster.schema.json" with { type: "json" };
import { isUrlSource } from "./sources.js";
import { didYouMean } from "./suggest.js";
import { fullFormats } from "ajv-formats/dist/formats.js";

export interface RuleProblem {
  severity: "error" | "warning";
  path: DocPath;
  target: "value" | "key";
  message: string;
  hint?: string;
}

type Report = (path: DocPath, message: string, hint?: string, severity?: "error" | "warning") => void;

const ARTIFACT_KINDS: readonly string[] = (schemaJson as { definitions: { artifact: { properties: { kind: { enum: string[] } } } } }).definitions.artifact.properties.kind.enum;
/** Artifact kinds that are a Python environment. */
export const ENV_KINDS = ["pixi-pack", "conda-pack", "tar"] as const;
/** Prefect creates this queue in every pool. */
export const DEFAULT_QUEUE = "default";
export const DEFAULT_PREFECT_PORT = 4200;
export const DEFAULT_POSTGRES_PORT = 5432;

/** Reports every item whose key was seen before, naming where it was first declared. */
function unique<T>(items: readonly T[], key: (item: T) => string, path: (i: number) => DocPath, what: string, report: Report, scope = ""): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const k = key(item);
    const first = seen.get(k);
    if (first === undefined) seen.set(k, i);
    else report(path(i), `duplicate ${what} '${k}'${scope === "" ? "" : ` ${scope}`}`, `first declared at ${formatPath(path(first))}`);
  });
}

const NAME = new RegExp((schemaJson as { definitions: { name: { pattern: string } } }).definitions.name.pattern);

/**
 * Reports a name that is not among `known`, with the closest spelling or the known names. When a
 * declared name is itself invalid (the schema reported it), the reference may well mean it: silent.
 */
function reference(value: string, known: readonly string[], what: string, path: DocPath, report: Report, scope = ""): boolean {
  if (known.includes(value)) return true;
  if (known.some((k) => typeof k !== "string" || !NAME.test(k))) return false;
  const names = [...new Set(known)];
  const hint = didYouMean(value, names) ?? (names.length > 0 ? `known: ${names.join(", ")}` : `no ${what}s are declared`);
  report(path, `unknown ${what} '${value}'${scope === "" ? "" : ` ${scope}`}`, hint);
  return false;
}

function checkArtifactRef(
  spec: ClusterSpec,
  name: string,
  allowed: readonly string[],
  role: string,
  path: DocPath,
  report: Report,
): void {
  if (!reference(name, Object.keys(spec.artifacts), "artifact", path, report)) return;
  const kind = spec.artifacts[name]?.kind;
  if (kind !== undefined && ARTIFACT_KINDS.includes(kind) && !allowed.includes(kind)) {
    report(path, `artifact '${name}' is of kind '${kind}', but ${role} needs ${allowed.length === 1 ? `kind '${allowed[0]}'` : `one of: ${allowed.join(", ")}`}`);
  }
}

let zoneList: string[] | undefined;
function checkTimezone(tz: string, path: DocPath, report: Report): void {
  let resolved: string | undefined;
  try {
    resolved = new Intl.DateTimeFormat("en-US", { timeZone: tz }).resolvedOptions().timeZone;
  } catch {
    resolved = undefined;
  }
  // Accept canonical names and aliases (Asia/Calcutta → Asia/Kolkata). Intl also accepts offsets
  // and any letter case; Prefect's zoneinfo takes neither, so those are refused.
  const looksIana = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(tz);
  const onlyCaseDiffers = resolved !== undefined && resolved !== tz && resolved.toLowerCase() === tz.toLowerCase();
  if (resolved !== undefined && looksIana && !onlyCaseDiffers) return;
  zoneList ??= [...Intl.supportedValuesOf("timeZone"), "UTC"];
  const hint = onlyCaseDiffers ? `did you mean '${resolved}'?` : didYouMean(tz, zoneList);
  report(path, `unknown time zone '${tz}': expected an IANA name such as Europe/Berlin or UTC`, hint);
}

/** Allowed values of RRULE parts: [min, max]; a negative min means -max..-1 and 1..max. */
const RRULE_RANGES: Record<string, [number, number]> = {
  bysecond: [0, 59],
  byminute: [0, 59],
  byhour: [0, 23],
  bymonth: [1, 12],
  bymonthday: [-31, 31],
  byyearday: [-366, 366],
  byweekno: [-53, 53],
  bysetpos: [-366, 366],
};
const inRange = (v: number, [min, max]: [number, number]) => (min < 0 ? v !== 0 && Math.abs(v) <= max : v >= min && v <= max);

function checkSchedule(schedule: Schedule, path: DocPath, report: Report): void {
  const tz = schedule.timezone;
  if (tz !== undefined) checkTimezone(tz, [...path, "timezone"], report);
  if ("cron" in schedule) {
    const fields = schedule.cron.trim().split(/\s+/);
    if (fields.length !== 5) {
      report([...path, "cron"], `cron expression must have 5 fields (minute hour day-of-month month day-of-week), found ${fields.length}`);
      return;
    }
    try {
      CronExpressionParser.parse(schedule.cron, { tz: "UTC" });
    } catch (error) {
      report([...path, "cron"], `invalid cron expression: ${(error as Error).message}`);
    }
  } else if ("rrule" in schedule) {
    const freq = /(?:^|[;:\n])FREQ=([^;\n]*)/.exec(schedule.rrule)?.[1];
    const frequencies = Object.keys(rrule.Frequency).filter((k) => Number.isNaN(Number(k)));
    if (freq !== undefined && !frequencies.includes(freq)) {
      report([...path, "rrule"], `invalid recurrence rule: unknown FREQ '${freq}'`, didYouMean(freq, frequencies) ?? `one of: ${frequencies.join(", ")}`);
      return;
    }
    let options: Record<string, unknown>;
    try {
      options = rrule.rrulestr(schedule.rrule).origOptions as Record<string, unknown>;
    } catch (error) {
      report([...path, "rrule"], `invalid recurrence rule: ${(error as Error).message}`);
      return;
    }
    // The parser takes any number; Prefect's (dateutil) refuses values out of range.
    for (const [part, range] of Object.entries(RRULE_RANGES)) {
      const values = ([] as unknown[]).concat(options[part] ?? []).filter((v): v is number => typeof v === "number");
      const bad = values.find((v) => !inRange(v, range));
      if (bad !== undefined) report([...path, "rrule"], `invalid recurrence rule: ${part.toUpperCase()}=${bad} is out of range (${range[0]}..${range[1]})`);
    }
  }
}

type Rule = (spec: ClusterSpec, report: Report) => void;

const poolNames = (spec: ClusterSpec) => (spec.workPools ?? []).map((p) => p.name);
const nodeNames = (spec: ClusterSpec) => spec.nodes.map((n) => n.name);
/** Queue names of a pool, with Prefect's `default` first. */
function queuesOf(spec: ClusterSpec, pool: string): string[] {
  const declared = (spec.workPools ?? []).find((p) => p.name === pool)?.queues ?? [];
  return [DEFAULT_QUEUE, ...declared.map((q) => q.name).filter((n) => n !== DEFAULT_QUEUE)];
}

/** Setting and variable names whose values are secrets: they must be references. */
const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|AUTH_STRING|CONNECTION_URL|PRIVATE_KEY)$/;

const nodesUnique: Rule = (spec, report) => {
  // The host-name format accepts all-digit labels, so 198.51.100.999 would pass as a "host name".
  spec.nodes.forEach((n, i) => {
    if (/^[0-9.]+$/.test(n.address) && !(fullFormats.ipv4 as RegExp).test(n.address)) report(["nodes", i, "address"], `'${n.address}' is not a valid IPv4 address`);
  });
  unique(spec.nodes, (n) => n.name, (i) => ["nodes", i, "name"], "node name", report);
  const port = (p: number | undefined) => p ?? spec.ssh?.port ?? 22;
  unique(
    spec.nodes,
    (n) => `${n.address.toLowerCase()}${port(n.ssh?.port) === 22 ? "" : `:${port(n.ssh?.port)}`}`,
    (i) => ["nodes", i, "address"],
    "node address",
    report,
  );
};

const artifactsFit: Rule = (spec, report) => {
  for (const [name, artifact] of Object.entries(spec.artifacts)) {
    if (artifact?.kind === "deb" && isUrlSource(artifact.source)) {
      report(["artifacts", name, "source"], "a deb set must be a local folder holding the .deb files and their SHA256SUMS manifest");
    }
    if (artifact?.path !== undefined && artifact.kind !== "tar" && artifact.kind !== "conda-pack") {
      report(["artifacts", name, "path"], `\`path\` names the environment's folder inside a tar or conda-pack archive; a ${artifact.kind} artifact has none`, "remove `path`");
    }
    if (artifact?.packages !== undefined && artifact.kind !== "deb") {
      report(["artifacts", name, "packages"], `\`packages\` lists the Debian packages a deb set must provide (for \`reconcile fetch\`); a ${artifact.kind} artifact has none`, "remove `packages`, or make the artifact `kind: deb`");
    }
  }
  if (spec.tools?.pixiUnpack !== undefined) {
    checkArtifactRef(spec, spec.tools.pixiUnpack, ["file"], "tools.pixiUnpack", ["tools", "pixiUnpack"], report);
    return;
  }
  const pixi = Object.entries(spec.artifacts).find(([, a]) => a?.kind === "pixi-pack");
  if (pixi !== undefined) {
    report(["artifacts", pixi[0], "kind"], `pixi-pack artifact '${pixi[0]}' needs a pixi-unpack binary to install it`, "declare a `file` artifact with pixi-unpack and name it in tools.pixiUnpack");
  }
};

const serverReferences: Rule = (spec, report) => {
  const server = spec.server;
  reference(server.node, nodeNames(spec), "node", ["server", "node"], report);
  checkArtifactRef(spec, server.prefect.env, ENV_KINDS, "the Prefect server environment", ["server", "prefect", "env"], report);
  if (server.database.type === "postgresql") {
    checkArtifactRef(spec, server.database.packages, ["deb"], "PostgreSQL", ["server", "database", "packages"], report);
  }
  const proxy = server.proxy;
  if (proxy === undefined) return;
  checkArtifactRef(spec, proxy.packages, ["deb"], "Caddy", ["server", "proxy", "packages"], report);
  if (proxy.tls?.mode === "files") {
    checkArtifactRef(spec, proxy.tls.certificate, ["file"], "a TLS certificate", ["server", "proxy", "tls", "certificate"], report);
    checkArtifactRef(spec, proxy.tls.key, ["file"], "a TLS key", ["server", "proxy", "tls", "key"], report);
    if (proxy.tls.ca !== undefined) checkArtifactRef(spec, proxy.tls.ca, ["file"], "a CA certificate", ["server", "proxy", "tls", "ca"], report);
  }
  unique(proxy.basicAuth ?? [], (u) => u.user, (i) => ["server", "proxy", "basicAuth", i, "user"], "basic-auth user", report);
};

const serverPorts: Rule = (spec, report) => {
  const { prefect, database: db, proxy } = spec.server;
  const prefectPort = prefect.port ?? DEFAULT_PREFECT_PORT;
  const dbPort = db.type === "postgresql" ? (db.port ?? DEFAULT_POSTGRES_PORT) : undefined;
  if (dbPort === prefectPort) report(["server", "database", "port"], `port ${prefectPort} is also the Prefect API port (server.prefect.port)`);
  if (proxy === undefined) return;
  const listenPort = Number(proxy.listen.slice(proxy.listen.lastIndexOf(":") + 1));
  if (listenPort < 1 || listenPort > 65535) report(["server", "proxy", "listen"], `port ${listenPort} is out of range (1-65535)`);
  else if (listenPort === prefectPort) {
    report(["server", "proxy", "listen"], `port ${listenPort} is also the Prefect API port (server.prefect.port)`, "Prefect listens on the server's loopback; give Caddy another port");
  } else if (listenPort === dbPort) report(["server", "proxy", "listen"], `port ${listenPort} is also the PostgreSQL port`);
};

/** Secret-looking settings and variables must be references, like passwords. */
const secretsAreReferences: Rule = (spec, report) => {
  const check = (values: Record<string, unknown> | undefined, at: DocPath) => {
    for (const [name, value] of Object.entries(values ?? {})) {
      if (SECRET_NAME.test(name) && (typeof value !== "object" || value === null)) {
        report([...at, name], `${name} holds a secret: it must be a secret reference like {secret: NAME}, not a literal`, "put the value in RECONCILE_SECRET_NAME or the secrets file");
      }
    }
  };
  check(spec.server.prefect.settings, ["server", "prefect", "settings"]);
  (spec.workers ?? []).forEach((w, i) => check(w.settings, ["workers", i, "settings"]));
  (spec.flows ?? []).forEach((f, i) => (f.deployments ?? []).forEach((d, j) => check(d.env, ["flows", i, "deployments", j, "env"])));
};

const poolsUnique: Rule = (spec, report) => {
  const pools = spec.workPools ?? [];
  unique(pools, (p) => p.name, (i) => ["workPools", i, "name"], "work pool", report);
  pools.forEach((pool, i) => {
    if (/^prefect/i.test(pool.name)) report(["workPools", i, "name"], "pool names starting with 'prefect' are reserved by Prefect");
    const queues = pool.queues ?? [];
    unique(queues, (q) => q.name, (j) => ["workPools", i, "queues", j, "name"], "queue", report, `in pool '${pool.name}'`);
    const prioritized = queues.map((q, j) => ({ q, j })).filter(({ q }) => q.priority !== undefined);
    unique(prioritized, ({ q }) => String(q.priority), (k) => ["workPools", i, "queues", prioritized[k]?.j ?? 0, "priority"], "priority", report, `in pool '${pool.name}'`);
  });
};

const workersReferences: Rule = (spec, report) => {
  const workers = spec.workers ?? [];
  unique(workers, (w) => w.node, (i) => ["workers", i, "node"], "worker node", report);
  workers.forEach((worker, i) => {
    reference(worker.node, nodeNames(spec), "node", ["workers", i, "node"], report);
    checkArtifactRef(spec, worker.env, ENV_KINDS, "a worker environment", ["workers", i, "env"], report);
    unique(worker.pools, (p) => p.pool, (j) => ["workers", i, "pools", j, "pool"], "pool", report, "in this worker");
    worker.pools.forEach((membership, j) => {
      if (!reference(membership.pool, poolNames(spec), "work pool", ["workers", i, "pools", j, "pool"], report)) return;
      const known = queuesOf(spec, membership.pool);
      (membership.queues ?? []).forEach((q, k) => {
        reference(q, known, "queue", ["workers", i, "pools", j, "queues", k], report, `in pool '${membership.pool}'`);
      });
      unique(membership.queues ?? [], (q) => q, (k) => ["workers", i, "pools", j, "queues", k], "queue", report, "in this list");
    });
  });
};

const flowsReferences: Rule = (spec, report) => {
  const flows = spec.flows ?? [];
  const served = new Set((spec.workers ?? []).flatMap((w) => w.pools.map((p) => p.pool)));
  unique(flows, (f) => f.name, (i) => ["flows", i, "name"], "flow", report);
  flows.forEach((flow, i) => {
    checkArtifactRef(spec, flow.env, ENV_KINDS, "a flow environment", ["flows", i, "env"], report);
    const poolKnown = reference(flow.pool, poolNames(spec), "work pool", ["flows", i, "pool"], report);
    if (poolKnown && !served.has(flow.pool)) {
      report(["flows", i, "pool"], `no worker serves pool '${flow.pool}', so runs of flow '${flow.name}' would never start`, undefined, "warning");
    }
    const deployments = flow.deployments ?? [];
    unique(deployments, (d) => d.name, (j) => ["flows", i, "deployments", j, "name"], "deployment", report, `in flow '${flow.name}'`);
    deployments.forEach((deployment, j) => {
      if (poolKnown && deployment.queue !== undefined) {
        reference(deployment.queue, queuesOf(spec, flow.pool), "queue", ["flows", i, "deployments", j, "queue"], report, `in pool '${flow.pool}'`);
      }
    });
  });
};

const schedulesValid: Rule = (spec, report) => {
  (spec.flows ?? []).forEach((flow, i) =>
    (flow.deployments ?? []).forEach((deployment, j) =>
      (deployment.schedules ?? []).forEach((schedule, k) => checkSchedule(schedule, ["flows", i, "deployments", j, "schedules", k], report)),
    ),
  );
};

const driftRulesMatch: Rule = (spec, report) => {
  (spec.drift?.ignore ?? []).forEach((rule, i) => {
    if (rule.node === undefined && rule.resource === undefined) {
      report(["drift", "ignore", i], "an ignore rule needs `node`, `resource` or both; otherwise it would hide all drift");
    }
  });
  (spec.drift?.policies ?? []).forEach((rule, i) => {
    if (rule.node === undefined && rule.resource === undefined && rule.policy !== "fix") {
      report(["drift", "policies", i], `a \`${rule.policy}\` policy needs \`node\`, \`resource\` or both; otherwise reconcile would stop converging anything`);
    }
  });
};

/** Every rule, in the order of the sections they read. */
export const RULES: readonly Rule[] = [nodesUnique, artifactsFit, serverReferences, serverPorts, secretsAreReferences, poolsUnique, workersReferences, flowsReferences, schedulesValid, driftRulesMatch];

/**
 * Runs every rule. The spec is normally schema-valid; when it is not, rules still run so that all
 * problems show at once, and a rule that meets a malformed part simply has nothing to say
 * (the schema already reported that part). Problems at or below `skip` paths are dropped.
 */
export function checkRules(spec: ClusterSpec, skip: readonly DocPath[] = []): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const under = (path: DocPath) => skip.some((s) => s.length <= path.length && s.every((part, i) => part === path[i]));
  const report: Report = (path, message, hint, severity = "error") => {
    if (!under(path)) problems.push({ severity, path, target: "value", message, ...(hint === undefined ? {} : { hint }) });
  };
  for (const rule of RULES) {
    try {
      rule(spec, report);
    } catch (error) {
      // On a schema-valid spec a TypeError is a bug; on a malformed one it means "not applicable".
      if (!(error instanceof TypeError) || skip.length === 0) throw error;
    }
  }
  return problems;
}
