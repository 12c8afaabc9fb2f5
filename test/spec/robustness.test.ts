/**
 * Whatever the file holds, validation answers with positioned problems and never throws.
 * Seeded random mutations of a valid spec (deterministic: same seed, same cases).
 */
import { describe, expect, it } from "vitest";
import { check, fixture } from "../helpers/spec.js";

/** mulberry32: a tiny seeded PRNG so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SNIPPETS = ["\t", ":", "- ", "{", "}", "[", "]", "&a ", "*a", "!!binary ", "---\n", "'", '"', "#", "\n  ", "null", "~", "0", "-1", "1e9", "{secret: X}", "\u0000", "\uFFFD", "ü", "? ", "|\n", ">-\n", "<<: *a\n"];

function mutate(text: string, random: () => number): string {
  const lines = text.split("\n");
  const ops = 1 + Math.floor(random() * 3);
  let out = text;
  for (let k = 0; k < ops; k++) {
    const at = Math.floor(random() * out.length);
    switch (Math.floor(random() * 5)) {
      case 0:
        out = out.slice(0, at) + out.slice(at + 1 + Math.floor(random() * 8));
        break;
      case 1:
        out = out.slice(0, at) + (SNIPPETS[Math.floor(random() * SNIPPETS.length)] ?? "") + out.slice(at);
        break;
      case 2: {
        const i = Math.floor(random() * lines.length);
        lines.splice(i, 0, lines[Math.floor(random() * lines.length)] ?? "");
        out = lines.join("\n");
        break;
      }
      case 3: {
        const i = Math.floor(random() * lines.length);
        lines.splice(i, 1);
        out = lines.join("\n");
        break;
      }
      default:
        out = out.slice(0, at) + out.slice(at).replace(/[a-z]/, (c) => c.toUpperCase());
    }
  }
  return out;
}

describe("robustness", () => {
  const sources = ["base.yaml", "valid/full.yaml"].map(fixture);

  it("never throws, and every problem has a position and a message", () => {
    const random = prng(20261121);
    let invalid = 0;
    for (let i = 0; i < 600; i++) {
      const text = mutate(sources[i % sources.length] ?? "", random);
      const result = check(text);
      for (const d of result.diagnostics) {
        expect(d.line).toBeGreaterThanOrEqual(1);
        expect(d.col).toBeGreaterThanOrEqual(1);
        expect(d.message.length).toBeGreaterThan(0);
      }
      if (result.cluster === undefined) {
        invalid++;
        expect(result.diagnostics.some((d) => d.severity === "error")).toBe(true);
      }
    }
    expect(invalid).toBeGreaterThan(100);
  });

  it("survives random bytes", () => {
    const random = prng(7);
    for (let i = 0; i < 200; i++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(random() * 400) }, () => Math.floor(random() * 256));
      const result = check(bytes);
      expect(result.cluster).toBeUndefined();
      expect(result.diagnostics[0]?.line).toBeGreaterThanOrEqual(1);
    }
  });

  it("stops alias bombs", () => {
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 0; i < 9; i++) bomb.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(", ")}]`);
    const result = check(bomb.join("\n"));
    expect(result.cluster).toBeUndefined();
    expect(result.diagnostics[0]?.message).toMatch(/cannot read the document|alias/i);
  });
});
