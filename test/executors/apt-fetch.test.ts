/**
 * apt-get under a private configuration, against a FAKE apt-get on PATH
 * (test/fixtures/fetch/fake-apt-get): it records its argv, environment, configuration and sources,
 * and "downloads" one .deb per package the given dpkg status lacks. No network.
 */
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeEach, describe, expect, it } from "vitest";
import { FileError, ReconcileError } from "../../src/errors.js";
import { AptMissingError, downloadDebs, writeDebSet, type AptOptions } from "../../src/executors/apt-fetch.js";
import type { DebFetch } from "../../src/planner/fetch.js";
import { tempDir } from "../helpers/cli.js";

const FAKE = fileURLToPath(new URL("../fixtures/fetch/fake-apt-get", import.meta.url));
const sha = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const STATUS_A = "Package: base-files\nStatus: install ok installed\nVersion: 13\nArchitecture: amd64\n";
const STATUS_B = `${STATUS_A}\nPackage: libfake-common\nStatus: install ok installed\nVersion: 2.0\nArchitecture: all\n\nPackage: caddy\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\n`;

let dir: string;
let bin: string;
let log: string;
let options: AptOptions;

beforeEach(() => {
  dir = tempDir("reconcile-fetch-");
  bin = join(dir, "bin");
  mkdirSync(bin);
  copyFileSync(FAKE, join(bin, "apt-get"));
  log = join(dir, "apt.log");
  const keyring = join(dir, "debian-archive-keyring.gpg");
  writeFileSync(keyring, "key");
  mkdirSync(join(dir, "tmp"));
  options = {
    // A host APT_CONFIG must not reach apt: the private one replaces it.
    env: { PATH: `${bin}:/usr/bin:/bin`, FAKE_APT_LOG: log, APT_CONFIG: "/etc/apt/apt.conf" },
    tmpDir: join(dir, "tmp"),
    sources: { mirror: "http://mirror.example/debian", securityMirror: "http://mirror.example/security", keyring },
  };
});

const job = (targets: DebFetch["targets"], packages = ["postgresql", "caddy"]): DebFetch => ({
  kind: "deb",
  artifact: "server-debs",
  folder: join(dir, "debs"),
  packages,
  release: { id: "debian", codename: "trixie", arch: "amd64" },
  targets,
});

/** The fake's records: one per apt-get run. */
function runs(): { argv: string; env: Record<string, string>; config: string; sources: string }[] {
  return readFileSync(log, "utf8")
    .split("end\n")
    .filter((r) => r.startsWith("argv:"))
    .map((r) => {
      const [head, rest] = r.split("config:\n") as [string, string];
      const [config, sources] = rest.split("sources:\n") as [string, string];
      const lines = head.split("\n");
      return { argv: lines[0]!.slice("argv: ".length), env: Object.fromEntries(lines.slice(1).filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)])), config, sources };
    });
}

describe("downloadDebs", () => {
  it("runs update then a download-only install per target, under a private configuration with the target's status", async () => {
    const { debs, cleanup } = await downloadDebs(job([{ node: "server", status: STATUS_A }]), options);
    expect(debs.map((d) => d.file)).toEqual(["caddy_1.0_amd64.deb", "libfake-common_2.0_all.deb", "postgresql_1.0_amd64.deb"]);
    const [update, install] = runs();
    expect(update?.argv).toMatch(/ update$/);
    expect(install?.argv).toMatch(/ install --download-only --no-install-recommends -y postgresql caddy$/);
    for (const r of [update!, install!]) {
      const root = r.env.APT_CONFIG!.replace(/\/etc\/apt\.conf$/, "");
      expect(root.startsWith(join(dir, "tmp", "reconcile-apt-"))).toBe(true);
      expect(r.env.status).toBe(join(root, "status"));
      expect(r.env.LC_ALL).toBe("C");
      // Nothing of the host's apt: every Dir::Etc path is private.
      expect(r.config).not.toMatch(/"\/etc\//);
      expect(r.config).toContain(`Dir::Etc::Parts "${root}/etc/apt.conf.d/";`);
      expect(r.config).toContain(`Dir::State::status "${root}/status";`);
      expect(r.argv).toContain("Dir::Etc::SourceParts=/dev/null");
      expect(r.sources).toBe(
        `deb [signed-by=${options.sources.keyring}] http://mirror.example/debian trixie main\n` +
          `deb [signed-by=${options.sources.keyring}] http://mirror.example/debian trixie-updates main\n` +
          `deb [signed-by=${options.sources.keyring}] http://mirror.example/security trixie-security main\n`,
      );
    }
    expect(readFileSync(join(runs()[0]!.env.APT_CONFIG!.replace(/\/etc\/apt\.conf$/, ""), "status"), "utf8")).toBe(STATUS_A);
    await cleanup();
    expect(readdirSync(join(dir, "tmp"))).toEqual([]);
  });

  it("fetches the union of what each target lacks", async () => {
    const { debs, cleanup } = await downloadDebs(job([{ node: "a", status: STATUS_B }, { node: "b", status: STATUS_A }]), options);
    expect(debs.map((d) => d.file)).toEqual(["caddy_1.0_amd64.deb", "libfake-common_2.0_all.deb", "postgresql_1.0_amd64.deb"]);
    await cleanup();
    const alone = await downloadDebs(job([{ node: "a", status: STATUS_B }]), options);
    expect(alone.debs.map((d) => d.file)).toEqual(["postgresql_1.0_amd64.deb"]);
    await alone.cleanup();
  });

  it("says apt-get is missing when it is not on PATH", async () => {
    const err = await downloadDebs(job([{ node: "server", status: STATUS_A }]), { ...options, env: { ...options.env, PATH: join(dir, "nothing") } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AptMissingError);
    expect((err as Error).message).toBe("reconcile fetch needs apt-get on this machine (Debian or Ubuntu) to resolve deb sets");
    expect(readdirSync(join(dir, "tmp"))).toEqual([]);
  });

  it.each([
    ["update", "artifact server-debs (node server, trixie amd64): apt-get update exited with 100: E: Failed to fetch http://deb.debian.org/debian/dists/trixie/InRelease  Could not resolve 'deb.debian.org'"],
    ["install", "artifact server-debs (node server, trixie amd64): apt-get install --download-only exited with 100: E: Unable to locate package caddy"],
  ])("names the artifact, node and apt's words when %s fails, and leaves no private root", async (which, message) => {
    const err = await downloadDebs(job([{ node: "server", status: STATUS_A }]), { ...options, env: { ...options.env, FAKE_APT_FAIL: which } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReconcileError);
    expect((err as Error).message).toBe(message);
    expect(readdirSync(join(dir, "tmp"))).toEqual([]);
  });

  it("needs the Debian archive keyring", async () => {
    const err = await downloadDebs(job([{ node: "server", status: STATUS_A }]), { ...options, sources: { ...options.sources, keyring: join(dir, "none.gpg") } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileError);
    expect((err as FileError).hint).toContain("apt-get install debian-archive-keyring");
  });
});

describe("writeDebSet", () => {
  const deb = (name: string, text: string) => {
    const path = join(dir, "dl", name);
    mkdirSync(join(dir, "dl"), { recursive: true });
    writeFileSync(path, text);
    return { file: name, path, bytes: Buffer.byteLength(text) };
  };

  it("creates the folder with the .deb files and their manifest; the pin is the manifest's sha256", async () => {
    const folder = join(dir, "artifacts", "pg");
    const r = await writeDebSet(folder, [deb("b_1_amd64.deb", "bb"), deb("a_1_amd64.deb", "a")]);
    const manifest = `${sha("a")}  a_1_amd64.deb\n${sha("bb")}  b_1_amd64.deb\n`;
    expect(readFileSync(join(folder, "SHA256SUMS"), "utf8")).toBe(manifest);
    expect(r).toEqual({ sha256: sha(manifest), files: 2, bytes: 3 });
    expect(statSync(folder).mode & 0o777).toBe(0o755);
  });

  it("replaces a stale set whole: no old .deb is left, nothing else beside it", async () => {
    const folder = join(dir, "pg");
    mkdirSync(folder);
    writeFileSync(join(folder, "stale_0_amd64.deb"), "old");
    writeFileSync(join(folder, "SHA256SUMS"), "old");
    await writeDebSet(folder, [deb("new_1_amd64.deb", "new")]);
    expect(readdirSync(folder).sort()).toEqual(["SHA256SUMS", "new_1_amd64.deb"]);
    expect(readdirSync(dir).filter((f) => f.includes("fetch"))).toEqual([]);
    expect(existsSync(join(folder, "stale_0_amd64.deb"))).toBe(false);
  });
});
