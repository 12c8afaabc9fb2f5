/** Disk room, pure: unpacked size estimates, needs per place, shortfalls per file system and their text. */
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { DiskFact } from "../../src/facts/types.js";
import { GZIP_TRAILER_BYTES, MAGIC_BYTES, UNPACK_FACTOR, compressionOf, describeShortfall, diskShortfalls, estimateUnpackedBytes } from "../../src/planner/disk.js";

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const head = (bytes: Uint8Array) => bytes.subarray(0, MAGIC_BYTES);
const tail = (bytes: Uint8Array) => bytes.subarray(bytes.length - GZIP_TRAILER_BYTES);
/** A gzip trailer (CRC32, then ISIZE little-endian) claiming `isize`. */
const trailer = (isize: number) => {
  const t = new Uint8Array(8);
  new DataView(t.buffer).setUint32(4, isize, true);
  return t.subarray(4);
};
const GZIP = Uint8Array.of(0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00);

describe("compressionOf", () => {
  it.each([
    ["gzip", [0x1f, 0x8b, 0x08, 0, 0, 0]],
    ["bzip2", [0x42, 0x5a, 0x68, 0x39, 0x31, 0x41]],
    ["xz", [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
    ["zstd", [0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x00]],
    ["none", [0x6c, 0x69, 0x62, 0x2f, 0, 0]], // a tar starts with its first entry's name
    ["none", [0xfd, 0x37, 0x7a, 0x58, 0x5a]], // xz's magic cut short
    ["none", []],
  ] as const)("%s: %j", (expected, bytes) => {
    expect(compressionOf(Uint8Array.from(bytes))).toBe(expected);
  });
});

describe("estimateUnpackedBytes", () => {
  it("a real gzip stream: its ISIZE, exactly", () => {
    const data = new TextEncoder().encode("import prefect\n".repeat(10_000));
    const gz = new Uint8Array(gzipSync(data));
    expect(gz.length).toBeLessThan(data.length / 10);
    expect(estimateUnpackedBytes("conda-pack", gz.length, head(gz), tail(gz))).toBe(data.length);
    expect(estimateUnpackedBytes("tar", gz.length, head(gz), tail(gz))).toBe(data.length);
  });

  it("gzip beyond 4 GiB: ISIZE + the multiple of 4 GiB nearest the usual ratio, never less than the archive", () => {
    // 2 GiB of archive whose content is 7 GiB: ISIZE reads 3 GiB; 3 GiB is too far from 2 GiB × 3.5.
    expect(estimateUnpackedBytes("tar", 2 * GiB, GZIP, trailer(3 * GiB))).toBe(7 * GiB);
    // ISIZE 1 GiB under a 5 GiB archive cannot be the size; of 5, 9, 13, 17, 21 GiB... the one
    // nearest 5 GiB × 3.5 is taken. (Were the content hardly compressible, 5 GiB, this overestimates.)
    expect(estimateUnpackedBytes("tar", 5 * GiB, GZIP, trailer(1 * GiB))).toBe(17 * GiB);
    // Small archives are exact, whatever their ratio.
    expect(estimateUnpackedBytes("tar", 100 * MiB, GZIP, trailer(900 * MiB))).toBe(900 * MiB);
    expect(estimateUnpackedBytes("tar", 100 * MiB, GZIP, trailer(101 * MiB))).toBe(101 * MiB);
  });

  it("bzip2, xz and zstd: the archive's size times their factor", () => {
    expect(estimateUnpackedBytes("tar", 1000, Uint8Array.of(0x42, 0x5a, 0x68, 0x39), new Uint8Array())).toBe(1000 * UNPACK_FACTOR.bzip2);
    expect(estimateUnpackedBytes("tar", 1000, Uint8Array.of(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00), new Uint8Array())).toBe(1000 * UNPACK_FACTOR.xz);
    expect(estimateUnpackedBytes("conda-pack", 1000, Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd), new Uint8Array())).toBe(1000 * UNPACK_FACTOR.zstd);
  });

  it("a plain tar, a file, flow code and a deb set: their size; pixi-pack: its factor", () => {
    const tarHead = new TextEncoder().encode("lib/x.");
    expect(estimateUnpackedBytes("tar", 5000, tarHead, trailer(123))).toBe(5000);
    expect(estimateUnpackedBytes("file", 5000, GZIP, trailer(123))).toBe(5000);
    expect(estimateUnpackedBytes("flow-code", 5000, tarHead, new Uint8Array())).toBe(5000);
    expect(estimateUnpackedBytes("deb", 5000, new Uint8Array(), new Uint8Array())).toBe(5000);
    expect(estimateUnpackedBytes("pixi-pack", 5000, tarHead, new Uint8Array())).toBe(5000 * UNPACK_FACTOR.pixiPack);
  });

  it("something that starts like gzip but is too short to be one: its size", () => {
    expect(estimateUnpackedBytes("tar", 4, GZIP.subarray(0, 4), GZIP.subarray(0, 4))).toBe(4);
  });
});

const STORE = "/opt/prefect/store";
const INCOMING = "/opt/prefect/store/.incoming";
const ENVS = "/opt/prefect/envs";
const STATE = "/var/lib/reconcile";

/** The node: a 50 MiB file system on store/, the rest on /. */
const smallStore: DiskFact = {
  filesystems: [
    { mount: STORE, availableBytes: 48 * MiB, totalBytes: 50 * MiB, holds: [STORE, INCOMING] },
    { mount: "/", availableBytes: 20 * GiB, totalBytes: 40 * GiB, holds: [ENVS, STATE] },
  ],
};

describe("diskShortfalls", () => {
  it("adds up the places on one file system: what is received and what is unpacked share store/'s", () => {
    const needs = [
      { path: STORE, bytes: 300 * MiB },
      { path: INCOMING, bytes: 100 * MiB },
      { path: ENVS, bytes: 8192 },
      { path: STATE, bytes: MiB },
    ];
    expect(diskShortfalls(needs, smallStore)).toEqual([{ mount: STORE, holds: [STORE, INCOMING], neededBytes: 440 * MiB, marginBytes: 40 * MiB, availableBytes: 48 * MiB }]);
  });

  it("nothing needed, nothing short: a converged node", () => {
    expect(diskShortfalls([], smallStore)).toEqual([]);
    expect(diskShortfalls([], { filesystems: [{ mount: "/", availableBytes: 0, totalBytes: 1, holds: [STORE, INCOMING, ENVS, STATE] }] })).toEqual([]);
  });

  it("keeps 10% on top, at least 16 MiB, and fits exactly at that line", () => {
    const fs = (available: number): DiskFact => ({ filesystems: [{ mount: "/", availableBytes: available, totalBytes: 100 * GiB, holds: [STORE, INCOMING, ENVS, STATE] }] });
    expect(diskShortfalls([{ path: STORE, bytes: 1000 * MiB }], fs(1100 * MiB))).toEqual([]);
    expect(diskShortfalls([{ path: STORE, bytes: 1000 * MiB }], fs(1100 * MiB - 1))).toHaveLength(1);
    // A small need still keeps 16 MiB free.
    expect(diskShortfalls([{ path: STATE, bytes: MiB }], fs(17 * MiB))).toEqual([]);
    expect(diskShortfalls([{ path: STATE, bytes: MiB }], fs(17 * MiB - 1))).toEqual([{ mount: "/", holds: [STATE], neededBytes: 17 * MiB, marginBytes: 16 * MiB, availableBytes: 17 * MiB - 1 }]);
  });

  it("checks each file system on its own: .incoming on a mount of its own takes the uploads", () => {
    const three: DiskFact = {
      filesystems: [
        { mount: STORE, availableBytes: 400 * MiB, totalBytes: GiB, holds: [STORE] },
        { mount: INCOMING, availableBytes: 50 * MiB, totalBytes: GiB, holds: [INCOMING] },
        { mount: "/", availableBytes: 20 * GiB, totalBytes: 40 * GiB, holds: [ENVS, STATE] },
      ],
    };
    const needs = [
      { path: STORE, bytes: 300 * MiB },
      { path: INCOMING, bytes: 100 * MiB },
    ];
    expect(diskShortfalls(needs, three)).toEqual([{ mount: INCOMING, holds: [INCOMING], neededBytes: 116 * MiB, marginBytes: 16 * MiB, availableBytes: 50 * MiB }]);
  });

  it("does not check a need whose place the fact does not hold (facts of another root)", () => {
    expect(diskShortfalls([{ path: "/srv/prefect/store", bytes: 100 * GiB }], smallStore)).toEqual([]);
  });
});

describe("describeShortfall", () => {
  it("names the outermost place, the mount, what is free and what is needed, and the margin", () => {
    const [short] = diskShortfalls(
      [
        { path: STORE, bytes: 300 * MiB },
        { path: INCOMING, bytes: 100 * MiB },
      ],
      smallStore,
    );
    if (short === undefined) throw new Error("expected a shortfall");
    expect(describeShortfall(short)).toBe("not enough disk: /opt/prefect/store (mounted at /opt/prefect/store) has 48.0 MiB free, about 440.0 MiB needed to receive and unpack (with a safety margin of 40.0 MiB)");
  });

  it("says what each place is for, and names places on one file system that are not inside each other", () => {
    const full: DiskFact = { filesystems: [{ mount: "/", availableBytes: MiB, totalBytes: 40 * GiB, holds: [STORE, INCOMING, ENVS, STATE] }] };
    const needs = [
      { path: INCOMING, bytes: 10 * MiB },
      { path: ENVS, bytes: 4096 },
      { path: STATE, bytes: MiB },
    ];
    expect(diskShortfalls(needs, full).map(describeShortfall)).toEqual([
      "not enough disk: /opt/prefect/store/.incoming, /opt/prefect/envs, /var/lib/reconcile (mounted at /) has 1.0 MiB free, about 27.0 MiB needed to receive, switch links and record the state (with a safety margin of 16.0 MiB)",
    ]);
  });
});
