/** `reconcile validate` through the real binary: exit codes, output formats, never a stack trace. */
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { looksLikeACrash, reconcile, tempDir } from "../helpers/cli.js";
import { FIXTURES } from "../helpers/spec.js";

describe("reconcile validate", () => {
  it("accepts cluster.yaml.example (exit 0), warning about what is not built yet", () => {
    const r = reconcile(["validate", "cluster.yaml.example"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^cluster\.yaml\.example is valid: cluster 'production', 3 nodes, 6 artifacts, 1 work pool \(3 queues\), 2 workers, 2 flows \(4 deployments\); \d+ warnings$/m);
    expect(r.stdout).toMatch(/^cluster\.yaml\.example:\d+:\d+ artifacts\.prefect-env\.source: warning: artifact file not found: /m);
    expect(r.stderr).toBe("");
  });

  it("prints every error as FILE:LINE:COL path: message and exits 1", () => {
    const file = join(FIXTURES, "invalid", "unknown-pool-reference.yaml");
    const r = reconcile(["validate", "-f", file]);
    expect(r.code).toBe(1);
    const expected = readFileSync(join(FIXTURES, "invalid", "unknown-pool-reference.expected"), "utf8").replaceAll("cluster.yaml:", `${file}:`);
    expect(r.stderr).toBe(`${expected}${file}: 2 errors\n`);
    expect(looksLikeACrash(r.stderr)).toBe(false);
  });

  it("refuses node paths with unsupported characters, naming each and why; accepts a root with spaces", () => {
    const file = join(FIXTURES, "invalid", "node-path-shell-characters.yaml");
    const r = reconcile(["validate", "-f", file]);
    expect(r.code).toBe(1);
    const expected = readFileSync(join(FIXTURES, "invalid", "node-path-shell-characters.expected"), "utf8").replaceAll("cluster.yaml:", `${file}:`);
    expect(r.stderr).toBe(`${expected}${file}: 2 errors\n`);
    expect(looksLikeACrash(r.stderr)).toBe(false);
    const spaced = reconcile(["validate", join(FIXTURES, "valid", "node-paths.yaml")]);
    expect(spaced.stderr).not.toMatch(/ error|not supported/);
    expect(spaced.code, spaced.stdout + spaced.stderr).toBe(0);
  });

  it.each(["binary.yaml", "non-utf8.yaml", "tabs.yaml", "empty.yaml", "duplicate-key.yaml", "top-level-list.yaml"])("answers %s with positioned errors, no stack trace", (name) => {
    const r = reconcile(["validate", join(FIXTURES, "invalid", name)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/:\d+:\d+ /);
    expect(looksLikeACrash(r.stderr + r.stdout)).toBe(false);
  });

  it("refuses a huge file without reading it whole", () => {
    const dir = tempDir();
    const file = join(dir, "cluster.yaml");
    writeFileSync(file, "# padding\n".repeat(600_000));
    const r = reconcile(["validate", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:1:1 file is too large (5.7 MiB); a cluster spec is at most 4.0 MiB`);
  });

  it("reports a missing file and a folder clearly", () => {
    const missing = reconcile(["validate", "nope.yaml"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("error: cannot read nope.yaml: no such file\nhint: `reconcile init` writes a starter cluster.yaml\n");
    const folder = reconcile(["validate", "test"]);
    expect(folder.code).toBe(1);
    expect(folder.stderr).toContain("error: test is a folder, not a cluster spec");
  });

  it("--json stays JSON when the file cannot be read", () => {
    const r = reconcile(["validate", "--json", "nope.yaml"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ valid: false, file: "nope.yaml", errors: [{ file: "nope.yaml", message: "cannot read nope.yaml: no such file", hint: "`reconcile init` writes a starter cluster.yaml" }], warnings: [] });
  });

  it("refuses a device instead of reading it forever", () => {
    const r = reconcile(["validate", "/dev/zero"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error: /dev/zero is not a regular file\n");
  });

  it("--json reports errors and the summary as data", () => {
    const bad = reconcile(["validate", "--json", join(FIXTURES, "invalid", "bad-timezone.yaml")]);
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.stdout) as { valid: boolean; errors: { line: number; col: number; path: string; message: string; hint?: string }[] };
    expect(report.valid).toBe(false);
    expect(report.errors[0]).toEqual({
      file: join(FIXTURES, "invalid", "bad-timezone.yaml"),
      line: 59,
      col: 23,
      path: "flows[0].deployments[0].schedules[0].timezone",
      message: "unknown time zone 'Europe/Berln': expected an IANA name such as Europe/Berlin or UTC",
      hint: "did you mean 'Europe/Berlin'?",
    });
    const good = reconcile(["validate", "--json", "-f", "cluster.yaml.example"]);
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ valid: true, errors: [], summary: { cluster: "production", nodes: 3, workers: 2, flows: 2, deployments: 4 } });
  });

  it("--strict turns missing artifacts and secrets into errors", () => {
    const r = reconcile(["validate", "--strict", "cluster.yaml.example"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/artifacts\.prefect-env\.source: artifact file not found/);
    expect(r.stderr).toMatch(/server\.database\.password: secret 'PG_PASSWORD' is not set \(set RECONCILE_SECRET_PG_PASSWORD, or add PG_PASSWORD=\.\.\. to secrets\.env\)/);
  });
});

describe("secrets through the CLI", () => {
  function project(secretsMode: number | undefined): string {
    const dir = tempDir();
    const spec = readFileSync(join(FIXTURES, "valid", "minimal.yaml"), "utf8")
      .replace("metadata:", "secrets:\n  file: secrets.env\nmetadata:")
      .replace("    type: sqlite", "    type: sqlite\n  # the auth string comes from secrets.env\n")
      .replace("    env: prefect-env\n", "    env: prefect-env\n    authString: {secret: PREFECT_AUTH}\n");
    writeFileSync(join(dir, "cluster.yaml"), spec);
    if (secretsMode !== undefined) {
      writeFileSync(join(dir, "secrets.env"), "PREFECT_AUTH=admin:correct-horse-battery\n");
      chmodSync(join(dir, "secrets.env"), secretsMode);
    }
    return dir;
  }

  it("resolves from a 0600 secrets file and never prints the value", () => {
    const dir = project(0o600);
    const r = reconcile(["validate", "--strict", "--json"], { cwd: dir });
    expect(r.stdout + r.stderr).not.toContain("correct-horse");
    expect(JSON.parse(r.stdout).errors.map((e: { message: string }) => e.message)).toEqual(["artifact file not found: " + join(dir, "artifacts/prefect.tar")]);
  });

  it("refuses a secrets file readable by others, and says why", () => {
    const dir = project(0o644);
    const r = reconcile(["validate"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`secrets.file: refusing secrets file ${join(dir, "secrets.env")}: it is readable or writable by group or others (mode 0644), so other users of this machine could read the secrets (run \`chmod 600 ${join(dir, "secrets.env")}\`)`);
    expect(r.stdout + r.stderr).not.toContain("is not set");
    expect(r.stdout + r.stderr).not.toContain("correct-horse");
  });

  it("names a missing secret; the environment can provide it", () => {
    const dir = project(undefined);
    const strict = reconcile(["validate", "--strict"], { cwd: dir });
    expect(strict.stderr).toContain("server.prefect.authString: secret 'PREFECT_AUTH' is not set");
    const fromEnv = reconcile(["validate", "--strict"], { cwd: dir, env: { RECONCILE_SECRET_PREFECT_AUTH: "admin:from-env-value" } });
    expect(fromEnv.stderr).not.toContain("PREFECT_AUTH' is not set");
    expect(fromEnv.stdout + fromEnv.stderr).not.toContain("from-env-value");
  });
});
