/**
 * Disk room, pure: how big an artifact gets once unpacked (estimated from its size and a few of
 * its bytes), what an apply writes on each place of a node (NodePlan.disk), and which file systems
 * lack room for it (diskShortfalls). The plan warns with these; apply compares the same needs with
 * freshly gathered facts before it sends a byte.
 *
 * The peak on the store's file system is reached when every upload has arrived in store/.incoming
 * (the transfer stage finishes before the install stage starts) and the artifacts are unpacked
 * into store/<sha256>: bytes still to receive + unpacked size of everything installed. Counting
 * both in full is a little more than the true peak, since each upload is deleted once unpacked.
 */
import type { ArtifactKind } from "../spec/resolved.js";
import type { DiskFact } from "../facts/types.js";
import { diskPlaces } from "../facts/system.js";
import type { DiskNeed, Step } from "./types.js";
import { formatBytes } from "../units.js";

/**
 * How many times its size an archive unpacks to, when the archive does not say. Measured on a
 * Python tree (/usr/lib/python3/dist-packages, 43.7 MB as tar): gzip -6 3.4×, bzip2 4.2×,
 * xz -6 5.4×, zstd -3 3.7×; rounded. A pixi-pack archive is a plain tar of conda packages
 * (`.conda`, zstd inside; `.tar.bz2`) that pixi-unpack extracts into the environment: about 4×.
 */
export const UNPACK_FACTOR = { gzip: 3.5, bzip2: 4, xz: 5, zstd: 4, pixiPack: 4 } as const;

/** Bytes of an archive's start that identify its compression (xz's magic is the longest). */
export const MAGIC_BYTES = 6;
/** Bytes of a gzip archive's end that hold its uncompressed size (ISIZE, RFC 1952). */
export const GZIP_TRAILER_BYTES = 4;

export type Compression = "gzip" | "bzip2" | "xz" | "zstd" | "none";

const MAGICS: [Compression, number[]][] = [
  ["gzip", [0x1f, 0x8b]],
  ["bzip2", [0x42, 0x5a, 0x68]],
  ["xz", [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ["zstd", [0x28, 0xb5, 0x2f, 0xfd]],
];

/** The compression an archive's first bytes announce; "none" for a plain tar (or anything else). */
export function compressionOf(head: Uint8Array): Compression {
  for (const [name, magic] of MAGICS) if (magic.every((b, i) => head[i] === b)) return name;
  return "none";
}

const FOUR_GIB = 2 ** 32;

/**
 * A gzip archive's uncompressed size from its ISIZE (the size modulo 4 GiB): exact below 4 GiB.
 * Above, the true size is ISIZE + k·4 GiB; k is the one whose size is nearest the usual gzip ratio
 * (the larger on a tie), among sizes not smaller than the archive itself.
 */
function gunzippedBytes(bytes: number, isize: number): number {
  const lowest = Math.max(0, Math.ceil((bytes * 0.99 - isize) / FOUR_GIB));
  const likely = Math.round((bytes * UNPACK_FACTOR.gzip - isize) / FOUR_GIB);
  return isize + Math.max(lowest, likely) * FOUR_GIB;
}

/**
 * The bytes an artifact takes in its store folder once installed, estimated from its size, its
 * first {@link MAGIC_BYTES} bytes and its last {@link GZIP_TRAILER_BYTES} bytes (nothing else is
 * read, so planning stays fast whatever the artifact's size):
 *
 * - `tar`, `conda-pack`: a plain tar unpacks to about its size; gzip gives its exact uncompressed
 *   size (ISIZE, see above); bzip2, xz and zstd (by their magic bytes) use {@link UNPACK_FACTOR}.
 * - `pixi-pack`: its size × {@link UNPACK_FACTOR}.pixiPack (the packages inside are extracted).
 * - `file`, `flow-code` (a plain tar we pack), `deb`: their size. A deb set's files are stored as
 *   they came; what dpkg installs lands outside the store and is not counted.
 *
 * File systems use whole blocks, so a tree of many small files takes some more than this; the
 * margin of {@link diskShortfalls} covers that.
 *
 * @example
 * estimateUnpackedBytes("conda-pack", 1000, head, tail) // gzip → the ISIZE in tail
 */
export function estimateUnpackedBytes(kind: ArtifactKind | "flow-code", bytes: number, head: Uint8Array, tail: Uint8Array): number {
  switch (kind) {
    case "pixi-pack":
      return Math.round(bytes * UNPACK_FACTOR.pixiPack);
    case "tar":
    case "conda-pack": {
      const compression = compressionOf(head);
      if (compression === "none") return bytes;
      if (compression === "gzip") {
        if (tail.length < GZIP_TRAILER_BYTES || bytes < 18) return bytes; // too short to be a gzip stream
        const isize = new DataView(tail.buffer, tail.byteOffset + tail.length - GZIP_TRAILER_BYTES, GZIP_TRAILER_BYTES).getUint32(0, true);
        return gunzippedBytes(bytes, isize);
      }
      return Math.round(bytes * UNPACK_FACTOR[compression]);
    }
    case "file":
    case "flow-code":
    case "deb":
      return bytes;
  }
}

/** Room for one link (envs/, flows/): a block at most. */
export const LINK_BYTES = 4096;
/** Room in /var/lib/reconcile for state.json and the rollback journal (copies of small files). */
export const STATE_BYTES = 1024 * 1024;

/**
 * What applying `steps` writes on each place of a node whose root is `root`, before any margin:
 * store/.incoming receives what the transfer steps send; store/ holds the unpacked size of every
 * artifact installed (`unpacked` by artifact name; null when not known yet, a URL source not
 * fetched: not counted, as in NodePlan.bytesUnknown); envs/ a block per link switched (flows/ sits
 * beside it under the root); /var/lib/reconcile the state and journal when anything changes.
 * Places that need nothing are left out, so a converged node needs `[]`.
 */
export function diskNeeds(root: string, steps: readonly Step[], unpacked: ReadonlyMap<string, number | null>): DiskNeed[] {
  const places = diskPlaces(root);
  const bytes = new Map<string, number>(Object.values(places).map((p) => [p, 0]));
  const add = (path: string, n: number) => bytes.set(path, (bytes.get(path) ?? 0) + n);
  for (const s of steps) {
    if (s.stage === "transfer") add(places.incoming, s.bytes ?? 0);
    else if (s.stage === "install" && s.detail.kind === "artifact") add(places.store, unpacked.get(s.detail.artifact) ?? 0);
    else if (s.stage === "install" && s.detail.kind === "link") add(places.envs, LINK_BYTES);
  }
  if (steps.length > 0) add(places.state, STATE_BYTES);
  return [...bytes].flatMap(([path, n]) => (n > 0 ? [{ path, bytes: n }] : []));
}

/** The margin kept on a file system on top of what it needs: 10%, at least 16 MiB. */
export function diskMargin(neededBytes: number): number {
  return Math.max(16 * 1024 * 1024, Math.ceil(neededBytes * 0.1));
}

/** A file system without room for what an apply would write there. */
export interface DiskShortfall {
  /** Its mount point, as in the disk fact. */
  mount: string;
  /** The places on it that need room (paths of the needs, in their order). */
  holds: string[];
  /** What they need together, plus {@link marginBytes}. */
  neededBytes: number;
  /** The margin included in neededBytes (see diskMargin). */
  marginBytes: number;
  /** Its free space, as in the disk fact. */
  availableBytes: number;
}

/**
 * The file systems that lack room for `needs` (a NodePlan's `disk`), given a node's disk fact: for
 * each file system, the needs of the places it holds are added up, with a margin of 10% (at least
 * 16 MiB) for file system overhead and estimates, and compared with its available bytes. Empty
 * when everything fits. A need whose place the fact does not hold (another root) is not checked.
 * Pure: call it with the facts of the plan, or with facts gathered again just before an apply.
 *
 * @example
 * const short = diskShortfalls(nodePlan.disk, facts.disk.value);
 * if (short.length > 0) refuse(node, short.map(describeShortfall).join("; "));
 */
export function diskShortfalls(needs: readonly DiskNeed[], disk: DiskFact): DiskShortfall[] {
  const out: DiskShortfall[] = [];
  for (const fs of disk.filesystems) {
    const on = needs.filter((n) => fs.holds.includes(n.path) && n.bytes > 0);
    if (on.length === 0) continue;
    const sum = on.reduce((total, n) => total + n.bytes, 0);
    const marginBytes = diskMargin(sum);
    if (sum + marginBytes > fs.availableBytes) {
      out.push({ mount: fs.mount, holds: on.map((n) => n.path), neededBytes: sum + marginBytes, marginBytes, availableBytes: fs.availableBytes });
    }
  }
  return out;
}

/**
 * One line for people, e.g. `not enough disk: /opt/prefect/store (mounted at /opt/prefect/store)
 * has 48.0 MiB free, about 412.3 MiB needed to receive and unpack (with a safety margin of 37.5 MiB)`.
 * Places inside another one named are left out (store/.incoming is inside store/).
 */
export function describeShortfall(s: DiskShortfall): string {
  const shown = s.holds.filter((p) => !s.holds.some((q) => q !== p && p.startsWith(`${q}/`)));
  const verbs = (["receive", "unpack", "switch links", "record the state"] as const).filter((v) => s.holds.some((p) => purposeOf(p) === v));
  const what = verbs.length <= 1 ? (verbs[0] ?? "write") : `${verbs.slice(0, -1).join(", ")} and ${verbs.at(-1) ?? ""}`;
  return (
    `not enough disk: ${shown.join(", ")} (mounted at ${s.mount}) has ${formatBytes(s.availableBytes)} free, ` +
    `about ${formatBytes(s.neededBytes)} needed to ${what} (with a safety margin of ${formatBytes(s.marginBytes)})`
  );
}

/** What an apply writes in a place of {@link diskPlaces}, by its path. */
function purposeOf(path: string): string {
  const probe = diskPlaces("/");
  if (path === probe.state) return "record the state";
  if (path.endsWith(probe.incoming)) return "receive";
  if (path.endsWith(probe.store)) return "unpack";
  if (path.endsWith(probe.envs)) return "switch links";
  return "write";
}
