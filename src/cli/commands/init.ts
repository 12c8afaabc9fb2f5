/** `reconcile init`: a commented starter cluster.yaml that validates as written. */
import { access } from "node:fs/promises";
import { ExitCode, ReconcileError } from "../../errors.js";
import { writeFileAtomically } from "../../executors/local-files.js";
import { print, type CliIO } from "../io.js";
import { STARTER } from "./init-template.js";

export interface InitArgs {
  file: string;
  force: boolean;
}

export async function initCommand(args: InitArgs, io: CliIO): Promise<number> {
  const exists = await access(args.file).then(
    () => true,
    () => false,
  );
  if (exists && !args.force) {
    throw new ReconcileError(`${args.file} already exists; nothing written`, { hint: "pass --force to overwrite it, or name another file" });
  }
  await writeFileAtomically(args.file, STARTER);
  print(io.stdout, `wrote ${args.file}`);
  print(io.stdout, "next: edit the nodes and artifacts, then `reconcile pin` and `reconcile validate`");
  return ExitCode.ok;
}
