/**
 * `reconcile init`: a commented starter cluster.yaml that validates as written, and the schema
 * beside it (`cluster.schema.json`) so that the editor modeline works offline.
 */
import { access } from "node:fs/promises";
import { join, resolve } from "node:path";
import { ExitCode, ReconcileError } from "../../errors.js";
import { writeFileAtomically } from "../../executors/local-files.js";
import { clusterSchema } from "../../spec/schema.js";
import { print, type CliIO } from "../io.js";
import { STARTER } from "./init-template.js";

export interface InitArgs {
  file: string;
  force: boolean;
}

const SCHEMA_FILE = "cluster.schema.json";

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

export async function initCommand(args: InitArgs, io: CliIO): Promise<number> {
  if ((await exists(args.file)) && !args.force) {
    throw new ReconcileError(`${args.file} already exists; nothing written`, { hint: "pass --force to overwrite it, or name another file" });
  }
  const schemaPath = join(resolve(args.file, ".."), SCHEMA_FILE);
  const writeSchema = args.force || !(await exists(schemaPath));
  if (writeSchema) await writeFileAtomically(schemaPath, `${JSON.stringify(clusterSchema, null, 2)}\n`);
  await writeFileAtomically(args.file, STARTER);
  print(io.stdout, `wrote ${args.file}${writeSchema ? ` and ${SCHEMA_FILE} (for editors: hover help and completion)` : ""}`);
  print(io.stdout, "next: edit the nodes and artifacts, then `reconcile pin` and `reconcile validate`");
  return ExitCode.ok;
}
