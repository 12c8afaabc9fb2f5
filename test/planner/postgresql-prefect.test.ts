/**
 * PostgreSQL's managed conf.d file and the versions the planner decides on (versions.ts,
 * server-checks.ts): the set's major and version, and the Prefect version of the server's
 * environment (the auth string only on 3.1.8+, a warning on 2.x).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { desiredFor } from "../../src/planner/desired.js";
import { plan } from "../../src/planner/plan.js";
import { compareVersions, postgresqlServer, prefectHasAuthString, prefectVersionOf, upstreamVersion } from "../../src/planner/versions.js";
import type { LocalInputs, NodePlan } from "../../src/planner/types.js";
import { check } from "../helpers/spec.js";
import { loadCase, type PlanCase } from "./cases.js";

const CONF = "file:/etc/postgresql/15/main/conf.d/reconcile.conf";

function withLocal(c: PlanCase, edit: (local: LocalInputs) => void): LocalInputs {
  const local = structuredClone(c.local);
  edit(local);
  return local;
}

const node = (p: ReturnType<typeof plan>, name: string): NodePlan => p.nodes.find((n) => n.name === name)!;
const pgDebs = (version: string, major = "15") => [
  { name: "postgresql", version: `${major}+248`, arch: "all" },
  { name: `postgresql-${major}`, version, arch: "amd64" },
  { name: "postgresql-common", version: "248", arch: "all" },
];

describe("compareVersions: dpkg's order", () => {
  const table: [string, string, -1 | 0 | 1][] = [
    ["17.12-0+deb13u1", "14.9", 1],
    ["14.9-1", "14.9", 1],
    ["14.9", "14.9", 0],
    ["14.8-1", "14.9", -1],
    ["14.10-1", "14.9", 1],
    ["13.16-0+deb11u1", "14.9", -1],
    ["1:1.0", "2.0", 1],
    ["1.0~rc1", "1.0", -1],
    ["1.0~rc1-1", "1.0~rc2-1", -1],
    ["1.0-1", "1.0-1~bpo1", 1],
    ["2.41-12+deb13u5", "2.41-12", 1],
    ["1.0a", "1.0", 1],
    ["1.0+b1", "1.0a", 1],
    ["3.1.8", "3.1.8", 0],
    ["3.1.10", "3.1.8", 1],
    ["3.4.25", "3.1.8", 1],
    ["3.1.7", "3.1.8", -1],
    ["2.20.0", "3.1.8", -1],
    ["17+278+deb13u1", "17", 1],
  ];
  it.each(table)("%s vs %s → %i", (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
    expect(Math.sign(compareVersions(b, a))).toBe(-sign || 0);
  });

  it("the upstream part leaves out the epoch and revision", () => {
    expect(upstreamVersion("17.12-0+deb13u1")).toBe("17.12");
    expect(upstreamVersion("1:14.9-1")).toBe("14.9");
    expect(upstreamVersion("14.9")).toBe("14.9");
  });
});

describe("postgresqlServer: the set's server package", () => {
  it("finds postgresql-<major> among the set's packages (not postgresql-client-17 or postgresql-common)", () => {
    expect(postgresqlServer(pgDebs("17.12-0+deb13u1", "17"))).toEqual({ major: "17", package: "postgresql-17", version: "17.12-0+deb13u1" });
    expect(postgresqlServer([{ name: "postgresql-client-17", version: "17.12-0+deb13u1" }, { name: "postgresql-common", version: "278" }])).toBeNull();
    expect(postgresqlServer([])).toBeNull();
  });
});

describe("prefect versions", () => {
  it("prefectVersionOf reads the measured version, null when unknown or absent", () => {
    const c = loadCase("secrets");
    expect(prefectVersionOf(withLocal(c, (l) => (l.artifacts["prefect-env"]!.prefectVersion = "3.4.25")), "prefect-env")).toBe("3.4.25");
    expect(prefectVersionOf(withLocal(c, (l) => (l.artifacts["prefect-env"]!.prefectVersion = null)), "prefect-env")).toBeNull();
    expect(prefectVersionOf(c.local, "no-such-artifact")).toBeNull();
  });

  it("the auth string exists from 3.1.8 on; an unknown version counts as 3.x", () => {
    expect(prefectHasAuthString("3.1.8")).toBe(true);
    expect(prefectHasAuthString("3.4.25")).toBe(true);
    expect(prefectHasAuthString(null)).toBe(true);
    expect(prefectHasAuthString("3.1.7")).toBe(false);
    expect(prefectHasAuthString("2.20.0")).toBe(false);
  });
});

describe("PostgreSQL's conf.d file", () => {
  it("is planned from the set's major: loopback only, on the declared port, after the packages, and an input of postgresql.service", () => {
    const c = loadCase("fresh-cluster");
    const server = node(plan(c.cluster, c.facts, c.local, c.secrets, c.options), "server");
    const file = server.steps.find((s) => s.address === CONF)!;
    expect(file.detail).toEqual({
      kind: "file",
      path: "/etc/postgresql/15/main/conf.d/reconcile.conf",
      mode: "0644",
      owner: "root",
      group: "root",
      content: { type: "text", text: "# Managed by reconcile: changes here are overwritten.\nlisten_addresses = 'localhost'\nport = 5432\n" },
    });
    expect(file.stage).toBe("configure");
    expect(file.dependsOn).toEqual(["server/install/packages:pg-debs"]);
    const ids = server.steps.map((s) => s.id);
    expect(ids.indexOf(file.id)).toBeGreaterThan(ids.indexOf("server/install/packages:pg-debs"));
    expect(ids.indexOf(file.id)).toBeLessThan(ids.indexOf("server/configure/service:postgresql.service"));
    expect(server.steps.find((s) => s.address === "service:postgresql.service")?.dependsOn).toContain(file.id);
  });

  it("takes the declared port, and the major of a PostgreSQL 17 set", () => {
    const c = loadCase("fresh-cluster");
    const result = check(readFileSync(`${c.dir}cluster.yaml`, "utf8").replace("    password: {secret: PG_PASSWORD}\n", "    password: {secret: PG_PASSWORD}\n    port: 5433\n"));
    if (result.cluster === undefined) throw new Error(result.diagnostics.map((d) => `${d.path}: ${d.message}`).join("\n"));
    const local = withLocal(c, (l) => (l.artifacts["pg-debs"]!.debs = pgDebs("17.12-0+deb13u1", "17")));
    const server = node(plan(result.cluster, c.facts, local, c.secrets, c.options), "server");
    const file = server.steps.find((s) => s.address === "file:/etc/postgresql/17/main/conf.d/reconcile.conf");
    expect(file?.detail).toMatchObject({ content: { type: "text", text: expect.stringContaining("port = 5433\n") } });
  });

  it("is an input of postgresql.service: a change of it restarts the service (services.ts restarts on a changed input)", () => {
    const c = loadCase("fresh-cluster");
    const serverNode = c.cluster.nodes.find((n) => n.name === "server")!;
    const pg = desiredFor(c.cluster, serverNode, c.local).find((d) => d.address === "service:postgresql.service");
    expect(pg).toMatchObject({ inputs: ["packages:pg-debs", CONF] });
  });

  it("without the set's listing there is no major: a plan error on the server node saying why, and the plan is not applyable", () => {
    const c = loadCase("fresh-cluster");
    const local = withLocal(c, (l) => (l.artifacts["pg-debs"]!.debs = null));
    const p = plan(c.cluster, c.facts, local, c.secrets, c.options);
    const server = node(p, "server");
    expect(server.status).toBe("errored");
    expect(server.errors).toEqual(["database: the PostgreSQL major version of pg-debs is unknown: its packages could not be listed (run `reconcile fetch pg-debs`, then `reconcile pin`)"]);
    expect(server.changes.some((ch) => ch.address.startsWith("file:/etc/postgresql/"))).toBe(false);
    expect(p.applyable).toBe(false);
  });

  it("a set without a postgresql-<major> package is a plan error", () => {
    const c = loadCase("fresh-cluster");
    const local = withLocal(c, (l) => (l.artifacts["pg-debs"]!.debs = [{ name: "postgresql-common", version: "248", arch: "all" }]));
    const server = node(plan(c.cluster, c.facts, local, c.secrets, c.options), "server");
    expect(server.errors).toEqual(["database: pg-debs has no postgresql-<major> package (it holds 1 packages): add PostgreSQL to its `packages` and run `reconcile fetch pg-debs`"]);
  });
});

describe("PostgreSQL's version against Prefect 3 (14.9+)", () => {
  const refused = (version: string, prefect: string | null) => {
    const c = loadCase("fresh-cluster");
    const local = withLocal(c, (l) => {
      l.artifacts["pg-debs"]!.debs = pgDebs(version, version.split(".")[0]!);
      l.artifacts["prefect-env"]!.prefectVersion = prefect;
    });
    const p = plan(c.cluster, c.facts, local, c.secrets, c.options);
    return { errors: node(p, "server").errors, applyable: p.applyable };
  };

  it("refuses PostgreSQL 14.8 under Prefect 3.4.25, naming the version found", () => {
    expect(refused("14.8-1", "3.4.25")).toEqual({
      errors: ["database: postgresql-14 14.8-1 in pg-debs is too old for Prefect 3.4.25: it needs PostgreSQL 14.9 or later (its migration creates the pg_trgm extension); fetch a newer PostgreSQL"],
      applyable: false,
    });
  });

  it("refuses PostgreSQL 13 when the Prefect version is unknown (taken as 3.x)", () => {
    expect(refused("13.16-0+deb11u1", null).errors).toEqual([
      "database: postgresql-13 13.16-0+deb11u1 in pg-debs is too old for Prefect 3 (the version in prefect-env is unknown): it needs PostgreSQL 14.9 or later (its migration creates the pg_trgm extension); fetch a newer PostgreSQL",
    ]);
  });

  it("accepts 14.9-1, 15.10 and 17.12; and PostgreSQL 13 under Prefect 2", () => {
    expect(refused("14.9-1", "3.4.25")).toEqual({ errors: [], applyable: true });
    expect(refused("15.10-0+deb12u1", "3.4.25").errors).toEqual([]);
    expect(refused("17.12-0+deb13u1", null).errors).toEqual([]);
    expect(refused("13.16-0+deb11u1", "2.20.0").errors).toEqual([]);
  });
});

describe("the API auth string and the server's Prefect version", () => {
  const envKeys = (p: ReturnType<typeof plan>, name: string, path: string): string[] => {
    const step = node(p, name).steps.find((s) => s.address === `file:${path}`);
    if (step === undefined) return [];
    const d = step.detail;
    return d.kind === "file" && "content" in d && d.content.type === "env" ? d.content.entries.map(([k]) => k) : [];
  };
  const planWith = (prefect: string | null) => {
    const c = loadCase("secrets");
    const local = withLocal(c, (l) => (l.artifacts["prefect-env"]!.prefectVersion = prefect));
    return plan(c.cluster, c.facts, local, c.secrets, c.options);
  };

  it.each([["3.1.8"], ["3.4.25"], [null]])("Prefect %s: the server and the workers get the auth string, no warning", (version) => {
    const p = planWith(version);
    expect(envKeys(p, "server", "/etc/prefect/server.secrets.env")).toContain("PREFECT_SERVER_API_AUTH_STRING");
    expect(envKeys(p, "worker-1", "/etc/prefect/worker.secrets.env")).toContain("PREFECT_API_AUTH_STRING");
    expect(node(p, "server").warnings.filter((w) => w.includes("auth"))).toEqual([]);
  });

  it("Prefect 2.20.0: no auth string on the server nor the workers, and the server node warns that only the proxy protects the API", () => {
    const p = planWith("2.20.0");
    expect(envKeys(p, "server", "/etc/prefect/server.secrets.env")).not.toContain("PREFECT_SERVER_API_AUTH_STRING");
    expect(envKeys(p, "worker-1", "/etc/prefect/worker.secrets.env")).not.toContain("PREFECT_API_AUTH_STRING");
    expect(node(p, "server").warnings).toContain(
      "Prefect 2.20.0 (in prefect-env) has no API auth of its own: server.prefect.authString is not set on the server nor the workers, and only the proxy protects the API",
    );
    expect(node(p, "worker-1").warnings).toEqual([]);
    expect(p.applyable).toBe(true);
  });

  it("Prefect 3.1.7: no auth string either, and the warning says since when there is one", () => {
    const p = planWith("3.1.7");
    expect(envKeys(p, "server", "/etc/prefect/server.secrets.env")).not.toContain("PREFECT_SERVER_API_AUTH_STRING");
    expect(node(p, "server").warnings).toContain(
      "Prefect 3.1.7 (in prefect-env) has no API auth of its own before 3.1.8: server.prefect.authString is not set on the server nor the workers, and only the proxy protects the API",
    );
  });
});
