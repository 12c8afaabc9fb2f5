/**
 * Bytes → YAML document with source positions, and position look-ups by document path. Pure.
 *
 * Every problem becomes a {@link Diagnostic} with a line and column; nothing here throws for bad
 * input, and no message repeats source text (a literal secret could be in it).
 */
import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from "yaml";
import type { Document, ErrorCode, Node as YamlNode, Pair } from "yaml";
import type { Diagnostic } from "../errors.js";
import schemaJson from "../../schema/cluster.schema.json" with { type: "json" };

/** Every property name the schema defines. */
const SPEC_WORDS: ReadonlySet<string> = (() => {
  const words = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (typeof node === "object" && node !== null) {
      const props = (node as { properties?: Record<string, unknown> }).properties;
      if (props !== undefined && typeof props === "object") for (const k of Object.keys(props)) words.add(k);
      Object.values(node).forEach(visit);
    }
  };
  visit(schemaJson);
  return words;
})();

/** Larger files are refused before parsing: a cluster spec is a few kilobytes. */
export const MAX_SPEC_BYTES = 4 * 1024 * 1024;

/** A path into the document: map keys and sequence indexes. */
export type DocPath = readonly (string | number)[];

export interface SpecDocument {
  readonly file: string;
  readonly text: string;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
}

export interface ParseResult {
  document?: SpecDocument;
  /** The plain value, present when the YAML parsed without errors. */
  value?: unknown;
  diagnostics: Diagnostic[];
}

/** `server.database.password`, `workPools[0].queues[1]`. */
export function formatPath(path: DocPath): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (!/^[A-Za-z0-9_$-]+$/.test(part)) out += `[${JSON.stringify(part)}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out;
}

function lineColAt(bytes: Uint8Array, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  // Column in characters: decode the (valid) bytes of this line before the offset.
  const col = new TextDecoder().decode(bytes.subarray(lineStart, offset)).length + 1;
  return { line, col };
}

/** Offset of the first byte that is not valid UTF-8, or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  const valid = (end: number): boolean => {
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, end), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return -1;
  } catch {
    // fall through: find where
  }
  // Largest prefix that decodes (an incomplete final sequence is tolerated by `stream`).
  let lo = 0;
  let hi = bytes.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (valid(mid)) lo = mid;
    else hi = mid - 1;
  }
  // The prefix may end in the lead byte of a sequence that the next byte breaks: report the lead.
  let start = lo;
  while (start > 0 && start > lo - 4 && ((bytes[start - 1] ?? 0) & 0xc0) === 0x80) start--;
  if (start > 0 && ((bytes[start - 1] ?? 0) & 0xc0) === 0xc0) return start - 1;
  return lo;
}

/**
 * Our own words for every YAML error code. The library's messages can quote the source (a literal
 * secret could be there), so they are never shown.
 */
const yamlMessages: Record<ErrorCode, string> = {
  ALIAS_PROPS: "an alias (*name) cannot have an anchor or a tag",
  BAD_ALIAS: "bad alias: a value starting with `*` is read as an alias (*name); put the value in quotes",
  BAD_DIRECTIVE: "unknown YAML directive (lines starting with %)",
  BAD_DQ_ESCAPE: 'bad escape sequence in a double-quoted string; use single quotes, or write \\ for a backslash',
  BAD_INDENT: "bad indentation: the items of one mapping or list must start at the same column",
  BAD_PROP_ORDER: "an anchor or tag is in the wrong place",
  BAD_SCALAR_START: "a plain value cannot start with this character; put the value in quotes",
  BLOCK_AS_IMPLICIT_KEY: "bad indentation: a mapping cannot start here (check the indentation of this line and the one above)",
  BLOCK_IN_FLOW: "a block value cannot appear inside { } or [ ]",
  DUPLICATE_KEY: "duplicate key",
  IMPOSSIBLE: "this YAML cannot be read",
  KEY_OVER_1024_CHARS: "a key is longer than 1024 characters",
  MISSING_CHAR: "something is not closed here (a quote, bracket or brace)",
  MULTILINE_IMPLICIT_KEY: "bad indentation: a key must fit on one line (check the indentation of this line and the one above)",
  MULTIPLE_ANCHORS: "a value has more than one anchor (&name)",
  MULTIPLE_DOCS: "the file holds more than one YAML document; keep a single document (remove `---`)",
  MULTIPLE_TAGS: "a value has more than one tag (!tag)",
  NON_STRING_KEY: "a key must be text, not a list or a mapping",
  RESOURCE_EXHAUSTION: "too many aliases: the document expands beyond a sane size",
  TAB_AS_INDENT: "tabs are not allowed for indentation; indent with spaces",
  TAG_RESOLVE_FAILED: "unknown or invalid YAML tag (!tag) on this value",
  UNEXPECTED_TOKEN: "unexpected character here; if it is part of a value, put the value in quotes",
  BAD_COLLECTION_TYPE: "this value has the wrong collection type for its tag",
};

function yamlErrorMessage(code: ErrorCode, message: string, text: string, offset: number): string {
  if (code === "MISSING_CHAR" && /closing "quote/.test(message)) return 'a double-quoted string is not closed (missing closing ")';
  if (code === "MISSING_CHAR" && /closing 'quote/.test(message)) return "a single-quoted string is not closed (missing closing ')";
  if (code === "DUPLICATE_KEY") {
    // Name the key only when it is one of the spec's own words: any other key could be a secret.
    const key = /^("[^"\n]*"|'[^'\n]*'|[^\s:#]+)/.exec(text.slice(offset))?.[0]?.replace(/^["']|["']$/g, "");
    return key !== undefined && SPEC_WORDS.has(key) ? `duplicate key '${key}'` : "duplicate key";
  }
  // "Alias cannot be an empty string", "Unexpected alias at node end": an unquoted `*`, usually cron.
  if (/alias/i.test(message)) return yamlMessages.BAD_ALIAS;
  return yamlMessages[code] ?? `YAML syntax error (${code})`;
}

/** The problem for a file over {@link MAX_SPEC_BYTES}; callers that can stat first use it before reading. */
export function tooLarge(size: number, file: string): Diagnostic {
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return { severity: "error", file, line: 1, col: 1, path: "", message: `file is too large (${mib(size)}); a cluster spec is at most ${mib(MAX_SPEC_BYTES)}` };
}

/**
 * Checks the bytes (size, binary, UTF-8), parses one YAML document with positions and turns it into
 * a plain value. Duplicate keys, tabs, bad indentation and unresolved aliases are positioned errors.
 */
export function parseSpec(bytes: Uint8Array, file: string): ParseResult {
  const at = (line: number, col: number, message: string, hint?: string): Diagnostic => ({
    severity: "error",
    file,
    line,
    col,
    path: "",
    message,
    ...(hint === undefined ? {} : { hint }),
  });

  if (bytes.length > MAX_SPEC_BYTES) return { diagnostics: [tooLarge(bytes.length, file)] };
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    const { line, col } = lineColAt(bytes, nul);
    return { diagnostics: [at(line, col, "this is a binary file (it contains NUL bytes), not YAML text")] };
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad !== -1) {
    const { line, col } = lineColAt(bytes, bad);
    const byte = bytes[bad]?.toString(16).padStart(2, "0") ?? "??";
    return { diagnostics: [at(line, col, `invalid UTF-8 (byte 0x${byte}); save the file as UTF-8`)] };
  }
  let text = new TextDecoder().decode(bytes);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);

  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    strict: true,
    merge: true,
    logLevel: "error", // record errors; never print warnings to stderr
    // `1:` and `"1":` become the same key once converted: they are duplicates too.
    uniqueKeys: (a, b) => keyText(a) === keyText(b),
  });
  const document: SpecDocument = { file, text, doc, lines };
  const diagnostics: Diagnostic[] = [];
  const errorLines = new Set<number>();
  for (const e of doc.errors) {
    const { line, col } = lines.linePos(e.pos[0]);
    // One YAML mistake often yields several errors on the same line; the first explains it.
    if (errorLines.has(line)) continue;
    errorLines.add(line);
    diagnostics.push(at(line, col, yamlErrorMessage(e.code, e.message, text, e.pos[0])));
  }
  for (const w of doc.warnings) {
    const { line, col } = lines.linePos(w.pos[0]);
    diagnostics.push({ ...at(line, col, yamlErrorMessage(w.code, w.message, text, w.pos[0])), severity: "warning" });
  }
  if (diagnostics.some((d) => d.severity === "error")) return { document, diagnostics };

  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    diagnostics.push(at(1, 1, "the file is empty: expected a PrefectCluster spec", "`reconcile init` writes a commented starter"));
    return { document, diagnostics };
  }
  // An alias to a missing anchor only fails when converted; report it where it stands. Keys that
  // are lists or mappings have no place in a spec.
  visit(doc, {
    Pair(_key, pair) {
      if (pair.key !== null && isCollection(pair.key)) {
        const { line, col } = lines.linePos((pair.key as YamlNode).range?.[0] ?? 0);
        diagnostics.push(at(line, col, yamlMessages.NON_STRING_KEY));
      }
    },
    Alias(_key, node) {
      if (node.resolve(doc) === undefined) {
        const { line, col } = lines.linePos(node.range?.[0] ?? 0);
        diagnostics.push(at(line, col, `unknown alias '*${node.source}': no anchor '&${node.source}' before it`));
      }
    },
  });
  if (diagnostics.some((d) => d.severity === "error")) return { document, diagnostics };
  try {
    const value: unknown = doc.toJS({ maxAliasCount: 1000 });
    return { document, value, diagnostics };
  } catch (error) {
    diagnostics.push(at(1, 1, `cannot read the document: ${(error as Error).message.split("\n")[0]}`));
    return { document, diagnostics };
  }
}

/** A key as it reads once converted to a plain object: `1`, `"1"` and `true` are strings. */
function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

function pairFor(map: YamlNode, key: string | number): Pair | undefined {
  if (!isMap(map)) return undefined;
  return map.items.find((p) => isPair(p) && keyText(p.key) === String(key)) as Pair | undefined;
}

function childOf(node: YamlNode, key: string | number): YamlNode | undefined {
  if (isMap(node)) {
    const value = pairFor(node, key)?.value;
    return value === null || value === undefined ? undefined : (value as YamlNode);
  }
  if (isSeq(node) && typeof key === "number") {
    const item = node.items[key];
    return item === null || item === undefined ? undefined : (item as YamlNode);
  }
  return undefined;
}

/**
 * Line and column of what `path` points at. `target: "key"` points at the key of the last path
 * element (unknown properties, names). A collection is located at its key in the parent so
 * "missing property" errors point at `database:` rather than at its first child. A path that does
 * not exist falls back to its deepest existing ancestor.
 */
export function locate(document: SpecDocument, path: DocPath, target: "value" | "key" = "value"): { line: number; col: number } {
  const { doc, lines } = document;
  let node: YamlNode | undefined = doc.contents ?? undefined;
  let keyNode: YamlNode | undefined;
  for (const part of path) {
    // Inside an alias the problem is in the copy: point at the alias (*name) itself.
    if (node === undefined || isAlias(node)) break;
    const pair = pairFor(node, part);
    const child = childOf(node, part);
    // `key:` with nothing after it: a null scalar with no source text; point at the key.
    const next = child !== undefined && isScalar(child) && child.value === null && (child.source ?? "") === "" ? undefined : child;
    if (pair === undefined && next === undefined) break;
    keyNode = pair !== undefined && isScalar(pair.key) ? pair.key : undefined;
    if (next === undefined) {
      node = keyNode;
      break;
    }
    node = next;
  }
  const pointAtKey = keyNode !== undefined && (target === "key" || (node !== undefined && isCollection(node)));
  const chosen = pointAtKey ? keyNode : node;
  return lines.linePos(chosen?.range?.[0] ?? 0);
}
