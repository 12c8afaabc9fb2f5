/** `reconcile pin` through the real binary, on real files in a temporary project. */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { reconcile, tempDir } from "../helpers/cli.js";

const sha = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const OLD = "0".repeat(63) + "1";

const SPEC = `# Pin test project: comments and layout must survive.
apiVersion: reconcile/v1
kind: PrefectCluster
metadata: {name: pin-test}
nodes:
  - name: node-1
    address: 198.51.100.11   # test bed address
artifacts:
  # The Prefect environment.
  prefect-env:
    kind: tar
    source: artifacts/prefect.tar
    sha256: ${OLD}   # stale on purpose
  debs:
    kind: deb
    source: artifacts/debs
  remote: {kind: file, source: "https://mirror.internal/tool", sha256: "${"b".repeat(64)}"}
server:
  node: node-1
  prefect: {env: prefect-env}
  database: {type: sqlite}
`;

let dir: string;
beforeEach(() => {
  dir = tempDir();
  mkdirSync(join(dir, "artifacts", "debs"), { recursive: true });
  writeFileSync(join(dir, "artifacts", "prefect.tar"), "pretend this is a tar of an environment\n");
  writeFileSync(join(dir, "artifacts", "debs", "b_1.0_amd64.deb"), "deb b");
  writeFileSync(join(dir, "artifacts", "debs", "a_2.0_amd64.deb"), "deb a");
  writeFileSync(join(dir, "artifacts", "debs", "notes.txt"), "not a package");
  writeFileSync(join(dir, "cluster.yaml"), SPEC);
});

describe("reconcile pin", () => {
  it("writes digests in place, keeps every other byte, writes the deb manifest", () => {
    const r = reconcile(["pin"], { cwd: dir });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const manifest = `${sha("deb a")}  a_2.0_amd64.deb\n${sha("deb b")}  b_1.0_amd64.deb\n`;
    expect(readFileSync(join(dir, "artifacts", "debs", "SHA256SUMS"), "utf8")).toBe(manifest);
    const tarDigest = sha("pretend this is a tar of an environment\n");
    const expected = SPEC.replace(`sha256: ${OLD}   # stale on purpose`, `sha256: ${tarDigest}   # stale on purpose`).replace(
      "    source: artifacts/debs\n",
      `    source: artifacts/debs\n    sha256: ${sha(manifest)}\n`,
    );
    expect(readFileSync(join(dir, "cluster.yaml"), "utf8")).toBe(expected);
    expect(r.stdout).toContain(`prefect-env  pinned ${tarDigest.slice(0, 12)} (was ${OLD.slice(0, 12)})`);
    expect(r.stdout).toContain(`debs         pinned ${sha(manifest).slice(0, 12)} (was unset); 2 .deb files, SHA256SUMS written`);
    expect(r.stdout).toContain("remote       skipped: URL source");
    expect(r.stdout).toContain("wrote cluster.yaml (2 digests changed)");
    expect(reconcile(["validate"], { cwd: dir }).code).toBe(0);
  });

  it("is idempotent, and --check says whether pins are stale (exit 2) without writing", () => {
    const before = readFileSync(join(dir, "cluster.yaml"));
    const check = reconcile(["pin", "--check"], { cwd: dir });
    expect(check.code).toBe(2);
    expect(check.stdout).toContain("cluster.yaml is out of date: 2 digests would change, 1 manifest would be written");
    expect(readFileSync(join(dir, "cluster.yaml")).equals(before)).toBe(true);
    expect(reconcile(["pin"], { cwd: dir }).code).toBe(0);
    const again = reconcile(["pin"], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("cluster.yaml is up to date");
    expect(reconcile(["pin", "--check"], { cwd: dir }).code).toBe(0);
  });

  it("pins only the named artifacts", () => {
    const r = reconcile(["pin", "prefect-env"], { cwd: dir });
    expect(r.code).toBe(0);
    const text = readFileSync(join(dir, "cluster.yaml"), "utf8");
    expect(text).toContain(`sha256: ${sha("pretend this is a tar of an environment\n")}`);
    expect(text).toContain("    source: artifacts/debs\n  remote:");
  });

  it("changes nothing, manifests included, when one artifact cannot be pinned", () => {
    writeFileSync(join(dir, "cluster.yaml"), SPEC.replace("source: artifacts/prefect.tar", "source: artifacts/missing.tar"));
    const before = readFileSync(join(dir, "cluster.yaml"));
    const r = reconcile(["pin"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(existsSync(join(dir, "artifacts", "debs", "SHA256SUMS"))).toBe(false);
    expect(r.stderr).toContain(`prefect-env  failed: cannot read ${join(dir, "artifacts/missing.tar")}: ENOENT`);
    expect(r.stderr).toContain("cluster.yaml not changed: 1 artifact could not be pinned");
    expect(readFileSync(join(dir, "cluster.yaml")).equals(before)).toBe(true);
  });

  it("refuses an unknown artifact name with a suggestion (usage error, exit 64)", () => {
    const r = reconcile(["pin", "prefect-evn"], { cwd: dir });
    expect(r.code).toBe(64);
    expect(r.stderr).toBe("error: no artifact 'prefect-evn' in cluster.yaml\nhint: did you mean 'prefect-env'?\n");
  });

  it("refuses a file that is not valid YAML, writing nothing", () => {
    writeFileSync(join(dir, "cluster.yaml"), SPEC.replace("kind: tar", "kind: tar\n\tbad: tab"));
    const before = readFileSync(join(dir, "cluster.yaml"));
    const r = reconcile(["pin"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^cluster\.yaml:12:1 tabs are not allowed for indentation/m);
    expect(readFileSync(join(dir, "cluster.yaml")).equals(before)).toBe(true);
  });
});

describe("reconcile pin on files it cannot edit safely", () => {
  it("refuses and writes nothing when a digest is an alias", () => {
    const d = tempDir();
    writeFileSync(join(d, "a.tar"), "a");
    const text = `digests:\n  a: &a "${"c".repeat(64)}"\napiVersion: reconcile/v1\nartifacts:\n  a:\n    kind: tar\n    source: a.tar\n    sha256: *a\n`;
    writeFileSync(join(d, "cluster.yaml"), text);
    const r = reconcile(["pin"], { cwd: d });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: cannot write the digest of 'a' into cluster.yaml safely; nothing written");
    expect(r.stderr).toContain(`hint: write \`sha256: ${sha("a")}\` under artifacts.a by hand`);
    expect(readFileSync(join(d, "cluster.yaml"), "utf8")).toBe(text);
  });

  it("resolves merge keys when reading sources", () => {
    const d = tempDir();
    writeFileSync(join(d, "a.tar"), "a");
    writeFileSync(join(d, "cluster.yaml"), "defaults: &tar {kind: tar, source: a.tar}\nartifacts:\n  a:\n    <<: *tar\n");
    const r = reconcile(["pin"], { cwd: d });
    expect(r.stdout).toContain(`a  pinned ${sha("a").slice(0, 12)} (was unset)`);
    expect(readFileSync(join(d, "cluster.yaml"), "utf8")).toBe(`defaults: &tar {kind: tar, source: a.tar}\nartifacts:\n  a:\n    sha256: ${sha("a")}\n    <<: *tar\n`);
  });
});
