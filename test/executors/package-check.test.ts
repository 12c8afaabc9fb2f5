/**
 * The packages step's check before dpkg (package-check.ts): apt's output parsed from real runs on a
 * Debian 13 root (test/fixtures/apt-simulate/, recorded with the PostgreSQL 17 set that `apt-get
 * install --download-only postgresql` fetched for the test bed's trixie base: 28 debs; and the
 * step's stderr on its bookworm base with the PostgreSQL 15 set, 24 debs), the words
 * people read, and the step's script run with `sh` against stand-in apt-get and dpkg.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { StepError } from "../../src/executors/remote-script.js";
import { installPackagesScript } from "../../src/executors/steps/artifacts.js";
import { APT_MARKER, describeUnmet, packagesRefusal, parseUnmet } from "../../src/executors/steps/package-check.js";
import { runNodeSteps } from "../../src/executors/steps/runner.js";
import { storePath } from "../../src/facts/layout.js";
import type { Step } from "../../src/planner/types.js";
import { tempDir } from "../helpers/cli.js";
import { LocalTransport } from "../helpers/local-transport.js";

const FIXTURES = new URL("../fixtures/apt-simulate/", import.meta.url);
/** A recorded run: apt's stdout and stderr together, then `rc=N` (the exit code) as its last line. */
const fixture = (name: string) => {
  const lines = readFileSync(new URL(name, FIXTURES), "utf8").trimEnd().split("\n");
  return { output: `${lines.slice(0, -1).join("\n")}\n`, code: Number(lines.at(-1)?.replace("rc=", "")) };
};

describe("parseUnmet: apt's unmet dependencies, from real output", () => {
  it.each([
    ["trixie-whole-set.txt", 0, []],
    [
      "trixie-without-libllvm19.txt",
      100,
      [{ package: "postgresql-17", relation: "Depends", alternatives: [{ dependency: "libllvm19 (>= 1:19.1.0)", why: "it is not installable" }] }],
    ],
    [
      "trixie-without-perl-libllvm19.txt",
      100,
      [
        { package: "libio-pty-perl", relation: "Depends", alternatives: [{ dependency: "perl (>= 5.40.0-8)", why: "it is not installable" }] },
        { package: "libipc-run-perl", relation: "Depends", alternatives: [{ dependency: "perl:any", why: "it is not installable" }] },
        { package: "libjson-perl", relation: "Depends", alternatives: [{ dependency: "perl:any", why: "it is not installable" }] },
        { package: "postgresql-17", relation: "Depends", alternatives: [{ dependency: "libllvm19 (>= 1:19.1.0)", why: "it is not installable" }] },
        { package: "postgresql-client-common", relation: "Depends", alternatives: [{ dependency: "perl:any", why: "it is not installable" }] },
        { package: "postgresql-common", relation: "Depends", alternatives: [{ dependency: "perl:any", why: "it is not installable" }] },
      ],
    ],
    [
      // A hand-made fake-a (Pre-Depends nosuch-pre; Depends libc6 (>= 9.0), nosuch-one | nosuch-two (>= 2))
      // beside the set without libllvm19 and postgresql-common: continuation lines and alternatives.
      "trixie-alternatives-versions.txt",
      100,
      [
        { package: "fake-a", relation: "PreDepends", alternatives: [{ dependency: "nosuch-pre", why: "it is not installable" }] },
        { package: "fake-a", relation: "Depends", alternatives: [{ dependency: "libc6 (>= 9.0)", why: "2.41-12+deb13u5 is to be installed" }] },
        {
          package: "fake-a",
          relation: "Depends",
          alternatives: [
            { dependency: "nosuch-one", why: "it is not installable" },
            { dependency: "nosuch-two (>= 2)", why: "it is not installable" },
          ],
        },
        { package: "postgresql-17", relation: "Depends", alternatives: [{ dependency: "postgresql-common (>= 252~)", why: "it is not installable" }] },
        { package: "postgresql-17", relation: "Depends", alternatives: [{ dependency: "libllvm19 (>= 1:19.1.0)", why: "it is not installable" }] },
      ],
    ],
  ] as const)("%s (exit %i)", (name, code, unmet) => {
    const f = fixture(name);
    expect(f.code).toBe(code);
    expect(parseUnmet(f.output)).toEqual(unmet);
  });

  it("nothing from output without the list (an interrupted dpkg, another language)", () => {
    expect(parseUnmet("E: dpkg was interrupted, you must manually run 'dpkg --configure -a' to correct the problem.\n")).toEqual([]);
    expect(parseUnmet("")).toEqual([]);
  });
});

describe("describeUnmet: in words", () => {
  it.each([
    [{ package: "postgresql-17", relation: "Depends", alternatives: [{ dependency: "libllvm19 (>= 1:19.1.0)", why: "it is not installable" }] }, "postgresql-17 needs libllvm19 (>= 1:19.1.0), which is neither installed nor in the set"],
    [{ package: "fake-a", relation: "PreDepends", alternatives: [{ dependency: "nosuch-pre", why: "it is not installable" }] }, "fake-a needs nosuch-pre, which is neither installed nor in the set"],
    [{ package: "fake-a", relation: "Depends", alternatives: [{ dependency: "libc6 (>= 9.0)", why: "2.41-12+deb13u5 is to be installed" }] }, "fake-a needs libc6 (>= 9.0), but only 2.41-12+deb13u5 is installed or in the set"],
    [{ package: "fake-a", relation: "Depends", alternatives: [{ dependency: "libc6 (>= 9.0)", why: "2.36-9 is installed" }] }, "fake-a needs libc6 (>= 9.0), but only 2.36-9 is installed or in the set"],
    [
      { package: "fake-a", relation: "Depends", alternatives: [{ dependency: "nosuch-one", why: "it is not installable" }, { dependency: "nosuch-two (>= 2)", why: "it is not installable" }] },
      "fake-a needs nosuch-one or nosuch-two (>= 2), none of which is installed or in the set",
    ],
    [{ package: "a", relation: "Breaks", alternatives: [{ dependency: "b (<< 2)", why: "1.0 is to be installed" }] }, "a breaks b (<< 2), but only 1.0 is installed or in the set"],
    [{ package: "a", relation: "Depends", alternatives: [{ dependency: "b", why: "it is not going to be installed" }] }, "a needs b, but it is not going to be installed"],
  ] as const)("%j", (u, text) => {
    expect(describeUnmet({ ...u, alternatives: [...u.alternatives] })).toBe(text);
  });
});

describe("packagesRefusal: the step's stderr", () => {
  it("the real stderr of the step on the trixie root, the set without libllvm19: one message naming it, and the fix", () => {
    const stderr = readFileSync(new URL("trixie-step-stderr-without-libllvm19.txt", FIXTURES), "utf8");
    expect(packagesRefusal(stderr, "pgdebs")).toEqual({
      reason: "the set cannot install: postgresql-17 needs libllvm19 (>= 1:19.1.0), which is neither installed nor in the set",
      hint: "run `reconcile fetch pgdebs` against this node's status, then `reconcile pin`",
    });
  });

  it("the same on Debian 12 (apt 2.6): the real stderr of the step on the test bed's bookworm base, its PostgreSQL 15 set without libllvm14", () => {
    const stderr = readFileSync(new URL("bookworm-step-stderr-without-libllvm14.txt", FIXTURES), "utf8");
    expect(packagesRefusal(stderr, "pgdebs")?.reason).toBe("the set cannot install: postgresql-15 needs libllvm14, which is neither installed nor in the set");
  });

  it("several at once, joined", () => {
    const f = fixture("trixie-without-perl-libllvm19.txt");
    const stderr = f.output.split("\n").map((l) => `${APT_MARKER}${l}`).join("\n");
    expect(packagesRefusal(stderr, "pg")?.reason).toBe(
      "the set cannot install: libio-pty-perl needs perl (>= 5.40.0-8), which is neither installed nor in the set; libipc-run-perl needs perl:any, which is neither installed nor in the set; libjson-perl needs perl:any, which is neither installed nor in the set; postgresql-17 needs libllvm19 (>= 1:19.1.0), which is neither installed nor in the set; postgresql-client-common needs perl:any, which is neither installed nor in the set; postgresql-common needs perl:any, which is neither installed nor in the set",
    );
  });

  it("apt failing for another reason: its E: lines; no marker lines: null (dpkg's own failure)", () => {
    const stderr = `${APT_MARKER}E: dpkg was interrupted, you must manually run 'dpkg --configure -a' to correct the problem.\n${APT_MARKER}exit 100\n`;
    expect(packagesRefusal(stderr, "pg")?.reason).toBe("the dependency check of the set failed before dpkg changed anything: dpkg was interrupted, you must manually run 'dpkg --configure -a' to correct the problem.");
    expect(packagesRefusal("dpkg: error processing archive x.deb\n", "pg")).toBeNull();
  });
});

describe("the packages step with stand-in apt-get and dpkg", () => {
  const SHA = "ab".repeat(32);
  /** A root with the set in its store, and a bin/ whose apt-get prints `aptOutput` and exits `aptCode`, and whose dpkg records its arguments. */
  function node(apt: { output: string; code: number } | null) {
    const dir = tempDir();
    const root = join(dir, "root");
    mkdirSync(storePath(root, SHA), { recursive: true });
    writeFileSync(join(storePath(root, SHA), "postgresql-17_17.12-0+deb13u1_amd64.deb"), "deb");
    const bin = join(dir, "bin");
    mkdirSync(bin);
    if (apt !== null) {
      writeFileSync(join(dir, "apt.out"), apt.output);
      writeFileSync(join(bin, "apt-get"), `#!/bin/sh\necho "$@" > ${JSON.stringify(join(dir, "apt.args"))}\ncat ${JSON.stringify(join(dir, "apt.out"))}\nexit ${apt.code}\n`);
      chmodSync(join(bin, "apt-get"), 0o755);
    }
    writeFileSync(join(bin, "dpkg"), `#!/bin/sh\necho "$@" > ${JSON.stringify(join(dir, "dpkg.args"))}\n`);
    chmodSync(join(bin, "dpkg"), 0o755);
    return { dir, root, bin };
  }
  /** Runs one packages step as node n1 with `bin` first on PATH (the local transport's sh inherits it). */
  async function run(n: ReturnType<typeof node>, path = `${n.bin}:${process.env.PATH ?? ""}`) {
    const step: Step = { id: "n1/install/packages:pgdebs", node: "n1", stage: "install", action: "create", address: "packages:pgdebs", dependsOn: [], facts: [], bytes: null, detail: { kind: "packages", artifact: "pgdebs", sha256: SHA, packages: null } };
    const saved = process.env.PATH;
    process.env.PATH = path;
    try {
      return await runNodeSteps([step], { transport: new LocalTransport("n1"), root: n.root, cluster: "c", generation: 1, journalDir: join(n.dir, "journal"), secrets: new Map(), transferSha: () => "", pixiUnpack: null, settleSeconds: 0, probeTimeoutSeconds: 5 }).then(
        () => null,
        (e: unknown) => e,
      );
    } finally {
      process.env.PATH = saved;
    }
  }

  it("a set apt cannot install is refused before dpkg runs: `node n1: install packages:pgdebs: the set cannot install: ...` with the fix", async () => {
    const n = node(fixture("trixie-without-libllvm19.txt"));
    const error = await run(n);
    expect(error).toBeInstanceOf(StepError);
    expect((error as StepError).message).toBe("node n1: install packages:pgdebs: the set cannot install: postgresql-17 needs libllvm19 (>= 1:19.1.0), which is neither installed nor in the set");
    expect((error as StepError).hint).toBe("run `reconcile fetch pgdebs` against this node's status, then `reconcile pin`");
    expect(existsSync(join(n.dir, "dpkg.args"))).toBe(false);
    // Offline and private: no archive, empty lists, no cache files, no lock; the set's files by path.
    const args = readFileSync(join(n.dir, "apt.args"), "utf8");
    expect(args).toContain("install --simulate --no-install-recommends -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists=");
    expect(args).toContain("-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o Debug::NoLocking=1");
    expect(args.trim().endsWith(`${storePath(n.root, SHA)}/postgresql-17_17.12-0+deb13u1_amd64.deb`)).toBe(true);
  });

  it("a set apt accepts goes on to dpkg -i of every file", async () => {
    const n = node(fixture("trixie-whole-set.txt"));
    expect(await run(n)).toBeNull();
    expect(readFileSync(join(n.dir, "dpkg.args"), "utf8").trim()).toBe(`--force-confold --force-confdef -i ${storePath(n.root, SHA)}/postgresql-17_17.12-0+deb13u1_amd64.deb`);
  });

  it("a node without apt-get: no check, dpkg alone", async () => {
    const n = node(null);
    // Only the stand-in bin and what sh itself needs: no apt-get anywhere on this PATH.
    const tools = join(n.dir, "tools");
    mkdirSync(tools);
    for (const t of ["sh", "mktemp", "mkdir", "rm", "sed", "cat", "base64"]) {
      const found = ["/usr/bin", "/bin"].map((d) => join(d, t)).find((p) => existsSync(p));
      if (found !== undefined) writeFileSync(join(tools, t), `#!/bin/sh\nexec ${found} "$@"\n`, { mode: 0o755 });
    }
    expect(await run(n, `${n.bin}:${tools}`)).toBeNull();
    expect(existsSync(join(n.dir, "dpkg.args"))).toBe(true);
  });

  it("the script is plain sh: the check's lines come before dpkg", () => {
    const script = installPackagesScript("/opt/prefect", SHA);
    expect(script.indexOf("apt-get install --simulate")).toBeGreaterThan(0);
    expect(script.indexOf("apt-get install --simulate")).toBeLessThan(script.indexOf("dpkg --force-confold"));
  });
});
