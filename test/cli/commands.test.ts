/** init, schema, help and the error boundary. */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/main.js";
import { BIN, reconcile, tempDir } from "../helpers/cli.js";
import { REPO } from "../helpers/spec.js";

describe("reconcile init", () => {
  it("writes a starter that validates, and never overwrites without --force", () => {
    const dir = tempDir();
    const first = reconcile(["init"], { cwd: dir });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("wrote cluster.yaml and cluster.schema.json");
    const written = readFileSync(join(dir, "cluster.yaml"), "utf8");
    expect(written).toMatch(/^# yaml-language-server: \$schema=\.\/cluster\.schema\.json\n/);
    expect(JSON.parse(readFileSync(join(dir, "cluster.schema.json"), "utf8"))).toEqual(JSON.parse(readFileSync(join(REPO, "schema", "cluster.schema.json"), "utf8")));
    expect(reconcile(["validate"], { cwd: dir }).code).toBe(0);

    writeFileSync(join(dir, "cluster.yaml"), "# mine\n");
    const second = reconcile(["init"], { cwd: dir });
    expect(second.code).toBe(1);
    expect(second.stderr).toBe("error: cluster.yaml already exists; nothing written\nhint: pass --force to overwrite it, or name another file\n");
    expect(readFileSync(join(dir, "cluster.yaml"), "utf8")).toBe("# mine\n");
    expect(reconcile(["init", "--force"], { cwd: dir }).code).toBe(0);
    expect(readFileSync(join(dir, "cluster.yaml"), "utf8")).toBe(written);
  });
});

describe("reconcile schema", () => {
  it("prints the shipped schema", () => {
    const r = reconcile(["schema"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(readFileSync(join(REPO, "schema", "cluster.schema.json"), "utf8")));
  });
});

describe("help and usage", () => {
  it.each(["validate", "pin", "init", "schema", "trust", "plan", "facts"])("`%s --help` has an example", (command) => {
    const r = reconcile([command, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Examples:\n  $ reconcile ");
  });

  it("the facts example quotes its jq filter for the shell", () => {
    expect(reconcile(["facts", "--help"]).stdout).toContain(`reconcile facts worker-a --json | jq '."worker-a".facts.units'\n`);
  });

  it("`status --help` has its examples, the jq filter quoted for the shell (in process: no build needed)", async () => {
    let stdout = "";
    const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: () => true }, env: {} };
    expect(await run(["status", "--help"], io)).toBe(0);
    expect(stdout).toContain("Examples:\n  $ reconcile status\n");
    expect(stdout).toContain(`reconcile status --json | jq -r '.drift.items[] | "\\(.node) \\(.address)"'\n`);
  });

  it("top-level help lists the commands and the exit codes", () => {
    const r = reconcile(["--help"]);
    expect(r.code).toBe(0);
    for (const c of ["validate", "pin", "init", "schema"]) expect(r.stdout).toContain(`  ${c}`);
    expect(r.stdout).toContain("Exit codes: 0 ok, 1 invalid input or failure");
  });

  it("an unknown command or flag is a usage error (exit 64)", () => {
    const cmd = reconcile(["valdate"]);
    expect(cmd.code).toBe(64);
    expect(cmd.stderr).toContain("unknown command 'valdate'");
    expect(cmd.stderr).toContain("(Did you mean validate?)");
    expect(reconcile(["validate", "--jsn"]).code).toBe(64);
  });
});

describe("error boundary", () => {
  it("an unexpected error prints its stack and asks for a bug report (exit 70)", async () => {
    let stderr = "";
    const io = {
      stdout: {
        write(): never {
          throw new TypeError("stdout exploded");
        },
      },
      stderr: { write: (s: string) => (stderr += s) },
      env: {},
      cwd: REPO,
    };
    const code = await run(["validate", "cluster.yaml.example"], io);
    expect(code).toBe(70);
    expect(stderr).toContain("unexpected error: stdout exploded");
    expect(stderr).toMatch(/\n\s+at /);
    expect(stderr).toContain("This is a bug in reconcile");
  });
});

describe("a closed stdout", () => {
  it("(`reconcile schema | head`) ends the command normally, without a stack trace", async () => {
    const child = spawn(process.execPath, [BIN, "schema"], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy(); // the reader is gone before the first write: every write fails with EPIPE
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });
});

describe("--log-file", () => {
  it("writes one JSON line per event, without secret values", () => {
    const dir = tempDir();
    const log = join(dir, "logs", "reconcile.jsonl");
    const r = reconcile(["--log-file", log, "validate", "--strict", "cluster.yaml.example"], { env: { RECONCILE_SECRET_PG_PASSWORD: "pg-secret-value" } });
    expect(r.code).toBe(1);
    const events = readFileSync(log, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => e["event"])).toEqual(["validate", "exit"]);
    expect(events[0]).toMatchObject({ command: "validate", file: "cluster.yaml.example", strict: true, valid: false });
    expect(events[1]).toMatchObject({ exitCode: 1 });
    expect(readFileSync(log, "utf8")).not.toContain("pg-secret-value");
  });
});

describe("apply refuses what it cannot do before it takes the lock or reaches a node", () => {
  it("without a terminal and without --yes (exit 64, at once)", () => {
    const started = performance.now();
    const r = reconcile(["apply", "-f", "cluster.yaml.example"]);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain("apply needs a yes: run it on a terminal, or pass --yes");
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("--prune with a plan file, a plan file that is not JSON or not a plan (exit 64)", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "plan.json"), "not json");
    writeFileSync(join(dir, "other.json"), "{}");
    const pruned = reconcile(["apply", "-f", "cluster.yaml.example", join(dir, "plan.json"), "--prune"]);
    expect(pruned.code).toBe(64);
    expect(pruned.stderr).toContain("--prune does not go with a plan file");
    for (const [file, message] of [["plan.json", "is not JSON"], ["other.json", "other.json: "]] as const) {
      const r = reconcile(["apply", "-f", "cluster.yaml.example", join(dir, file)], { env: { RECONCILE_SECRET_PG_PASSWORD: "x", RECONCILE_SECRET_PREFECT_AUTH: "x" } });
      expect(r.code, r.stderr).toBe(64);
      expect(r.stderr).toContain(message);
    }
  });

  it("a plan saved by an earlier version (format 1) is refused: make a new plan (exit 64)", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "old.json"), JSON.stringify({ format: "reconcile-plan", formatVersion: 1, specDigest: "0".repeat(64), nodes: [], facts: {}, complete: true, errored: false, applyable: true }));
    const r = reconcile(["apply", "-f", "cluster.yaml.example", join(dir, "old.json")], { env: { RECONCILE_SECRET_PG_PASSWORD: "x", RECONCILE_SECRET_PREFECT_AUTH: "x" } });
    expect(r.code, r.stderr).toBe(64);
    expect(r.stderr).toContain("old.json: plan format 1 was written by an older reconcile (this one applies format 2): make a new plan");
  });
});

describe("commands that take node names", () => {
  it("an unknown node is a usage error with a guess (exit 64)", () => {
    const r = reconcile(["-f", "cluster.yaml.example", "facts", "worker-c"]);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain("no node named worker-c");
    expect(r.stderr).toContain("hint: did you mean 'worker-a'?");
  });
});
