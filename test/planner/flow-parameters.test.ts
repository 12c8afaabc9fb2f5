/**
 * Deployment parameter schemas as Prefect 3.4.25 itself builds them (checked against what the real
 * Prefect answered for the same code, test/fixtures/prefect/3.4.25), and the deployment
 * parameters a flow does not take.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { flowSignature } from "../../src/facts/flow-signature.js";
import { flowSpecProblems, parameterProblems, parameterSchema, parameterSchemaFor } from "../../src/planner/flow-parameters.js";
import type { FlowParameter, LocalInputs } from "../../src/planner/types.js";
import type { ResolvedCluster, ResolvedDeployment, ResolvedFlow } from "../../src/spec/resolved.js";

const FIXTURES = new URL("../fixtures/prefect/3.4.25/", import.meta.url);
const source = readFileSync(new URL("parameter-schema-flows.py", FIXTURES), "utf8");
const real = JSON.parse(readFileSync(new URL("parameter-schemas.json", FIXTURES), "utf8")) as Record<string, unknown>;

const parametersOf = (func: string, text = source): FlowParameter[] => {
  const r = flowSignature(text, func);
  if (!r.ok) throw new Error(`${r.error.line}:${r.error.col} ${r.error.message}`);
  return r.parameters;
};

describe("parameterSchema is Prefect 3.4.25's own", () => {
  it.each(Object.keys(real))("%s", (func) => {
    // Key order too: the server stores the schema as sent, and drift compares it.
    expect(JSON.stringify(parameterSchema(parametersOf(func)))).toBe(JSON.stringify(real[func]));
  });

  it("leaves out self and cls but keeps their positions, as Prefect does for a method", () => {
    expect(parameterSchema(parametersOf("main", "def main(self, a: int): pass\n"))).toEqual({
      title: "Parameters",
      type: "object",
      properties: { a: { position: 1, title: "a", type: "integer" } },
      required: ["a"],
      definitions: {},
    });
  });

  it("a type it does not know is any value, and a default that is not a literal is left out (not required all the same)", () => {
    expect(parameterSchema(parametersOf("main", "def main(a: MyModel, b: int = LIMIT): pass\n")).properties).toEqual({
      a: { position: 0, title: "a" },
      b: { position: 1, title: "b", type: "integer" },
    });
  });
});

const flow = (deployments: Record<string, unknown>[] = []): ResolvedFlow => ({
  name: "etl",
  env: "etl-env",
  source: "/src/etl",
  entrypoint: "flow.py:main",
  pool: "p",
  deployments: deployments.map((parameters, i) => ({ name: `d${i}`, parameters }) as unknown as ResolvedDeployment),
});
const local = (text: string | null, error: string | null = null): LocalInputs => ({
  artifacts: {},
  flows: { etl: { sha256: "0".repeat(64), bytes: 1, parameters: text === null ? null : parametersOf("main", text), parameterError: error } },
});

describe("parameterSchemaFor", () => {
  it("the flow's schema from its local parameters", () => {
    expect(parameterSchemaFor(flow(), local("def main(n: int = 1): pass\n"))).toEqual({
      title: "Parameters",
      type: "object",
      properties: { n: { default: 1, position: 0, title: "n", type: "integer" } },
      definitions: {},
    });
  });
  it("an empty object schema when the parameters are not known", () => {
    expect(parameterSchemaFor(flow(), local(null, "flow.py:1:1: no top-level function main"))).toEqual({ type: "object", properties: {} });
    expect(parameterSchemaFor(flow(), { artifacts: {}, flows: {} })).toEqual({ type: "object", properties: {} });
  });
});

describe("parameterProblems", () => {
  const f = flow([{ n: 1, extra: "x", name: "y" }]);
  const d = f.deployments[0]!;
  it.each([
    { name: "a parameter the flow does not take", code: "def main(n, *, name='a'): pass\n", want: ["extra"] },
    { name: "none when the flow takes **kwargs", code: "def main(n, **rest): pass\n", want: [] },
    { name: "*args does not take names", code: "def main(n, name, *args): pass\n", want: ["extra"] },
    { name: "a required parameter the deployment leaves out is no problem: runs may give it", code: "def main(n, extra, name, must): pass\n", want: [] },
  ])("$name", ({ code, want }) => {
    expect(parameterProblems(f, d, local(code)).map((p) => p.parameter)).toEqual(want);
  });
  it("says what the function takes", () => {
    expect(parameterProblems(f, d, local("def main(n, name): pass\n"))).toEqual([{ parameter: "extra", message: "flow etl does not take a parameter extra: main() in flow.py takes n, name" }]);
  });
  it("none when the parameters are not known", () => {
    expect(parameterProblems(f, d, local(null, "flow.py:1:1: x"))).toEqual([]);
  });
});

describe("flowSpecProblems", () => {
  const cluster = (flows: ResolvedFlow[]) => ({ flows }) as unknown as ResolvedCluster;
  it("places each unknown parameter at its key in cluster.yaml", () => {
    const f = flow([{ n: 1 }, { n: 1, typo: 2 }]);
    expect(flowSpecProblems(cluster([f]), local("def main(n): pass\n"))).toEqual([
      {
        path: ["flows", 0, "deployments", 1, "parameters", "typo"],
        message: "flow etl does not take a parameter typo: main() in flow.py takes n",
        target: "key",
        hint: "remove it from the deployment's parameters, or add it to the flow function",
      },
    ]);
  });
  it("an entrypoint whose parameters cannot be read, at the flow's entrypoint", () => {
    expect(flowSpecProblems(cluster([flow([{}])]), local(null, "flow.py:3:9: cannot parse the parameters of main (a syntax error?)"))).toEqual([
      {
        path: ["flows", 0, "entrypoint"],
        message: "cannot read the parameters of flow.py:main: flow.py:3:9: cannot parse the parameters of main (a syntax error?)",
        hint: "fix the flow's code, or its entrypoint: file.py:function, the file relative to the flow's source",
      },
    ]);
  });
  it("a flow without deployments is not checked", () => {
    expect(flowSpecProblems(cluster([flow()]), local(null, "flow.py:1:1: x"))).toEqual([]);
  });
});
