/**
 * `reconcile fetch` and `reconcile facts --save-status` through the real binary, with the targets
 * read from a file (--from-facts) and a FAKE apt-get on PATH (test/fixtures/fetch/fake-apt-get):
 * no node and no network.
 */
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeEach, describe, expect, it } from "vitest";
import { formatTargetsFile } from "../../src/facts/fetch-target.js";
import { looksLikeACrash, reconcile, tempDir } from "../helpers/cli.js";

const FAKE = fileURLToPath(new URL("../fixtures/fetch/fake-apt-get", import.meta.url));
const sha = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const STATUS = "Package: base-files\nStatus: install ok installed\nVersion: 13\nArchitecture: amd64\n";

const SPEC = `# fetch test project: comments and layout must survive.
apiVersion: reconcile/v1
kind: PrefectCluster
metadata: {name: fetch-test}
nodes:
  - name: server
    address: 198.51.100.11
artifacts:
  prefect-env: {kind: tar, source: artifacts/prefect.tar, sha256: ${"a".repeat(64)}}
  # PostgreSQL for the server, never fetched yet: no sha256.
  pg-debs:
    kind: deb
    source: artifacts/pg-debs
    packages: [postgresql]
server:
  node: server
  prefect: {env: prefect-env}
  database: {type: postgresql, packages: pg-debs, name: prefect, user: prefect, password: {secret: PG_PASSWORD}}
`;

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = tempDir();
  mkdirSync(join(dir, "bin"));
  copyFileSync(FAKE, join(dir, "bin", "apt-get"));
  writeFileSync(join(dir, "keyring.gpg"), "key");
  writeFileSync(join(dir, "cluster.yaml"), SPEC);
  writeFileSync(join(dir, "targets.json"), formatTargetsFile({ server: { ok: true, value: { id: "debian", versionId: "13", codename: "trixie", arch: "amd64", status: STATUS } } }));
  env = { PATH: `${join(dir, "bin")}:/usr/bin:/bin`, FAKE_APT_LOG: join(dir, "apt.log"), TMPDIR: dir };
});

const fetch = (...args: string[]) => reconcile(["fetch", "--from-facts", "targets.json", "--keyring", join(dir, "keyring.gpg"), ...args], { cwd: dir, env });

describe("reconcile fetch", () => {
  it("downloads what the node lacks into the set's folder with its manifest, and pins it in place", () => {
    const r = fetch();
    expect(r.code).toBe(0);
    const folder = join(dir, "artifacts", "pg-debs");
    expect(readdirSync(folder).sort()).toEqual(["SHA256SUMS", "libfake-common_2.0_all.deb", "postgresql_1.0_amd64.deb"]);
    const manifest = readFileSync(join(folder, "SHA256SUMS"), "utf8");
    expect(manifest).toMatch(/^[a-f0-9]{64} {2}libfake-common_2\.0_all\.deb\n[a-f0-9]{64} {2}postgresql_1\.0_amd64\.deb\n$/);
    const digest = sha(manifest);
    expect(readFileSync(join(dir, "cluster.yaml"), "utf8")).toBe(SPEC.replace("    source: artifacts/pg-debs\n", `    source: artifacts/pg-debs\n    sha256: ${digest}\n`));
    expect(r.stdout).toMatch(new RegExp(`^pg-debs {2}2 \\.deb files, \\d+ B for server \\(trixie amd64\\) in \\d+ s, pinned ${digest.slice(0, 12)}$`, "m"));
    expect(r.stdout).toContain("wrote cluster.yaml (1 deb set pinned)");
    expect(r.stderr).toContain("pg-debs: resolving postgresql for server (trixie amd64)");
    // The private apt roots are gone.
    expect(readdirSync(dir).filter((f) => f.startsWith("reconcile-apt-"))).toEqual([]);
    // The manifest validates with the pin: apply would accept the set.
    expect(reconcile(["validate"], { cwd: dir }).code).toBe(0);
  });

  it("a second fetch with the same result leaves the pin as it is", () => {
    expect(fetch().code).toBe(0);
    const before = readFileSync(join(dir, "cluster.yaml"), "utf8");
    const again = fetch();
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("pin unchanged");
    expect(readFileSync(join(dir, "cluster.yaml"), "utf8")).toBe(before);
  });

  it("--no-pin writes the set and leaves cluster.yaml alone", () => {
    const r = fetch("--no-pin");
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, "artifacts", "pg-debs", "SHA256SUMS"))).toBe(true);
    expect(readFileSync(join(dir, "cluster.yaml"), "utf8")).toBe(SPEC);
    expect(r.stdout).toContain("cluster.yaml not changed (--no-pin)");
  });

  it("says clearly that it needs apt-get, with exit 1 and no stack", () => {
    const r = reconcile(["fetch", "--from-facts", "targets.json", "--keyring", join(dir, "keyring.gpg")], { cwd: dir, env: { ...env, PATH: join(dir, "nowhere") } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("pg-debs  failed: reconcile fetch needs apt-get on this machine (Debian or Ubuntu) to resolve deb sets");
    expect(r.stderr).toContain("hint: run `reconcile fetch` on a Debian or Ubuntu machine");
    expect(looksLikeACrash(r.stdout + r.stderr)).toBe(false);
    expect(readFileSync(join(dir, "cluster.yaml"), "utf8")).toBe(SPEC);
  });

  it("names the artifact, node and apt's words when apt fails, and changes nothing", () => {
    const r = reconcile(["fetch", "--from-facts", "targets.json", "--keyring", join(dir, "keyring.gpg")], { cwd: dir, env: { ...env, FAKE_APT_FAIL: "install" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("pg-debs  failed: artifact pg-debs (node server, trixie amd64): apt-get install --download-only exited with 100: E: Unable to locate package postgresql");
    expect(existsSync(join(dir, "artifacts", "pg-debs"))).toBe(false);
    expect(readFileSync(join(dir, "cluster.yaml"), "utf8")).toBe(SPEC);
  });

  it("refuses a node that is not Debian, naming artifact and node", () => {
    writeFileSync(join(dir, "targets.json"), formatTargetsFile({ server: { ok: true, value: { id: "ubuntu", versionId: "24.04", codename: "noble", arch: "amd64", status: STATUS } } }));
    const r = fetch();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("artifact pg-debs: node server runs 'ubuntu': reconcile fetch resolves against Debian's archive only");
    expect(r.stderr).toContain("nothing fetched: 1 artifact cannot be fetched");
  });

  it("refuses a targets file that is not one, as wrong usage", () => {
    writeFileSync(join(dir, "targets.json"), "{}");
    const r = fetch();
    expect(r.code).toBe(64);
    expect(r.stderr).toContain("error: --from-facts targets.json: not a targets file");
    expect(r.stderr).toContain("hint: save one with `reconcile facts --save-status FILE`");
    expect(looksLikeACrash(r.stderr)).toBe(false);
  });

  it("an unknown artifact is wrong usage, with a suggestion", () => {
    const r = fetch("pg-deb");
    expect(r.code).toBe(64);
    expect(r.stderr).toContain("error: no artifact 'pg-deb' in cluster.yaml");
    expect(r.stderr).toMatch(/hint: .*pg-debs/);
  });

  it("a spec error is reported at file:line:col, without fetching", () => {
    writeFileSync(join(dir, "cluster.yaml"), SPEC.replace("packages: [postgresql]", "packages: [PostgreSQL]"));
    const r = fetch();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^cluster\.yaml:14:16 artifacts\.pg-debs\.packages\[0\]: must be a Debian package name/m);
    expect(existsSync(join(dir, "apt.log"))).toBe(false);
  });
});

describe("reconcile facts --save-status", () => {
  it("saves each node's target or why it gave none (a deb set not fetched yet needs no sha256), exit 1 when one failed", () => {
    writeFileSync(join(dir, "cluster.yaml"), SPEC.replace("    address: 198.51.100.11\n", "    address: 127.0.0.1\n    ssh: {port: 1, connectTimeout: 2s}\n"));
    const r = reconcile(["facts", "--save-status", "saved.json"], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("saved the release and dpkg status of 0 nodes to saved.json (1 node failed)");
    const saved = JSON.parse(readFileSync(join(dir, "saved.json"), "utf8")) as { format: string; nodes: Record<string, { ok: boolean; error: string }> };
    expect(saved.format).toBe("reconcile-fetch-targets/1");
    expect(saved.nodes["server"]).toMatchObject({ ok: false, error: expect.stringMatching(/^unreachable: /) });
    // fetch reads it and says which artifact and node cannot be fetched, and why.
    const f = reconcile(["fetch", "--from-facts", "saved.json"], { cwd: dir, env });
    expect(f.code).toBe(1);
    expect(f.stderr).toMatch(/^artifact pg-debs: node server: unreachable: /m);
  });

  it("does not go with --json", () => {
    const r = reconcile(["facts", "--json", "--save-status", "t.json"], { cwd: dir });
    expect(r.code).toBe(64);
    expect(r.stderr).toContain("--json and --save-status do not go together");
  });
});
