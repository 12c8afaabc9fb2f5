/** The loader's own checks on real files: local inputs, identity files, strict vs lenient. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatDiagnostic, SpecError } from "../../src/errors.js";
import { loadCluster } from "../../src/spec/load.js";
import { tempDir } from "../helpers/cli.js";
import { fixture } from "../helpers/spec.js";

function project(): string {
  const dir = tempDir();
  writeFileSync(join(dir, "cluster.yaml"), fixture("base.yaml").replace("ssh:\n  user: root\n", "ssh:\n  user: root\n  identityFile: keys/id_ed25519\n"));
  return dir;
}

async function problems(dir: string, strict: boolean): Promise<string[]> {
  const file = join(dir, "cluster.yaml");
  try {
    const loaded = await loadCluster(file, { strict, env: { RECONCILE_SECRET_PG_PASSWORD: "pw" } });
    return loaded.warnings.map(formatDiagnostic).map((l) => l.replace(file, "cluster.yaml").replaceAll(dir, "DIR"));
  } catch (error) {
    if (!(error instanceof SpecError)) throw error;
    return error.diagnostics.map(formatDiagnostic).map((l) => l.replace(file, "cluster.yaml").replaceAll(dir, "DIR"));
  }
}

describe("loadCluster", () => {
  it("warns about every missing local input when lenient", async () => {
    expect(await problems(project(), false)).toEqual([
      "cluster.yaml:7:17 ssh.identityFile: warning: SSH identity file not found: DIR/keys/id_ed25519",
      "cluster.yaml:16:13 artifacts.prefect-env.source: warning: artifact file not found: DIR/artifacts/prefect.tar (build or copy it there, then run `reconcile pin`)",
      "cluster.yaml:20:13 artifacts.flow-env.source: warning: artifact file not found: DIR/artifacts/flow.tar.gz (build or copy it there, then run `reconcile pin`)",
      "cluster.yaml:24:13 artifacts.pg-debs.source: warning: artifact file not found: DIR/artifacts/pg-debs (build or copy it there, then run `reconcile pin`)",
      "cluster.yaml:51:13 flows[0].source: warning: flow code folder not found: DIR/flows/etl",
    ]);
  });

  it("makes them errors when strict", async () => {
    const lines = await problems(project(), true);
    expect(lines).toHaveLength(5);
    expect(lines.every((l) => !l.includes("warning:"))).toBe(true);
  });

  it("checks what the inputs are: files, deb folders with a manifest, entrypoints", async () => {
    const dir = project();
    mkdirSync(join(dir, "keys"));
    writeFileSync(join(dir, "keys", "id_ed25519"), "key");
    mkdirSync(join(dir, "artifacts", "prefect.tar"), { recursive: true });
    writeFileSync(join(dir, "artifacts", "flow.tar.gz"), "env");
    mkdirSync(join(dir, "artifacts", "pg-debs"));
    mkdirSync(join(dir, "flows", "etl"), { recursive: true });
    expect(await problems(dir, false)).toEqual([
      "cluster.yaml:16:13 artifacts.prefect-env.source: artifact of kind 'tar' must be a file: DIR/artifacts/prefect.tar is a folder",
      "cluster.yaml:24:13 artifacts.pg-debs.source: warning: deb set DIR/artifacts/pg-debs has no SHA256SUMS manifest (`reconcile pin` writes it from the .deb files)",
      "cluster.yaml:52:17 flows[0].entrypoint: warning: entrypoint file etl.py not found in DIR/flows/etl",
    ]);
  });

  it("for commands that only reach the nodes, looks at the SSH identity files and nothing else local", async () => {
    const dir = project();
    // What would stop plan and apply: a folder where a tar goes, a secrets file others can read.
    mkdirSync(join(dir, "artifacts", "prefect.tar"), { recursive: true });
    writeFileSync(join(dir, "secrets.env"), "PG_PASSWORD=pw\n", { mode: 0o644 });
    const file = join(dir, "cluster.yaml");
    const loaded = await loadCluster(file, { strict: false, env: {}, secretsFile: join(dir, "secrets.env"), localInputs: false });
    expect(loaded.warnings.map(formatDiagnostic).map((l) => l.replace(file, "cluster.yaml").replaceAll(dir, "DIR"))).toEqual([
      "cluster.yaml:7:17 ssh.identityFile: warning: SSH identity file not found: DIR/keys/id_ed25519",
    ]);
    await expect(loadCluster(file, { strict: false, env: {}, secretsFile: join(dir, "secrets.env") })).rejects.toThrow(SpecError);
  });

  it("returns the resolved cluster and the secrets, redacted", async () => {
    const dir = project();
    const loaded = await loadCluster(join(dir, "cluster.yaml"), { strict: false, env: { RECONCILE_SECRET_PG_PASSWORD: "pw-value" } });
    expect(loaded.cluster.name).toBe("test");
    expect(loaded.secrets.missing).toEqual([]);
    expect(loaded.secrets.values.get("PG_PASSWORD")?.reveal()).toBe("pw-value");
    expect(JSON.stringify([...loaded.secrets.values])).not.toContain("pw-value");
  });
});
