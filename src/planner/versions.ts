/**
 * Versions the planner decides on: Debian package versions (dpkg's ordering), the PostgreSQL major
 * of a deb set, and the Prefect version the controller measured in an environment artifact. Pure.
 */
import type { LocalInputs } from "./types.js";

/** Prefect 3's migration creates `pg_trgm`, which needs this PostgreSQL or later (reference §5.1). */
export const MIN_POSTGRESQL_FOR_PREFECT_3 = "14.9";
/** The first Prefect with an API auth string of its own (reference §1.8). */
export const PREFECT_AUTH_SINCE = "3.1.8";

/** dpkg's order of one character in a non-digit run: `~` first, then the end, letters, then the rest. */
function order(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === "~") return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

/** dpkg's verrevcmp of one part (upstream or revision): non-digit runs by {@link order}, digit runs as numbers. */
function comparePart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let first = 0;
    while ((i < a.length && !/[0-9]/.test(a[i]!)) || (j < b.length && !/[0-9]/.test(b[j]!))) {
      const ac = i < a.length && !/[0-9]/.test(a[i]!) ? order(a[i]) : 0;
      const bc = j < b.length && !/[0-9]/.test(b[j]!) ? order(b[j]) : 0;
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === "0") i++;
    while (b[j] === "0") j++;
    while (i < a.length && /[0-9]/.test(a[i]!) && j < b.length && /[0-9]/.test(b[j]!)) {
      if (first === 0) first = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && /[0-9]/.test(a[i]!)) return 1;
    if (j < b.length && /[0-9]/.test(b[j]!)) return -1;
    if (first !== 0) return first;
  }
  return 0;
}

/** `[epoch:]upstream[-revision]` split as dpkg does (the revision after the last `-`). */
function splitVersion(v: string): { epoch: number; upstream: string; revision: string } {
  const colon = v.indexOf(":");
  const epoch = colon === -1 ? 0 : Number(v.slice(0, colon)) || 0;
  const rest = colon === -1 ? v : v.slice(colon + 1);
  const dash = rest.lastIndexOf("-");
  return dash === -1 ? { epoch, upstream: rest, revision: "" } : { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) };
}

/**
 * Compares two versions the way dpkg does (epoch, then upstream, then revision; `~` sorts before
 * everything, digit runs compare as numbers): negative, 0 or positive. Also right for plain dotted
 * versions such as Prefect's (`3.1.10` > `3.1.8`); a PEP 440 pre-release (`3.2.0rc1`) sorts after
 * its release here, unlike pip.
 *
 * @example
 * compareVersions("17.12-0+deb13u1", "14.9") > 0 // true
 * compareVersions("1:1.0", "2.0") > 0             // true: the epoch wins
 * compareVersions("1.0~rc1", "1.0") < 0           // true
 */
export function compareVersions(a: string, b: string): number {
  const x = splitVersion(a);
  const y = splitVersion(b);
  if (x.epoch !== y.epoch) return x.epoch - y.epoch;
  return comparePart(x.upstream, y.upstream) || comparePart(x.revision, y.revision);
}

/** The upstream part of a Debian version: `17.12` of `17.12-0+deb13u1`, `14.9` of `1:14.9-1`. */
export function upstreamVersion(v: string): string {
  return splitVersion(v).upstream;
}

/** The deb set's PostgreSQL server package (`postgresql-17`): its major and version; null when the set has none. */
export function postgresqlServer(debs: readonly { name: string; version: string }[]): { major: string; package: string; version: string } | null {
  const found = debs
    .flatMap((d) => {
      const m = /^postgresql-([0-9]+)$/.exec(d.name);
      return m === null ? [] : [{ major: m[1]!, package: d.name, version: d.version }];
    })
    .sort((a, b) => Number(b.major) - Number(a.major));
  return found[0] ?? null;
}

/** The Prefect version the controller found in an environment artifact, or null when unknown. */
export function prefectVersionOf(local: LocalInputs, artifact: string): string | null {
  return local.artifacts[artifact]?.prefectVersion ?? null;
}

/** A Prefect version's major (`3` of `3.4.25`), or null when unknown. */
export function prefectMajor(version: string | null): number | null {
  if (version === null) return null;
  const m = /^([0-9]+)\./.exec(version);
  return m === null ? null : Number(m[1]);
}

/** Whether this Prefect has its own API auth string: 3.1.8 or later; an unknown version counts as 3.x. */
export function prefectHasAuthString(version: string | null): boolean {
  return version === null || compareVersions(version, PREFECT_AUTH_SINCE) >= 0;
}
