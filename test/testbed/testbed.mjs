#!/usr/bin/env node
// @ts-check
/**
 * The test bed: N real Debian nodes (systemd + sshd) booted on this machine with systemd-nspawn,
 * on a private bridge (198.51.100.0/24) with no route anywhere else — air-gapped like production.
 *
 * Plain ESM JavaScript so it runs without a build step, both as a library (types in testbed.d.mts)
 * and as a CLI: `node test/testbed/testbed.mjs up [--nodes N] | down | status | stop NAME |
 * start NAME | reboot NAME | reset NAME | rekey NAME | cut NAME [--seconds S] | restore NAME |
 * throttle NAME RATE | unthrottle NAME | mount-small NAME PATH SIZE | unmount-small NAME PATH |
 * ssh NAME [COMMAND...]`. See README.md beside this file.
 *
 * Everything it starts is recorded in a state file and stopped by recorded PID (checked against
 * the process start time, so a reused PID is never signalled) or, for what a crash left behind,
 * by membership of the cgroups this tool created. It never kills by process name.
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

// ---------------------------------------------------------------------------------------------
// Constants

/** The Debian release the nodes run: trixie (13, the current stable; the real Prefect bundle needs its python3), or `TESTBED_SUITE=bookworm`. */
export const SUITES = ["trixie", "bookworm"];
export const SUITE = process.env.TESTBED_SUITE || "trixie";
if (!SUITES.includes(SUITE)) throw new Error(`TESTBED_SUITE=${SUITE}: the test bed boots ${SUITES.join(" or ")}`);
/** The nodes' Debian version (os-release VERSION_ID). */
export const DEBIAN_VERSION = { trixie: "13", bookworm: "12" }[SUITE];
export const VARIANT = "minbase";
export const INCLUDE = ["systemd", "systemd-sysv", "dbus", "openssh-server", "python3", "iproute2", "ca-certificates", "sudo"];
/** Bump when the base customisation below changes: it is part of the cache key. */
const BASE_RECIPE = 1;
const MIRROR = process.env.TESTBED_MIRROR || "http://deb.debian.org/debian";

export const CACHE_DIR = process.env.TESTBED_CACHE_DIR || "/var/cache/prefect-reconcile/testbed";
export const LIB_DIR = process.env.TESTBED_LIB_DIR || "/var/lib/prefect-reconcile-testbed";
export const STATE_DIR = path.join(LIB_DIR, "run");
const NODES_DIR = path.join(STATE_DIR, "nodes");
const STATE_FILE = path.join(STATE_DIR, "state.json");
const LOCK_FILE = path.join(STATE_DIR, "lock");
const SESSION_FILE = path.join(STATE_DIR, "session.json");
const IDENTITY = path.join(STATE_DIR, "id_ed25519");

export const BRIDGE = "tbbr0";
export const SUBNET = "198.51.100.0/24";
export const HOST_ADDRESS = "198.51.100.1";
const BRIDGE_MAC = "02:74:62:ff:00:01";
export const MAX_NODES = 200;
const NAME_RE = /^n([1-9][0-9]*)$/;

const SIGRTMIN_3 = 37; // SIGRTMIN+3 on Linux/glibc: systemd's "poweroff"
const READY_TIMEOUT_MS = Number(process.env.TESTBED_READY_TIMEOUT_MS) || 120_000;
const STOP_TIMEOUT_MS = 15_000;
const LOCK_TIMEOUT_MS = 10 * 60_000;

/** Units that are useless or harmful on an air-gapped test node (apt timers would fail offline). */
const MASKED_UNITS = [
  "apt-daily.timer",
  "apt-daily-upgrade.timer",
  "dpkg-db-backup.timer",
  "e2scrub_all.timer",
  "e2scrub_reap.service",
  "fstrim.timer",
  "console-getty.service",
  "getty@tty1.service",
  "systemd-pstore.service",
];

const EXTRA_PATH = ["/usr/local/sbin", "/usr/sbin", "/sbin"];

// ---------------------------------------------------------------------------------------------
// Errors and small helpers

/** An error meant for people: printed without a stack trace by the CLI. */
export class TestbedError extends Error {
  /** @param {string} message @param {{ prerequisite?: boolean }} [opts] */
  constructor(message, opts = {}) {
    super(message);
    this.name = "TestbedError";
    /** True when the machine cannot run the test bed at all (not root, tools missing). */
    this.prerequisite = opts.prerequisite ?? false;
  }
}

/** @typedef {(message: string) => void} Log */
/** @type {Log} */
const quiet = () => {};

const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/** @param {string} p */
function exists(p) {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

function envWithSbin() {
  const parts = (process.env.PATH || "/usr/bin:/bin").split(":");
  for (const p of EXTRA_PATH) if (!parts.includes(p)) parts.push(p);
  return { ...process.env, PATH: parts.join(":"), LC_ALL: "C" };
}

/** @param {string} cmd */
function which(cmd) {
  for (const dir of envWithSbin().PATH.split(":")) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

/**
 * @typedef {{ code: number | null, signal: string | null, stdout: string, stderr: string }} RunResult
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ input?: string, timeoutMs?: number, allowFail?: boolean }} [opts]
 * @returns {Promise<RunResult>}
 */
function run(cmd, args, opts = {}) {
  const { input, timeoutMs = 10 * 60_000, allowFail = false } = opts;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [input == null ? "ignore" : "pipe", "pipe", "pipe"], env: envWithSbin() });
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr?.setEncoding("utf8").on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new TestbedError(`cannot run ${cmd}: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const res = { code, signal, stdout, stderr };
      if (code === 0 || allowFail) resolve(res);
      else {
        const why = signal ? `killed by ${signal}${signal === "SIGKILL" ? ` (timeout ${timeoutMs} ms?)` : ""}` : `exit ${code}`;
        reject(new TestbedError(`${cmd} ${args.join(" ")} failed (${why}): ${(stderr || stdout).trim().split("\n").slice(-8).join("\n")}`));
      }
    });
    if (input != null) child.stdin?.end(input);
  });
}

/** @param {string} file @param {string | Buffer} data @param {number} [mode] */
function writeFileAtomic(file, data, mode = 0o644) {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, data, { mode });
  fs.renameSync(tmp, file);
}

/** Remove a tree, refusing to cross into other file systems (a crashed debootstrap may leave /proc mounted). */
async function removeTree(/** @type {string} */ dir) {
  if (!exists(dir)) return;
  for (const m of mountsUnder(dir).reverse()) await run("umount", ["-l", m], { allowFail: true });
  await run("rm", ["-rf", "--one-file-system", dir]);
}

/** A path field of /proc/.../mountinfo, with its octal escapes (\040 for a space) undone. @param {string} field */
const mountField = (field) => field.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));

/** Mount points at or below dir, in mount order. @param {string} dir */
function mountsUnder(dir) {
  const text = fs.readFileSync("/proc/self/mountinfo", "utf8");
  const out = [];
  for (const line of text.split("\n")) {
    const f = line.split(" ");
    if (f.length < 5) continue;
    const mp = mountField(f[4] ?? "");
    if (mp === dir || mp.startsWith(dir + "/")) out.push(mp);
  }
  return out;
}

/** @param {string} file @param {number} lines */
function tail(file, lines) {
  try {
    const text = fs.readFileSync(file, "utf8");
    // eslint-disable-next-line no-control-regex
    const clean = text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "");
    return clean.split("\n").filter((l) => l.trim() !== "").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

// ---------------------------------------------------------------------------------------------
// Processes: identity by start time, never by name

/** @param {number} pid */
function procStat(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = s.lastIndexOf(")");
    const rest = s.slice(close + 2).split(" ");
    return { comm: s.slice(s.indexOf("(") + 1, close), state: rest[0], ppid: Number(rest[1]), start: rest[19] };
  } catch {
    return null;
  }
}

/** A live (not zombie) process; when start is given it must be the very process we recorded. */
function alive(/** @type {number | undefined} */ pid, /** @type {string | undefined} */ start) {
  if (!pid) return false;
  const st = procStat(pid);
  if (!st || st.state === "Z" || st.state === "X") return false;
  return start === undefined || st.start === start;
}

/** @param {number} pid */
function nsPids(pid) {
  try {
    const m = /^NSpid:\s+(.*)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? m[1].trim().split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}

/** @param {number} pid @returns {number[]} */
function childrenOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    const out = [];
    for (const e of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(e)) continue;
      if (procStat(Number(e))?.ppid === pid) out.push(Number(e));
    }
    return out;
  }
}

/** The container's init among nspawn's descendants: PID 1 in its own PID namespace. @param {number} pid */
function findContainerInit(pid) {
  const queue = childrenOf(pid);
  for (let i = 0; i < queue.length && i < 64; i++) {
    const p = queue[i];
    const ns = nsPids(p);
    if (ns.length >= 2 && ns[ns.length - 1] === 1) return p;
    queue.push(...childrenOf(p));
  }
  return null;
}

/** @param {number} pid @param {number | NodeJS.Signals} sig */
function signal(pid, sig) {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Locks: one operation at a time (lock), and one test run at a time (session lease)

/** @param {string} file */
function readOwner(file) {
  try {
    const o = JSON.parse(fs.readFileSync(file, "utf8"));
    return { pid: Number(o.pid), start: String(o.start), since: String(o.since ?? ""), what: String(o.what ?? "") };
  } catch {
    return null;
  }
}

function ownerRecord(/** @type {string} */ what) {
  return JSON.stringify({ pid: process.pid, start: procStat(process.pid)?.start, since: new Date().toISOString(), what });
}

/** @param {string} file @param {string} what @param {number} timeoutMs @param {Log} log */
async function takeFileLock(file, what, timeoutMs, log) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      const fd = fs.openSync(file, "wx", 0o644);
      fs.writeSync(fd, ownerRecord(what));
      fs.closeSync(fd);
      return;
    } catch (e) {
      if (/** @type {NodeJS.ErrnoException} */ (e).code !== "EEXIST") throw e;
    }
    const owner = readOwner(file);
    if (owner === null) {
      // Being written right now, or garbage from a crash between open and write.
      const age = Date.now() - (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0);
      if (age > 5000) fs.rmSync(file, { force: true });
    } else if (!alive(owner.pid, owner.start)) {
      fs.rmSync(file, { force: true });
      continue;
    } else if (owner.pid === process.pid) {
      throw new TestbedError(`internal: ${file} is already held by this process`);
    }
    if (Date.now() > deadline) throw new TestbedError(`the test bed is busy: ${file} held by pid ${owner?.pid} (${owner?.what}) since ${owner?.since}`);
    if (!told && owner) {
      log(`waiting for the test bed: held by pid ${owner.pid} (${owner.what}) since ${owner.since}`);
      told = true;
    }
    await sleep(200);
  }
}

/** @param {string} file */
function dropFileLock(file) {
  const owner = readOwner(file);
  if (owner && owner.pid === process.pid) fs.rmSync(file, { force: true });
}

/** Operations in this process queue up behind each other; the lock file orders them across processes. */
let queue = Promise.resolve();
/**
 * @template T
 * @param {string} what @param {Log} log @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
async function withLock(what, log, fn) {
  const previous = queue;
  /** @type {() => void} */
  let release = () => {};
  queue = new Promise((r) => (release = r));
  await previous;
  try {
    await takeFileLock(LOCK_FILE, what, LOCK_TIMEOUT_MS, log);
    try {
      return await fn();
    } finally {
      dropFileLock(LOCK_FILE);
    }
  } finally {
    release();
  }
}

/**
 * Lease the test bed for a whole test run so that two runs (two people's `npm test`) never share or
 * tear down each other's nodes: the second waits until the first releases it (or dies).
 * @param {{ log?: Log, timeoutMs?: number }} [opts]
 */
export async function acquireSession(opts = {}) {
  requireRoot();
  await takeFileLock(SESSION_FILE, `test run: ${process.argv.slice(1).join(" ")}`.slice(0, 200), opts.timeoutMs ?? 30 * 60_000, opts.log ?? quiet);
}

export function releaseSession() {
  dropFileLock(SESSION_FILE);
}

/** The live holder of the session lease, if another process holds it. */
function sessionHolder() {
  const owner = readOwner(SESSION_FILE);
  if (!owner || owner.pid === process.pid || !alive(owner.pid, owner.start)) return null;
  return owner;
}

// ---------------------------------------------------------------------------------------------
// Prerequisites

function isRoot() {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

function requireRoot() {
  if (!isRoot()) throw new TestbedError("the test bed needs root (network namespaces, mounts, systemd-nspawn); run as root", { prerequisite: true });
}

/**
 * What keeps this machine from running the test bed, as sentences; empty when nothing does.
 * @returns {string[]}
 */
export function prerequisiteProblems() {
  const problems = [];
  if (process.platform !== "linux") return ["the test bed runs on Linux only"];
  if (!isRoot()) problems.push("not running as root (the test bed needs network namespaces, mounts and systemd-nspawn)");
  const missing = [];
  if (!which("systemd-nspawn")) missing.push("systemd-nspawn (package systemd-container)");
  if (!which("debootstrap") && !baseReady() && !cachedTarball()) missing.push("debootstrap");
  if (missing.length) problems.push(`missing ${missing.join(" and ")}: apt-get install systemd-container debootstrap`);
  const other = [
    ["ip", "iproute2"],
    ["ssh", "openssh-client"],
    ["ssh-keygen", "openssh-client"],
    ["mount", "mount"],
    ["tar", "tar"],
  ].filter(([c]) => !which(c));
  if (other.length) problems.push(`missing ${other.map(([c]) => c).join(", ")}: apt-get install ${[...new Set(other.map(([, p]) => p))].join(" ")}`);
  return problems;
}

function requirePrerequisites() {
  const problems = prerequisiteProblems();
  if (problems.length) throw new TestbedError(`cannot start the test bed: ${problems.join("; ")}`, { prerequisite: true });
}

// ---------------------------------------------------------------------------------------------
// The base image: debootstrap once, cache as a tarball, extract once

export function baseKey() {
  const recipe = JSON.stringify({ suite: SUITE, variant: VARIANT, include: [...INCLUDE].sort(), recipe: BASE_RECIPE, masked: MASKED_UNITS });
  return createHash("sha256").update(recipe).digest("hex").slice(0, 16);
}

const baseDir = () => path.join(LIB_DIR, `base-${baseKey()}`);
const baseMarker = () => `${baseDir()}.complete`;
const baseReady = () => exists(baseMarker()) && exists(baseDir());

function cachedTarball() {
  for (const ext of ["tar.zst", "tar.gz"]) {
    const p = path.join(CACHE_DIR, `base-${baseKey()}.${ext}`);
    if (exists(p)) return p;
  }
  return null;
}

/** @param {Log} log @returns {Promise<string>} */
async function ensureBase(log) {
  const dir = baseDir();
  if (baseReady()) return dir;
  fs.mkdirSync(LIB_DIR, { recursive: true });
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  // Leftovers of a crashed build or extraction (we hold the lock: nobody else is building).
  for (const e of fs.readdirSync(LIB_DIR)) if (e.startsWith(".base-")) await removeTree(path.join(LIB_DIR, e));
  for (const e of fs.readdirSync(CACHE_DIR)) if (e.startsWith(".base-")) fs.rmSync(path.join(CACHE_DIR, e), { force: true });
  fs.rmSync(baseMarker(), { force: true });
  await removeTree(dir);

  const tmp = path.join(LIB_DIR, `.base-${baseKey()}.tmp-${process.pid}`);
  fs.mkdirSync(tmp);
  const tarball = cachedTarball();
  if (tarball) {
    const t0 = Date.now();
    log(`extracting the cached base ${tarball}`);
    await run("tar", ["-x", "-p", "--numeric-owner", "--xattrs", "--xattrs-include=*", tarball.endsWith(".zst") ? "--zstd" : "-z", "-f", tarball, "-C", tmp]);
    log(`base extracted in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } else {
    if (!which("debootstrap")) throw new TestbedError("debootstrap is missing and no base is cached: apt-get install systemd-container debootstrap", { prerequisite: true });
    const t0 = Date.now();
    log(`building the base with debootstrap (${SUITE}, ${VARIANT}, about a minute; cached afterwards)`);
    const res = await run("debootstrap", [`--variant=${VARIANT}`, `--include=${INCLUDE.join(",")}`, SUITE, tmp, MIRROR], { allowFail: true, timeoutMs: 30 * 60_000 });
    if (res.code !== 0) {
      await removeTree(tmp);
      const logTail = (res.stdout + res.stderr).trim().split("\n").slice(-15).join("\n");
      throw new TestbedError(`debootstrap failed (exit ${res.code}; is ${MIRROR} reachable?):\n${logTail}`);
    }
    await customiseBase(tmp);
    log(`base built in ${((Date.now() - t0) / 1000).toFixed(1)} s; caching it`);
    const zstd = !!which("zstd");
    const final = path.join(CACHE_DIR, `base-${baseKey()}.${zstd ? "tar.zst" : "tar.gz"}`);
    const part = path.join(CACHE_DIR, `.base-${baseKey()}.part-${process.pid}`);
    const t1 = Date.now();
    await run("tar", ["-c", "--numeric-owner", "--xattrs", "--xattrs-include=*", "--one-file-system", zstd ? "--zstd" : "-z", "-f", part, "-C", tmp, "."]);
    fs.renameSync(part, final);
    log(`cached ${final} (${(fs.statSync(final).size / 1e6).toFixed(0)} MB) in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  }
  fs.renameSync(tmp, dir);
  fs.writeFileSync(baseMarker(), JSON.stringify({ key: baseKey(), suite: SUITE, include: INCLUDE, at: new Date().toISOString() }) + "\n");
  return dir;
}

/** Make a fresh debootstrap a node base: no identity, air-gapped, a sudo user, quiet units. @param {string} root */
async function customiseBase(root) {
  const p = (/** @type {string} */ rel) => path.join(root, rel);
  for (const f of fs.readdirSync(p("etc/ssh"))) if (f.startsWith("ssh_host_")) fs.rmSync(p(`etc/ssh/${f}`));
  fs.writeFileSync(p("etc/machine-id"), ""); // filled per node
  fs.rmSync(p("var/lib/dbus/machine-id"), { force: true });
  fs.symlinkSync("/etc/machine-id", p("var/lib/dbus/machine-id"));
  fs.writeFileSync(p("etc/hostname"), "localhost\n");
  fs.rmSync(p("etc/resolv.conf"), { force: true });
  fs.writeFileSync(p("etc/resolv.conf"), "# air-gapped test node: no DNS\n");
  // Air-gapped: nothing to fetch from; the node's package state is its dpkg status alone.
  for (const f of fs.readdirSync(p("var/cache/apt/archives"))) if (f.endsWith(".deb")) fs.rmSync(p(`var/cache/apt/archives/${f}`));
  for (const f of fs.readdirSync(p("var/cache/apt"))) if (f.endsWith(".bin")) fs.rmSync(p(`var/cache/apt/${f}`));
  for (const f of fs.readdirSync(p("var/lib/apt/lists"))) if (f !== "lock" && f !== "partial" && f !== "auxfiles") fs.rmSync(p(`var/lib/apt/lists/${f}`), { recursive: true });

  await run("chroot", [root, "useradd", "--create-home", "--shell", "/bin/bash", "--user-group", "deploy"]);
  fs.writeFileSync(p("etc/sudoers.d/deploy"), "deploy ALL=(ALL) NOPASSWD:ALL\n", { mode: 0o440 });
  fs.mkdirSync(p("etc/ssh/sshd_config.d"), { recursive: true });
  fs.writeFileSync(p("etc/ssh/sshd_config.d/testbed.conf"), "# test bed node\nPermitRootLogin prohibit-password\nPasswordAuthentication no\nUseDNS no\n");
  for (const unit of MASKED_UNITS) {
    const link = p(`etc/systemd/system/${unit}`);
    fs.rmSync(link, { force: true });
    fs.symlinkSync("/dev/null", link);
  }
  for (const d of fs.readdirSync(p("etc/systemd/system"), { withFileTypes: true })) {
    if (!d.isDirectory() || !d.name.endsWith(".wants")) continue;
    for (const unit of MASKED_UNITS) fs.rmSync(p(`etc/systemd/system/${d.name}/${unit}`), { force: true });
  }
  fs.mkdirSync(p("etc/systemd/system.conf.d"), { recursive: true });
  fs.writeFileSync(p("etc/systemd/system.conf.d/testbed.conf"), "[Manager]\nDefaultTimeoutStopSec=10s\n");
  fs.mkdirSync(p("etc/systemd/journald.conf.d"), { recursive: true });
  fs.writeFileSync(p("etc/systemd/journald.conf.d/testbed.conf"), "[Journal]\nStorage=volatile\nRuntimeMaxUse=32M\n");
}

// ---------------------------------------------------------------------------------------------
// State

/**
 * @typedef {{
 *   name: string, index: number, address: string, status: "running" | "stopped",
 *   baseKey: string, nspawnPid?: number, nspawnStart?: string, initPid?: number, initStart?: string,
 *   cgroups?: string[], bootedAt?: string,
 *   throttle?: number, cutBy?: { pid: number, start: string | undefined }
 * }} NodeState
 * throttle: the host→node rate limit in bytes per second; it belongs to the link, so every boot applies it again.
 * cutBy: the CLI process (`cut NAME --seconds N`) waiting to restore the link; restore, stop and down end it.
 * @typedef {{ version: 1, nodes: Record<string, NodeState> }} State
 */

/** @returns {State | null} */
function loadState() {
  try {
    const s = JSON.parse(fs.readFileSync(STATE_FILE, "utf8"));
    if (s && s.version === 1 && typeof s.nodes === "object") return s;
  } catch {
    /* none or corrupt: treated as none; leftovers are found by name */
  }
  return null;
}

/** @param {State} state */
function saveState(state) {
  fs.mkdirSync(STATE_DIR, { recursive: true });
  writeFileAtomic(STATE_FILE, JSON.stringify(state, null, 2) + "\n");
}

/** @param {number} index */
const nodeName = (index) => `n${index}`;
/** @param {number} index */
const nodeAddress = (index) => `198.51.100.${10 + index}`;
/** @param {number} index */
const nodeMac = (index) => `02:74:62:00:${((index >> 8) & 255).toString(16).padStart(2, "0")}:${(index & 255).toString(16).padStart(2, "0")}`;
/** @param {string} name */
const nodeDir = (name) => path.join(NODES_DIR, name);
/** @param {string} name */
const nodeRoot = (name) => path.join(nodeDir(name), "root");
/** @param {string} name */
const nodeLog = (name) => path.join(nodeDir(name), "console.log");
/** @param {string} name */
const netnsName = (name) => `tb-${name}`;
/** @param {string} name */
const vethName = (name) => `tbv-${name}`;

/** @param {string} name */
function indexOf(name) {
  const m = NAME_RE.exec(name);
  const i = m ? Number(m[1]) : NaN;
  if (!m || i > MAX_NODES) throw new TestbedError(`no such node name '${name}' (nodes are n1, n2, ... n${MAX_NODES})`);
  return i;
}

/** The cgroup hierarchies a node's processes are placed in, one directory per node in each. */
function cgroupRoots() {
  if (exists("/sys/fs/cgroup/cgroup.controllers")) return ["/sys/fs/cgroup"]; // unified (v2)
  const roots = [];
  if (exists("/sys/fs/cgroup/systemd/cgroup.procs")) roots.push("/sys/fs/cgroup/systemd");
  // hybrid: nspawn also splits the cgroup2 hierarchy; without our own dir there all nodes share one.
  if (exists("/sys/fs/cgroup/unified/cgroup.procs")) roots.push("/sys/fs/cgroup/unified");
  if (!roots.length) throw new TestbedError("no usable cgroup hierarchy under /sys/fs/cgroup (need the v2 one or the v1 name=systemd one)");
  return roots;
}

/** @param {string} name */
const nodeCgroups = (name) => cgroupRoots().map((r) => path.join(r, `tb-${name}`));

// ---------------------------------------------------------------------------------------------
// Host network

async function ensureBridge() {
  const show = await run("ip", ["-o", "link", "show", "dev", BRIDGE], { allowFail: true });
  if (show.code !== 0) await run("ip", ["link", "add", BRIDGE, "type", "bridge"]);
  await run("ip", ["link", "set", BRIDGE, "address", BRIDGE_MAC]); // else it follows its ports' MACs
  await run("ip", ["addr", "replace", `${HOST_ADDRESS}/24`, "dev", BRIDGE]);
  await run("ip", ["link", "set", BRIDGE, "up"]);
}

async function listNetns() {
  const r = await run("ip", ["netns", "list"], { allowFail: true });
  return r.stdout.split("\n").map((l) => l.split(" ")[0]).filter(Boolean);
}

async function listLinks() {
  const r = await run("ip", ["-o", "link", "show"], { allowFail: true });
  return r.stdout
    .split("\n")
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1])
    .filter((x) => x !== undefined);
}

// ---------------------------------------------------------------------------------------------
// One node

async function ensureClientKey() {
  fs.mkdirSync(STATE_DIR, { recursive: true, mode: 0o700 });
  if (!exists(IDENTITY) || !exists(`${IDENTITY}.pub`)) {
    fs.rmSync(IDENTITY, { force: true });
    fs.rmSync(`${IDENTITY}.pub`, { force: true });
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "prefect-reconcile-testbed", "-f", IDENTITY]);
  }
  fs.chmodSync(IDENTITY, 0o600);
  return fs.readFileSync(`${IDENTITY}.pub`, "utf8").trim();
}

/** Host keys and machine-id live in the node's keys dir: the node keeps its identity across resets. @param {string} name */
async function ensureIdentity(name) {
  const keys = path.join(nodeDir(name), "keys");
  fs.mkdirSync(path.join(keys, "etc/ssh"), { recursive: true, mode: 0o700 });
  if (!exists(path.join(keys, "etc/ssh/ssh_host_ed25519_key"))) await run("ssh-keygen", ["-A", "-f", keys]);
  const mid = path.join(keys, "machine-id");
  if (!exists(mid)) fs.writeFileSync(mid, randomBytes(16).toString("hex") + "\n");
  return keys;
}

/** @param {string} name */
async function rekeyFiles(name) {
  const sshDir = path.join(nodeDir(name), "keys/etc/ssh");
  for (const f of fs.readdirSync(sshDir)) if (f.startsWith("ssh_host_")) fs.rmSync(path.join(sshDir, f));
  await ensureIdentity(name);
  copyHostKeys(name);
}

/** @param {string} name */
function copyHostKeys(name) {
  const from = path.join(nodeDir(name), "keys/etc/ssh");
  const to = path.join(nodeRoot(name), "etc/ssh");
  for (const f of fs.readdirSync(to)) if (f.startsWith("ssh_host_")) fs.rmSync(path.join(to, f));
  for (const f of fs.readdirSync(from)) {
    if (!f.startsWith("ssh_host_")) continue;
    fs.copyFileSync(path.join(from, f), path.join(to, f));
    fs.chmodSync(path.join(to, f), f.endsWith(".pub") ? 0o644 : 0o600);
  }
}

/** The node's public ed25519 host key line ("ssh-ed25519 AAAA..."). @param {string} name */
function hostKey(name) {
  try {
    return fs.readFileSync(path.join(nodeDir(name), "keys/etc/ssh/ssh_host_ed25519_key.pub"), "utf8").trim().split(" ").slice(0, 2).join(" ");
  } catch {
    return null;
  }
}

/** Network namespace, veth on the bridge, overlay root with the node's identity. @param {string} name @param {string} base @param {string} publicKey */
async function prepareNode(name, base, publicKey) {
  const index = indexOf(name);
  const dir = nodeDir(name);
  const ns = netnsName(name);
  const veth = vethName(name);
  for (const d of ["upper", "work", "root"]) fs.mkdirSync(path.join(dir, d), { recursive: true });
  await ensureIdentity(name);

  await run("ip", ["netns", "add", ns]);
  // A fixed MAC per node: after a restart the host's (and other nodes') ARP entries are still right,
  // instead of pointing at the old veth for the seconds it takes them to expire.
  await run("ip", ["link", "add", veth, "type", "veth", "peer", "name", "eth0", "address", nodeMac(index), "netns", ns]);
  await run("ip", ["link", "set", veth, "master", BRIDGE, "up"]);
  await run("ip", ["-n", ns, "addr", "add", `${nodeAddress(index)}/24`, "dev", "eth0"]);
  await run("ip", ["-n", ns, "link", "set", "eth0", "up"]);
  await run("ip", ["-n", ns, "link", "set", "lo", "up"]);

  const root = nodeRoot(name);
  await run("mount", ["-t", "overlay", `testbed-${name}`, "-o", `lowerdir=${base},upperdir=${path.join(dir, "upper")},workdir=${path.join(dir, "work")}`, root]);

  const r = (/** @type {string} */ rel) => path.join(root, rel);
  fs.writeFileSync(r("etc/hostname"), `${name}\n`);
  fs.writeFileSync(r("etc/hosts"), `127.0.0.1\tlocalhost\n127.0.1.1\t${name}\n::1\tlocalhost ip6-localhost ip6-loopback\n`);
  fs.writeFileSync(r("etc/machine-id"), fs.readFileSync(path.join(dir, "keys/machine-id")), { mode: 0o444 });
  copyHostKeys(name);
  const authorize = (/** @type {string} */ home, /** @type {number} */ uid, /** @type {number} */ gid) => {
    fs.mkdirSync(r(`${home}/.ssh`), { recursive: true, mode: 0o700 });
    fs.writeFileSync(r(`${home}/.ssh/authorized_keys`), publicKey + "\n", { mode: 0o600 });
    fs.chownSync(r(`${home}/.ssh`), uid, gid);
    fs.chownSync(r(`${home}/.ssh/authorized_keys`), uid, gid);
  };
  authorize("root", 0, 0);
  const deploy = fs.readFileSync(r("etc/passwd"), "utf8").split("\n").find((l) => l.startsWith("deploy:"))?.split(":");
  if (!deploy) throw new TestbedError(`the base has no 'deploy' user (${base}); remove it to rebuild`);
  authorize(deploy[5] ?? "/home/deploy", Number(deploy[2]), Number(deploy[3]));
}

/** Start systemd-nspawn for a prepared node, in its own cgroups, detached. @param {NodeState} node @param {boolean} freshLog */
async function bootNode(node, freshLog) {
  const { name } = node;
  const cgroups = nodeCgroups(name);
  for (const cg of cgroups) fs.mkdirSync(cg, { recursive: true });
  const log = nodeLog(name);
  const fd = fs.openSync(log, freshLog ? "w" : "a");
  fs.writeSync(fd, `=== testbed: booting ${name} at ${new Date().toISOString()}\n`);
  const args = [
    "-c",
    'for f in $TESTBED_CGROUPS; do echo $$ > "$f/cgroup.procs" || exit 97; done; exec "$@"',
    "sh",
    "systemd-nspawn",
    "--quiet",
    "-D",
    nodeRoot(name),
    "--boot",
    "--register=no",
    "--keep-unit",
    `--network-namespace-path=/run/netns/${netnsName(name)}`,
    "-M",
    name,
    "--link-journal=no",
    "--resolv-conf=off",
    "--timezone=off",
    "--console=read-only",
  ];
  const child = spawn("sh", args, { detached: true, stdio: ["ignore", fd, fd], env: { ...envWithSbin(), TESTBED_CGROUPS: cgroups.join(" ") } });
  fs.closeSync(fd);
  const pid = await new Promise((resolve, reject) => {
    child.once("error", (e) => reject(new TestbedError(`cannot start systemd-nspawn for ${name}: ${e.message}`)));
    child.once("spawn", () => resolve(child.pid));
  });
  child.unref();
  node.status = "running";
  node.nspawnPid = pid;
  node.nspawnStart = procStat(pid)?.start;
  node.initPid = undefined;
  node.initStart = undefined;
  node.cgroups = cgroups;
  node.baseKey = baseKey();
  node.bootedAt = new Date().toISOString();

  const deadline = Date.now() + 20_000;
  for (;;) {
    const init = findContainerInit(pid);
    if (init) {
      node.initPid = init;
      node.initStart = procStat(init)?.start;
      return;
    }
    if (!alive(pid, node.nspawnStart)) throw new TestbedError(`systemd-nspawn for ${name} exited at start; its log (${log}):\n${tail(log, 25)}`);
    if (Date.now() > deadline) throw new TestbedError(`systemd-nspawn for ${name} started no container within 20 s; its log (${log}):\n${tail(log, 25)}`);
    await sleep(20);
  }
}

/**
 * SSH options for the test bed: its own key, no host key checking (nodes are re-created all the time).
 * @param {string} user @param {string} address
 */
export function sshArgs(user, address) {
  return [
    "-F", "/dev/null",
    "-i", IDENTITY,
    "-o", "IdentitiesOnly=yes",
    "-o", "StrictHostKeyChecking=no",
    "-o", "UserKnownHostsFile=/dev/null",
    "-o", "GlobalKnownHostsFile=/dev/null",
    "-o", "BatchMode=yes",
    "-o", "ConnectTimeout=5",
    "-o", "LogLevel=ERROR",
    `${user}@${address}`,
  ];
}

/**
 * Run a command on a node over SSH with the test bed's key.
 * @param {string} nameOrAddress @param {string} command
 * @param {{ user?: string, timeoutMs?: number, input?: string }} [opts]
 */
export async function sshExec(nameOrAddress, command, opts = {}) {
  const address = NAME_RE.test(nameOrAddress) ? nodeAddress(indexOf(nameOrAddress)) : nameOrAddress;
  return run("ssh", [...sshArgs(opts.user ?? "root", address), command], { allowFail: true, timeoutMs: opts.timeoutMs ?? 60_000, input: opts.input });
}

/**
 * One TCP connect to port 22: "open", "refused" (a RST came back: the network passes packets, nothing
 * listens), or "no answer" (timeout, no route).
 * @param {string} address @param {number} timeoutMs @returns {Promise<"open" | "refused" | "no answer">}
 */
function tcpProbe(address, timeoutMs) {
  return new Promise((resolve) => {
    const s = net.connect({ host: address, port: 22, timeout: timeoutMs });
    const done = (/** @type {"open" | "refused" | "no answer"} */ how) => {
      s.destroy();
      resolve(how);
    };
    s.once("connect", () => done("open"));
    s.once("error", (e) => done(/** @type {NodeJS.ErrnoException} */ (e).code === "ECONNREFUSED" ? "refused" : "no answer"));
    s.once("timeout", () => done("no answer"));
  });
}

/** Wait until the node's systemd reports "running" over SSH. @param {NodeState} node @param {number} timeoutMs */
async function waitReady(node, timeoutMs = READY_TIMEOUT_MS) {
  const { name, address } = node;
  const deadline = Date.now() + timeoutMs;
  const why = (/** @type {string} */ msg) => new TestbedError(`node ${name} (${address}) ${msg}; console log ${nodeLog(name)}:\n${tail(nodeLog(name), 30)}`);
  const gone = () => !alive(node.nspawnPid, node.nspawnStart) || !alive(node.initPid, node.initStart);
  // Cheap TCP probes until sshd listens; an ssh process per probe would slow ten booting nodes down.
  while ((await tcpProbe(address, 1000)) !== "open") {
    if (gone()) throw why("powered off while booting");
    if (Date.now() > deadline) throw why(`did not open port 22 within ${timeoutMs / 1000} s`);
    await sleep(100);
  }
  let last = "";
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw why(`did not finish booting within ${timeoutMs / 1000} s (last answer: ${last || "none"})`);
    const r = await sshExec(address, "systemctl is-system-running --wait", { timeoutMs: left });
    const stateWord = r.stdout.trim();
    if (stateWord === "running") return;
    if (r.code === 255) {
      last = r.stderr.trim() || "ssh failed";
      if (gone()) throw why("powered off while booting");
      await sleep(200);
      continue;
    }
    if (stateWord === "degraded") {
      const failed = await sshExec(address, "systemctl --failed --plain --no-legend --no-pager; journalctl -b -p warning --no-pager -n 30", { timeoutMs: 20_000 });
      throw new TestbedError(`node ${name} (${address}) booted degraded; failed units and warnings:\n${failed.stdout.trim()}`);
    }
    last = `${stateWord || "?"} ${r.stderr.trim()}`.trim();
    if (["maintenance", "stopping", "offline"].includes(stateWord)) throw why(`is ${stateWord}`);
    await sleep(200);
  }
}

/** Is a node we recorded as running really there and answering? @param {NodeState} node */
async function answering(node) {
  if (!alive(node.nspawnPid, node.nspawnStart) || !alive(node.initPid, node.initStart)) return false;
  if (!exists(path.join(nodeRoot(node.name), "etc/hostname"))) return false;
  const r = await sshExec(node.address, "systemctl is-system-running", { timeoutMs: 15_000 });
  return r.stdout.trim() === "running";
}

/** PIDs in a cgroup directory and all below it. @param {string} dir @returns {number[]} */
function cgroupPids(dir) {
  /** @type {number[]} */
  const out = [];
  const walk = (/** @type {string} */ d) => {
    try {
      for (const l of fs.readFileSync(path.join(d, "cgroup.procs"), "utf8").split("\n")) if (l) out.push(Number(l));
      for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(d, e.name));
    } catch {
      /* gone */
    }
  };
  walk(dir);
  return [...new Set(out)];
}

/** Remove a cgroup directory tree, deepest first. @param {string} dir */
function removeCgroup(dir) {
  if (!exists(dir)) return true;
  const dirs = [];
  const walk = (/** @type {string} */ d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(d, e.name));
    dirs.push(d);
  };
  try {
    walk(dir);
    for (const d of dirs) fs.rmdirSync(d);
    return true;
  } catch {
    return false;
  }
}

/**
 * Power a node off and release everything it held: processes (by recorded PID or by membership
 * of its own cgroups), cgroup dirs, the overlay mount, the network namespace and the veth.
 * Works from the state record or, when there is none (a crash before it was written), from names alone.
 * @param {string} name @param {NodeState | undefined} node
 */
async function haltNode(name, node) {
  if (node) endCutTimer(node); // the link it would restore goes with the node
  const cgroups = node?.cgroups ?? nodeCgroups(name);
  const ours = () => {
    const pids = new Set(cgroups.flatMap(cgroupPids));
    if (node && alive(node.nspawnPid, node.nspawnStart)) pids.add(/** @type {number} */ (node.nspawnPid));
    if (node && alive(node.initPid, node.initStart)) pids.add(/** @type {number} */ (node.initPid));
    return [...pids].filter((p) => alive(p));
  };
  // Clean poweroff: SIGRTMIN+3 to each container init (PID 1 in its namespace).
  const inits = new Set();
  if (node && alive(node.initPid, node.initStart)) inits.add(node.initPid);
  for (const p of cgroups.flatMap(cgroupPids)) {
    const ns = nsPids(p);
    if (ns.length >= 2 && ns[ns.length - 1] === 1) inits.add(p);
  }
  for (const p of inits) signal(/** @type {number} */ (p), SIGRTMIN_3);
  let deadline = Date.now() + (inits.size ? STOP_TIMEOUT_MS : 0);
  while (ours().length && Date.now() < deadline) await sleep(50);
  if (ours().length) {
    for (const p of ours()) signal(p, "SIGKILL");
    deadline = Date.now() + 5000;
    while (ours().length && Date.now() < deadline) await sleep(50);
  }
  const left = ours();
  const problems = [];
  if (left.length) problems.push(`processes ${left.join(", ")} did not exit`);
  for (const cg of cgroups) {
    let ok = removeCgroup(cg);
    for (let i = 0; !ok && i < 20; i++) {
      await sleep(100);
      ok = removeCgroup(cg);
    }
    if (!ok) problems.push(`cannot remove cgroup ${cg}`);
  }
  for (const m of mountsUnder(nodeRoot(name)).reverse()) {
    const u = await run("umount", [m], { allowFail: true });
    if (u.code !== 0) await run("umount", ["-l", m], { allowFail: true });
  }
  // nspawn's per-machine propagation dir; it cannot remove it itself when /run is not a tmpfs.
  if (!left.length) {
    try {
      fs.rmdirSync(path.join("/run/systemd/nspawn/propagate", name));
    } catch {
      /* absent (or not empty: then not ours to clear) */
    }
  }
  if ((await listNetns()).includes(netnsName(name))) await run("ip", ["netns", "del", netnsName(name)], { allowFail: true });
  if ((await listLinks()).includes(vethName(name))) await run("ip", ["link", "del", vethName(name)], { allowFail: true });
  if (problems.length) throw new TestbedError(`could not fully stop ${name}: ${problems.join("; ")}`);
}

/** Forget a node's disk: the next boot starts from the base again (host keys are kept). @param {string} name */
function wipeNodeDisk(name) {
  for (const d of ["upper", "work", "root", ".#root.lck"]) fs.rmSync(path.join(nodeDir(name), d), { recursive: true, force: true });
}

/** Node names that exist on the host by their resource names, whatever the state file says. */
async function leftoverNames() {
  const names = new Set();
  for (const ns of await listNetns()) if (/^tb-n\d+$/.test(ns)) names.add(ns.slice(3));
  for (const l of await listLinks()) if (/^tbv-n\d+$/.test(l)) names.add(l.slice(4));
  for (const m of mountsUnder(NODES_DIR)) {
    const n = path.relative(NODES_DIR, m).split(path.sep)[0];
    if (n && NAME_RE.test(n)) names.add(n);
  }
  for (const root of cgroupRoots()) {
    try {
      for (const e of fs.readdirSync(root)) if (/^tb-n\d+$/.test(e)) names.add(e.slice(3));
    } catch {
      /* none */
    }
  }
  return names;
}

// ---------------------------------------------------------------------------------------------
// Faults: a cut link, a slow link, a small file system inside a node

const LINK_UP_TIMEOUT_MS = 10_000;
const MAX_CUT_SECONDS = 24 * 3600;
const MIN_RATE = 1000;
const MAX_RATE = 1e9;
/**
 * Queueing delay a throttled link may add, and its burst (16 KiB or 10 ms of the rate): small, so
 * that a small SSH command behind a bulk upload waits little on each of its round trips (with a
 * 50 ms queue and a 64 KiB burst one took 1.2 s at 500 kB/s; with these 0.3-0.4 s at any rate).
 */
const THROTTLE_LATENCY_MS = 20;
const throttleBurst = (/** @type {number} */ rate) => Math.max(16 * 1024, Math.round(rate / 100));
const SMALL_FS = "testbed-small";
const MAX_SMALL_BYTES = 1024 ** 3;
/** Mounts a tmpfs over $1 with size $2, owned and moded like the directory it covers (created if missing). */
const MOUNT_SMALL_SCRIPT = 'mkdir -p "$1" && set -- "$1" "$2" $(stat -c "%u %g %a" "$1") && mount -t tmpfs -o "size=$2,uid=$3,gid=$4,mode=$5" ' + SMALL_FS + ' "$1"';

/**
 * The node's link as the host sees it: "up", "cut" (its host-side veth is down), or null when it
 * has none (the node is not running).
 * @param {string} name @returns {"up" | "cut" | null}
 */
function linkState(name) {
  try {
    return Number.parseInt(fs.readFileSync(`/sys/class/net/${vethName(name)}/flags`, "utf8"), 16) & 1 ? "up" : "cut";
  } catch {
    return null;
  }
}

/**
 * Bring a cut link up and wait until it passes packets: after `ip link set up` the kernel's link
 * watch activates the veth within about a second, and a SYN sent before that is lost.
 * @param {NodeState} node
 */
async function linkUp(node) {
  await run("ip", ["link", "set", vethName(node.name), "up"], { timeoutMs: 30_000 });
  if (!alive(node.initPid, node.initStart)) return;
  const deadline = Date.now() + LINK_UP_TIMEOUT_MS;
  while ((await tcpProbe(node.address, 300)) === "no answer") {
    if (Date.now() > deadline) throw new TestbedError(`the link of ${node.name} is up again, but ${node.address} did not answer within ${LINK_UP_TIMEOUT_MS / 1000} s`);
  }
}

/** Tell the CLI process waiting to restore this node's link (`cut --seconds`) that its wait is over. @param {NodeState} node */
function endCutTimer(node) {
  const by = node.cutBy;
  delete node.cutBy;
  if (by && by.pid !== process.pid && alive(by.pid, by.start)) signal(by.pid, "SIGUSR1");
}

/**
 * Make the host-side veth's root qdisc match the node's recorded throttle: a token bucket (tbf)
 * for the host→node direction, or the default when there is none.
 * @param {NodeState} node
 */
async function shapeLink(node) {
  const dev = vethName(node.name);
  if (linkState(node.name) === null) return;
  if (node.throttle !== undefined) {
    const burst = throttleBurst(node.throttle);
    await run("tc", ["qdisc", "replace", "dev", dev, "root", "tbf", "rate", `${node.throttle * 8}bit`, "burst", `${burst}b`, "latency", `${THROTTLE_LATENCY_MS}ms`], { timeoutMs: 30_000 });
    return;
  }
  const shown = await run("tc", ["qdisc", "show", "dev", dev, "root"], { timeoutMs: 30_000 });
  if (/^qdisc tbf /m.test(shown.stdout)) await run("tc", ["qdisc", "del", "dev", dev, "root"], { timeoutMs: 30_000 });
}

/** @param {string} p */
function checkNodePath(p) {
  const ok = /^\/[A-Za-z0-9._@+/-]+$/.test(p) && path.posix.normalize(p) === p && !p.endsWith("/") && !p.split("/").includes("..");
  if (!ok) throw new TestbedError(`'${p}' is not a plain absolute path on a node (like /opt/prefect/store)`);
}

/**
 * The small file systems mounted in a running node, read from its init's mount table (mount
 * points there are relative to the node's root).
 * @param {NodeState} node @returns {{ path: string, bytes: number }[]}
 */
function smallMounts(node) {
  if (!alive(node.initPid, node.initStart)) return [];
  let text = "";
  try {
    text = fs.readFileSync(`/proc/${node.initPid}/mountinfo`, "utf8");
  } catch {
    return [];
  }
  const out = [];
  for (const line of text.split("\n")) {
    const [left, right] = line.split(" - ");
    if (!right) continue;
    const [fstype, source, options = ""] = right.split(" ");
    if (fstype !== "tmpfs" || source !== SMALL_FS) continue;
    const mp = mountField(left?.split(" ")[4] ?? "");
    const kib = /(?:^|,)size=(\d+)k/.exec(options);
    out.push({ path: mp, bytes: kib ? Number(kib[1]) * 1024 : 0 });
  }
  return out;
}

/** Run a command in a running node's mount namespace (entered from the host via its recorded init). @param {NodeState} node @param {string[]} argv */
async function inNodeMounts(node, argv) {
  if (!alive(node.initPid, node.initStart)) throw new TestbedError(`node ${node.name} is not running`);
  return run("nsenter", ["-t", String(node.initPid), "-m", "--", ...argv], { timeoutMs: 30_000 });
}

/**
 * Undo every fault on a running node (cut link, throttle, small mounts): what `up` does to nodes it
 * reuses, so a run never inherits the faults a crashed one left.
 * @param {NodeState} node @param {Log} log
 */
async function clearFaults(node, log) {
  const done = [];
  endCutTimer(node);
  if (linkState(node.name) === "cut") {
    await linkUp(node);
    done.push("restored its cut link");
  }
  if (node.throttle !== undefined) {
    delete node.throttle;
    done.push("removed its throttle");
  }
  await shapeLink(node);
  for (const m of smallMounts(node).reverse()) {
    await inNodeMounts(node, ["umount", m.path]);
    done.push(`unmounted the small file system at ${m.path}`);
  }
  if (done.length) log(`${node.name}: ${done.join(", ")}`);
}

// ---------------------------------------------------------------------------------------------
// The test bed

/**
 * @typedef {{
 *   name: string, address: string, root: string, running: boolean, hostKey: string | null, log: string,
 *   link: "up" | "cut" | null, throttle: number | null, smallMounts: { path: string, bytes: number }[]
 * }} NodeInfo
 * @typedef {{
 *   nodes: NodeInfo[], identityFile: string, publicKey: string, users: { root: string, sudo: string },
 *   stateDir: string, bridge: string, subnet: string, hostAddress: string
 * }} TestbedInfo
 */

/** @param {State} state @returns {TestbedInfo} */
function infoOf(state) {
  const nodes = Object.values(state.nodes)
    .sort((a, b) => a.index - b.index)
    .map((n) => ({
      name: n.name,
      address: n.address,
      root: nodeRoot(n.name),
      running: n.status === "running" && alive(n.nspawnPid, n.nspawnStart) && alive(n.initPid, n.initStart),
      hostKey: hostKey(n.name),
      log: nodeLog(n.name),
      link: linkState(n.name),
      throttle: n.throttle ?? null,
      smallMounts: smallMounts(n),
    }));
  let publicKey = "";
  try {
    publicKey = fs.readFileSync(`${IDENTITY}.pub`, "utf8").trim();
  } catch {
    /* not yet */
  }
  return { nodes, identityFile: IDENTITY, publicKey, users: { root: "root", sudo: "deploy" }, stateDir: STATE_DIR, bridge: BRIDGE, subnet: SUBNET, hostAddress: HOST_ADDRESS };
}

/** The test bed as recorded, or null when none is up. @returns {TestbedInfo | null} */
export function info() {
  const state = loadState();
  if (!state || Object.keys(state.nodes).length === 0) return null;
  return infoOf(state);
}

/**
 * Make exactly `nodes` nodes (n1..nN) run and answer SSH; reuse those already running, boot the
 * rest in parallel, stop any beyond N, and clean what a crashed run left behind first.
 * @param {{ nodes?: number, log?: Log }} [opts]
 * @returns {Promise<TestbedInfo>}
 */
export async function up(opts = {}) {
  const count = opts.nodes ?? 3;
  const log = opts.log ?? quiet;
  if (!Number.isInteger(count) || count < 1 || count > MAX_NODES) throw new TestbedError(`--nodes must be a whole number from 1 to ${MAX_NODES}, not ${count}`);
  requirePrerequisites();
  return withLock(`up --nodes ${count}`, log, async () => {
    const t0 = Date.now();
    const state = loadState() ?? { version: 1, nodes: {} };
    const wanted = new Set(Array.from({ length: count }, (_, i) => nodeName(i + 1)));

    // Which recorded nodes still run on the current base and answer; everything else is cleaned.
    /** @type {Set<string>} */
    const keep = new Set();
    const checks = Object.values(state.nodes).map(async (n) => {
      if (!wanted.has(n.name) || n.status !== "running" || n.baseKey !== baseKey() || !alive(n.initPid, n.initStart)) return;
      // A cut link would make a healthy node look dead (and cost it its disk): heal faults first.
      const healed = await clearFaults(n, log).then(
        () => true,
        (/** @type {unknown} */ e) => log(`${n.name}: could not clear its faults (${e instanceof Error ? e.message : String(e)}); booting it again`),
      );
      if (healed && (await answering(n))) keep.add(n.name);
    });
    await Promise.all(checks);
    const leftovers = await leftoverNames();
    const toHalt = new Set([...Object.keys(state.nodes), ...leftovers].filter((n) => !keep.has(n)));
    if (toHalt.size) log(`cleaning ${[...toHalt].sort().join(", ")}`);
    // A node stopped on purpose keeps its disk (like a powered-off machine); a crashed, unknown
    // or unwanted one starts over from the base.
    const keepDisk = new Set(
      Object.values(state.nodes)
        .filter((n) => wanted.has(n.name) && n.status === "stopped" && n.baseKey === baseKey())
        .map((n) => n.name),
    );
    await Promise.all(
      [...toHalt].map(async (name) => {
        await haltNode(name, state.nodes[name]);
        if (!wanted.has(name)) delete state.nodes[name];
      }),
    );
    for (const name of wanted) if (!keep.has(name) && !keepDisk.has(name)) wipeNodeDisk(name);
    saveState(state);

    const base = await ensureBase(log);
    const publicKey = await ensureClientKey();
    await ensureBridge();

    const toBoot = [...wanted].filter((n) => !keep.has(n)).sort((a, b) => indexOf(a) - indexOf(b));
    if (keep.size) log(`reusing ${[...keep].sort().join(", ")}`);
    if (toBoot.length) {
      log(`booting ${toBoot.join(", ")}`);
      const tBoot = Date.now();
      const results = await Promise.allSettled(
        toBoot.map(async (name) => {
          const index = indexOf(name);
          /** @type {NodeState} */
          const node = { name, index, address: nodeAddress(index), status: "running", baseKey: baseKey() };
          state.nodes[name] = node;
          await prepareNode(name, base, publicKey);
          await bootNode(node, true);
          saveState(state);
          await waitReady(node);
        }),
      );
      saveState(state);
      const failures = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
      if (failures.length) {
        throw failures.length === 1 ? failures[0] : new TestbedError(failures.map((f) => (f instanceof Error ? f.message : String(f))).join("\n\n"));
      }
      log(`${toBoot.length} node(s) booted and answering in ${((Date.now() - tBoot) / 1000).toFixed(1)} s`);
    }
    log(`test bed up: ${count} node(s) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return infoOf(state);
  });
}

/**
 * Stop every node and remove the bridge; no namespace, link, mount, cgroup dir or process is left.
 * Node disks are discarded; the client key, node host keys, the base and its cache are kept.
 * Safe to run twice, or with no state at all.
 * @param {{ log?: Log }} [opts]
 */
export async function down(opts = {}) {
  const log = opts.log ?? quiet;
  requireRoot();
  if (!exists(STATE_DIR) && !(await listLinks()).includes(BRIDGE) && (await leftoverNames()).size === 0) return;
  await withLock("down", log, async () => {
    const t0 = Date.now();
    const state = loadState() ?? { version: 1, nodes: {} };
    const names = new Set([...Object.keys(state.nodes), ...(await leftoverNames())]);
    if (names.size) log(`stopping ${[...names].sort((a, b) => indexOf(a) - indexOf(b)).join(", ")}`);
    const results = await Promise.allSettled(
      [...names].map(async (name) => {
        await haltNode(name, state.nodes[name]);
        wipeNodeDisk(name);
        delete state.nodes[name];
      }),
    );
    if ((await listLinks()).includes(BRIDGE)) await run("ip", ["link", "del", BRIDGE]);
    if (Object.keys(state.nodes).length) saveState(state);
    else fs.rmSync(STATE_FILE, { force: true });
    const failures = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
    if (failures.length) throw new TestbedError(failures.map((f) => (f instanceof Error ? f.message : String(f))).join("\n"));
    log(`test bed down in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });
}

/** @param {State | null} state @param {string} name */
function recorded(state, name) {
  indexOf(name);
  const node = state?.nodes[name];
  if (!state || !node) throw new TestbedError(`node ${name} is not part of the test bed (run up --nodes N first)`);
  return { state, node };
}

/**
 * Power a node off (cleanly, SIGRTMIN+3); it keeps its disk. Its address stops answering.
 * @param {string} name @param {{ log?: Log }} [opts]
 */
export async function stopNode(name, opts = {}) {
  requireRoot();
  await withLock(`stop ${name}`, opts.log ?? quiet, async () => {
    const { state, node } = recorded(loadState(), name);
    await haltNode(name, node);
    node.status = "stopped";
    saveState(state);
  });
}

/** @param {State} state @param {NodeState} node @param {Log} log */
async function startLocked(state, node, log) {
  if (node.status === "running" && (await answering(node))) return;
  await haltNode(node.name, node); // whatever is left of it
  if (node.baseKey !== baseKey()) wipeNodeDisk(node.name);
  const base = await ensureBase(log);
  const publicKey = await ensureClientKey();
  await ensureBridge();
  await prepareNode(node.name, base, publicKey);
  await shapeLink(node); // a throttle belongs to the link: the new veth gets it before the node boots
  await bootNode(node, false);
  saveState(state);
  await waitReady(node);
}

/**
 * Boot a stopped node again (with the disk it had) and wait until it answers. No-op if it runs.
 * @param {string} name @param {{ log?: Log }} [opts]
 */
export async function startNode(name, opts = {}) {
  requirePrerequisites();
  const log = opts.log ?? quiet;
  await withLock(`start ${name}`, log, async () => {
    const { state, node } = recorded(loadState(), name);
    await startLocked(state, node, log);
  });
}

/**
 * Stop a node, discard its disk so it is fresh from the base again (keeping its host keys and
 * machine-id), boot it and wait until it answers.
 * @param {string} name @param {{ log?: Log }} [opts]
 */
export async function resetNode(name, opts = {}) {
  requirePrerequisites();
  const log = opts.log ?? quiet;
  await withLock(`reset ${name}`, log, async () => {
    const { state, node } = recorded(loadState(), name);
    await haltNode(name, node);
    wipeNodeDisk(name);
    node.status = "stopped";
    saveState(state);
    await startLocked(state, node, log);
  });
}

/**
 * Reboot a running node the way a machine reboots: a clean poweroff (its processes stop, open SSH
 * connections end), then a boot from the same disk with the same host keys and machine-id, resolving
 * when it answers SSH again. `downMs` keeps it powered off that long in between. Safe while other
 * processes hold SSH connections to it (they see the connection end, then the node come back).
 * A cut link is made whole by the reboot (the node gets a new veth); a throttle stays.
 * @param {string} name @param {{ downMs?: number, log?: Log }} [opts]
 */
export async function rebootNode(name, opts = {}) {
  requirePrerequisites();
  const log = opts.log ?? quiet;
  const downMs = opts.downMs ?? 0;
  if (!Number.isInteger(downMs) || downMs < 0 || downMs > 3600_000) throw new TestbedError(`downMs must be a whole number of milliseconds from 0 to 3600000, not ${downMs}`);
  await withLock(`reboot ${name}`, log, async () => {
    const { state, node } = recorded(loadState(), name);
    if (node.status !== "running") throw new TestbedError(`node ${name} is stopped; start it instead of rebooting it`);
    await haltNode(name, node);
    node.status = "stopped";
    saveState(state);
    if (downMs) await sleep(downMs);
    await startLocked(state, node, log);
  });
}

/**
 * Give a running node new SSH host keys (kept for later resets) and restart its sshd, so clients
 * see a changed host key.
 * @param {string} name @param {{ log?: Log }} [opts]
 * @returns {Promise<string | null>} the new ed25519 host key line
 */
export async function rekeyNode(name, opts = {}) {
  requireRoot();
  return withLock(`rekey ${name}`, opts.log ?? quiet, async () => {
    const { node } = recorded(loadState(), name);
    if (!(await answering(node))) throw new TestbedError(`node ${name} is not running; start it first`);
    await rekeyFiles(name);
    const r = await sshExec(node.address, "systemctl restart ssh.service", { timeoutMs: 30_000 });
    if (r.code !== 0) throw new TestbedError(`restarting sshd on ${name} failed: ${(r.stderr || r.stdout).trim()}`);
    await waitReady(node, 30_000);
    return hostKey(name);
  });
}

/**
 * Cut a running node's link like a failed cable or switch port: its host-side veth goes down, so
 * packets are dropped silently both ways (to and from the host and the other nodes). An open TCP
 * connection just stalls (no reset); a new connect times out (after a few seconds the host's ARP
 * entry fails too and it reports "no route to host"). With `seconds`, resolves after restoring the
 * link that many seconds later; otherwise when the link is cut (restoreLink brings it back).
 * @param {string} name @param {{ seconds?: number, log?: Log }} [opts]
 */
export async function cutLink(name, opts = {}) {
  requireRoot();
  const log = opts.log ?? quiet;
  const { seconds } = opts;
  if (seconds !== undefined && !(Number.isFinite(seconds) && seconds > 0 && seconds <= MAX_CUT_SECONDS)) {
    throw new TestbedError(`a cut lasts more than 0 and at most ${MAX_CUT_SECONDS} seconds, not ${seconds}`);
  }
  await cutLocked(name, log);
  if (seconds === undefined) return;
  await sleep(seconds * 1000);
  await restoreLink(name, { log });
}

/** @param {string} name @param {Log} log @param {{ pid: number, start: string | undefined }} [by] the CLI process that will restore it */
function cutLocked(name, log, by) {
  return withLock(`cut ${name}`, log, async () => {
    const { state, node } = recorded(loadState(), name);
    if (linkState(name) === null) throw new TestbedError(`node ${name} is not running: it has no link to cut`);
    await run("ip", ["link", "set", vethName(name), "down"], { timeoutMs: 30_000 });
    endCutTimer(node);
    if (by) node.cutBy = by;
    saveState(state);
  });
}

/**
 * Bring a cut link back; resolves once it passes packets again (stalled connections resume).
 * A no-op when the link is not cut or the node is not running.
 * @param {string} name @param {{ log?: Log }} [opts]
 */
export async function restoreLink(name, opts = {}) {
  requireRoot();
  await withLock(`restore ${name}`, opts.log ?? quiet, async () => {
    const { state, node } = recorded(loadState(), name);
    endCutTimer(node);
    saveState(state);
    if (linkState(name) === "cut") await linkUp(node);
  });
}

/**
 * Limit the host→node direction of a node's link (what an upload to it uses) to `bytesPerSecond`,
 * with a token bucket on its host-side veth (burst: 16 KiB or 10 ms of the rate; queueing delay at
 * most 20 ms, so small SSH commands stay prompt). The rate counts whole frames, headers included.
 * The throttle stays through stop/start/reboot/reset until unthrottleLink (or down).
 * @param {string} name @param {number} bytesPerSecond @param {{ log?: Log }} [opts]
 */
export async function throttleLink(name, bytesPerSecond, opts = {}) {
  requireRoot();
  if (!Number.isInteger(bytesPerSecond) || bytesPerSecond < MIN_RATE || bytesPerSecond > MAX_RATE) {
    throw new TestbedError(`a throttle is a whole number of bytes per second from ${MIN_RATE} to ${MAX_RATE}, not ${bytesPerSecond}`);
  }
  await withLock(`throttle ${name}`, opts.log ?? quiet, async () => {
    const { state, node } = recorded(loadState(), name);
    node.throttle = bytesPerSecond;
    saveState(state);
    await shapeLink(node);
  });
}

/** Remove a node's throttle: its link runs at full speed again. A no-op when it has none. @param {string} name @param {{ log?: Log }} [opts] */
export async function unthrottleLink(name, opts = {}) {
  requireRoot();
  await withLock(`unthrottle ${name}`, opts.log ?? quiet, async () => {
    const { state, node } = recorded(loadState(), name);
    delete node.throttle;
    saveState(state);
    await shapeLink(node);
  });
}

/**
 * Mount a small file system (tmpfs, `bytes` rounded up to whole pages) at `nodePath` inside a
 * running node, creating the directory if needed and giving the new root that directory's owner
 * and mode. Every process on the node sees it (sshd sessions too); writes past its size fail with
 * ENOSPC, and what the directory held is hidden until unmountSmall. Nothing is mounted on the host;
 * a reboot, stop, reset or down drops it.
 * @param {string} name @param {string} nodePath @param {number} bytes @param {{ log?: Log }} [opts]
 */
export async function mountSmall(name, nodePath, bytes, opts = {}) {
  requireRoot();
  checkNodePath(nodePath);
  if (!Number.isInteger(bytes) || bytes < 4096 || bytes > MAX_SMALL_BYTES) {
    throw new TestbedError(`a small file system holds a whole number of bytes from 4096 to ${MAX_SMALL_BYTES}, not ${bytes}`);
  }
  await withLock(`mount-small ${name} ${nodePath}`, opts.log ?? quiet, async () => {
    const { node } = recorded(loadState(), name);
    if (smallMounts(node).some((m) => m.path === nodePath)) throw new TestbedError(`node ${name} already has a small file system at ${nodePath}; unmount-small it first`);
    await inNodeMounts(node, ["sh", "-c", MOUNT_SMALL_SCRIPT, "sh", nodePath, String(bytes)]);
  });
}

/**
 * Unmount the small file system at `nodePath` in a node; what the directory held shows again.
 * A no-op when there is none (or the node is not running).
 * @param {string} name @param {string} nodePath @param {{ log?: Log }} [opts]
 */
export async function unmountSmall(name, nodePath, opts = {}) {
  requireRoot();
  checkNodePath(nodePath);
  await withLock(`unmount-small ${name} ${nodePath}`, opts.log ?? quiet, async () => {
    const { node } = recorded(loadState(), name);
    if (smallMounts(node).some((m) => m.path === nodePath)) await inNodeMounts(node, ["umount", nodePath]);
  });
}

// ---------------------------------------------------------------------------------------------
// CLI

const USAGE = `usage: node test/testbed/testbed.mjs COMMAND
  up [--nodes N] [--force]   boot nodes n1..nN (default 3), reusing running ones; prints the info as JSON
  down [--force]             stop everything; leaves no namespace, link, qdisc, mount, cgroup or process
  status                     print the info as JSON (null when nothing is up)
  stop NAME | start NAME     power a node off (keeps its disk) / on again
  reboot NAME [--down-ms MS] clean poweroff and boot from the same disk; returns when it answers SSH
  reset NAME                 fresh disk from the base, same host keys
  rekey NAME                 new SSH host keys for a running node
  cut NAME [--seconds S]     drop all its packets both ways (stalls connections); with --seconds, wait
                             S seconds and restore (Ctrl-C restores at once), else until restore NAME
  restore NAME               bring a cut link back
  throttle NAME RATE         limit host->node to RATE bytes/s (2MB = 2000000, 512KiB, 1.5M, 800000)
  unthrottle NAME            full speed again
  mount-small NAME PATH SIZE mount a SIZE tmpfs at PATH inside the node (writes past it: ENOSPC)
  unmount-small NAME PATH    unmount it again
  ssh NAME [--user U] [CMD]  log in to a node (or run CMD) with the test bed key
  --force: every command that changes nodes refuses while a test run holds the test bed
           (it would break that run) unless forced`;

/**
 * Bytes from "2MB", "1.5M", "512KiB", "800000" (k/M/G: powers of 1000, Ki/Mi/Gi: of 1024; an
 * optional B, and for rates an optional /s).
 * @param {string | undefined} text @param {string} what
 */
function parseBytes(text, what) {
  const m = /^(\d+(?:\.\d+)?)\s*(?:([kKMG])(i?))?B?(?:\/s)?$/.exec(text ?? "");
  if (!m) throw new TestbedError(`${what} must be a number of bytes like 2MB, 512KiB or 800000, not '${text ?? ""}'`);
  const power = m[2] ? "kMG".indexOf(m[2] === "K" ? "k" : m[2]) + 1 : 0;
  return Math.round(Number(m[1]) * (m[3] ? 1024 : 1000) ** power);
}

/**
 * Wait `ms`, or until a signal: SIGUSR1 means restore/stop/down ended the wait (and dealt with the
 * link); SIGINT, SIGTERM and SIGHUP mean the person wants out now.
 * @param {number} ms @returns {Promise<string>} "time" or the signal's name
 */
function waitOrSignal(ms) {
  return new Promise((resolve) => {
    /** @type {[NodeJS.Signals, () => void][]} */
    const handlers = /** @type {NodeJS.Signals[]} */ (["SIGINT", "SIGTERM", "SIGHUP", "SIGUSR1"]).map((s) => [s, () => done(s)]);
    const timer = setTimeout(() => done("time"), ms);
    /** @param {string} why */
    function done(why) {
      clearTimeout(timer);
      for (const [s, h] of handlers) process.off(s, h);
      resolve(why);
    }
    for (const [s, h] of handlers) process.on(s, h);
  });
}

/** The commands that take just a node name. @type {Map<string, (name: string, opts: { log?: Log }) => Promise<void>>} */
const NODE_VERBS = new Map([
  ["stop", stopNode],
  ["start", startNode],
  ["reset", resetNode],
  ["restore", restoreLink],
  ["unthrottle", unthrottleLink],
]);

/** @param {string[]} argv */
async function cli(argv) {
  const t0 = Date.now();
  /** @type {Log} */
  const log = (m) => process.stderr.write(`[testbed ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${m}\n`);
  const [cmd, ...rest] = argv;
  const flag = (/** @type {string} */ f) => {
    const i = rest.indexOf(f);
    if (i < 0) return undefined;
    const v = rest[i + 1];
    rest.splice(i, 2);
    return v;
  };
  const force = rest.includes("--force");
  if (force) rest.splice(rest.indexOf("--force"), 1);
  const guard = () => {
    const holder = sessionHolder();
    if (holder && !force) throw new TestbedError(`a test run holds the test bed (pid ${holder.pid}, ${holder.what}, since ${holder.since}); wait for it or pass --force`);
  };
  const one = () => {
    const name = rest[0];
    if (!name) throw new TestbedError(`${cmd} needs a node name\n${USAGE}`);
    return name;
  };
  const simple = cmd === undefined ? undefined : NODE_VERBS.get(cmd);
  if (simple) {
    guard();
    await simple(one(), { log });
    return;
  }
  switch (cmd) {
    case "up": {
      const n = flag("--nodes");
      const nodes = n === undefined ? 3 : Number(n);
      if (!Number.isInteger(nodes) || nodes < 1 || nodes > MAX_NODES) throw new TestbedError(`--nodes must be a whole number from 1 to ${MAX_NODES}, not '${n}'`);
      requirePrerequisites();
      guard();
      const i = await up({ nodes, log });
      process.stdout.write(JSON.stringify(i, null, 2) + "\n");
      return;
    }
    case "down":
      requireRoot();
      guard();
      await down({ log });
      return;
    case "status":
      process.stdout.write(JSON.stringify(info(), null, 2) + "\n");
      return;
    case "reboot": {
      const ms = flag("--down-ms");
      const downMs = ms === undefined ? 0 : Number(ms);
      if (!Number.isInteger(downMs) || downMs < 0) throw new TestbedError(`--down-ms must be a whole number of milliseconds, not '${ms}'`);
      guard();
      const name = one();
      const t1 = Date.now();
      await rebootNode(name, { downMs, log });
      log(`${name} rebooted and answering in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
      return;
    }
    case "cut": {
      const s = flag("--seconds");
      const seconds = s === undefined ? undefined : Number(s);
      if (seconds !== undefined && !(Number.isFinite(seconds) && seconds > 0 && seconds <= MAX_CUT_SECONDS)) {
        throw new TestbedError(`--seconds must be a number above 0 and at most ${MAX_CUT_SECONDS}, not '${s}'`);
      }
      requireRoot();
      guard();
      const name = one();
      if (seconds === undefined) {
        await cutLocked(name, log);
        log(`${name}: link cut; \`restore ${name}\` brings it back`);
        return;
      }
      // Recorded, so that restore, stop and down can end this wait instead of leaving it behind.
      await cutLocked(name, log, { pid: process.pid, start: procStat(process.pid)?.start });
      log(`${name}: link cut for ${seconds} s (Ctrl-C restores it now)`);
      const why = await waitOrSignal(seconds * 1000);
      if (why === "SIGUSR1") {
        log(`${name}: the cut was ended by restore, stop, reboot or down`);
        return;
      }
      await restoreLink(name, { log });
      log(`${name}: link restored${why === "time" ? "" : ` (${why})`}`);
      return;
    }
    case "throttle": {
      guard();
      const name = one();
      const rate = parseBytes(rest[1], "RATE");
      await throttleLink(name, rate, { log });
      log(`${name}: host->${name} limited to ${rate} bytes/s`);
      return;
    }
    case "mount-small": {
      guard();
      const name = one();
      if (!rest[1]) throw new TestbedError(`mount-small needs NAME PATH SIZE\n${USAGE}`);
      await mountSmall(name, rest[1], parseBytes(rest[2], "SIZE"), { log });
      return;
    }
    case "unmount-small":
      guard();
      if (!rest[1]) throw new TestbedError(`unmount-small needs NAME PATH\n${USAGE}`);
      await unmountSmall(one(), rest[1], { log });
      return;
    case "rekey":
      guard();
      process.stdout.write(`${await rekeyNode(one(), { log })}\n`);
      return;
    case "ssh": {
      const user = flag("--user") ?? "root";
      const name = one();
      const address = nodeAddress(indexOf(name));
      const child = spawn("ssh", [...sshArgs(user, address), ...rest.slice(1)], { stdio: "inherit" });
      await new Promise((resolve) => child.on("close", (code) => resolve((process.exitCode = code ?? 1))));
      return;
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE + "\n");
      return;
    default:
      throw new TestbedError(`unknown command '${cmd}'\n${USAGE}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli(process.argv.slice(2)).catch((e) => {
    if (e instanceof TestbedError) process.stderr.write(`testbed: ${e.message}\n`);
    else process.stderr.write(`testbed: unexpected error: ${e?.stack ?? e}\n`);
    process.exitCode = 1;
  });
}
