/**
 * A flow's parameters as a deployment's `parameter_openapi_schema` (issue 12). Pure.
 *
 * For now every flow gets Prefect's empty schema; the schema made from the flow function's own
 * parameters ({@link FlowParameter}) comes in a later change.
 */
import type { ResolvedFlow } from "../spec/resolved.js";
import type { Json, LocalInputs } from "./types.js";

/** The parameter schema a deployment of `flow` is created with. */
export function parameterSchemaFor(flow: ResolvedFlow, local: LocalInputs): { [key: string]: Json } {
  void flow;
  void local;
  return { type: "object", properties: {} };
}
