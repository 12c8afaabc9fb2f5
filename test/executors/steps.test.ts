/**
 * Node step scripts run for real with `sh` in temp folders (the remote side without a node):
 * atomic writes and link switches with their undo journal, artifact installs with `.complete`
 * last, verify of paths, and the state a successful apply records. systemd parts run on the
 * test bed (test/e2e).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { StepError } from "../../src/executors/remote-script.js";
import { installArtifactScript, removeStoreScript } from "../../src/executors/steps/artifacts.js";
import { deleteFileScript, switchLinkScript, writeFileScript } from "../../src/executors/steps/files.js";
import { pruneJournalsScript, rollbackFilesScript, rollbackScript } from "../../src/executors/steps/journal.js";
import { nextState } from "../../src/executors/steps/node-state.js";
import { batchScript, runNodeSteps } from "../../src/executors/steps/runner.js";
import { serviceScript, stopServiceScript, verifyScript } from "../../src/executors/steps/services.js";
import { shellQuote } from "../../src/facts/shell.js";
import { PIXI_UNPACK, condaBuildPrefix, writeCondaPack, writePixiPack } from "../fixtures/standins/packs.js";
import type { Address } from "../../src/planner/address.js";
import type { Step, StepDetail } from "../../src/planner/types.js";
import type { ExecOptions, ExecResult } from "../../src/executors/transport.js";
import { LocalTransport } from "../helpers/local-transport.js";

const t = new LocalTransport();
const sh = async (script: string, stdin?: string) => t.exec(script, stdin === undefined ? {} : { stdin });
const me = userInfo().username;
const group = execFileSync("id", ["-gn"], { encoding: "utf8" }).trim();
const temp = () => mkdtempSync(join(tmpdir(), "reconcile-steps-"));
const sha = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");
/** A journal record as the format (steps/journal.ts) describes it, written here by hand: `once` keeps its kind as a word. */
const record = (operation: string, ...values: (string | Buffer)[]) =>
  [operation, ...values.map((v, i) => (operation === "once" && i === 0 ? String(v) : Buffer.from(v).toString("base64")))].join(" ");

/**
 * A folder with a stand-in systemctl that records its arguments; units are neither active nor
 * enabled (unless `enabled`), and the call `failing` (for example `restart x.service`) fails.
 * `run` expects the script to succeed and returns the calls (without the is-* queries) since the
 * last run; `exec` returns the status and stderr too.
 */
const fakeSystemd = (enabled = false, failing = "") => {
  const dir = temp();
  mkdirSync(join(dir, "bin"));
  const calls = join(dir, "calls");
  // `disable` notes when the unit file (UNIT_FILE, if set) is already gone, `enable` when it is not back yet.
  const fake = `#!/bin/sh\necho "$*" >> ${calls}\n[ "$1" = disable ] && [ -n "$UNIT_FILE" ] && [ ! -e "$UNIT_FILE" ] && echo "disable after the unit file went" >> ${calls}\n[ "$1" = enable ] && [ -n "$UNIT_FILE" ] && [ ! -e "$UNIT_FILE" ] && echo "enable before the unit file is back" >> ${calls}\n[ "$*" = ${JSON.stringify(failing)} ] && exit 1\ncase "$1" in is-active${enabled ? "" : "|is-enabled"}) exit 3;; esac\nexit 0\n`;
  writeFileSync(join(dir, "bin", "systemctl"), fake, { mode: 0o755 });
  const exec = (script: string) => {
    const r = spawnSync("sh", ["-c", script], { encoding: "utf8", env: { PATH: `${join(dir, "bin")}:${process.env.PATH ?? "/usr/bin:/bin"}` } });
    const made = existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n") : [];
    writeFileSync(calls, "");
    return { status: r.status, stderr: r.stderr, calls: made.filter((c) => c !== "" && !c.startsWith("is-")) };
  };
  const run = (script: string) => {
    const r = exec(script);
    expect(r.status, r.stderr).toBe(0);
    return r.calls;
  };
  return { journal: join(dir, "journal"), run, exec };
};

describe("files", () => {
  it("writes atomically with mode and owner; the journal restores the old content, or removes a new file", async () => {
    const dir = temp();
    const journal = join(dir, "journal");
    const existing = join(dir, "etc", "a.env");
    const fresh = join(dir, "etc", "b.env");
    mkdirSync(join(dir, "etc"));
    writeFileSync(existing, "OLD=1\n", { mode: 0o644 });
    expect((await sh(writeFileScript(existing, "0600", me, group, journal), "NEW=2\n")).code).toBe(0);
    expect((await sh(writeFileScript(existing, "0600", me, group, journal), "NEWER=3\n")).code).toBe(0);
    expect((await sh(writeFileScript(fresh, "0640", me, group, journal), "B=1\n")).code).toBe(0);
    expect(readFileSync(existing, "utf8")).toBe("NEWER=3\n");
    expect(statSync(existing).mode & 0o777).toBe(0o600);
    expect(statSync(fresh).mode & 0o777).toBe(0o640);
    expect(execFileSync("ls", ["-A", join(dir, "etc")], { encoding: "utf8" }).trim().split("\n").sort()).toEqual(["a.env", "b.env"]);
    expect((await sh(rollbackFilesScript(journal))).code).toBe(0);
    // Back to what was there before the generation started (not the intermediate write).
    expect(readFileSync(existing, "utf8")).toBe("OLD=1\n");
    expect(statSync(existing).mode & 0o777).toBe(0o644);
    expect(existsSync(fresh)).toBe(false);
  });

  it("a file no longer declared is deleted, and a rollback brings it back", async () => {
    const dir = temp();
    const path = join(dir, "gone.env");
    writeFileSync(path, "X=1\n");
    expect((await sh(deleteFileScript(path, join(dir, "journal")))).code).toBe(0);
    expect(existsSync(path)).toBe(false);
    await sh(rollbackFilesScript(join(dir, "journal")));
    expect(readFileSync(path, "utf8")).toBe("X=1\n");
  });
});

describe("links", () => {
  it("switches atomically and keeps the previous target for the rollback", async () => {
    const dir = temp();
    const journal = join(dir, "journal");
    const link = join(dir, "envs", "prefect-env");
    const fresh = join(dir, "envs", "new-env");
    mkdirSync(join(dir, "envs"));
    symlinkSync(join(dir, "store", "old"), link);
    expect((await sh(switchLinkScript(link, join(dir, "store", "new"), journal))).code).toBe(0);
    expect((await sh(switchLinkScript(fresh, join(dir, "store", "x"), journal))).code).toBe(0);
    expect(readlinkSync(link)).toBe(join(dir, "store", "new"));
    expect(lstatSync(fresh).isSymbolicLink()).toBe(true);
    expect(existsSync(`${link}.reconcile-new`)).toBe(false);
    await sh(rollbackFilesScript(journal));
    expect(readlinkSync(link)).toBe(join(dir, "store", "old"));
    expect(existsSync(fresh) || lstatSync(fresh, { throwIfNoEntry: false }) !== undefined).toBe(false);
  });
});

describe("artifact install", () => {
  const upload = (root: string, data: Buffer) => {
    const digest = sha(data);
    mkdirSync(join(root, "store", ".incoming"), { recursive: true });
    writeFileSync(join(root, "store", ".incoming", digest), data);
    return digest;
  };
  const tarOf = (files: Record<string, string>) => {
    const src = temp();
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(src, name)), { recursive: true });
      writeFileSync(join(src, name), text);
    }
    return execFileSync("tar", ["-c", "-C", src, "."]);
  };

  it("a tar is extracted into store/<sha> with .complete written last and the upload removed; again is a no-op", async () => {
    const root = temp();
    const data = tarOf({ "hello.txt": "hi\n" });
    const digest = upload(root, data);
    const detail = { kind: "artifact" as const, artifact: "env", artifactKind: "tar" as const, sha256: digest, source: "x" };
    expect((await sh(installArtifactScript(root, detail, digest, null))).stderr).toBe("");
    expect(readFileSync(join(root, "store", digest, "hello.txt"), "utf8")).toBe("hi\n");
    expect(existsSync(join(root, "store", digest, ".complete"))).toBe(true);
    expect(existsSync(join(root, "store", ".incoming", digest))).toBe(false);
    expect((await sh(installArtifactScript(root, detail, digest, null))).code).toBe(0);
  });

  it("a half-extracted folder (no .complete) is redone from the upload", async () => {
    const root = temp();
    const data = tarOf({ "a.txt": "a\n" });
    const digest = upload(root, data);
    mkdirSync(join(root, "store", digest));
    writeFileSync(join(root, "store", digest, "junk"), "left by a crash");
    const detail = { kind: "artifact" as const, artifact: "env", artifactKind: "tar" as const, sha256: digest, source: "x" };
    expect((await sh(installArtifactScript(root, detail, digest, null))).code).toBe(0);
    expect(existsSync(join(root, "store", digest, "junk"))).toBe(false);
  });

  it("a deb set is checked against its manifest on the node", async () => {
    const root = temp();
    const deb = "not really a deb\n";
    const good = tarOf({ "a_1_all.deb": deb, SHA256SUMS: `${sha(deb)}  a_1_all.deb\n` });
    const bad = tarOf({ "a_1_all.deb": "tampered\n", SHA256SUMS: `${sha(deb)}  a_1_all.deb\n` });
    const detail = (s: string) => ({ kind: "artifact" as const, artifact: "debs", artifactKind: "deb" as const, sha256: s, source: "x" });
    const ok = upload(root, good);
    expect((await sh(installArtifactScript(root, detail("1".repeat(64)), ok, null))).code).toBe(0);
    const no = upload(root, bad);
    const r = await sh(installArtifactScript(root, detail("2".repeat(64)), no, null));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("a_1_all.deb");
    expect(existsSync(join(root, "store", "2".repeat(64), ".complete"))).toBe(false);
  });

  // Regression test: conda-unpack is a Python script with `#!/usr/bin/env python`, and a Debian
  // node has no `python` on its PATH (python3 only); it must run with the environment's python.
  it("a conda-pack archive is extracted in place and its conda-unpack, run with the env's python, rewrites the build prefix to the store folder", async () => {
    const root = temp();
    const packs = temp();
    const digest = upload(root, readFileSync(writeCondaPack(packs, "reports-env")));
    // The node's PATH: whatever `python` it finds is not the environment's.
    const bin = temp();
    writeFileSync(join(bin, "python"), "#!/bin/sh\necho 'not the environment python' >&2\nexit 3\n", { mode: 0o755 });
    const detail = { kind: "artifact" as const, artifact: "reports-env", artifactKind: "conda-pack" as const, sha256: digest, source: "x" };
    const target = join(root, "store", digest);
    // The environment's python notes that it ran conda-unpack (after extraction, before the run).
    const marker = join(temp(), "ran");
    const script = installArtifactScript(root, detail, digest, null).replace(
      /(\n[^\n]*conda-unpack)/,
      `\nmv ${target}/bin/python ${target}/bin/python.real && printf '#!/bin/sh\\necho "$@" > ${marker}\\nexec ${target}/bin/python.real "$@"\\n' > ${target}/bin/python && chmod +x ${target}/bin/python$1`,
    );
    const r = await sh(`PATH=${bin}:$PATH; export PATH\n${script}`);
    expect(r.stderr).toBe("");
    expect(readFileSync(marker, "utf8")).toBe(`${target}/bin/conda-unpack\n`);
    expect(readFileSync(join(target, "etc", "reports-env.conf"), "utf8")).toBe(`prefix = ${target}\ndata = ${target}/share/reports-env\n`);
    // No file holds the build prefix any more (conda-unpack itself lists it, as the real one does).
    const left = spawnSync("grep", ["-rlF", "--exclude=conda-unpack", condaBuildPrefix("reports-env"), target], { encoding: "utf8" });
    expect({ status: left.status, files: left.stdout }).toEqual({ status: 1, files: "" });
    expect(existsSync(join(target, ".complete"))).toBe(true);
  });

  it("a tar that keeps its environment under one top folder (`path`): extracted whole, complete only when that folder is there", async () => {
    const root = temp();
    const archive = tarOf({ "prefect-3.4.25/bin/prefect": "#!/bin/sh\n", "prefect-3.4.25/VERSION": "3.4.25\n" });
    const detail = (sha: string, path: string) => ({ kind: "artifact" as const, artifact: "prefect-env", artifactKind: "tar" as const, sha256: sha, source: "x", path });
    const good = upload(root, archive);
    expect((await sh(installArtifactScript(root, detail("1".repeat(64), "prefect-3.4.25"), good, null))).code).toBe(0);
    expect(readFileSync(join(root, "store", "1".repeat(64), "prefect-3.4.25", "VERSION"), "utf8")).toBe("3.4.25\n");
    expect(existsSync(join(root, "store", "1".repeat(64), ".complete"))).toBe(true);
    const again = upload(root, archive);
    const r = await sh(installArtifactScript(root, detail("2".repeat(64), "prefect-3.4.24"), again, null));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe("artifact prefect-env: the archive has no folder prefect-3.4.24 (its `path`); it holds: prefect-3.4.25 \n");
    expect(existsSync(join(root, "store", "2".repeat(64), ".complete"))).toBe(false);
  });

  it("a conda-pack archive under a top folder runs the conda-unpack of that folder", async () => {
    const root = temp();
    const src = temp();
    mkdirSync(join(src, "env", "bin"), { recursive: true });
    writeFileSync(join(src, "env", "bin", "python"), '#!/bin/sh\nexec python3 "$@"\n', { mode: 0o755 });
    writeFileSync(join(src, "env", "bin", "conda-unpack"), "import os, sys\nopen(os.path.join(os.path.dirname(sys.argv[0]), 'unpacked'), 'w').write('yes')\n");
    const digest = upload(root, execFileSync("tar", ["-cz", "-C", src, "."]));
    const detail = { kind: "artifact" as const, artifact: "reports-env", artifactKind: "conda-pack" as const, sha256: digest, source: "x", path: "env" };
    const r = await sh(installArtifactScript(root, detail, digest, null));
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(root, "store", digest, "env", "bin", "unpacked"), "utf8")).toBe("yes");
  });

  it("a conda-pack archive whose conda-unpack fails is not marked complete", async () => {
    const root = temp();
    const src = temp();
    mkdirSync(join(src, "bin"));
    writeFileSync(join(src, "bin", "python"), '#!/bin/sh\nexec python3 "$@"\n', { mode: 0o755 });
    writeFileSync(join(src, "bin", "conda-unpack"), "import sys\nsys.exit('conda-unpack: cannot rewrite')\n");
    const digest = upload(root, execFileSync("tar", ["-cz", "-C", src, "."]));
    const detail = { kind: "artifact" as const, artifact: "reports-env", artifactKind: "conda-pack" as const, sha256: digest, source: "x" };
    const r = await sh(installArtifactScript(root, detail, digest, null));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("conda-unpack: cannot rewrite");
    expect(existsSync(join(root, "store", digest, ".complete"))).toBe(false);
  });

  it("a pixi-pack archive is unpacked by the pinned pixi-unpack straight into its final folder: env/ and activate.sh", async () => {
    const root = temp();
    const digest = upload(root, readFileSync(writePixiPack(temp(), "etl-env")));
    const detail = { kind: "artifact" as const, artifact: "etl-env", artifactKind: "pixi-pack" as const, sha256: digest, source: "x" };
    const r = await sh(installArtifactScript(root, detail, digest, PIXI_UNPACK));
    expect(r.code, r.stderr).toBe(0);
    const env = join(root, "store", digest, "env");
    expect(execFileSync(join(env, "bin", "python"), ["-c", "print(1 + 1)"], { encoding: "utf8" })).toBe("2\n");
    expect(readFileSync(join(env, "bin", "prefect"), "utf8")).toContain(`prefix='${env}'`);
    expect(readFileSync(join(root, "store", digest, "activate.sh"), "utf8")).toContain(`export CONDA_PREFIX="${env}"`);
    expect(existsSync(join(root, "store", digest, ".complete"))).toBe(true);
    expect(() => installArtifactScript(root, detail, digest, null)).toThrow("a pixi-pack archive needs tools.pixiUnpack");
  });

  it("a pixi-pack archive for another platform is refused by pixi-unpack and not marked complete", async () => {
    const root = temp();
    const digest = upload(root, readFileSync(writePixiPack(temp(), "mac-env", { platform: "osx-arm64" })));
    const detail = { kind: "artifact" as const, artifact: "mac-env", artifactKind: "pixi-pack" as const, sha256: digest, source: "x" };
    const r = await sh(installArtifactScript(root, detail, digest, PIXI_UNPACK));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("Error: The pack was created for a different platform\n");
    expect(existsSync(join(root, "store", digest, "env"))).toBe(false);
    expect(existsSync(join(root, "store", digest, ".complete"))).toBe(false);
  });

  it("a file artifact lands under its name, executable", async () => {
    const root = temp();
    const digest = upload(root, Buffer.from("#!/bin/sh\necho tool\n"));
    const detail = { kind: "artifact" as const, artifact: "pixi-unpack", artifactKind: "file" as const, sha256: digest, source: "x" };
    expect((await sh(installArtifactScript(root, detail, digest, null))).code).toBe(0);
    expect(execFileSync(join(root, "store", digest, "pixi-unpack"), { encoding: "utf8" })).toBe("tool\n");
  });
});

describe("store removal (prune)", () => {
  it("moves the folder aside, then removes it, clearing what an earlier removal left; refuses a path outside the store", () => {
    const root = mkdtempSync(join(tmpdir(), "reconcile-gc-"));
    const sha = "c".repeat(64);
    const keep = "d".repeat(64);
    for (const d of [sha, keep]) {
      mkdirSync(join(root, "store", d, "env", "bin"), { recursive: true });
      writeFileSync(join(root, "store", d, ".complete"), "");
    }
    mkdirSync(join(root, "store", `.trash-${"e".repeat(64)}`, "left"), { recursive: true });
    const r = spawnSync("sh", ["-c", removeStoreScript(root, join(root, "store", sha))], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(join(root, "store")).sort()).toEqual([keep]);
    // Gone already: nothing to do.
    expect(spawnSync("sh", ["-c", removeStoreScript(root, join(root, "store", sha))]).status).toBe(0);
    expect(() => removeStoreScript(root, join(root, "envs", "x"))).toThrow("not a folder of the store");
    expect(() => removeStoreScript(root, join(root, "store", `${sha}/..`))).toThrow("not a folder of the store");
  });
});

describe("services", () => {
  const systemctlCalls = (detail: { enable: boolean; start: boolean; restart: boolean; daemonReload: boolean }) => {
    const systemd = fakeSystemd();
    return systemd.run(serviceScript({ kind: "service", unit: "prefect-worker@p.service", ...detail }, systemd.journal));
  };

  it("a new unit: enabled without its own reload, systemd reloaded once, then started", () => {
    expect(systemctlCalls({ enable: true, start: true, restart: false, daemonReload: true })).toEqual([
      "enable --no-reload prefect-worker@p.service",
      "daemon-reload",
      "start prefect-worker@p.service",
    ]);
  });

  it("a rollback disables a unit the generation enabled, once, before its file is put back", () => {
    const systemd = fakeSystemd();
    const unitFile = join(temp(), "prefect-worker@p.service");
    const detail = { kind: "service" as const, unit: "prefect-worker@p.service", enable: true, start: true, restart: false, daemonReload: true };
    systemd.run(`${writeFileScript(unitFile, "0644", me, group, systemd.journal)} <<'EOF'\n[Unit]\nEOF`);
    systemd.run(serviceScript(detail, systemd.journal));
    systemd.run(serviceScript(detail, systemd.journal)); // a retry in the same generation journals nothing more
    expect(systemd.run(`export UNIT_FILE=${unitFile}\n${rollbackFilesScript(systemd.journal)}`)).toEqual(["disable --no-reload prefect-worker@p.service"]);
    expect(existsSync(unitFile)).toBe(false);
  });

  it("a changed unit file: reloaded, then restarted; nothing changed: only restarted", () => {
    expect(systemctlCalls({ enable: false, start: false, restart: true, daemonReload: true })).toEqual(["daemon-reload", "restart prefect-worker@p.service"]);
    expect(systemctlCalls({ enable: false, start: false, restart: true, daemonReload: false })).toEqual(["restart prefect-worker@p.service"]);
  });

  it("a rollback enables again a unit the generation disabled, after its file is back", () => {
    const systemd = fakeSystemd(true);
    const unitFile = join(temp(), "prefect-worker@old.service");
    writeFileSync(unitFile, "[Unit]\n");
    expect(systemd.run(stopServiceScript("prefect-worker@old.service", systemd.journal))).toEqual(["disable --now prefect-worker@old.service"]);
    systemd.run(deleteFileScript(unitFile, systemd.journal));
    expect(existsSync(unitFile)).toBe(false);
    expect(systemd.run(`export UNIT_FILE=${unitFile}\n${rollbackFilesScript(systemd.journal)}`)).toEqual(["enable --no-reload prefect-worker@old.service"]);
    expect(readFileSync(unitFile, "utf8")).toBe("[Unit]\n");
  });

  it("journals are readable by root only; a rollback that put everything back removes its journal, one that could not keeps it", () => {
    const systemd = fakeSystemd();
    const base = temp();
    const journal = join(base, "rollback", "7");
    const secrets = join(base, "worker.secrets.env");
    writeFileSync(secrets, "TOKEN=old\n", { mode: 0o600 });
    systemd.run(`${writeFileScript(secrets, "0600", me, group, journal)} <<'EOF'\nTOKEN=new\nEOF`);
    expect(statSync(journal).mode & 0o777).toBe(0o700);
    expect(statSync(join(base, "rollback")).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(journal, "files", secrets), "utf8")).toBe("TOKEN=old\n");
    systemd.run(rollbackScript(journal));
    expect(readFileSync(secrets, "utf8")).toBe("TOKEN=old\n");
    expect(existsSync(journal)).toBe(false);

    // A journal whose undo fails stays for the retry, and the rollback fails: here a link whose
    // folder is gone cannot be put back.
    const broken = join(base, "rollback", "8");
    mkdirSync(broken, { recursive: true });
    writeFileSync(join(broken, "undo"), `${record("restore-link", join(base, "gone", "x"), "/old")}\n${record("once", "link", join(base, "gone", "x"))}\n`);
    const r = spawnSync("sh", ["-c", rollbackScript(broken)], { encoding: "utf8" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("could not put the links and files back");
    expect(existsSync(broken)).toBe(true);
  });

  it("after generation G is recorded only its journal stays (the way back to G-1); older ones go, and stale newer ones", () => {
    const root = join(temp(), "rollback");
    for (const g of ["3", "4", "5", "12", "not-a-generation"]) mkdirSync(join(root, g), { recursive: true });
    const r = spawnSync("sh", ["-c", pruneJournalsScript(5, root)], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(execFileSync("ls", [root], { encoding: "utf8" }).trim().split("\n").sort()).toEqual(["5", "not-a-generation"]);
  });

  it("a unit no longer declared is disabled and stopped", () => {
    const systemd = fakeSystemd();
    expect(systemd.run(stopServiceScript("prefect-worker@p.service", systemd.journal))).toEqual(["disable --now prefect-worker@p.service"]);
  });
});

describe("verify", () => {
  it("fails naming a link that does not resolve", async () => {
    const dir = temp();
    symlinkSync(join(dir, "nowhere"), join(dir, "dangling"));
    mkdirSync(join(dir, "real"));
    symlinkSync(join(dir, "real"), join(dir, "good"));
    expect((await sh(verifyScript([], [join(dir, "good")], 0))).code).toBe(0);
    const r = await sh(verifyScript([], [join(dir, "good"), join(dir, "dangling")], 0));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(dir, "dangling")} does not resolve`);
  });

  it("an environment whose python does not run fails verify", async () => {
    const dir = temp();
    mkdirSync(join(dir, "env", "bin"), { recursive: true });
    writeFileSync(join(dir, "env", "bin", "python"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
    const r = await sh(verifyScript([], [join(dir, "env")], 0));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(dir, "env")}/bin/python does not run`);
    writeFileSync(join(dir, "env", "bin", "python"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    expect((await sh(verifyScript([], [join(dir, "env")], 0))).code).toBe(0);
  });
});

describe("nextState", () => {
  it("records every declared and kept resource with the generation that last changed it", () => {
    const previous = { version: 1 as const, generation: 3, cluster: "c", specDigest: "d", appliedAt: "t", resources: [{ id: "file:/a", generation: 2 }, { id: "file:/old", generation: 1 }, { id: "link:/l", generation: 3 }] };
    const state = nextState(previous, { generation: 4, cluster: "c", specDigest: "e", appliedAt: "2026-11-21T00:00:00Z", declared: ["file:/a", "link:/l", "service:x"], changed: ["link:/l", "service:x"], kept: ["file:/old"] });
    expect(state).toEqual({
      version: 1,
      generation: 4,
      cluster: "c",
      specDigest: "e",
      appliedAt: "2026-11-21T00:00:00Z",
      resources: [
        { id: "file:/a", generation: 2 },
        { id: "file:/old", generation: 1 },
        { id: "link:/l", generation: 4 },
        { id: "service:x", generation: 4 },
      ],
    });
  });
  it("records the spec's git commit when the apply knew it, and no revision field otherwise", () => {
    const input = { generation: 1, cluster: "c", specDigest: "e", appliedAt: "2026-11-21T00:00:00Z", declared: ["file:/a"], changed: ["file:/a"], kept: [] };
    expect(nextState(null, { ...input, revision: "0123456789abcdef0123456789abcdef01234567" }).revision).toBe("0123456789abcdef0123456789abcdef01234567");
    expect("revision" in nextState(null, input)).toBe(false);
  });
});

describe("batches", () => {
  it("runs several steps in one command, each with its own stdin, bytes exact", async () => {
    const dir = temp();
    const journal = join(dir, "journal");
    const tricky = "A=\"x y\"\nEOF\nRECONCILE_STDIN_0\n$(rm -rf /)\n\u00e9\n";
    const r = await t.exec("sh -s", {
      stdin: batchScript([
        { id: "n/configure/file:a", script: writeFileScript(join(dir, "a.env"), "0600", me, group, journal), stdin: tricky },
        { id: "n/configure/file:b", script: writeFileScript(join(dir, "b.env"), "0644", me, group, journal), stdin: "no newline at the end" },
        { id: "n/configure/noop", script: "exit 0" },
      ]),
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, "a.env"), "utf8")).toBe(tricky);
    expect(readFileSync(join(dir, "b.env"), "utf8")).toBe("no newline at the end");
  });

  it("stops at the first failing step and names it", async () => {
    const dir = temp();
    const r = await t.exec("sh -s", {
      stdin: batchScript([
        { id: "n/configure/one", script: `touch ${join(dir, "one")}` },
        { id: "n/configure/two", script: "set -e\necho broken >&2\nfalse\necho never" },
        { id: "n/configure/three", script: `touch ${join(dir, "three")}` },
      ]),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("broken\n@@reconcile-step-failed n/configure/two\n");
    expect(existsSync(join(dir, "one"))).toBe(true);
    expect(existsSync(join(dir, "three"))).toBe(false);
  });
});

describe("runNodeSteps", () => {
  /** The local `sh` as node n1, recording every command line. */
  class Recording extends LocalTransport {
    readonly commands: string[] = [];
    override exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
      this.commands.push(command);
      return super.exec(command, options);
    }
  }
  const step = (stage: Step["stage"], address: Address, detail: StepDetail): Step => ({ id: `n1/${stage}/${address}`, node: "n1", stage, action: "create", address, dependsOn: [], facts: [], bytes: null, detail });
  const context = (transport: LocalTransport, journalDir: string) => ({ transport, root: "/nowhere", cluster: "c", generation: 1, journalDir, secrets: new Map(), transferSha: () => "", pixiUnpack: null, settleSeconds: 0, probeTimeoutSeconds: 5 });

  it("runs a stage's steps as ONE `sh -s`, a file's content reaching its step as the script's input", async () => {
    const dir = temp();
    const t = new Recording("n1");
    const env = join(dir, "etc", "worker.env");
    await runNodeSteps(
      [
        step("configure", `file:${env}`, { kind: "file", path: env, mode: "0600", owner: me, group, content: { type: "text", text: "A=1\nB='two words'\n" } }),
        step("configure", "link:l", { kind: "link", path: join(dir, "envs", "e"), target: join(dir, "store", "x") }),
      ],
      context(t, join(dir, "journal")),
    );
    expect(t.commands).toEqual(["sh -s"]);
    expect(readFileSync(env, "utf8")).toBe("A=1\nB='two words'\n");
    expect(readlinkSync(join(dir, "envs", "e"))).toBe(join(dir, "store", "x"));
  });

  it("a failing step is named in the StepError with the tail of its stderr, and the steps after it do not run", async () => {
    const dir = temp();
    const missing = join(dir, "envs", "missing");
    const error = await runNodeSteps(
      [
        step("verify", "verify:n1", { kind: "verify", units: [], paths: [missing], python: null, probes: [], loopbackOnly: [] }),
        step("verify", "link:after", { kind: "link", path: join(dir, "after"), target: dir }),
      ],
      context(new LocalTransport("n1"), join(dir, "journal")),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepError);
    expect((error as StepError).message).toBe(`node n1: verify verify:n1 failed: exit 1: ${missing} does not resolve`);
    expect(existsSync(join(dir, "after"))).toBe(false);
  });
});

describe("a root holding spaces and the other supported punctuation", () => {
  /** A root like `/tmp/reconcile steps XXX/my prefect +@,:=~._-`, as a node's root may be. */
  const spacedRoot = () => {
    const root = join(mkdtempSync(join(tmpdir(), "reconcile steps ")), "my prefect +@,:=~._-");
    mkdirSync(root);
    return root;
  };

  it("files: written, deleted and put back by the journal, all under paths with spaces", async () => {
    const root = spacedRoot();
    const journal = join(root, "rollback dir", "1");
    const existing = join(root, "etc dir", "a b.env");
    const fresh = join(root, "etc dir", "new file.env");
    const gone = join(root, "etc dir", "gone file.env");
    mkdirSync(join(root, "etc dir"));
    writeFileSync(existing, "OLD=1\n");
    writeFileSync(gone, "GONE=1\n");
    // As apply sends them: one batch, each step in its own subshell, stdin as a here-document.
    const batch = batchScript([
      { id: "n/configure/a", script: writeFileScript(existing, "0600", me, group, journal), stdin: "NEW=2\n" },
      { id: "n/configure/b", script: writeFileScript(fresh, "0644", me, group, journal), stdin: "B=1\n" },
      { id: "n/configure/c", script: deleteFileScript(gone, journal) },
    ]);
    const r = await t.exec("sh -s", { stdin: batch });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(existing, "utf8")).toBe("NEW=2\n");
    expect(readFileSync(fresh, "utf8")).toBe("B=1\n");
    expect(existsSync(gone)).toBe(false);
    const rb = await sh(rollbackFilesScript(journal));
    expect(rb.code, rb.stderr).toBe(0);
    expect(readFileSync(existing, "utf8")).toBe("OLD=1\n");
    expect(existsSync(fresh)).toBe(false);
    expect(readFileSync(gone, "utf8")).toBe("GONE=1\n");
  });

  it("links: switched, and the journal's record (restore-link <path> <old target>) puts the old target back", async () => {
    const root = spacedRoot();
    const journal = join(root, "rollback", "1");
    const link = join(root, "envs", "prefect-env");
    const fresh = join(root, "envs", "new-env");
    const old = join(root, "store", "old one");
    mkdirSync(join(root, "envs"));
    symlinkSync(old, link);
    for (const [path, target] of [[link, join(root, "store", "new one")], [fresh, join(root, "store", "x y")]] as const) {
      const r = await sh(switchLinkScript(path, target, journal));
      expect(r.code, r.stderr).toBe(0);
    }
    expect(readlinkSync(link)).toBe(join(root, "store", "new one"));
    expect(readlinkSync(fresh)).toBe(join(root, "store", "x y"));
    // The journal holds records, each value base64: the link and its old target, or that there was none.
    expect(readFileSync(join(journal, "undo"), "utf8")).toBe(
      [record("restore-link", link, old), record("once", "link", link), record("remove-link", fresh), record("once", "link", fresh), ""].join("\n"),
    );
    const rb = await sh(rollbackFilesScript(journal));
    expect(rb.code, rb.stderr).toBe(0);
    expect(readlinkSync(link)).toBe(old);
    expect(lstatSync(fresh, { throwIfNoEntry: false })).toBeUndefined();
  });

  it("artifacts: a tar and a file artifact install into the store under the root; a missing upload is named whole", async () => {
    const root = spacedRoot();
    const src = temp();
    writeFileSync(join(src, "hello.txt"), "hi\n");
    const tar = execFileSync("tar", ["-c", "-C", src, "."]);
    const tool = Buffer.from("#!/bin/sh\necho tool\n");
    mkdirSync(join(root, "store", ".incoming"), { recursive: true });
    for (const data of [tar, tool]) writeFileSync(join(root, "store", ".incoming", sha(data)), data);
    const env = { kind: "artifact" as const, artifact: "env", artifactKind: "tar" as const, sha256: sha(tar), source: "x" };
    const file = { kind: "artifact" as const, artifact: "pixi-unpack", artifactKind: "file" as const, sha256: sha(tool), source: "x" };
    for (const detail of [env, file]) {
      const r = await sh(installArtifactScript(root, detail, detail.sha256, null));
      expect(r.code, r.stderr).toBe(0);
    }
    expect(readFileSync(join(root, "store", sha(tar), "hello.txt"), "utf8")).toBe("hi\n");
    expect(existsSync(join(root, "store", sha(tar), ".complete"))).toBe(true);
    expect(execFileSync(join(root, "store", sha(tool), "pixi-unpack"), { encoding: "utf8" })).toBe("tool\n");
    const missing = "ab".repeat(32);
    const r = await sh(installArtifactScript(root, { ...env, sha256: missing }, missing, null));
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`the upload is missing: ${join(root, "store", ".incoming", missing)}`);
  });

  it("verify: an environment under the root resolves and its python runs", async () => {
    const root = spacedRoot();
    mkdirSync(join(root, "store", "e", "bin"), { recursive: true });
    writeFileSync(join(root, "store", "e", "bin", "python"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    mkdirSync(join(root, "envs"));
    symlinkSync(join(root, "store", "e"), join(root, "envs", "prefect-env"));
    const ok = await sh(verifyScript([], [join(root, "envs", "prefect-env")], 0));
    expect(ok.code, ok.stderr).toBe(0);
    const bad = await sh(verifyScript([], [join(root, "envs", "missing env")], 0));
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe(`${join(root, "envs", "missing env")} does not resolve`);
  });
});

describe("the undo journal is data, replayed by one fixed script", () => {
  /** Every character a path may hold and a shell or a line-based format might trip over. */
  const tricky = "sp ace $HOME 'single' \"double\" back\\slash\nnew line \u00e9 \u65e5\u672c";
  const q = shellQuote;
  /** The names in a folder (a leftover temporary name would show here). */
  const names = (dir: string) => readdirSync(dir).sort();
  /** A line of the undo or services file: an operation, then base64 values (`once` has its kind first). */
  const RECORD = /^(once (file|link|enable|disable)|[a-z-]+)( [A-Za-z0-9+/]+={0,2})+$/;

  it("links whose old target holds any bytes (quotes, $, \\, newlines, non-UTF-8, a leading -) are put back exactly; nothing in them runs", () => {
    const dir = temp();
    const systemd = fakeSystemd();
    const journal = join(dir, `rollback ${tricky}`, "1");
    const envs = join(dir, `envs ${tricky}`);
    mkdirSync(envs);
    const pwned = join(dir, "pwned");
    const oldTargets = [
      // Bytes that are not UTF-8, and newlines at the end, which $(...) would drop.
      Buffer.concat([Buffer.from(`/opt/store/${tricky}`), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from("\n\n")]),
      Buffer.from(`-rf $(touch ${pwned}) \`touch ${pwned}\`; touch ${pwned} #`),
      Buffer.from("../store/\t tab and '' '\\''"),
    ];
    const links = oldTargets.map((target, i) => {
      const link = join(envs, `link ${i} ${tricky}`);
      symlinkSync(target, link);
      return link;
    });
    const fresh = join(envs, `fresh ${tricky}`);
    // As apply sends them: one batch; each link switched twice (a retried step), the fresh one created.
    const steps = [...links, fresh].flatMap((link, i) => [1, 2].map((n) => ({ id: `n/configure/link:${i}/${n}`, script: switchLinkScript(link, join(dir, "store", `new ${n}`), journal) })));
    systemd.run(batchScript(steps));
    for (const link of [...links, fresh]) expect(readlinkSync(link)).toBe(join(dir, "store", "new 2"));
    const lines = readFileSync(join(journal, "undo"), "utf8").split("\n").slice(0, -1);
    for (const line of lines) expect(line).toMatch(RECORD);
    // Once per generation: the first switch's records only, the old target as it was.
    expect(lines).toEqual([...links.flatMap((link, i) => [record("restore-link", link, oldTargets[i]!), record("once", "link", link)]), record("remove-link", fresh), record("once", "link", fresh)]);

    expect(systemd.run(rollbackScript(journal))).toEqual(["daemon-reload"]);
    links.forEach((link, i) => expect(readlinkSync(link, { encoding: "buffer" })).toEqual(oldTargets[i]));
    expect(names(envs)).toEqual(links.map((l) => l.slice(envs.length + 1)).sort());
    expect(existsSync(pwned)).toBe(false);
    expect(existsSync(journal)).toBe(false);
  });

  it("files under paths holding any characters, with a unit: written, deleted, enabled, then rolled back byte for byte, in order", () => {
    const dir = temp();
    const systemd = fakeSystemd();
    const journal = join(dir, `rollback ${tricky}`, "1");
    const etc = join(dir, `etc ${tricky}`);
    mkdirSync(etc);
    const existing = join(etc, `a ${tricky}.env`);
    const fresh = join(etc, `new ${tricky}.env`);
    const gone = join(etc, `gone ${tricky}.env`);
    const unitFile = join(etc, "prefect-worker@p.service");
    const before = Buffer.from([0, 1, 2, 0xff, 10, 0x24, 0x27, 0x5c]); // NUL, not UTF-8, "\n$'\", no newline at the end
    writeFileSync(existing, before, { mode: 0o640 });
    writeFileSync(gone, "GONE=1\n", { mode: 0o600 });
    const mtime = statSync(existing).mtimeMs;
    const unit = { kind: "service" as const, unit: "prefect-worker@p.service", enable: true, start: true, restart: false, daemonReload: true };
    const calls = systemd.run(
      batchScript([
        { id: "n/configure/a", script: writeFileScript(existing, "0600", me, group, journal), stdin: "NEW=1\n" },
        { id: "n/configure/a-again", script: writeFileScript(existing, "0600", me, group, journal), stdin: "NEWER=2\n" },
        { id: "n/configure/new", script: writeFileScript(fresh, "0644", me, group, journal), stdin: tricky },
        { id: "n/configure/gone", script: deleteFileScript(gone, journal) },
        { id: "n/configure/unit-file", script: writeFileScript(unitFile, "0644", me, group, journal), stdin: "[Unit]\n" },
        { id: "n/configure/unit", script: serviceScript(unit, journal) },
      ]),
    );
    expect(calls).toEqual(["enable --no-reload prefect-worker@p.service", "daemon-reload", "start prefect-worker@p.service"]);
    expect(readFileSync(existing, "utf8")).toBe("NEWER=2\n");
    expect(readFileSync(fresh, "utf8")).toBe(tricky);
    expect(existsSync(gone)).toBe(false);
    expect(readFileSync(join(journal, "files", existing))).toEqual(before);
    for (const file of ["undo", "services"]) for (const line of readFileSync(join(journal, file), "utf8").split("\n").slice(0, -1)) expect(line).toMatch(RECORD);

    // The unit is disabled before its file goes (the stand-in notes it otherwise), then stopped as it was.
    expect(systemd.run(`export UNIT_FILE=${q(unitFile)}\n${rollbackScript(journal)}`)).toEqual(["disable --no-reload prefect-worker@p.service", "daemon-reload", "stop prefect-worker@p.service"]);
    expect(readFileSync(existing)).toEqual(before);
    expect(statSync(existing).mode & 0o777).toBe(0o640);
    expect(statSync(existing).mtimeMs).toBe(mtime);
    expect(readFileSync(gone, "utf8")).toBe("GONE=1\n");
    expect(statSync(gone).mode & 0o777).toBe(0o600);
    expect(names(etc)).toEqual([existing, gone].map((p) => p.slice(etc.length + 1)).sort());
    expect(existsSync(journal)).toBe(false);
  });

  it("a step with nothing to undo records only its mark: a unit disabled that was not enabled is not enabled by the rollback", () => {
    const systemd = fakeSystemd();
    const unit = { unit: "prefect-worker@gone.service" };
    expect(systemd.run(stopServiceScript(unit.unit, systemd.journal))).toEqual(["disable --now prefect-worker@gone.service"]);
    expect(readFileSync(join(systemd.journal, "undo"), "utf8")).toBe(`${record("once", "disable", unit.unit)}\n`);
    expect(readFileSync(join(systemd.journal, "services"), "utf8")).toBe(`${record("stop", unit.unit)}\n`);
    expect(systemd.run(rollbackScript(systemd.journal))).toEqual(["daemon-reload", "stop prefect-worker@gone.service"]);
  });

  it("the replay carries out a hand-written journal newest first: files, links and enablement, then daemon-reload, then services", () => {
    const dir = temp();
    const systemd = fakeSystemd();
    const journal = join(dir, "journal");
    const a = join(dir, `a ${tricky}`);
    const b = join(dir, "b");
    const l = join(dir, "l");
    const m = join(dir, "m");
    writeFileSync(a, "NOW\n");
    mkdirSync(dirname(join(journal, "files", a)), { recursive: true });
    writeFileSync(join(journal, "files", a), "BEFORE\n", { mode: 0o600 });
    writeFileSync(b, "B\n");
    symlinkSync("/now", l);
    symlinkSync("/now", m);
    const undo = [
      record("once", "file", a),
      record("restore-file", a),
      record("restore-link", l, "/first"), // the older record of l: carried out last, so it wins
      record("once", "link", l),
      record("remove-file", b),
      record("disable", "u1.service"),
      record("once", "enable", "u1.service"),
      record("restore-link", l, "/second"),
      record("remove-link", m),
      record("enable", "u2.service"),
      record("once", "disable", "u2.service"),
    ];
    writeFileSync(join(journal, "undo"), `${undo.join("\n")}\n`);
    writeFileSync(join(journal, "services"), `${[record("restart", "u1.service"), record("stop", "u2.service"), record("restart", "u3.service")].join("\n")}\n`);
    expect(systemd.run(rollbackScript(journal))).toEqual([
      "enable --no-reload u2.service",
      "disable --no-reload u1.service",
      "daemon-reload",
      "restart u3.service",
      "stop u2.service",
      "restart u1.service",
    ]);
    expect(readFileSync(a, "utf8")).toBe("BEFORE\n");
    expect(statSync(a).mode & 0o777).toBe(0o600);
    expect(existsSync(b)).toBe(false);
    expect(readlinkSync(l)).toBe("/first");
    expect(lstatSync(m, { throwIfNoEntry: false })).toBeUndefined();
    expect(names(dir)).toEqual([`a ${tricky}`, "l"].sort());
  });

  describe("a journal with a record it cannot read: the rollback fails, names the record, changes nothing and keeps the journal", () => {
    const b64 = (v: string | Buffer) => Buffer.from(v).toString("base64");
    const cases: [string, "undo" | "services", string, string][] = [
      ["an unknown operation", "undo", `chmod-file ${b64("/x")}\n`, "undo, record 3: unknown operation 'chmod-file'"],
      ["an empty line", "undo", "\n", "undo, record 3: unknown operation ''"],
      ["a value that is not base64", "undo", "remove-file not*base64\n", "undo, record 3: 'not*base64' is not the base64 of a path"],
      ["base64 cut short", "undo", `remove-file ${b64("/a/b").slice(0, -1)}\n`, `undo, record 3: '${b64("/a/b").slice(0, -1)}' is not the base64 of a path`],
      ["a path that is not absolute", "undo", `remove-file ${b64("etc/x")}\n`, `undo, record 3: '${b64("etc/x")}' is not the base64 of a path`],
      ["a value holding NUL", "undo", `remove-file ${b64("/a\0b")}\n`, `undo, record 3: '${b64("/a\0b")}' is not the base64 of a path`],
      ["a unit that would be an option", "undo", `enable ${b64("--now")}\n`, `undo, record 3: '${b64("--now")}' is not the base64 of a unit`],
      ["a value missing", "undo", `restore-link ${b64("/l")}\n`, "undo, record 3: restore-link takes two values"],
      ["a value too many", "undo", `remove-file ${b64("/a")} ${b64("/b")}\n`, "undo, record 3: remove-file takes one value"],
      ["a mark of an unknown kind", "undo", `once bogus ${b64("/a")}\n`, "undo, record 3: unknown kind 'bogus'"],
      ["a file whose copy is missing", "undo", `restore-file ${b64("/no/copy")}\n`, "undo, record 3: the copy of /no/copy is missing"],
      ["a last record cut off", "undo", `remove-file ${b64("/a")}`, "undo: its last record is cut off (no newline at its end)"],
      ["a service operation that does not exist", "services", `kill ${b64("u.service")}\n`, "services, record 1: unknown operation 'kill'"],
      ["a service record without its unit", "services", "restart\n", "services, record 1: restart takes one value"],
    ];
    it.each(cases)("%s", (_, file, corrupt, message) => {
      const dir = temp();
      const systemd = fakeSystemd();
      const journal = join(dir, "journal");
      const keep = join(dir, "keep");
      writeFileSync(keep, "K\n");
      mkdirSync(journal);
      writeFileSync(join(journal, "undo"), `${record("remove-file", keep)}\n${record("once", "file", keep)}\n${file === "undo" ? corrupt : ""}`);
      if (file === "services") writeFileSync(join(journal, "services"), corrupt);
      const contents = () => ["undo", "services"].map((f) => (existsSync(join(journal, f)) ? readFileSync(join(journal, f), "utf8") : null));
      const saved = contents();
      for (const script of [rollbackScript(journal), rollbackFilesScript(journal)]) {
        const r = systemd.exec(script);
        expect(r.status).toBe(1);
        expect(r.stderr).toContain(`rollback: ${join(journal, message)}`);
        expect(r.stderr).toContain(`rollback: could not put the links and files back: the journal ${journal} holds records it cannot read; nothing was changed, and the journal is kept\n`);
        expect(r.calls).toEqual([]);
        expect(readFileSync(keep, "utf8")).toBe("K\n");
        expect(contents()).toEqual(saved);
      }
    });
  });

  it("a unit that does not restart fails the rollback once every unit was tried; the files are back, the journal stays for the next try", () => {
    const dir = temp();
    const journal = join(dir, "journal");
    const b = join(dir, "b");
    writeFileSync(b, "B\n");
    mkdirSync(journal);
    writeFileSync(join(journal, "undo"), `${record("remove-file", b)}\n${record("once", "file", b)}\n`);
    writeFileSync(join(journal, "services"), `${[record("restart", "ok.service"), record("restart", "bad.service"), record("stop", "other.service")].join("\n")}\n`);
    const r = fakeSystemd(false, "restart bad.service").exec(rollbackScript(journal));
    expect(r.status).toBe(1);
    expect(r.calls).toEqual(["daemon-reload", "stop other.service", "restart bad.service", "restart ok.service"]);
    expect(r.stderr).toBe(`rollback: ${journal}/services, record 2: could not restart bad.service\nrollback: the journal ${journal} is kept for the next try\n`);
    expect(existsSync(b)).toBe(false);
    // Replaying again is harmless: once the unit restarts, the rollback succeeds and the journal goes.
    expect(fakeSystemd().run(rollbackScript(journal))).toEqual(["daemon-reload", "stop other.service", "restart bad.service", "restart ok.service"]);
    expect(existsSync(journal)).toBe(false);
  });

  it("a journal of shell lines from an older reconcile is neither replayed nor added to: both say what to do", () => {
    const dir = temp();
    const systemd = fakeSystemd();
    const journal = join(dir, "journal");
    const file = join(dir, "a.env");
    writeFileSync(file, "A=1\n");
    mkdirSync(journal);
    writeFileSync(join(journal, "undo.sh"), `# file ${file}\nrm -f ${file}\n`);
    const rb = systemd.exec(rollbackScript(journal));
    expect(rb.status).toBe(1);
    expect(rb.stderr).toContain(`rollback: ${journal} holds an undo journal of shell lines written by an older reconcile, which this one does not replay: roll the node back by hand`);
    expect(rb.calls).toEqual([]);
    const step = systemd.exec(`${writeFileScript(file, "0644", me, group, journal)} <<'EOF'\nA=2\nEOF`);
    expect(step.status).toBe(1);
    expect(step.stderr).toContain(`${journal} holds an undo journal of shell lines written by an older reconcile`);
    expect(readFileSync(file, "utf8")).toBe("A=1\n");
    expect(names(journal)).toEqual(["undo.sh"]);
  });
});
