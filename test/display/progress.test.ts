/** Upload progress as text: one event as a line, sizes and durations. */
import { describe, expect, it } from "vitest";
import { formatDuration, formatProgress } from "../../src/display/progress.js";
import { formatBytes } from "../../src/units.js";

describe("formatProgress", () => {
  it("shows bytes, percent, rate and time left", () => {
    expect(formatProgress({ node: "n1", sent: 41943040, total: 67108864, resumedFrom: 0, bytesPerSecond: 104857600, etaSeconds: 1 })).toBe("n1: 40.0 MiB of 64.0 MiB (62%), 100.0 MiB/s, 1 s left");
    expect(formatProgress({ node: "n2", sent: 0, total: 2 * 1024 ** 3, resumedFrom: 0, bytesPerSecond: 0, etaSeconds: null })).toBe("n2: 0 B of 2.0 GiB (0%), starting");
    expect(formatProgress({ node: "n3", sent: 5, total: 5, resumedFrom: 0, bytesPerSecond: 10, etaSeconds: 0 })).toBe("n3: 5 B of 5 B (100%), done");
    expect(formatProgress({ node: "n4", sent: 0, total: 0, resumedFrom: 0, bytesPerSecond: 0, etaSeconds: null })).toBe("n4: 0 B of 0 B (100%), done");
  });

  it("formats sizes and durations", () => {
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatDuration(59.6)).toBe("1 min 00 s");
    expect(formatDuration(185)).toBe("3 min 05 s");
    expect(formatDuration(7800)).toBe("2 h 10 min");
  });
});
