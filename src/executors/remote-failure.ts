/**
 * What a failed remote command's stderr means, for the messages and hints people read. Commands
 * on a node report errno as the C library words it (`No space left on device`), whatever tool
 * printed it (tar, cp, mv, dpkg, the shell's own redirections); those words are matched here, so
 * "exit 2" becomes "no space left" with a hint that fits. Pure.
 */

export type RemoteFailureStatus = "config-rejected" | "database-down" | "database-auth" | "no-space" | "read-only" | "permission-denied" | "no-such-file" | "io-error";

export interface RemoteFailure {
  status: RemoteFailureStatus;
  /** A few words: `no space left on the node's disk`. */
  meaning: string;
  /** What to do about it. */
  hint: string;
}

/** How the write-file script's line about a rejected candidate starts (steps/files.ts). */
export const CONFIG_REJECTED = "caddy validate rejected the new";

const KNOWN: { pattern: RegExp; failure: RemoteFailure }[] = [
  {
    // First: Caddy's own words after that line may name a missing file.
    pattern: new RegExp(CONFIG_REJECTED),
    failure: {
      status: "config-rejected",
      meaning: "Caddy rejected the new Caddyfile",
      hint: "the Caddyfile is made from server.proxy in cluster.yaml: fix server.proxy.extraDirectives (or the listen address or TLS settings) there, then apply again; Caddy keeps serving the old one meanwhile",
    },
  },
  {
    // Before "No such file": psql says that of the socket of a PostgreSQL that does not run.
    pattern: /connection to server (on socket|at) .* failed: (No such file or directory|Connection refused)|could not connect to server/,
    failure: {
      status: "database-down",
      meaning: "PostgreSQL does not run on the node",
      hint: "see why on the node (`systemctl status 'postgresql@*'`, `journalctl -u 'postgresql@*'`: a setting it cannot read, a full disk, its port taken), fix it, then apply again",
    },
  },
  {
    pattern: /password authentication failed for user|FATAL: {2}role ".*" does not exist/,
    failure: {
      status: "database-auth",
      meaning: "PostgreSQL refused the database user's credentials",
      hint: "the role's password on the node differs from the secret (set by hand?): apply sets it again when the secret changes; `reconcile apply` after rotating the secret, or set it back on the node",
    },
  },
  {
    pattern: /No space left on device|Disk quota exceeded|ENOSPC|EDQUOT/i,
    failure: {
      status: "no-space",
      meaning: "no space left on the node's disk",
      hint: "free space on the node (`df -h` shows which file system is full) or grow the disk, then run apply again: uploads resume where they stopped",
    },
  },
  {
    pattern: /Read-only file system|EROFS/i,
    failure: {
      status: "read-only",
      meaning: "the node's file system is read-only",
      hint: "a file system the kernel remounted read-only after an error needs `dmesg` and a check on the node; otherwise remount it read-write",
    },
  },
  {
    pattern: /Input\/output error|EIO\b/,
    failure: { status: "io-error", meaning: "the node's disk reports input/output errors", hint: "check the node's disk (`dmesg`, SMART); the data on it may be damaged" },
  },
  {
    pattern: /Permission denied|Operation not permitted|EACCES|EPERM/i,
    failure: {
      status: "permission-denied",
      meaning: "permission denied on the node",
      hint: "reconcile changes the node as root: log in as root, or set `ssh.become: sudo` with passwordless sudo for the SSH user",
    },
  },
  {
    pattern: /No such file or directory|ENOENT/,
    failure: { status: "no-such-file", meaning: "a file or folder is missing on the node", hint: "something removed it while reconcile worked, or a path in cluster.yaml is wrong; run apply again" },
  },
];

/**
 * The known cause in a failed command's stderr, or null. The first match in the table's order
 * wins: a full disk also makes later steps fail with "No such file", and that is not the cause.
 *
 * @example
 * explainRemoteFailure("tar: ./lib/x.so: Cannot write: No space left on device")
 * // { status: "no-space", meaning: "no space left on the node's disk", hint: "free space on the node ..." }
 */
export function explainRemoteFailure(stderr: string): RemoteFailure | null {
  for (const { pattern, failure } of KNOWN) if (pattern.test(stderr)) return failure;
  return null;
}
