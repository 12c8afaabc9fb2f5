/**
 * Schema validation: ajv with every error at once, turned into positioned, readable problems. Pure.
 *
 * ajv's raw output for `oneOf`/`anyOf` is one error per failed branch; users wrote one thing and
 * meant one branch. So for a failed alternative we re-check the value against each branch and
 * report the branch whose shape fits (its own errors, recursively), or one summary line.
 */
import type { ErrorObject, ValidateFunction } from "ajv";
import schemaJson from "../../schema/cluster.schema.json" with { type: "json" };
import { branchValidators, validate } from "./cluster.validate.generated.js";
import type { DocPath } from "./document.js";
import { nodePathProblem } from "./node-paths.js";
import { didYouMean } from "./suggest.js";

/** The cluster schema, as shipped (also printed by `reconcile schema`). */
export const clusterSchema: Readonly<Record<string, unknown>> = schemaJson;

type Schema = Record<string, unknown>;

/** One schema problem before positions are attached. */
export interface SchemaProblem {
  path: DocPath;
  /** What is wrong: the path itself, or the missing/unknown property below it. */
  subject?: DocPath;
  /** Point at the key (unknown property, bad property name) rather than the value. */
  target: "value" | "key";
  message: string;
  hint?: string;
}

/**
 * The checks are compiled ahead of time (src/spec/cluster.validate.generated.ts, by `npm run
 * gen:types`): loading and compiling ajv here cost about 0.2 s per command.
 */
const validateCluster = validate as unknown as ValidateFunction;
const definitions = (schemaJson as { definitions: Record<string, Schema> }).definitions;
// The compiled validator's error objects carry copies of the schema's parts, so a part is known by
// its JSON text (the same key order: the copies were written from these objects).
let definitionTexts: Set<string> | undefined;
function isDefinition(schema: unknown): boolean {
  definitionTexts ??= new Set(Object.values(definitions).map((d) => JSON.stringify(d)));
  return definitionTexts.has(JSON.stringify(schema));
}
function resolveRef(schema: Schema): Schema {
  const ref = schema["$ref"];
  if (typeof ref !== "string") return schema;
  const name = ref.replace("#/definitions/", "");
  return definitions[name] ?? schema;
}

/** The compiled check of one branch of an alternative (every branch has one; see the generator). */
function validatorFor(branch: Schema): ValidateFunction {
  const v = (branchValidators as Map<string, unknown>).get(JSON.stringify(branch));
  if (v === undefined) throw new Error(`bug: no compiled validator for the schema branch ${JSON.stringify(branch)}; run \`npm run gen:types\``);
  return v as ValidateFunction;
}

/**
 * JSON pointer → document path. A segment is an index only where the value there is a list, so an
 * artifact named "7" stays a key.
 */
function pointerToPath(pointer: string, root: unknown): (string | number)[] {
  if (pointer === "") return [];
  let current: unknown = root;
  return pointer
    .slice(1)
    .split("/")
    .map((raw) => {
      const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
      const part = Array.isArray(current) ? Number(key) : key;
      current = typeof current === "object" && current !== null ? (current as Record<string | number, unknown>)[part] : undefined;
      return part;
    });
}

const formatNames: Record<string, string> = {
  ipv4: "an IPv4 address",
  ipv6: "an IPv6 address",
  hostname: "a host name",
  "date-time": "an ISO 8601 date and time such as 2026-01-01T00:00:00Z",
};

const typeNames: Record<string, string> = {
  string: "a string",
  number: "a number",
  integer: "a whole number",
  boolean: "true or false",
  object: "a mapping (key: value)",
  array: "a list",
  null: "empty",
};

function firstSentence(text: string): string {
  const s = (text.split(/\.(\s|$)/)[0] ?? text).trim();
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** How a branch of an alternative reads in a message: "a string", "a secret reference {secret: NAME}". */
function describeBranch(branch: Schema): string {
  if (branch["$ref"] === "#/definitions/secretRef") return "a secret reference {secret: NAME}";
  const s = resolveRef(branch);
  if (typeof s["format"] === "string") return formatNames[s["format"]] ?? `a ${s["format"]}`;
  const required = s["required"];
  if (Array.isArray(required) && required.length > 0 && s["type"] === "object") return `a mapping with \`${String(required[0])}\``;
  if (typeof s["type"] === "string") {
    const base = typeNames[s["type"]] ?? s["type"];
    return typeof s["minimum"] === "number" ? `${base} of at least ${s["minimum"]}` : base;
  }
  if (branch !== s && typeof s["description"] === "string") return firstSentence(s["description"]);
  return "a valid value";
}

function joinOr(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

function isSecretRefSchema(schema: unknown): boolean {
  return JSON.stringify(schema) === JSON.stringify(definitions["secretRef"]);
}

function isNodePathSchema(schema: unknown): boolean {
  return JSON.stringify(schema) === JSON.stringify(definitions["absolutePath"]);
}

/** Shape errors say "this is not the branch you meant" (wrong type, missing its key field). */
function isShapeError(e: ErrorObject): boolean {
  return e.instancePath === "" && (e.keyword === "type" || e.keyword === "required" || e.keyword === "discriminator");
}

function describe(e: ErrorObject, base: DocPath, root: unknown, out: SchemaProblem[]): void {
  const path = [...base, ...pointerToPath(e.instancePath, root)];
  const parent = (e.parentSchema ?? {}) as Schema;
  const push = (message: string, target: "value" | "key" = "value", hint?: string, at: DocPath = path) =>
    out.push({ path: at, target, message, ...(hint === undefined ? {} : { hint }) });

  switch (e.keyword) {
    case "required": {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      out.push({
        path,
        subject: [...path, missing],
        target: "value",
        message: `missing required property '${missing}'`,
        ...(missing === "sha256" ? { hint: "`reconcile pin` computes it from the file" } : {}),
      });
      return;
    }
    case "additionalProperties": {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((parent["properties"] as Schema | undefined) ?? {}).filter((k) => k !== "$schema");
      const hint = didYouMean(extra, known) ?? (known.length > 0 ? `allowed: ${known.join(", ")}` : undefined);
      push(`unknown property '${extra}'`, "key", hint, [...path, extra]);
      return;
    }
    case "propertyNames": {
      const name = (e.params as { propertyName: string }).propertyName;
      const names = resolveRef((parent["propertyNames"] as Schema | undefined) ?? {});
      const rule = typeof names["description"] === "string" ? firstSentence(names["description"]) : `match ${String(names["pattern"])}`;
      push(`invalid name '${name}': must be ${rule}`, "key", undefined, [...path, name]);
      return;
    }
    case "type": {
      if (path[path.length - 1] === "sha256" && typeof e.data === "number") {
        push("must be 64 lowercase hex digits; YAML read this one as a number", "value", "put the digest in quotes");
        return;
      }
      const expectsText = ([] as string[]).concat((e.params as { type: string | string[] }).type).includes("string");
      // `name: 2024` or `name: yes`: right text, but YAML made it a number or boolean.
      const pattern = typeof parent["pattern"] === "string" ? new RegExp(parent["pattern"]) : undefined;
      if (expectsText && (typeof e.data === "number" || typeof e.data === "boolean") && (pattern === undefined || pattern.test(String(e.data)))) {
        push(`must be text; YAML read ${String(e.data)} as a ${typeof e.data}`, "value", "put the value in quotes");
        return;
      }
      if (isSecretRefSchema(parent) && (typeof e.data !== "object" || e.data === null)) {
        push(
          "must be a secret reference like {secret: NAME}; literal secrets are not allowed in cluster.yaml",
          "value",
          "put the value in the environment variable RECONCILE_SECRET_NAME or in the secrets file",
        );
        return;
      }
      // A named definition ("A duration such as `30s`") says more than its JSON type.
      if (/^an? /i.test(String(parent["description"] ?? "")) && isDefinition(parent)) {
        push(`must be ${firstSentence(String(parent["description"]))}`);
        return;
      }
      const expected = ([] as string[]).concat((e.params as { type: string | string[] }).type);
      push(`must be ${joinOr(expected.map((t) => typeNames[t] ?? t))}`);
      return;
    }
    case "enum": {
      const allowed = ((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map(String);
      push(`must be one of: ${allowed.join(", ")}`, "value", didYouMean(e.data, allowed));
      return;
    }
    case "const": {
      const allowed = String((e.params as { allowedValue: unknown }).allowedValue);
      push(`must be '${allowed}'`, "value", didYouMean(e.data, [allowed]));
      return;
    }
    case "discriminator": {
      const { tag, tagValue } = e.params as { tag: string; tagValue: unknown };
      const branches = ((parent["oneOf"] as Schema[] | undefined) ?? []).map(resolveRef);
      const values = branches.map((b) => String(((b["properties"] as Schema)[tag] as Schema)["const"]));
      if (tagValue === undefined) push(`missing required property '${tag}' (one of: ${values.join(", ")})`);
      else push(`'${tag}' must be one of: ${values.join(", ")}`, "value", didYouMean(tagValue, values), [...path, tag]);
      return;
    }
    case "pattern": {
      if (path[path.length - 1] === "sha256") {
        push("must be 64 lowercase hex digits", "value", "`reconcile pin` computes it from the file");
        return;
      }
      // A node path names the characters it may not hold, and why.
      if (isNodePathSchema(parent) && typeof e.data === "string") {
        push(nodePathProblem(e.data));
        return;
      }
      // Every patterned property's description starts "A ...": it is the clearest message.
      const description = parent["description"];
      push(typeof description === "string" ? `must be ${firstSentence(description)}` : `must match ${String(e.schema)}`);
      return;
    }
    case "format":
      push(`must be ${formatNames[String((e.params as { format: string }).format)] ?? `a valid ${String((e.params as { format: string }).format)}`}`);
      return;
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum": {
      const { comparison, limit } = e.params as { comparison: string; limit: number };
      push(`must be ${comparison} ${limit}`);
      return;
    }
    case "minItems": {
      const limit = (e.params as { limit: number }).limit;
      push(limit === 1 ? "must not be empty" : `must have at least ${limit} items`);
      return;
    }
    case "maxItems":
      push(`must have at most ${(e.params as { limit: number }).limit} items`);
      return;
    case "minLength":
      push("must not be empty");
      return;
    case "uniqueItems": {
      const { i, j } = e.params as { i: number; j: number };
      push(`items ${j} and ${i} are the same; list each once`, "value", undefined, [...path, i]);
      return;
    }
    default:
      push(e.message ?? `fails ${e.keyword}`);
  }
}

/** Problems for one failed oneOf/anyOf at `path`: the fitting branch's own problems, or a summary. */
function describeAlternative(e: ErrorObject, base: DocPath, root: unknown, out: SchemaProblem[]): void {
  const path = [...base, ...pointerToPath(e.instancePath, root)];
  const branches = ((e.schema as Schema[] | undefined) ?? []) as Schema[];
  const results = branches.map((branch) => {
    const v = validatorFor(branch);
    v(e.data);
    return { branch, errors: v.errors ?? [] };
  });
  const fitting = results.filter((r) => r.errors.length > 0 && !r.errors.some(isShapeError));
  if (e.keyword === "oneOf" && results.filter((r) => r.errors.length === 0).length > 1) {
    out.push({ path, target: "value", message: `matches more than one of: ${joinOr(branches.map(describeBranch))}` });
    return;
  }
  if (fitting.length === 1 && fitting[0] !== undefined) {
    collect(fitting[0].errors, path, e.data, out);
    return;
  }
  const keys = branches.map((b) => resolveRef(b)["required"]).filter((r): r is string[] => Array.isArray(r));
  const objectBranches = branches.every((b) => resolveRef(b)["type"] === "object") && keys.length === branches.length;
  if (objectBranches && typeof e.data === "object" && e.data !== null && !Array.isArray(e.data)) {
    const names = keys.map((k) => `\`${k[0]}\``);
    out.push({ path, target: "value", message: `must have exactly one of ${joinOr(names)}` });
    return;
  }
  out.push({ path, target: "value", message: `must be ${joinOr(branches.map(describeBranch))}` });
}

function collect(errors: readonly ErrorObject[], base: DocPath, root: unknown, out: SchemaProblem[]): void {
  // Alternatives own every error at or below their value: drop those, explain the alternative.
  const alternatives = errors.filter((e) => e.keyword === "oneOf" || e.keyword === "anyOf");
  const owned = (e: ErrorObject) =>
    alternatives.some((a) => a !== e && (e.instancePath === a.instancePath || e.instancePath.startsWith(`${a.instancePath}/`)));
  for (const e of errors) {
    if (e.keyword === "oneOf" || e.keyword === "anyOf") {
      if (!alternatives.some((a) => a !== e && e.instancePath.startsWith(`${a.instancePath}/`))) describeAlternative(e, base, root, out);
      continue;
    }
    if (owned(e)) continue;
    // Errors inside `propertyNames` repeat the propertyNames error itself.
    if ((e as ErrorObject & { propertyName?: string }).propertyName !== undefined) continue;
    describe(e, base, root, out);
  }
}

/** Every schema problem in `value`, in document order of ajv's traversal, duplicates removed. */
export function checkSchema(value: unknown): SchemaProblem[] {
  validateCluster(value);
  const errors = validateCluster.errors;
  if (errors === null || errors === undefined || errors.length === 0) return [];
  const out: SchemaProblem[] = [];
  collect(errors, [], value, out);
  const seen = new Set<string>();
  return out.filter((p) => {
    const key = `${JSON.stringify(p.path)}|${p.target}|${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
