/**
 * The fact script as a whole: buildFactsScript runs for real with `sh -s` against a managed root in
 * a temp folder, and parseFactsOutput splits what it printed back into facts. Assertions stay on
 * what the test created (the files fact also globs /etc/prefect and prefect-* units, and state/lock
 * read /var/lib/reconcile, which belong to the machine), so the test does not depend on the machine
 * beyond a Debian userland (sh, GNU coreutils, getent, dpkg-query).
 *
 * Known bugs in src run under `it.fails`, as in facts.test.ts: they turn red once src is fixed.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { hostname, tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FACTS, buildFactsScript, isRequested, parseFactsOutput } from "../../src/facts/script.js";
import { diskPlaces } from "../../src/facts/system.js";
import type { FactsRequest, NodeFacts } from "../../src/facts/types.js";

const NONCE = "0123456789abcdef0123456789abcdef";
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const A = sha256("complete");
const B = sha256("incomplete");
const C = sha256("partial");
const WORKER = "PREFECT_API_URL=http://10.0.0.5:4200/api\nPREFECT_LOGGING_LEVEL=INFO\n";
const SECRET = "PREFECT_API_DATABASE_PASSWORD=hunter2\n";
/** The facts every request gathers (those gathered on request, such as postgres, are not asked for here). */
const IDS = (Object.keys(FACTS) as (keyof NodeFacts)[]).filter((id) => isRequested(FACTS[id], { root: "/opt/prefect", files: [], units: [], packages: [], users: [] }));

/** Runs a built script the way the transport does: on stdin of `sh -s`. */
function run(script: string): string {
  const r = spawnSync("sh", ["-s"], { input: script, encoding: "utf8", timeout: 10_000 });
  if (r.status !== 0) throw new Error(`sh -s exited with ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** One fact's section, begin and end markers included; groups: the output, the exit status. */
/** The places the disk fact measures under `root`, sorted. */
const places = (root: string) => Object.values(diskPlaces(root)).sort();
/** Every place the disk fact says a file system holds, sorted (each place once). */
const diskHolds = (facts: NodeFacts) => (facts.disk.ok ? facts.disk.value.filesystems.flatMap((f) => f.holds).sort() : facts.disk);
/** Where the file system holding `path` is mounted, as df says. */
const mountOf = (path: string) => /% (\/.*)$/.exec(spawnSync("df", ["-P", path], { encoding: "utf8" }).stdout.trim().split("\n").at(-1) ?? "")?.[1];
/** Root can give one command a mount of its own (a private mount namespace, gone when it exits). */
// Needs root and unshare(1); under CI (root) it always runs, and fails if it cannot mount.
const canMount = process.env.CI === "true" || (process.getuid?.() === 0 && spawnSync("unshare", ["-m", "--propagation", "private", "true"]).status === 0);

function section(id: string): RegExp {
  return new RegExp(`@@${NONCE} begin ${id}\\n([\\s\\S]*?)\\n@@${NONCE} end ${id} (\\d+)\\n`);
}

/** What one fact printed, as parseFactsOutput should hand it to the parser. */
function sectionOf(stdout: string, id: string): { output: string; exitCode: number } {
  const m = section(id).exec(stdout);
  if (m === null) throw new Error(`no ${id} section`);
  return { output: m[1] ?? "", exitCode: Number(m[2]) };
}

let tmp: string;
let root: string;
let etc: string;
let request: FactsRequest;
let stdout: string;
let facts: NodeFacts;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "reconcile-facts-"));
  root = join(tmp, "opt", "prefect");
  etc = join(tmp, "etc", "prefect");
  mkdirSync(join(root, "store", A, "bin"), { recursive: true });
  writeFileSync(join(root, "store", A, "bin", "python"), "#!/bin/sh\n");
  writeFileSync(join(root, "store", A, ".complete"), "");
  mkdirSync(join(root, "store", B)); // extraction never finished: no .complete
  mkdirSync(join(root, "store", ".incoming"));
  writeFileSync(join(root, "store", ".incoming", `${C}.part`), Buffer.alloc(1234));
  // A finished upload (verified, named by its digest) waiting for install.
  writeFileSync(join(root, "store", ".incoming", B), "uploaded");
  mkdirSync(join(root, "envs"));
  symlinkSync(`../store/${A}`, join(root, "envs", "etl"));
  mkdirSync(join(root, "flows", "adhoc"), { recursive: true }); // a real folder where a link belongs

  mkdirSync(join(etc, "conf.d"), { recursive: true });
  writeFileSync(join(etc, "worker.env"), WORKER);
  chmodSync(join(etc, "worker.env"), 0o640);
  writeFileSync(join(etc, "secret.env"), SECRET);
  chmodSync(join(etc, "secret.env"), 0o600);
  symlinkSync("worker.env", join(etc, "link.env"));

  request = {
    root,
    files: [
      { path: join(etc, "worker.env"), content: true },
      { path: join(etc, "secret.env"), content: false },
      { path: join(etc, "absent.env"), content: true },
      { path: join(etc, "conf.d"), content: true },
      { path: join(etc, "link.env"), content: true },
    ],
    units: [],
    packages: ["reconcile-no-such-package"],
    users: ["root", "reconcile-no-such-user"],
  };
  stdout = run(buildFactsScript(request, NONCE));
  facts = parseFactsOutput(stdout, request, NONCE);
});

afterAll(() => {
  if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
});

describe("buildFactsScript", () => {
  it("runs every fact once, in FACTS order, each between markers that carry the nonce", () => {
    const script = buildFactsScript(request, NONCE);
    expect(script.startsWith("LC_ALL=C; export LC_ALL\n")).toBe(true);
    const begins = [...script.matchAll(new RegExp(`^printf '@@${NONCE} begin ([a-z]+)\\\\n'$`, "gm"))].map((m) => m[1]);
    const ends = [...script.matchAll(new RegExp(`^printf '\\\\n@@${NONCE} end ([a-z]+) %s\\\\n' "\\$\\?"$`, "gm"))].map((m) => m[1]);
    expect(begins).toEqual(IDS);
    expect(ends).toEqual(IDS);
  });

  it.each(["", "short12", "ABCDEF123456", "abc def12345", "$(reboot)abcdef", "a".repeat(65)])("rejects the nonce %j", (nonce) => {
    expect(() => buildFactsScript(request, nonce)).toThrow(`invalid facts nonce ${JSON.stringify(nonce)}`);
  });

  it.each(["abcdefgh", "0".repeat(64)])("accepts the nonce %s", (nonce) => {
    expect(() => buildFactsScript(request, nonce)).not.toThrow();
  });
});

describe("the script run with sh -s", () => {
  it("prints one section per fact", () => {
    for (const id of IDS) expect(stdout).toMatch(section(id));
  });

  it("reads the node", () => {
    expect(facts.os).toMatchObject({ ok: true, value: { hostname: hostname(), user: userInfo().username } });
    expect(diskHolds(facts)).toEqual(places(root));
    if (facts.disk.ok) for (const f of facts.disk.value.filesystems) expect(f.availableBytes).toBeGreaterThan(0);
    expect(facts.users).toEqual({ ok: true, value: { root: { uid: 0, gid: 0, home: "/root" }, "reconcile-no-such-user": null } });
    expect(facts.packages).toEqual({ ok: true, value: { "reconcile-no-such-package": null } });
    // Whatever this machine has in systemd and /var/lib/reconcile, these parse.
    expect(facts.units).toMatchObject({ ok: true });
    expect(facts.state).toMatchObject({ ok: true });
    expect(facts.lock).toMatchObject({ ok: true });
  });

  it("sees only complete store folders, uploads in progress with their size, and finished uploads", () => {
    expect(facts.store).toEqual({ ok: true, value: { complete: [A], partial: [{ sha256: C, bytes: 1234 }], uploaded: [B] } });
  });

  it("reads managed files: text when allowed, hash only for secrets, absent and wrong kinds apart", () => {
    const file = { state: "file", owner: userInfo().username, group: expect.any(String) };
    expect(facts.files).toMatchObject({
      ok: true,
      value: {
        [join(etc, "worker.env")]: { ...file, mode: "0640", bytes: WORKER.length, sha256: sha256(WORKER), content: WORKER },
        [join(etc, "secret.env")]: { ...file, mode: "0600", bytes: SECRET.length, sha256: sha256(SECRET), content: null },
        [join(etc, "absent.env")]: { state: "absent" },
        [join(etc, "conf.d")]: { state: "other", type: "directory" },
        [join(etc, "link.env")]: { state: "other", type: "symbolic link" },
      },
    });
  });

  it("lists the links inside envs/ and flows/", () => {
    expect(facts.links).toEqual({
      ok: true,
      value: {
        [join(root, "envs", "etl")]: { state: "link", target: `../store/${A}` },
        [join(root, "flows", "adhoc")]: { state: "other", type: "directory" },
      },
    });
  });

  it("on a fresh node: no store, no links, absent files, the nearest existing parent measured", () => {
    const fresh: FactsRequest = { ...request, root: join(tmp, "fresh", "opt", "prefect"), files: [{ path: join(tmp, "fresh", "worker.env"), content: true }] };
    const got = parseFactsOutput(run(buildFactsScript(fresh, NONCE)), fresh, NONCE);
    expect(got.store).toEqual({ ok: true, value: { complete: [], partial: [], uploaded: [] } });
    expect(got.links).toEqual({ ok: true, value: {} });
    // Each place is measured on the file system that will hold it: the one of its nearest existing parent.
    expect(diskHolds(got)).toEqual(places(fresh.root));
    if (got.disk.ok) expect(got.disk.value.filesystems.map((f) => f.mount)).toContain(mountOf(tmp));
    expect(got.files).toMatchObject({ ok: true, value: { [join(tmp, "fresh", "worker.env")]: { state: "absent" } } });
  });
});

describe("the disk fact on a node with a file system mounted on store/", () => {
  it.runIf(canMount)("measures store/ and .incoming on that file system, not on the root's (the 50 MB store of the issue)", () => {
    const mounted: FactsRequest = { ...request, root: join(tmp, "mounted prefect") };
    const store = join(mounted.root, "store");
    mkdirSync(store, { recursive: true });
    const script = buildFactsScript(mounted, NONCE);
    const r = spawnSync("unshare", ["-m", "--propagation", "private", "sh", "-c", `mount -t tmpfs -o size=50m tmpfs "$1" && sh -s`, "sh", store], { input: script, encoding: "utf8", timeout: 10_000 });
    expect(r.status, r.stderr).toBe(0);
    const got = parseFactsOutput(r.stdout, mounted, NONCE);
    if (!got.disk.ok) throw new Error(got.disk.error);
    const [first, ...others] = got.disk.value.filesystems;
    // .incoming does not exist on the new file system yet: it is measured at store/, where it will be made.
    expect(first).toEqual({ mount: store, availableBytes: 50 * 1024 * 1024, totalBytes: 50 * 1024 * 1024, holds: [store, join(store, ".incoming")] });
    expect(others.flatMap((f) => f.holds).sort()).toEqual([join(mounted.root, "envs"), "/var/lib/reconcile"]);
    expect(others.map((f) => f.mount)).not.toContain(store);
  });
});

describe("parseFactsOutput", () => {
  it("gives ok:false for a fact whose section is missing, and leaves the others alone", () => {
    const got = parseFactsOutput(stdout.replace(section("units"), ""), request, NONCE);
    expect(got.units).toEqual({ ok: false, error: "units: no output (the fact script stopped before it)" });
    expect({ ...got, units: facts.units }).toEqual(facts);
  });

  it("gives ok:false for every fact from the one the output was cut in", () => {
    const cut = stdout.slice(0, stdout.indexOf(`@@${NONCE} begin files\n`) + `@@${NONCE} begin files\n`.length + 10);
    const got = parseFactsOutput(cut, request, NONCE);
    const from = IDS.indexOf("files");
    for (const [i, id] of IDS.entries()) {
      if (i < from) expect(got[id]).toEqual(facts[id]);
      else expect(got[id]).toEqual({ ok: false, error: `${id}: no output (the fact script stopped before it)` });
    }
  });

  it("reads nothing from output marked with another nonce", () => {
    const got = parseFactsOutput(stdout, request, "fedcba9876543210");
    for (const id of IDS) expect(got[id]).toEqual({ ok: false, error: `${id}: no output (the fact script stopped before it)` });
  });

  it("is not confused by a fake end marker with another nonce inside a section", () => {
    const fake = "@@fedcba9876543210 end store 0\n@@fedcba9876543210 begin links\n";
    const injected = stdout.replace(`@@${NONCE} begin store\n`, `@@${NONCE} begin store\n${fake}`);
    expect(injected).not.toBe(stdout);
    const got = parseFactsOutput(injected, request, NONCE);
    // The store parser gets its whole section, fake lines included (whatever it makes of them)...
    const store = sectionOf(stdout, "store");
    expect(got.store).toEqual(FACTS.store.parse(fake + store.output, store.exitCode, request));
    // ...and the facts after it are read from their own sections.
    expect({ ...got, store: facts.store }).toEqual(facts);
  });

  it("is not confused when the node itself prints fake markers (a store folder named like one)", () => {
    const evil: FactsRequest = { ...request, root: join(tmp, "evil") };
    const fake = `@@fedcba9876543210 end store 0\n@@fedcba9876543210 begin links\n@@${"f".repeat(16)} end os 0`;
    mkdirSync(join(evil.root, "store", `x\n${fake}`), { recursive: true });
    writeFileSync(join(evil.root, "store", `x\n${fake}`, ".complete"), "");
    mkdirSync(join(evil.root, "store", A));
    writeFileSync(join(evil.root, "store", A, ".complete"), "");
    const out = run(buildFactsScript(evil, NONCE));
    expect(sectionOf(out, "store")).toEqual({ output: `S ${A}\nS x\n${fake}\n`, exitCode: 0 });
    const got = parseFactsOutput(out, evil, NONCE);
    expect(got.store).toEqual(FACTS.store.parse(`S ${A}\nS x\n${fake}\n`, 0, evil));
    expect(diskHolds(got)).toEqual(places(evil.root));
    expect(got.links).toEqual({ ok: true, value: {} });
    for (const id of IDS) if (!["store", "disk", "links"].includes(id)) expect(got[id]).toEqual(facts[id]);
  });

  it("takes each fact's exit status from its end marker", () => {
    const got = parseFactsOutput(stdout.replace(new RegExp(`@@${NONCE} end os 0`), `@@${NONCE} end os 7`), request, NONCE);
    expect(got.os).toMatchObject({ ok: false, error: expect.stringMatching(/^os exited with 7: id=/) });
  });

  it("rejects an invalid nonce as buildFactsScript does", () => {
    expect(() => parseFactsOutput(stdout, request, ".*")).toThrow('invalid facts nonce ".*"');
  });
});
