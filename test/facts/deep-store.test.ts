/**
 * The store's content digest end to end, with real shell on this machine (sh, GNU find, sort,
 * sha256sum): the install step records it in `.complete`, the deep store fact hashes the folder
 * again and finds a file changed, removed or added (or a link retargeted), and the install step
 * with `repair` unpacks the folder again, as does the transfer's prepare command, which no longer
 * takes the old `.complete` for "nothing to send". Also the postgres fact's script against a
 * stand-in psql (this machine's PostgreSQL is not something a test may rely on).
 */
import { spawnSync, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FACTS, buildFactsScript, parseFactsOutput } from "../../src/facts/script.js";
import type { FactsRequest, StoreFact } from "../../src/facts/types.js";
import { installArtifactScript } from "../../src/executors/steps/artifacts.js";
import { parsePrepare, prepareCommand } from "../../src/executors/transfer-protocol.js";
import type { StepDetail } from "../../src/planner/types.js";

const NONCE = "0123456789abcdef0123456789abcdef";
const made: string[] = [];
const temp = () => {
  const dir = mkdtempSync(join(tmpdir(), "reconcile-deep-"));
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
const sha = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

function sh(script: string, path?: string): { code: number | null; stdout: string; stderr: string } {
  const env = path === undefined ? process.env : { ...process.env, PATH: `${path}:${process.env.PATH ?? "/usr/bin:/bin"}` };
  const r = spawnSync("sh", ["-s"], { input: script, encoding: "utf8", timeout: 20_000, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A tar of an environment: two files, a link, and an empty file. */
function tarball(): Buffer {
  const src = temp();
  for (const [name, text] of Object.entries({ "bin/python": "#!/bin/sh\necho py\n", "lib/site.py": "import os\n", "lib/empty": "" })) {
    mkdirSync(dirname(join(src, name)), { recursive: true });
    writeFileSync(join(src, name), text);
  }
  symlinkSync("python", join(src, "bin", "python3"));
  return execFileSync("tar", ["-c", "-C", src, "."]);
}

const TAR = tarball();
const DIGEST = sha(TAR);
const detail = (extra: Partial<Extract<StepDetail, { kind: "artifact" }>> = {}): Extract<StepDetail, { kind: "artifact" }> => ({ kind: "artifact", artifact: "env", artifactKind: "tar", sha256: DIGEST, source: "x", ...extra });

/** Uploads the tar into the root's .incoming, as the transfer leaves it. */
function upload(root: string): void {
  mkdirSync(join(root, "store", ".incoming"), { recursive: true });
  writeFileSync(join(root, "store", ".incoming", DIGEST), TAR);
}

/** A root with the artifact installed by the real install step. */
function installed(): { root: string; folder: string } {
  const root = temp();
  upload(root);
  const r = sh(installArtifactScript(root, detail(), DIGEST, null));
  expect(r.code, r.stderr).toBe(0);
  return { root, folder: join(root, "store", DIGEST) };
}

const request = (root: string, deep: boolean): FactsRequest => ({ root, files: [], units: [], packages: [], users: [], deep });

/** The store fact, from the whole facts script run with `sh -s`. */
function storeOf(root: string, deep = true): StoreFact {
  const r = sh(buildFactsScript(request(root, deep), NONCE));
  expect(r.code, r.stderr).toBe(0);
  const store = parseFactsOutput(r.stdout, request(root, deep), NONCE).store;
  if (!store.ok) throw new Error(store.error);
  return store.value;
}

describe("the content digest recorded at install", () => {
  it("is one `tree-sha256 <hex>` line in .complete, and a deep gathering finds the folder as installed", () => {
    const { root, folder } = installed();
    expect(readFileSync(join(folder, ".complete"), "utf8")).toMatch(/^tree-sha256 [0-9a-f]{64}\n$/);
    expect(storeOf(root)).toEqual({ complete: [DIGEST], partial: [], uploaded: [], corrupt: [], unverified: [] });
  });

  it("is the same for the same content installed twice (deterministic)", () => {
    const a = installed();
    const b = installed();
    expect(readFileSync(join(a.folder, ".complete"), "utf8")).toBe(readFileSync(join(b.folder, ".complete"), "utf8"));
  });
});

describe("a deep gathering", () => {
  const damages: [string, (folder: string) => void][] = [
    ["a file changed", (f) => appendFileSync(join(f, "lib", "site.py"), "import sys\n")],
    ["an empty file given content", (f) => writeFileSync(join(f, "lib", "empty"), "x")],
    ["a file removed", (f) => unlinkSync(join(f, "lib", "site.py"))],
    ["a file added", (f) => writeFileSync(join(f, "lib", "extra.py"), "")],
    ["a file moved", (f) => cpSync(join(f, "lib", "site.py"), join(f, "bin", "site.py")) === undefined && unlinkSync(join(f, "lib", "site.py"))],
    ["a link pointing elsewhere", (f) => unlinkSync(join(f, "bin", "python3")) === undefined && symlinkSync("/usr/bin/python3", join(f, "bin", "python3"))],
    ["a link removed", (f) => unlinkSync(join(f, "bin", "python3"))],
  ];

  it.each(damages)("finds %s: the folder is corrupt and no longer complete", (_what, damage) => {
    const { root, folder } = installed();
    damage(folder);
    expect(storeOf(root)).toEqual({ complete: [], partial: [], uploaded: [], corrupt: [DIGEST], unverified: [] });
  });

  it("does not take bytecode Python wrote under __pycache__ for a change", () => {
    const { root, folder } = installed();
    mkdirSync(join(folder, "lib", "__pycache__"));
    writeFileSync(join(folder, "lib", "__pycache__", "site.cpython-313.pyc"), "bytecode");
    expect(storeOf(root)).toMatchObject({ complete: [DIGEST], corrupt: [] });
  });

  it("reports a folder installed before digests were recorded (an empty .complete) as unverified, still complete", () => {
    const { root, folder } = installed();
    writeFileSync(join(folder, ".complete"), "");
    expect(storeOf(root)).toEqual({ complete: [DIGEST], partial: [], uploaded: [], corrupt: [], unverified: [DIGEST] });
  });

  it("takes a .complete whose digest was cut short for corrupt", () => {
    const { root, folder } = installed();
    writeFileSync(join(folder, ".complete"), "tree-sha256 0123");
    expect(storeOf(root)).toMatchObject({ complete: [], corrupt: [DIGEST] });
  });

  it("is not what a plain gathering does: it hashes nothing, and the same folder is complete", () => {
    const { root, folder } = installed();
    appendFileSync(join(folder, "lib", "site.py"), "changed\n");
    expect(FACTS.store.command(request(root, false))).not.toContain("sha256sum");
    const store = storeOf(root, false);
    expect(store).toEqual({ complete: [DIGEST], partial: [], uploaded: [] });
    expect(Object.keys(store).sort()).toEqual(["complete", "partial", "uploaded"]);
  });
});

describe("repairing a corrupt folder", () => {
  it("install without repair keeps the old folder (its .complete says done); with repair it unpacks it again", () => {
    const { root, folder } = installed();
    appendFileSync(join(folder, "lib", "site.py"), "tampered\n");
    upload(root);
    expect(sh(installArtifactScript(root, detail(), DIGEST, null)).code).toBe(0);
    expect(storeOf(root).corrupt).toEqual([DIGEST]);

    upload(root);
    const r = sh(installArtifactScript(root, detail({ repair: true }), DIGEST, null));
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(folder, "lib", "site.py"), "utf8")).toBe("import os\n");
    expect(storeOf(root)).toEqual({ complete: [DIGEST], partial: [], uploaded: [], corrupt: [], unverified: [] });
    // Run again once repaired (the upload consumed): nothing to do, the folder stays.
    expect(sh(installArtifactScript(root, detail({ repair: true }), DIGEST, null)).code).toBe(0);
    expect(storeOf(root)).toMatchObject({ complete: [DIGEST], corrupt: [] });
  });

  it("the transfer's prepare takes .complete for 'nothing to send' unless the folder is to be repaired", () => {
    const { root } = installed();
    const target = { root, sha256: DIGEST, localPath: "/dev/null", bytes: TAR.length };
    expect(parsePrepare(sh(prepareCommand(target)).stdout)).toEqual({ state: "complete" });
    expect(parsePrepare(sh(prepareCommand({ ...target, repair: true })).stdout)).toEqual({ state: "part", bytes: 0 });
  });
});

describe("the postgres fact's script, with a stand-in psql", () => {
  /** A bin folder whose runuser runs the command after `--`, whose id knows postgres, and whose psql does `psql`. */
  const standIns = (psql: string) => {
    const bin = join(temp(), "bin");
    mkdirSync(bin);
    const write = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    write("runuser", 'while [ "$1" != -- ]; do shift; done; shift; exec "$@"');
    write("id", "exit 0");
    write("psql", psql);
    return bin;
  };
  const gather = (psql: string) => {
    const r: FactsRequest = { ...request(temp(), false), postgres: true };
    const out = sh(buildFactsScript(r, NONCE), standIns(psql));
    expect(out.code, out.stderr).toBe(0);
    return parseFactsOutput(out.stdout, r, NONCE).postgres;
  };

  it.each([
    ["roles and databases", "printf 'R|postgres\\nR|prefect\\nD|prefect\\nD|postgres\\n'", { ok: true, value: { state: "running", roles: ["postgres", "prefect"], databases: ["postgres", "prefect"] } }],
    ["a server that is not running (psql exits 2)", "echo 'psql: error: connection to server failed' >&2; exit 2", { ok: true, value: { state: "not-running", reason: "psql: error: connection to server failed" } }],
    ["another failure of psql", "echo 'psql: FATAL: out of memory' >&2; exit 1", { ok: false, error: "postgres exited with 1: psql: FATAL: out of memory" }],
  ])("reads %s", (_what, psql, expected) => {
    expect(gather(psql)).toEqual(expected);
  });

  it("is not in the script, nor in the facts, unless the request asks for it", () => {
    const r = request(temp(), false);
    expect(buildFactsScript(r, NONCE)).not.toContain("psql");
    const out = sh(buildFactsScript(r, NONCE));
    expect("postgres" in parseFactsOutput(out.stdout, r, NONCE)).toBe(false);
  });
});
