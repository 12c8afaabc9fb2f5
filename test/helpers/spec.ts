/** Helpers for spec tests: fixture paths and a validation call with fixed, fake surroundings. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { formatDiagnostic } from "../../src/errors.js";
import { validateSpec, type ValidationResult } from "../../src/spec/validate.js";

export const FIXTURES = fileURLToPath(new URL("../fixtures/specs/", import.meta.url));
export const REPO = fileURLToPath(new URL("../../", import.meta.url));

/** Validates text or bytes as if it were /work/cluster.yaml of a user whose home is /home/ops. */
export function check(source: string | Uint8Array): ValidationResult {
  const bytes = typeof source === "string" ? new TextEncoder().encode(source) : source;
  return validateSpec(bytes, { displayName: "cluster.yaml", specFile: "/work/cluster.yaml", homeDir: "/home/ops" });
}

export function lines(result: ValidationResult): string[] {
  return result.diagnostics.map(formatDiagnostic);
}

export function fixture(name: string): string {
  return readFileSync(`${FIXTURES}${name}`, "utf8");
}

/** The shared base spec with textual replacements applied (each must match once). */
export function baseWith(...replacements: [string, string][]): string {
  let text = fixture("base.yaml");
  for (const [from, to] of replacements) {
    if (!text.includes(from)) throw new Error(`base.yaml has no ${JSON.stringify(from)}`);
    text = text.replace(from, to);
  }
  return text;
}
