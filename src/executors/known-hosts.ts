/**
 * known_hosts, read the way OpenSSH reads it: pure parsing, host lookup and formatting (no I/O).
 *
 * The transport uses this to verify every host key before it authenticates; `reconcile trust`
 * uses {@link formatKnownHostsLine} to record a key. Only the subset of sshd(8) "SSH_KNOWN_HOSTS
 * FILE FORMAT" that a cluster's own known_hosts file needs is supported: plain, comma-listed,
 * `[host]:port` and hashed (`|1|salt|hash`) names, `*`/`?` wildcards and `!` negation, and the
 * `@revoked` marker. `@cert-authority` lines are skipped (we do not accept host certificates).
 */
import { createHash, createHmac } from "node:crypto";

/** A host public key as found in known_hosts or offered by a node. */
export interface HostKey {
  /** The key type inside the blob: `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`... */
  type: string;
  /** The key blob, base64 (the second field of a known_hosts line). */
  base64: string;
  /** `SHA256:` + unpadded base64 of the blob's sha256, as `ssh-keygen -l` prints it. */
  fingerprint: string;
}

/** One usable line of a known_hosts file. */
export interface KnownHostsEntry {
  file: string;
  /** 1-based line number, for messages that tell the user which line to fix. */
  line: number;
  /** `revoked`: this key must never be accepted for the hosts it names. */
  marker: "revoked" | null;
  /** The host patterns field as written (a comma list, or one hashed name). */
  hosts: string;
  key: HostKey;
}

const SSH_DEFAULT_PORT = 22;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The usable entries of a known_hosts file, in file order. Comments, blank lines, `@cert-authority`
 * lines and malformed lines (too few fields, a key that is not valid base64 or whose blob does not
 * hold the stated type, an unknown marker) are skipped, as OpenSSH skips them.
 *
 * @example
 * parseKnownHosts("[10.0.0.5]:2222 ssh-ed25519 AAAAC3Nza...\n", "/etc/reconcile/known_hosts")
 * // → [{ file: "/etc/reconcile/known_hosts", line: 1, marker: null, hosts: "[10.0.0.5]:2222", key: {...} }]
 */
export function parseKnownHosts(text: string, file: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === "" || fields[0].startsWith("#")) return;
    let marker: KnownHostsEntry["marker"] = null;
    if (fields[0].startsWith("@")) {
      if (fields[0] === "@revoked") marker = "revoked";
      else return; // @cert-authority, or a marker OpenSSH would reject as well
      fields.shift();
    }
    const [hosts, type, base64] = fields;
    if (hosts === undefined || type === undefined || base64 === undefined || !BASE64.test(base64)) return;
    const key = tryFingerprint(Buffer.from(base64, "base64"));
    if (key === undefined || key.type !== type) return;
    entries.push({ file, line: index + 1, marker, hosts, key });
  });
  return entries;
}

/**
 * The name OpenSSH looks up for a host and port: the bare host on port 22, `[host]:port` on any
 * other port. Host names compare case-insensitively, so the name is lower-cased.
 */
export function knownHostsName(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === SSH_DEFAULT_PORT ? name : `[${name}]:${port}`;
}

/**
 * The entries that apply to `host` on `port` (revoked ones included, so the caller can refuse
 * them). Port 22 matches the bare host name; any other port matches only `[host]:port`, exactly
 * as OpenSSH does, so a key recorded for one port is never trusted for another.
 */
export function lookupHost(entries: readonly KnownHostsEntry[], host: string, port: number): KnownHostsEntry[] {
  const name = knownHostsName(host, port);
  return entries.filter((e) => hostsFieldMatches(e.hosts, name));
}

/**
 * What known_hosts says of the key a host offers, given the entries that apply to the host
 * ({@link lookupHost}). `revoked` wins over everything; `changed` names the stale lines: those
 * with a key of the offered type when there are any (the ones to replace), else all of them.
 */
export type HostKeyVerdict =
  | { status: "known" }
  | { status: "unknown" }
  | { status: "revoked"; entries: KnownHostsEntry[] }
  | { status: "changed"; stale: KnownHostsEntry[]; sameType: boolean };

export function judgeHostKey(entries: readonly KnownHostsEntry[], offered: HostKey): HostKeyVerdict {
  const revoked = entries.filter((e) => e.marker === "revoked" && e.key.base64 === offered.base64);
  if (revoked.length > 0) return { status: "revoked", entries: revoked };
  const valid = entries.filter((e) => e.marker === null);
  if (valid.some((e) => e.key.base64 === offered.base64)) return { status: "known" };
  if (valid.length === 0) return { status: "unknown" };
  const sameType = valid.filter((e) => e.key.type === offered.type);
  return sameType.length > 0 ? { status: "changed", stale: sameType, sameType: true } : { status: "changed", stale: valid, sameType: false };
}

/** A known_hosts line recording `key` for `host` on `port` (unhashed, so a reader can audit it). */
export function formatKnownHostsLine(host: string, port: number, key: HostKey): string {
  return `${knownHostsName(host, port)} ${key.type} ${key.base64}`;
}

/**
 * `line` (one known_hosts line) no longer naming `host` on `port`, for replacing that host's key:
 * a comma list keeps its other hosts, a hashed name that is this host's goes with its line, and a
 * wildcard that still matches the host gets a negation (`10.0.0.*,!10.0.0.5`), so the old key is
 * trusted for the other hosts only. Returns null when no name is left: drop the line.
 *
 * @example
 * removeHostFromLine("10.0.0.5,10.0.0.6 ssh-ed25519 AAAA...", "10.0.0.5", 22) // "10.0.0.6 ssh-ed25519 AAAA..."
 * removeHostFromLine("10.0.0.* ssh-ed25519 AAAA...", "10.0.0.5", 22)          // "10.0.0.*,!10.0.0.5 ssh-ed25519 AAAA..."
 */
export function removeHostFromLine(line: string, host: string, port: number): string | null {
  const m = /^(\s*(?:@\S+\s+)?)(\S+)(\s.*)$/s.exec(line);
  if (m === null) return line;
  const [, lead = "", hosts = "", rest = ""] = m;
  const name = knownHostsName(host, port);
  if (hosts.startsWith("|")) return hashedNameMatches(hosts, name) ? null : line;
  const kept = hosts.split(",").filter((pattern) => pattern.toLowerCase() !== name);
  if (kept.length === 0) return null;
  if (hostsFieldMatches(kept.join(","), name)) kept.push(`!${name}`);
  return kept.length === hosts.split(",").length && kept.every((p, i) => p === hosts.split(",")[i]) ? line : `${lead}${kept.join(",")}${rest}`;
}

/**
 * The type and fingerprint of an SSH public key blob (the wire format: a length-prefixed type
 * string first). Throws on a blob too short to hold its type; host keys come from the network.
 */
export function fingerprintOf(keyBlob: Buffer): HostKey {
  const key = tryFingerprint(keyBlob);
  if (key === undefined) throw new Error("malformed SSH public key blob");
  return key;
}

/**
 * Host key algorithms for the handshake, most preferred first. Like OpenSSH, the algorithms for
 * which known_hosts already holds a key of this host come first: a host recorded by its ECDSA key
 * must not be refused because the server would rather present its Ed25519 key. The rest follow so
 * that an unknown host still shows a key (the best one) for `reconcile trust`.
 */
export function preferredHostKeyAlgorithms(known: readonly HostKey[]): string[] {
  const knownAlgorithms = new Set(known.flatMap((k) => ALGORITHMS_BY_KEY_TYPE[k.type] ?? []));
  const first = HOST_KEY_ALGORITHMS.filter((a) => knownAlgorithms.has(a));
  return [...first, ...HOST_KEY_ALGORITHMS.filter((a) => !knownAlgorithms.has(a))];
}

/**
 * What we accept, in order of preference. `ssh-rsa` (SHA-1 signatures) and `ssh-dss` are left out,
 * as OpenSSH 8.8+ does by default; an RSA host key still works through the rsa-sha2 algorithms.
 */
const HOST_KEY_ALGORITHMS = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256"];
const ALGORITHMS_BY_KEY_TYPE: Record<string, string[]> = {
  "ssh-ed25519": ["ssh-ed25519"],
  "ecdsa-sha2-nistp256": ["ecdsa-sha2-nistp256"],
  "ecdsa-sha2-nistp384": ["ecdsa-sha2-nistp384"],
  "ecdsa-sha2-nistp521": ["ecdsa-sha2-nistp521"],
  "ssh-rsa": ["rsa-sha2-512", "rsa-sha2-256"],
};

function tryFingerprint(blob: Buffer): HostKey | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length === 0 || 4 + length > blob.length) return undefined;
  const type = blob.subarray(4, 4 + length).toString("latin1");
  if (!/^[\x21-\x7e]+$/.test(type)) return undefined;
  const digest = createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
  return { type, base64: blob.toString("base64"), fingerprint: `SHA256:${digest}` };
}

/** OpenSSH `match_hostname` for a hosts field, or the HMAC-SHA1 comparison for a hashed one. */
function hostsFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith("|")) return hashedNameMatches(hosts, name);
  let matched = false;
  for (const raw of hosts.split(",")) {
    const negated = raw.startsWith("!");
    const pattern = (negated ? raw.slice(1) : raw).toLowerCase();
    if (pattern === "" || !globMatches(pattern, name)) continue;
    if (negated) return false; // a negated match wins over any positive one
    matched = true;
  }
  return matched;
}

function hashedNameMatches(field: string, name: string): boolean {
  const [, magic, salt, hash] = field.split("|");
  if (magic !== "1" || salt === undefined || hash === undefined) return false;
  const expected = createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64");
  return expected === hash;
}

/** `*` matches any run of characters, `?` exactly one; everything else is literal. */
function globMatches(pattern: string, name: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${source}$`, "s").test(name);
}
