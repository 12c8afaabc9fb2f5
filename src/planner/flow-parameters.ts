/**
 * A flow's parameters as the Prefect server sees them: the `parameter_openapi_schema` a
 * deployment carries, built the way Prefect 3.4 builds it (`prefect.utilities.callables.
 * parameter_schema`, pydantic's JSON schema of the signature) for what the code says, and the
 * deployment parameters the flow does not take. Pure: the parameters come from local inputs
 * (executors/local-inputs.ts read them with facts/flow-signature.ts).
 */
import type { SpecProblem } from "../errors.js";
import type { ResolvedCluster, ResolvedDeployment, ResolvedFlow } from "../spec/resolved.js";
import type { FlowParameter, Json, LocalInputs, PyType } from "./types.js";

type JsonObject = { [key: string]: Json };

/** What Prefect's schema is for a flow whose parameters are not known. */
const UNKNOWN_SCHEMA: JsonObject = { type: "object", properties: {} };

/** `typing.Optional` → `Optional`, `builtins.int` → `int`: the names below are matched without their module. */
function baseName(name: string): string {
  return name.replace(/^(typing|typing_extensions|builtins|collections\.abc)\./, "");
}

const SCALARS: Readonly<Record<string, JsonObject>> = {
  int: { type: "integer" },
  float: { type: "number" },
  str: { type: "string" },
  bool: { type: "boolean" },
  bytes: { format: "binary", type: "string" },
  "datetime.datetime": { format: "date-time", type: "string" },
  datetime: { format: "date-time", type: "string" },
  "datetime.date": { format: "date", type: "string" },
  date: { format: "date", type: "string" },
  "uuid.UUID": { format: "uuid", type: "string" },
  UUID: { format: "uuid", type: "string" },
};

const LISTS = new Set(["list", "List", "Sequence", "MutableSequence", "Iterable", "Collection"]);
const SETS = new Set(["set", "Set", "frozenset", "FrozenSet", "AbstractSet", "MutableSet"]);
const DICTS = new Set(["dict", "Dict", "Mapping", "MutableMapping"]);
const UNIONS = new Set(["Union", "|"]);

const isNone = (t: PyType) => "name" in t && t.name === "None" && t.args.length === 0;

/**
 * The JSON schema pydantic gives a type, for the types flows use (scalars, containers, Optional,
 * unions, Literal, datetime); `{}` (any value, as for `Any`) for what is not known here, such as
 * a class of the flow's own code (Prefect would add it to `definitions`).
 */
function typeSchema(t: PyType): JsonObject {
  if (!("name" in t)) return {};
  const name = baseName(t.name);
  const [first, second] = t.args;
  if (t.args.length === 0 && SCALARS[name] !== undefined) return { ...SCALARS[name] };
  if (name === "Optional" && first !== undefined) return typeSchema({ name: "|", args: [first, { name: "None", args: [] }] });
  if (UNIONS.has(name)) {
    // pydantic lists None last.
    const members = [...t.args.filter((a) => !isNone(a)), ...t.args.filter(isNone)];
    if (members.length === 1) return typeSchema(members[0]!);
    return { anyOf: members.map((m) => (isNone(m) ? { type: "null" } : typeSchema(m))) };
  }
  if (LISTS.has(name)) return { items: first === undefined ? {} : typeSchema(first), type: "array" };
  if (SETS.has(name)) return { items: first === undefined ? {} : typeSchema(first), type: "array", uniqueItems: true };
  if (name === "tuple" || name === "Tuple") {
    if (first === undefined) return { items: {}, type: "array" };
    if (second !== undefined && "name" in second && second.name === "...") return { items: typeSchema(first), type: "array" };
    return { maxItems: t.args.length, minItems: t.args.length, prefixItems: t.args.map(typeSchema), type: "array" };
  }
  if (DICTS.has(name)) {
    const values = second === undefined ? {} : typeSchema(second);
    return Object.keys(values).length === 0 ? { type: "object" } : { additionalProperties: values, type: "object" };
  }
  if (name === "Literal") {
    const values = t.args.map((a) => ("literal" in a ? a.literal : null));
    const kinds = new Set(values.map((v) => (v === null ? "null" : typeof v === "number" ? (Number.isInteger(v) ? "integer" : "number") : typeof v)));
    const only = kinds.size === 1 ? [...kinds][0] : undefined;
    return only === "string" || only === "integer" || only === "boolean" ? { enum: values, type: only } : { enum: values };
  }
  return {};
}

/** Keys in the order pydantic writes them (sorted), but a default's value as it is. */
function sortedKeys(value: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(value).sort()) {
    const v = value[key]!;
    if (key === "default" || v === null || typeof v !== "object") out[key] = v;
    else if (Array.isArray(v)) out[key] = v.map((x) => (x !== null && typeof x === "object" && !Array.isArray(x) ? sortedKeys(x) : x));
    else out[key] = sortedKeys(v);
  }
  return out;
}

/** Prefect's schema for these parameters (the code's own signature, in order). */
export function parameterSchema(parameters: readonly FlowParameter[]): JsonObject {
  const properties: JsonObject = {};
  const required: string[] = [];
  parameters.forEach((p, position) => {
    // Prefect leaves out `self` and `cls`, but they keep their position.
    if (p.name === "self" || p.name === "cls") return;
    const property: JsonObject = { position, title: p.name, ...(p.type === undefined || p.type === null ? {} : typeSchema(p.type)) };
    if (p.hasDefault && p.default !== undefined) property.default = p.default;
    if (!p.hasDefault) required.push(p.name);
    properties[p.name] = sortedKeys(property);
  });
  return { title: "Parameters", type: "object", properties, ...(required.length > 0 ? { required } : {}), definitions: {} };
}

/**
 * The `parameter_openapi_schema` of the flow's deployments: Prefect's schema for the entrypoint's
 * signature, or an empty object schema when its parameters could not be read (the plan then
 * reports `parameterError`, {@link flowSpecProblems}).
 *
 * @example
 * parameterSchemaFor(flow, local) // { title: "Parameters", type: "object", properties: { n: { position: 0, title: "n", type: "integer" } }, required: ["n"], definitions: {} }
 */
export function parameterSchemaFor(flow: ResolvedFlow, local: LocalInputs): Json {
  const parameters = local.flows[flow.name]?.parameters;
  return parameters === null || parameters === undefined ? { ...UNKNOWN_SCHEMA, properties: {} } : parameterSchema(parameters);
}

/**
 * The deployment's parameters the flow does not take (none when it takes `**kwargs`, or when its
 * parameters are not known). A required parameter the deployment does not give is not a problem:
 * each run may give it.
 */
export function parameterProblems(flow: ResolvedFlow, deployment: ResolvedDeployment, local: LocalInputs): { parameter: string; message: string }[] {
  const parameters = local.flows[flow.name]?.parameters;
  if (parameters === null || parameters === undefined || parameters.some((p) => p.kind === "var-keyword")) return [];
  const takes = parameters.filter((p) => p.kind === "positional" || p.kind === "keyword").map((p) => p.name);
  const [file, func] = splitEntrypoint(flow.entrypoint);
  return Object.keys(deployment.parameters)
    .filter((name) => !takes.includes(name))
    .map((name) => ({
      parameter: name,
      message: `flow ${flow.name} does not take a parameter ${name}: ${func}() in ${file} takes ${takes.length === 0 ? "none" : takes.join(", ")}`,
    }));
}

function splitEntrypoint(entrypoint: string): [string, string] {
  const i = entrypoint.lastIndexOf(":");
  return i < 0 ? [entrypoint, entrypoint] : [entrypoint.slice(0, i), entrypoint.slice(i + 1)];
}

/**
 * What keeps the flows' deployments from being planned: an entrypoint whose parameters could not
 * be read (at `flows[i].entrypoint`), and a deployment parameter its flow does not take (at
 * `flows[i].deployments[j].parameters.<name>`). A flow without deployments is not checked.
 */
export function flowSpecProblems(cluster: ResolvedCluster, local: LocalInputs): SpecProblem[] {
  const out: SpecProblem[] = [];
  cluster.flows.forEach((flow, i) => {
    if (flow.deployments.length === 0) return;
    const code = local.flows[flow.name];
    if (code?.parameterError !== null && code?.parameterError !== undefined) {
      out.push({ path: ["flows", i, "entrypoint"], message: `cannot read the parameters of ${flow.entrypoint}: ${code.parameterError}`, hint: "fix the flow's code, or its entrypoint: file.py:function, the file relative to the flow's source" });
      return;
    }
    flow.deployments.forEach((deployment, j) => {
      for (const p of parameterProblems(flow, deployment, local))
        out.push({ path: ["flows", i, "deployments", j, "parameters", p.parameter], message: p.message, target: "key", hint: "remove it from the deployment's parameters, or add it to the flow function" });
    });
  });
  return out;
}
