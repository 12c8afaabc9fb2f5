/** `reconcile schema`: the JSON Schema of cluster.yaml, for editors and other tools. */
import { ExitCode } from "../../errors.js";
import { clusterSchema } from "../../spec/schema.js";
import { print, type CliIO } from "../io.js";

export function schemaCommand(io: CliIO): number {
  print(io.stdout, JSON.stringify(clusterSchema, null, 2));
  return ExitCode.ok;
}
