/** formatBytes: sizes in words, as messages and the plan carry them. */
import { describe, expect, it } from "vitest";
import { formatBytes } from "../src/units.js";

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1536, "1.5 KiB"],
    [20_480, "20.0 KiB"],
    [363_000_000, "346.2 MiB"],
    [420_020_480, "400.6 MiB"],
    [5 * 1024 ** 3, "5.0 GiB"],
    [1024 ** 5, "1024.0 TiB"],
  ])("%d → %s", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
