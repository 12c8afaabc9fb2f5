/**
 * In-place edits of cluster.yaml that keep every other byte: comments, blank lines, quoting and
 * key order. Edits are splices at source positions, not a re-serialization of the document, and
 * every edit is checked by parsing the result (see {@link verifyDigestEdits}). Pure.
 */
import { isDeepStrictEqual } from "node:util";
import { isMap, isPair, isScalar, parse, Scalar } from "yaml";
import type { Pair, YAMLMap } from "yaml";
import { parseSpec, type SpecDocument } from "./document.js";

export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/** An artifact entry as pin needs it, read without schema validation (merge keys resolved). */
export interface ArtifactEntry {
  name: string;
  kind: string | undefined;
  source: string | undefined;
  /** The digest as written (even when YAML read it as a number), or undefined. */
  sha256: string | undefined;
}

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key);
}

function artifactsMap(document: SpecDocument): YAMLMap | undefined {
  const node = document.doc.get("artifacts", true);
  return isMap(node) ? node : undefined;
}

/** The artifacts as written, in file order. `value` is the converted document (merges applied). */
export function readArtifactEntries(document: SpecDocument, value: unknown): ArtifactEntry[] {
  const map = artifactsMap(document);
  if (map === undefined) return [];
  const converted = (value as { artifacts?: Record<string, unknown> } | undefined)?.artifacts ?? {};
  return map.items.flatMap((pair) => {
    if (!isScalar(pair.key)) return [];
    const name = String(pair.key.value);
    const entry = converted[name];
    if (typeof entry !== "object" || entry === null) return [];
    const text = (key: string) => {
      const v = (entry as Record<string, unknown>)[key];
      return typeof v === "string" ? v : undefined;
    };
    const digest = isMap(pair.value) ? pairOf(pair.value, "sha256")?.value : undefined;
    const sha256 = isScalar(digest) && digest.value !== null ? (typeof digest.value === "string" ? digest.value : digest.source) : undefined;
    return [{ name, kind: text("kind"), source: text("source"), sha256 }];
  });
}

const FLOW_SCALARS = new Set<string>([Scalar.PLAIN, Scalar.QUOTE_DOUBLE, Scalar.QUOTE_SINGLE]);

function isOneLineFlowScalar(node: unknown, text: string): node is Scalar {
  if (!isScalar(node) || node.range === undefined || node.range === null) return false;
  return FLOW_SCALARS.has(String(node.type)) && !text.slice(node.range[0], node.range[1]).includes("\n");
}

/**
 * The edit that makes artifact `name`'s sha256 equal `digest`: replace a one-line value, or add
 * the key (after `source`, or as the mapping's first key). Undefined when the entry is written in
 * a form this does not edit (an alias, a block scalar, not a mapping): the caller says so.
 */
export function setArtifactDigest(document: SpecDocument, name: string, digest: string): TextEdit | undefined {
  const pair = artifactsMap(document)?.items.find((p) => isScalar(p.key) && String(p.key.value) === name);
  if (pair === undefined || !isMap(pair.value)) return undefined;
  const map = pair.value;
  const text = document.text;
  // A digest of digits only would read back as a number: quote it then.
  const plain = typeof parse(digest) === "string" ? digest : `"${digest}"`;
  const existing = pairOf(map, "sha256");

  if (existing !== undefined) {
    const value = existing.value;
    const empty = value === null || (isScalar(value) && value.value === null && (value.source ?? "") === "");
    if (empty) {
      const keyEnd = (existing.key as Scalar).range?.[1] ?? 0;
      const colon = text.indexOf(":", keyEnd);
      return { start: colon + 1, end: colon + 1, text: ` ${plain}` };
    }
    if (!isOneLineFlowScalar(value, text) || value.range === undefined || value.range === null) return undefined;
    const [start, end] = value.range;
    const quote = value.type === Scalar.QUOTE_DOUBLE ? '"' : value.type === Scalar.QUOTE_SINGLE ? "'" : "";
    return { start, end, text: quote === "" ? plain : `${quote}${digest}${quote}` };
  }

  if (map.flow === true) {
    const last = map.items[map.items.length - 1];
    const end = (last?.value as Scalar | undefined)?.range?.[1] ?? (last?.key as Scalar | undefined)?.range?.[1];
    if (end === undefined) return undefined;
    return { start: end, end, text: `, sha256: ${plain}` };
  }
  const newline = text.includes("\r\n") ? "\r\n" : "\n";
  const source = pairOf(map, "source");
  const keyStart = (source?.key as Scalar | undefined)?.range?.[0];
  if (source !== undefined && keyStart !== undefined && isOneLineFlowScalar(source.value, text)) {
    // After the `source` line, at its indentation (a trailing comment stays on its line).
    const indent = keyStart - (text.lastIndexOf("\n", keyStart - 1) + 1);
    const lineEnd = text.indexOf("\n", (source.value as Scalar).range?.[1] ?? keyStart);
    const at = lineEnd === -1 ? text.length : text[lineEnd - 1] === "\r" ? lineEnd - 1 : lineEnd;
    return { start: at, end: at, text: `${newline}${" ".repeat(indent)}sha256: ${plain}` };
  }
  // Otherwise as the first key: its line start is the one place a new line is always safe.
  const firstKey = map.items[0]?.key as Scalar | undefined;
  const first = firstKey?.range?.[0];
  if (first === undefined) return undefined;
  const lineStart = text.lastIndexOf("\n", first - 1) + 1;
  if (text.slice(lineStart, first).trim() !== "") return undefined;
  return { start: lineStart, end: lineStart, text: `${text.slice(lineStart, first)}sha256: ${plain}${newline}` };
}

/** Applies non-overlapping edits (any order) to `text`. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/**
 * Proof that an edited file says exactly what it said before, except the new digests: it parses
 * without errors, and its value equals the old value with those digests set. Returns the names of
 * the artifacts whose edit did not come out right (empty when all is well).
 */
export function verifyDigestEdits(before: unknown, afterText: string, digests: ReadonlyMap<string, string>): string[] {
  // Read back exactly as every command reads cluster.yaml.
  const parsed = parseSpec(new TextEncoder().encode(afterText), "");
  if (parsed.value === undefined || parsed.diagnostics.some((d) => d.severity === "error")) return [...digests.keys()];
  const after = parsed.value as { artifacts?: Record<string, Record<string, unknown>> };
  const expected = structuredClone(before) as { artifacts?: Record<string, Record<string, unknown>> };
  const wrong: string[] = [];
  for (const [name, digest] of digests) {
    const entry = expected.artifacts?.[name];
    if (entry !== undefined) entry["sha256"] = digest;
    if (after.artifacts?.[name]?.["sha256"] !== digest) wrong.push(name);
  }
  if (wrong.length === 0 && !isDeepStrictEqual(after, expected)) return [...digests.keys()];
  return wrong;
}
