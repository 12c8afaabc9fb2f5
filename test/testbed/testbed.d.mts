/** Types for testbed.mjs (plain JavaScript so it runs without a build step). */

export type Log = (message: string) => void;

export interface NodeInfo {
  /** n1, n2, ... */
  name: string;
  /** 198.51.100.(10+i) for node ni */
  address: string;
  /** The node's root file system as mounted on the host (an overlay over the base). */
  root: string;
  /** Its recorded processes are alive (it may still be booting while up/start runs). */
  running: boolean;
  /** The node's ed25519 host key, "ssh-ed25519 AAAA..." (changes with rekeyNode, survives resetNode). */
  hostKey: string | null;
  /** The node's console output (systemd's boot messages). */
  log: string;
  /** Its link as the host sees it: "up", "cut" (cutLink), or null while it has none (not running). */
  link: "up" | "cut" | null;
  /** The host→node rate limit in bytes per second (throttleLink), or null for full speed. */
  throttle: number | null;
  /** Small file systems mounted inside it (mountSmall): node path and size (rounded up to whole pages). */
  smallMounts: { path: string; bytes: number }[];
}

export interface TestbedInfo {
  nodes: NodeInfo[];
  /** Private key that logs in as root and as the sudo user on every node (mode 0600). */
  identityFile: string;
  /** Its public key line. */
  publicKey: string;
  users: { root: "root" | string; sudo: "deploy" | string };
  stateDir: string;
  /** Host bridge the nodes hang on. */
  bridge: string;
  /** 198.51.100.0/24: the only network the nodes can reach. */
  subnet: string;
  /** The host's address on the bridge (198.51.100.1): nodes can reach services the host serves there. */
  hostAddress: string;
}

export interface RunResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** An error meant for people (the CLI prints it without a stack trace). */
export class TestbedError extends Error {
  constructor(message: string, opts?: { prerequisite?: boolean });
  /** True when this machine cannot run the test bed at all (not root, tools missing). */
  prerequisite: boolean;
}

export const SUITE: string;
export const SUITES: string[];
/** The nodes' Debian version (os-release VERSION_ID): "13" for trixie, "12" for bookworm. */
export const DEBIAN_VERSION: string;
export const VARIANT: string;
export const INCLUDE: string[];
export const CACHE_DIR: string;
export const LIB_DIR: string;
export const STATE_DIR: string;
export const BRIDGE: string;
export const SUBNET: string;
export const HOST_ADDRESS: string;
export const MAX_NODES: number;

/** What keeps this machine from running the test bed, as sentences; empty when nothing does. */
export function prerequisiteProblems(): string[];
/** Digest of suite, variant, package list and base recipe: names the cached base. */
export function baseKey(): string;

/**
 * Make exactly `nodes` nodes (n1..nN, default 3) run and answer SSH: reuses running ones, boots the
 * rest in parallel, stops any beyond N, cleans what a crashed run left first.
 */
export function up(opts?: { nodes?: number; log?: Log }): Promise<TestbedInfo>;
/** Stop everything; leaves no namespace, link, mount, cgroup dir or process. Safe twice or with no state. */
export function down(opts?: { log?: Log }): Promise<void>;
/** The test bed as recorded, or null when none is up. */
export function info(): TestbedInfo | null;
/** Power a node off cleanly; it keeps its disk. */
export function stopNode(name: string, opts?: { log?: Log }): Promise<void>;
/** Boot a stopped node again with its disk; waits until it answers. No-op when it runs. */
export function startNode(name: string, opts?: { log?: Log }): Promise<void>;
/**
 * Reboot a running node: clean poweroff (its processes stop, open SSH connections end), `downMs`
 * (default 0) powered off, then a boot from the same disk with the same host keys and machine-id;
 * resolves when it answers SSH again. A cut link comes back whole; a throttle stays; small mounts are gone.
 */
export function rebootNode(name: string, opts?: { downMs?: number; log?: Log }): Promise<void>;
/** Stop, discard the disk (fresh from the base; host keys and machine-id kept), boot, wait ready. */
export function resetNode(name: string, opts?: { log?: Log }): Promise<void>;
/** New SSH host keys for a running node, sshd restarted; resolves to the new ed25519 host key line. */
export function rekeyNode(name: string, opts?: { log?: Log }): Promise<string | null>;

/**
 * Cut a running node's link (its host-side veth goes down): packets are dropped silently both ways,
 * open connections stall, new connects time out. With `seconds`, resolves after restoring it that
 * many seconds later; otherwise once cut.
 */
export function cutLink(name: string, opts?: { seconds?: number; log?: Log }): Promise<void>;
/** Bring a cut link back; resolves once it passes packets again. No-op when not cut. */
export function restoreLink(name: string, opts?: { log?: Log }): Promise<void>;
/**
 * Limit host→node traffic (uploads to the node) to `bytesPerSecond` (1000 to 1e9; whole frames,
 * headers included) with a token bucket on its host-side veth; queueing adds at most 20 ms. Kept
 * through stop/start/reboot/reset until unthrottleLink or down.
 */
export function throttleLink(name: string, bytesPerSecond: number, opts?: { log?: Log }): Promise<void>;
/** Full speed again. No-op when not throttled. */
export function unthrottleLink(name: string, opts?: { log?: Log }): Promise<void>;
/**
 * Mount a tmpfs of `bytes` (4096 to 1 GiB, rounded up to pages) at `nodePath` inside a running node
 * (created if missing; the tmpfs root gets its owner and mode). All of the node's processes see it;
 * writes past the size fail with ENOSPC. Never mounted on the host; a reboot/stop/reset/down drops it.
 */
export function mountSmall(name: string, nodePath: string, bytes: number, opts?: { log?: Log }): Promise<void>;
/** Unmount it; what the directory held shows again. No-op when nothing small is mounted there. */
export function unmountSmall(name: string, nodePath: string, opts?: { log?: Log }): Promise<void>;

/** Lease the test bed for a whole test run; a second run waits until the first releases it or dies. */
export function acquireSession(opts?: { log?: Log; timeoutMs?: number }): Promise<void>;
export function releaseSession(): void;

/** ssh(1) arguments (before the remote command) for user@address with the test bed key, no host key checks. */
export function sshArgs(user: string, address: string): string[];
/** Run a command on a node (name like "n1" or an address) over SSH with the test bed key; never throws on exit codes. */
export function sshExec(nameOrAddress: string, command: string, opts?: { user?: string; timeoutMs?: number; input?: string }): Promise<RunResult>;
