/**
 * The whole check of a spec file, pure: bytes → YAML with positions → schema → semantic rules →
 * resolved cluster. Every problem found comes back at once, each with file:line:col.
 */
import { createHash } from "node:crypto";
import type { Diagnostic, SpecProblem } from "../errors.js";
import type { ClusterSpec } from "./cluster.generated.js";
import { formatPath, locate, parseSpec, type DocPath, type SpecDocument } from "./document.js";
import { normalize } from "./normalize.js";
import type { ResolvedCluster } from "./resolved.js";
import { checkRules } from "./rules.js";
import { checkSchema } from "./schema.js";

export interface ValidateOptions {
  /** Name shown in messages, as the user gave it (`cluster.yaml`). */
  displayName: string;
  /** Absolute path of the file (relative paths inside resolve from its folder). */
  specFile: string;
  homeDir: string;
}

export interface ValidationResult {
  /** Present when there is no error (warnings allowed). */
  cluster?: ResolvedCluster;
  /** Present when the YAML parsed: lets callers position their own findings. */
  document?: SpecDocument;
  /** The document as a plain value, when the YAML parsed. */
  value?: unknown;
  /** Errors and warnings, in file order. */
  diagnostics: Diagnostic[];
}

/** Orders diagnostics by position, errors before warnings at the same place. */
export function byPosition(a: Diagnostic, b: Diagnostic): number {
  return a.line - b.line || a.col - b.col || (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1);
}

/** A positioned diagnostic for `path` in `document`. */
export function diagnosticAt(
  document: SpecDocument,
  severity: Diagnostic["severity"],
  path: DocPath,
  message: string,
  options: { hint?: string | undefined; target?: "value" | "key" } = {},
): Diagnostic {
  const { line, col } = locate(document, path, options.target ?? "value");
  return {
    severity,
    file: document.file,
    line,
    col,
    path: formatPath(path),
    message,
    ...(options.hint === undefined ? {} : { hint: options.hint }),
  };
}

export function validateSpec(bytes: Uint8Array, options: ValidateOptions): ValidationResult {
  const parsed = parseSpec(bytes, options.displayName);
  const { document } = parsed;
  if (document === undefined || parsed.value === undefined) {
    return { ...(document === undefined ? {} : { document }), diagnostics: parsed.diagnostics };
  }
  const diagnostics = [...parsed.diagnostics];
  const schemaProblems = checkSchema(parsed.value);
  for (const p of schemaProblems) {
    diagnostics.push(diagnosticAt(document, "error", p.path, p.message, { hint: p.hint, target: p.target }));
  }
  // Rules run even when the schema failed, so every problem shows at once; they stay silent about
  // the parts the schema already reported. Only a schema-valid value has the generated type.
  const spec = parsed.value as ClusterSpec;
  const skip = schemaProblems.map((p) => p.subject ?? p.path);
  for (const p of checkRules(spec, skip)) {
    diagnostics.push(diagnosticAt(document, p.severity, p.path, p.message, { hint: p.hint, target: p.target }));
  }
  diagnostics.sort(byPosition);
  const { value } = parsed;
  if (schemaProblems.length > 0 || diagnostics.some((d) => d.severity === "error")) return { document, value, diagnostics };
  const specDigest = createHash("sha256").update(bytes).digest("hex");
  const cluster = normalize(spec, { specFile: options.specFile, specDigest, homeDir: options.homeDir });
  return { cluster, document, value, diagnostics };
}

/**
 * Problems found past validation (errors.ts SpecPathError), placed in the spec's bytes: each at
 * its path's line and column (a path that no longer exists at its deepest existing ancestor; a
 * file that no longer parses at 1:1).
 */
export function diagnosticsAtPaths(bytes: Uint8Array, displayName: string, problems: readonly SpecProblem[]): Diagnostic[] {
  const { document } = parseSpec(bytes, displayName);
  return problems
    .map((p): Diagnostic => {
      const hint = p.hint === undefined ? {} : { hint: p.hint };
      if (document === undefined) return { severity: "error", file: displayName, line: 1, col: 1, path: formatPath(p.path), message: p.message, ...hint };
      return diagnosticAt(document, "error", p.path, p.message, { ...hint, ...(p.target === undefined ? {} : { target: p.target }) });
    })
    .sort(byPosition);
}
