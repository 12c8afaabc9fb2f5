/**
 * The database step: the SQL (role and database created only when missing, the password set from
 * the secret, quotes and backslashes kept exact) reaches psql on its stdin, run as postgres; and
 * deletes are told by the step's action, not by placeholder values.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scriptInput } from "../../src/executors/remote-script.js";
import { shellQuote } from "../../src/facts/shell.js";
import { databaseScript, databaseSql } from "../../src/executors/steps/database.js";
import { stepScript } from "../../src/executors/steps/script-for-step.js";
import type { Step } from "../../src/planner/types.js";
import { Sensitive } from "../../src/spec/secrets.js";
import { tempDir } from "../helpers/cli.js";

const PASSWORD = `it's "quoted" \\ $HOME :name;\nDROP`;

describe("databaseSql", () => {
  it("creates the role and the database only when missing, and sets the password as one literal, kept out of errors and the server's log", () => {
    expect(databaseSql("prefect", "prefect_user", PASSWORD).split("\n")).toEqual([
      "\\set VERBOSITY terse",
      "\\set SHOW_CONTEXT never",
      "SET log_statement = 'none';",
      "SET log_min_error_statement = 'panic';",
      "SET standard_conforming_strings = on;",
      `SELECT 'CREATE ROLE "prefect_user" LOGIN' WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'prefect_user')\\gexec`,
      `ALTER ROLE "prefect_user" WITH LOGIN PASSWORD 'it''s "quoted" \\ $HOME :name;`,
      `DROP';`,
      `SELECT 'CREATE DATABASE "prefect" OWNER "prefect_user"' WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = 'prefect')\\gexec`,
      "",
    ]);
  });
});

describe("the database step on a node", () => {
  const context = { root: "/nowhere", cluster: "c", generation: 1, journalDir: "/nowhere/j", secrets: new Map([["PG_PASSWORD", new Sensitive(PASSWORD)]]), transferSha: () => "", pixiUnpack: null, settleSeconds: 0, probeTimeoutSeconds: 5 };
  const step: Step = {
    id: "srv/configure/database:prefect",
    node: "srv",
    stage: "configure",
    action: "create",
    address: "database:prefect",
    dependsOn: [],
    facts: [],
    bytes: null,
    detail: { kind: "database", name: "prefect", user: "prefect", password: { secret: "PG_PASSWORD" } },
  };

  it("runs psql as postgres with the SQL on its stdin; the password is on no command line", () => {
    const dir = tempDir();
    const bin = join(dir, "bin");
    mkdirSync(bin);
    // Stand-ins that record what they were given: runuser runs what follows `--`, psql keeps its stdin.
    writeFileSync(join(bin, "runuser"), `#!/bin/sh\necho "runuser $*" >> ${dir}/argv\nwhile [ "$1" != "--" ]; do shift; done; shift; exec "$@"\n`);
    writeFileSync(join(bin, "psql"), `#!/bin/sh\necho "psql $*" >> ${dir}/argv\ncat > ${dir}/stdin\n`);
    for (const f of ["runuser", "psql"]) chmodSync(join(bin, f), 0o755);
    const s = stepScript(step, context, "srv");
    expect(s).not.toBeNull();
    const r = spawnSync("sh", ["-s"], { input: scriptInput(s!.script, s!.stdin), encoding: "utf8", env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(dir, "stdin"), "utf8")).toBe(databaseSql("prefect", "prefect", PASSWORD));
    const argv = readFileSync(join(dir, "argv"), "utf8");
    expect(argv).toBe("runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -d postgres\npsql -X -q -v ON_ERROR_STOP=1 -d postgres\n");
    expect(s!.script).not.toContain("quoted");
  });

  it("says so when PostgreSQL is not installed", () => {
    const r = spawnSync("/bin/sh", ["-s"], { input: scriptInput(databaseScript()), encoding: "utf8", env: { PATH: "/nonexistent" } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("psql is not installed: the PostgreSQL packages must be installed first");
  });

  it("a secret that is not set fails the step by name, before anything runs", () => {
    expect(() => stepScript(step, { ...context, secrets: new Map() }, "srv")).toThrow("secret PG_PASSWORD is not set");
  });
});

describe("deletes are told by the action", () => {
  const context = { root: "/r", cluster: "c", generation: 1, journalDir: "/j", secrets: new Map(), transferSha: () => "", pixiUnpack: null, settleSeconds: 0, probeTimeoutSeconds: 5 };
  const base = { node: "n", stage: "configure" as const, dependsOn: [], facts: [], bytes: null };
  it("a file, a link and a service each get their removal script", () => {
    const file = stepScript({ ...base, id: "n/configure/file:/etc/x", address: "file:/etc/x", action: "delete", detail: { kind: "file", path: "/etc/x" } }, context, "n");
    const link = stepScript({ ...base, id: "n/configure/link:/r/envs/e", address: "link:/r/envs/e", action: "delete", detail: { kind: "link", path: "/r/envs/e" } }, context, "n");
    const unit = stepScript({ ...base, id: "n/configure/service:a.service", address: "service:a.service", action: "delete", detail: { kind: "service", unit: "a.service" } }, context, "n");
    expect(file?.script.split("\n").at(-1)).toBe(`rm -f ${shellQuote("/etc/x")}`);
    expect(link?.script.split("\n").at(-1)).toBe(`rm -f ${shellQuote("/r/envs/e")}`);
    expect(unit?.script.split("\n").at(-1)).toBe(`systemctl disable --now ${shellQuote("a.service")}`);
  });
});
