/**
 * A flow's parameters, read from its code: the `def` (or `async def`) the entrypoint names
 * (`flow.py:main`), found among the file's top-level statements (decorated or not; a method of a
 * class is not it, as Prefect loads the entrypoint as a module attribute), parsed with CodeMirror's
 * Python grammar (@lezer/python), never run. Pure: text in, parameters or an error with the
 * line:col in the file out.
 */
import { parser } from "@lezer/python";
import type { Json } from "./types.js";

/** A node of the syntax tree (@lezer/common's SyntaxNode, reached through the parser so only @lezer/python is imported). */
type SyntaxNode = ReturnType<typeof parser.parse>["topNode"];

/**
 * An annotation as data: a (dotted) name with its subscript arguments (`Optional[int]` is
 * `{name: "Optional", args: [{name: "int", args: []}]}`), `int | None` as the name `|`, `None`
 * and `...` as names, and the literal arguments of `Literal[...]` as `{literal}`.
 */
export type PyType = { name: string; args: PyType[] } | { literal: Json };

/**
 * One parameter of a flow function, read from its code (the entrypoint's `def`): what a
 * deployment's parameters are checked against and what its parameter schema is made of.
 */
export interface FlowParameter {
  name: string;
  /** `positional` (may be passed by name too), `keyword` (after `*`), `var-positional` (`*args`), `var-keyword` (`**kwargs`). */
  kind: "positional" | "keyword" | "var-positional" | "var-keyword";
  /** It has a default, so a deployment need not give it. */
  hasDefault: boolean;
  /** The default as JSON when it is a literal (number, string, True/False/None, list/dict of those); undefined otherwise. */
  default?: Json;
  /** The annotation as written (`int`, `list[str]`, `Optional[int]`), or null. */
  annotation: string | null;
  /** The annotation understood (a string annotation is read as the expression it holds); absent or null when there is none or it is not understood. */
  type?: PyType | null;
}

/** Why the parameters could not be read, at a 1-based line and column of the file. */
export interface SignatureError {
  line: number;
  col: number;
  message: string;
}

export type SignatureResult = { ok: true; parameters: FlowParameter[] } | { ok: false; error: SignatureError };

function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, col: offset - start + 1 };
}

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c !== null; c = c.nextSibling) out.push(c);
  return out;
}

function firstError(node: SyntaxNode): SyntaxNode | null {
  if (node.type.isError) return node;
  for (const c of children(node)) {
    const e = firstError(c);
    if (e !== null) return e;
  }
  return null;
}

/** The top-level `def name` that a module attribute `name` ends up as: the last one. */
function findFunction(script: SyntaxNode, text: string, name: string): SyntaxNode | null {
  let found: SyntaxNode | null = null;
  for (const statement of children(script)) {
    const def = statement.name === "DecoratedStatement" ? statement.getChild("FunctionDefinition") : statement.name === "FunctionDefinition" ? statement : null;
    const id = def?.getChild("VariableName");
    if (def && id && text.slice(id.from, id.to) === name) found = def;
  }
  return found;
}

const ESCAPES: Record<string, string> = { "\n": "", "\\": "\\", "'": "'", '"': '"', a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v" };

/** A Python string literal's value (prefixes r, b, u; triple quotes; escapes); undefined for f-strings and escapes not handled here. */
export function pythonString(literal: string): string | undefined {
  const m = /^([rRbBuU]{0,2})('''|"""|'|")([\s\S]*)\2$/.exec(literal);
  if (m === null) return undefined;
  const prefix = (m[1] ?? "").toLowerCase();
  const body = m[3] ?? "";
  if (prefix.includes("r")) return body;
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== "\\") {
      out += ch;
      continue;
    }
    const next = body[i + 1] ?? "";
    if (ESCAPES[next] !== undefined) {
      out += ESCAPES[next];
      i++;
      continue;
    }
    const hex = next === "x" ? 2 : next === "u" && !prefix.includes("b") ? 4 : next === "U" && !prefix.includes("b") ? 8 : 0;
    if (hex > 0) {
      const digits = body.slice(i + 2, i + 2 + hex);
      if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== hex) return undefined;
      out += String.fromCodePoint(parseInt(digits, 16));
      i += 1 + hex;
      continue;
    }
    const octal = /^[0-7]{1,3}/.exec(body.slice(i + 1))?.[0];
    if (octal !== undefined) {
      out += String.fromCharCode(parseInt(octal, 8));
      i += octal.length;
      continue;
    }
    if (next === "N") return undefined; // \N{name}: the Unicode names are not here
    out += ch; // an unknown escape stays as written, backslash included
  }
  return out;
}

function pythonNumber(literal: string): number | undefined {
  const s = literal.replace(/_/g, "");
  if (/[jJ]$/.test(s)) return undefined; // complex
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) return parseInt(s.slice(2), 16);
  if (/^0[oO][0-7]+$/.test(s)) return parseInt(s.slice(2), 8);
  if (/^0[bB][01]+$/.test(s)) return parseInt(s.slice(2), 2);
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

const BRACKETS = new Set(["(", ")", "[", "]", "{", "}", ",", ":"]);

/** A default's value when it is a literal (JSON as Prefect would send it: tuples and sets as lists); undefined otherwise. */
function literalValue(node: SyntaxNode, text: string): Json | undefined {
  const src = text.slice(node.from, node.to);
  switch (node.name) {
    case "Number":
      return pythonNumber(src);
    case "String":
      return pythonString(src);
    case "ContinuedString": {
      let out = "";
      for (const part of children(node)) {
        const v = part.name === "String" ? pythonString(text.slice(part.from, part.to)) : undefined;
        if (v === undefined) return undefined;
        out += v;
      }
      return out;
    }
    case "Boolean":
      return src === "True";
    case "None":
      return null;
    case "UnaryExpression": {
      const [op, operand] = children(node);
      const v = operand === undefined ? undefined : literalValue(operand, text);
      if (typeof v !== "number" || op === undefined) return undefined;
      const sign = text.slice(op.from, op.to);
      return sign === "-" ? -v : sign === "+" ? v : undefined;
    }
    case "ParenthesizedExpression": {
      const inner = children(node).filter((c) => !BRACKETS.has(c.name));
      return inner.length === 1 ? literalValue(inner[0]!, text) : undefined;
    }
    case "TupleExpression":
    case "ArrayExpression":
    case "SetExpression": {
      const out: Json[] = [];
      for (const c of children(node)) {
        if (BRACKETS.has(c.name)) continue;
        const v = literalValue(c, text);
        if (v === undefined) return undefined;
        out.push(v);
      }
      return out;
    }
    case "DictionaryExpression": {
      const out: { [key: string]: Json } = {};
      const items = children(node).filter((c) => !BRACKETS.has(c.name));
      if (items.length % 2 !== 0) return undefined; // `**other` or a comprehension
      for (let i = 0; i < items.length; i += 2) {
        const k = literalValue(items[i]!, text);
        const v = literalValue(items[i + 1]!, text);
        if (v === undefined || (typeof k !== "string" && typeof k !== "number")) return undefined;
        out[String(k)] = v;
      }
      return out;
    }
    default:
      return undefined;
  }
}

/** An annotation as data, or null when it is not a form understood here. */
function annotationType(node: SyntaxNode, text: string): PyType | null {
  const src = text.slice(node.from, node.to);
  switch (node.name) {
    case "VariableName":
    case "None":
    case "Ellipsis":
      return { name: src, args: [] };
    case "String": {
      // A forward reference: the annotation written as a string.
      const inner = pythonString(src);
      if (inner === undefined) return null;
      const expr = parser.parse(inner).topNode.firstChild;
      const value = expr?.name === "ExpressionStatement" ? expr.firstChild : null;
      return value === null || value === undefined || firstError(expr!) !== null ? null : annotationType(value, inner);
    }
    case "ParenthesizedExpression": {
      const inner = children(node).filter((c) => !BRACKETS.has(c.name));
      return inner.length === 1 ? annotationType(inner[0]!, text) : null;
    }
    case "BinaryExpression": {
      const [left, op, right] = children(node);
      if (left === undefined || right === undefined || op === undefined || text.slice(op.from, op.to) !== "|") return null;
      const l = annotationType(left, text);
      const r = annotationType(right, text);
      if (l === null || r === null) return null;
      const flat = (t: PyType) => ("name" in t && t.name === "|" ? t.args : [t]);
      return { name: "|", args: [...flat(l), ...flat(r)] };
    }
    case "MemberExpression": {
      const parts = children(node);
      const base = parts[0];
      if (base === undefined) return null;
      if (parts[1]?.name === ".") {
        const prop = parts[2];
        const head = annotationType(base, text);
        if (prop === undefined || head === null || !("name" in head) || head.args.length > 0) return null;
        return { name: `${head.name}.${text.slice(prop.from, prop.to)}`, args: [] };
      }
      const head = annotationType(base, text);
      if (head === null || !("name" in head) || head.args.length > 0) return null;
      const literal = /(^|\.)Literal$/.test(head.name);
      const args: PyType[] = [];
      for (const c of parts.slice(1)) {
        if (BRACKETS.has(c.name)) continue;
        if (literal) {
          const v = literalValue(c, text);
          if (v === undefined) return null;
          args.push({ literal: v });
          continue;
        }
        const a = annotationType(c, text);
        if (a === null) return null;
        args.push(a);
      }
      return { name: head.name, args };
    }
    default:
      return null;
  }
}

function readParameters(list: SyntaxNode, text: string): FlowParameter[] {
  const out: FlowParameter[] = [];
  let keywordOnly = false;
  let star: "*" | "**" | null = null;
  let current: FlowParameter | null = null;
  let afterAssign = false;
  for (const c of children(list)) {
    const src = text.slice(c.from, c.to);
    if (c.name === "(" || c.name === ")") continue;
    if (c.name === ",") {
      if (star === "*" && current === null) keywordOnly = true; // a bare `*`
      star = null;
      current = null;
      afterAssign = false;
      continue;
    }
    if (src === "*" || src === "**") {
      star = src;
      continue;
    }
    if (current === null && c.name === "VariableName") {
      const kind: FlowParameter["kind"] = star === "*" ? "var-positional" : star === "**" ? "var-keyword" : keywordOnly ? "keyword" : "positional";
      if (star === "*") keywordOnly = true;
      current = { name: src, kind, hasDefault: false, annotation: null };
      out.push(current);
      continue;
    }
    if (current === null) continue;
    if (c.name === "TypeDef") {
      const value = children(c).find((t) => t.name !== ":");
      if (value !== undefined) {
        current.annotation = text.slice(value.from, value.to);
        current.type = annotationType(value, text);
      }
      continue;
    }
    if (c.name === "AssignOp") {
      afterAssign = true;
      current.hasDefault = true;
      continue;
    }
    if (afterAssign) {
      const v = literalValue(c, text);
      if (v !== undefined) current.default = v;
      afterAssign = false;
    }
  }
  return out;
}

/**
 * The parameters of the top-level function `func` in the Python source `text`.
 *
 * @example
 * flowSignature("@flow\ndef main(n: int, name='x'): ...", "main")
 * // { ok: true, parameters: [{ name: "n", kind: "positional", hasDefault: false, annotation: "int", type: {...} }, ...] }
 */
export function flowSignature(text: string, func: string): SignatureResult {
  const tree = parser.parse(text);
  const def = findFunction(tree.topNode, text, func);
  const list = def?.getChild("ParamList");
  const error = (node: SyntaxNode | null | undefined, message: string): SignatureResult => ({ ok: false, error: { ...lineCol(text, node?.from ?? 0), message } });
  if (def === null || def === undefined || list === null || list === undefined) {
    const syntax = firstError(tree.topNode);
    if (syntax !== null) return error(syntax, `cannot parse the file (a syntax error?), and no function ${func} was found before it`);
    return error(null, `no top-level function ${func} (def ${func}(...) or async def ${func}(...))`);
  }
  const bad = firstError(list);
  if (bad !== null) return error(bad, `cannot parse the parameters of ${func} (a syntax error?)`);
  return { ok: true, parameters: readParameters(list, text) };
}
