/**
 * Semantic rules the schema cannot express: unique names, references that resolve and fit,
 * cron expressions, time zones, recurrence rules, port clashes. Pure: each rule reads the
 * schema-valid spec and returns problems; none throws.
 */
import { CronExpressionParser } from "cron-parser";
import rrule from "rrule";
import type { ClusterSpec, Schedule } from "./cluster.generated.js";
import { formatPath, type DocPath } from "./document.js";
import { didYouMean } from "./suggest.js";

export interface RuleProblem {
  severity: "error" | "warning";
  path: DocPath;
  target: "value" | "key";
  message: string;
  hint?: string;
}

type Report = (path: DocPath, message: string, hint?: string, severity?: "error" | "warning") => void;

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

/** Reports a name that is not among `known`, with the closest spelling or the known names. */
function reference(value: string, known: readonly string[], what: string, path: DocPath, report: Report, scope = ""): boolean {
  if (known.includes(value)) return true;
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
  if (kind !== undefined && !allowed.includes(kind)) {
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
  const looksIana = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(tz);
  if (resolved !== undefined && looksIana && resolved.toLowerCase() !== tz.toLowerCase()) return; // an alias, fine
  if (resolved !== undefined && looksIana && resolved === tz) return;
  zoneList ??= [...Intl.supportedValuesOf("timeZone"), "UTC"];
  const hint = resolved !== undefined && resolved.toLowerCase() === tz.toLowerCase() ? `did you mean '${resolved}'?` : didYouMean(tz, zoneList);
  report(path, `unknown time zone '${tz}': expected an IANA name such as Europe/Berlin or UTC`, hint);
}

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
    try {
      rrule.rrulestr(schedule.rrule);
    } catch (error) {
      report([...path, "rrule"], `invalid recurrence rule: ${(error as Error).message}`);
    }
  }
}

/**
 * Runs every rule over a spec that already passed the schema. Problems come back in document order
 * of the sections (nodes, artifacts, server, pools, workers, flows, drift).
 */
export function checkRules(spec: ClusterSpec): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const report: Report = (path, message, hint, severity = "error") =>
    problems.push({ severity, path, target: "value", message, ...(hint === undefined ? {} : { hint }) });

  // Nodes: unique names and endpoints.
  const nodeNames = spec.nodes.map((n) => n.name);
  unique(spec.nodes, (n) => n.name, (i) => ["nodes", i, "name"], "node name", report);
  const port = (p: number | undefined) => p ?? spec.ssh?.port ?? 22;
  unique(
    spec.nodes,
    (n) => `${n.address}${port(n.ssh?.port) === 22 ? "" : `:${port(n.ssh?.port)}`}`,
    (i) => ["nodes", i, "address"],
    "node address",
    report,
  );

  // Artifacts: a deb set is a local folder; pixi-pack needs the pixi-unpack tool.
  for (const [name, artifact] of Object.entries(spec.artifacts)) {
    if (artifact === undefined) continue;
    if (artifact.kind === "deb" && /^https?:\/\//.test(artifact.source)) {
      report(["artifacts", name, "source"], "a deb set must be a local folder holding the .deb files and their SHA256SUMS manifest");
    }
  }
  if (spec.tools?.pixiUnpack !== undefined) {
    checkArtifactRef(spec, spec.tools.pixiUnpack, ["file"], "tools.pixiUnpack", ["tools", "pixiUnpack"], report);
  } else {
    const pixi = Object.entries(spec.artifacts).find(([, a]) => a?.kind === "pixi-pack");
    if (pixi !== undefined) {
      report(["artifacts", pixi[0], "kind"], `pixi-pack artifact '${pixi[0]}' needs a pixi-unpack binary to install it`, "declare a `file` artifact with pixi-unpack and name it in tools.pixiUnpack");
    }
  }

  // Server.
  const server = spec.server;
  reference(server.node, nodeNames, "node", ["server", "node"], report);
  checkArtifactRef(spec, server.prefect.env, ENV_KINDS, "the Prefect server environment", ["server", "prefect", "env"], report);
  const prefectPort = server.prefect.port ?? DEFAULT_PREFECT_PORT;
  const db = server.database;
  if (db.type === "postgresql") {
    checkArtifactRef(spec, db.packages, ["deb"], "PostgreSQL", ["server", "database", "packages"], report);
    if ((db.port ?? DEFAULT_POSTGRES_PORT) === prefectPort) {
      report(["server", "database", "port"], `port ${prefectPort} is also the Prefect API port (server.prefect.port)`);
    }
  }
  const proxy = server.proxy;
  if (proxy !== undefined) {
    checkArtifactRef(spec, proxy.packages, ["deb"], "Caddy", ["server", "proxy", "packages"], report);
    const listenPort = Number(proxy.listen.slice(proxy.listen.lastIndexOf(":") + 1));
    if (listenPort < 1 || listenPort > 65535) report(["server", "proxy", "listen"], `port ${listenPort} is out of range (1-65535)`);
    else if (listenPort === prefectPort) {
      report(["server", "proxy", "listen"], `port ${listenPort} is also the Prefect API port (server.prefect.port)`, "Prefect listens on the server's loopback; give Caddy another port");
    } else if (db.type === "postgresql" && listenPort === (db.port ?? DEFAULT_POSTGRES_PORT)) {
      report(["server", "proxy", "listen"], `port ${listenPort} is also the PostgreSQL port`);
    }
    if (proxy.tls?.mode === "files") {
      checkArtifactRef(spec, proxy.tls.certificate, ["file"], "a TLS certificate", ["server", "proxy", "tls", "certificate"], report);
      checkArtifactRef(spec, proxy.tls.key, ["file"], "a TLS key", ["server", "proxy", "tls", "key"], report);
    }
    unique(proxy.basicAuth ?? [], (u) => u.user, (i) => ["server", "proxy", "basicAuth", i, "user"], "basic-auth user", report);
  }

  // Work pools and queues.
  const pools = spec.workPools ?? [];
  const poolNames = pools.map((p) => p.name);
  unique(pools, (p) => p.name, (i) => ["workPools", i, "name"], "work pool", report);
  const queuesOf = new Map<string, string[]>();
  pools.forEach((pool, i) => {
    if (/^prefect/i.test(pool.name)) report(["workPools", i, "name"], `pool names starting with 'prefect' are reserved by Prefect`);
    const queues = pool.queues ?? [];
    unique(queues, (q) => q.name, (j) => ["workPools", i, "queues", j, "name"], "queue", report, `in pool '${pool.name}'`);
    const prioritized = queues.map((q, j) => ({ q, j })).filter(({ q }) => q.priority !== undefined);
    unique(
      prioritized,
      ({ q }) => String(q.priority),
      (k) => ["workPools", i, "queues", prioritized[k]?.j ?? 0, "priority"],
      "priority",
      report,
      `in pool '${pool.name}'`,
    );
    if (!queuesOf.has(pool.name)) queuesOf.set(pool.name, [DEFAULT_QUEUE, ...queues.map((q) => q.name).filter((n) => n !== DEFAULT_QUEUE)]);
  });

  // Workers.
  const workers = spec.workers ?? [];
  unique(workers, (w) => w.node, (i) => ["workers", i, "node"], "worker node", report);
  const served = new Set<string>();
  workers.forEach((worker, i) => {
    reference(worker.node, nodeNames, "node", ["workers", i, "node"], report);
    checkArtifactRef(spec, worker.env, ENV_KINDS, "a worker environment", ["workers", i, "env"], report);
    unique(worker.pools, (p) => p.pool, (j) => ["workers", i, "pools", j, "pool"], "pool", report, "in this worker");
    worker.pools.forEach((membership, j) => {
      if (!reference(membership.pool, poolNames, "work pool", ["workers", i, "pools", j, "pool"], report)) return;
      served.add(membership.pool);
      const known = queuesOf.get(membership.pool) ?? [];
      (membership.queues ?? []).forEach((q, k) => {
        reference(q, known, "queue", ["workers", i, "pools", j, "queues", k], report, `in pool '${membership.pool}'`);
      });
      unique(membership.queues ?? [], (q) => q, (k) => ["workers", i, "pools", j, "queues", k], "queue", report, "in this list");
    });
  });

  // Flows and deployments.
  const flows = spec.flows ?? [];
  unique(flows, (f) => f.name, (i) => ["flows", i, "name"], "flow", report);
  flows.forEach((flow, i) => {
    checkArtifactRef(spec, flow.env, ENV_KINDS, "a flow environment", ["flows", i, "env"], report);
    const poolKnown = reference(flow.pool, poolNames, "work pool", ["flows", i, "pool"], report);
    if (poolKnown && !served.has(flow.pool)) {
      report(["flows", i, "pool"], `no worker serves pool '${flow.pool}', so runs of flow '${flow.name}' would never start`, undefined, "warning");
    }
    const deployments = flow.deployments ?? [];
    unique(deployments, (d) => d.name, (j) => ["flows", i, "deployments", j, "name"], "deployment", report, `in flow '${flow.name}'`);
    deployments.forEach((deployment, j) => {
      const at: DocPath = ["flows", i, "deployments", j];
      if (poolKnown && deployment.queue !== undefined) {
        reference(deployment.queue, queuesOf.get(flow.pool) ?? [], "queue", [...at, "queue"], report, `in pool '${flow.pool}'`);
      }
      (deployment.schedules ?? []).forEach((schedule, k) => checkSchedule(schedule, [...at, "schedules", k], report));
    });
  });

  // Drift rules must say what they match.
  (spec.drift?.ignore ?? []).forEach((rule, i) => {
    if (rule.node === undefined && rule.resource === undefined) {
      report(["drift", "ignore", i], "an ignore rule needs `node`, `resource` or both; otherwise it would hide all drift");
    }
  });

  return problems;
}
