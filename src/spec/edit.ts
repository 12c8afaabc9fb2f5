/**
 * In-place edits of cluster.yaml that keep every other byte: comments, blank lines, quoting and
 * key order. Edits are splices at source positions, not a re-serialization of the document. Pure.
 */
import { isMap, isPair, isScalar, parse } from "yaml";
import type { Pair, Scalar, YAMLMap } from "yaml";
import type { SpecDocument } from "./document.js";

export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/** An artifact entry as pin needs it, read from the document without schema validation. */
export interface ArtifactEntry {
  name: string;
  kind: string | undefined;
  source: string | undefined;
  sha256: string | undefined;
}

function scalarPair(map: YAMLMap, key: string): Pair<Scalar, Scalar> | undefined {
  const pair = map.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
  return pair !== undefined && isScalar(pair.value) ? (pair as Pair<Scalar, Scalar>) : undefined;
}

function artifactsMap(document: SpecDocument): YAMLMap | undefined {
  const node = document.doc.get("artifacts", true);
  return isMap(node) ? node : undefined;
}

/** The artifacts as written, in file order. */
export function readArtifactEntries(document: SpecDocument): ArtifactEntry[] {
  const map = artifactsMap(document);
  if (map === undefined) return [];
  return map.items.flatMap((pair) => {
    if (!isScalar(pair.key) || !isMap(pair.value)) return [];
    const text = (key: string) => {
      const value = scalarPair(pair.value as YAMLMap, key)?.value?.value;
      return typeof value === "string" ? value : undefined;
    };
    // A digest YAML read as a number still has its written text.
    const digest = scalarPair(pair.value, "sha256")?.value;
    const sha256 = typeof digest?.value === "string" ? digest.value : digest?.value === null ? undefined : digest?.source;
    return [{ name: String(pair.key.value), kind: text("kind"), source: text("source"), sha256 }];
  });
}

/** The edit that makes artifact `name`'s sha256 equal `digest`: replace the value, or add the key. */
export function setArtifactDigest(document: SpecDocument, name: string, digest: string): TextEdit | undefined {
  const pair = artifactsMap(document)?.items.find((p) => isScalar(p.key) && p.key.value === name);
  if (pair === undefined || !isMap(pair.value)) return undefined;
  const map = pair.value;
  const existing = scalarPair(map, "sha256");
  const text = document.text;
  const isEmpty = existing !== undefined && existing.value?.value === null && (existing.value.source ?? "") === "";
  // A digest of digits only would read back as a number: quote it then.
  const plain = typeof parse(digest) === "string" ? digest : `"${digest}"`;
  if (existing?.value?.range !== undefined && existing.value.range !== null && !isEmpty) {
    const [start, end] = existing.value.range;
    const quote = text[start] === '"' || text[start] === "'" ? text[start] : "";
    return { start, end, text: quote === "" ? plain : `${quote}${digest}${quote}` };
  }
  if (existing !== undefined) {
    // `sha256:` with an empty value: put the digest right after the colon.
    const keyEnd = existing.key.range?.[1] ?? 0;
    const colon = text.indexOf(":", keyEnd);
    return { start: colon + 1, end: colon + 1, text: ` ${plain}` };
  }
  const anchor = scalarPair(map, "source") ?? (map.items[map.items.length - 1] as Pair<Scalar, Scalar> | undefined);
  const valueEnd = anchor?.value?.range?.[1];
  if (anchor === undefined || valueEnd === undefined) return undefined;
  if (map.flow === true) return { start: valueEnd, end: valueEnd, text: `, sha256: ${plain}` };
  const keyStart = anchor.key.range?.[0] ?? 0;
  const indent = keyStart - (text.lastIndexOf("\n", keyStart - 1) + 1);
  const lineEnd = text.indexOf("\n", valueEnd);
  // Keep the file's line endings: insert before the "\r\n" of a CRLF line.
  const crlf = lineEnd > 0 && text[lineEnd - 1] === "\r";
  const at = lineEnd === -1 ? text.length : crlf ? lineEnd - 1 : lineEnd;
  return { start: at, end: at, text: `${crlf ? "\r\n" : "\n"}${" ".repeat(indent)}sha256: ${plain}` };
}

/** Applies non-overlapping edits (any order) to `text`. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
