/**
 * What the server node's plan must refuse or warn about from what the controller measured: the
 * PostgreSQL set's major (its conf.d file needs it) and version (Prefect 3 needs 14.9+), and a
 * Prefect without an API auth string of its own while one is declared. Pure.
 */
import type { ResolvedCluster, ResolvedNode } from "../spec/resolved.js";
import type { LocalInputs } from "./types.js";
import { MIN_POSTGRESQL_FOR_PREFECT_3, PREFECT_AUTH_SINCE, compareVersions, postgresqlServer, prefectHasAuthString, prefectMajor, prefectVersionOf, upstreamVersion } from "./versions.js";

export interface ServerChecks {
  /** Make the node errored: the plan is not applyable. */
  errors: string[];
  warnings: string[];
}

/** The checks of the server node; nothing for other nodes. */
export function serverChecks(cluster: ResolvedCluster, node: ResolvedNode, local: LocalInputs): ServerChecks {
  const out: ServerChecks = { errors: [], warnings: [] };
  if (!node.server) return out;
  const { database: db, prefect } = cluster.server;
  const version = prefectVersionOf(local, prefect.env);
  if (db.type === "postgresql") {
    const debs = local.artifacts[db.packages]?.debs ?? null;
    const server = postgresqlServer(debs ?? []);
    if (debs === null) {
      out.errors.push(`database: the PostgreSQL major version of ${db.packages} is unknown: its packages could not be listed (run \`reconcile fetch ${db.packages}\`, then \`reconcile pin\`)`);
    } else if (server === null) {
      out.errors.push(`database: ${db.packages} has no postgresql-<major> package (it holds ${debs.length} packages): add PostgreSQL to its \`packages\` and run \`reconcile fetch ${db.packages}\``);
    } else if ((prefectMajor(version) ?? 3) >= 3 && compareVersions(upstreamVersion(server.version), MIN_POSTGRESQL_FOR_PREFECT_3) < 0) {
      out.errors.push(
        `database: ${server.package} ${server.version} in ${db.packages} is too old for Prefect ${version ?? "3 (the version in " + prefect.env + " is unknown)"}: it needs PostgreSQL ${MIN_POSTGRESQL_FOR_PREFECT_3} or later (its migration creates the pg_trgm extension); fetch a newer PostgreSQL`,
      );
    }
  }
  if (prefect.authString !== null && !prefectHasAuthString(version)) {
    const major = prefectMajor(version);
    out.warnings.push(
      `Prefect ${version} (in ${prefect.env}) has no API auth of its own${major === 2 ? "" : ` before ${PREFECT_AUTH_SINCE}`}: server.prefect.authString is not set on the server nor the workers, and only the proxy protects the API`,
    );
  }
  return out;
}
