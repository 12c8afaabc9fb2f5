/**
 * Which script carries out a step: {@link stepScript} picks the builder for the step's detail
 * kind and fills it in from the step and the run's context (secrets go only into the stdin).
 */
import { fileText } from "../../planner/plan.js";
import type { Step } from "../../planner/types.js";
import type { Sensitive } from "../../spec/secrets.js";
import { StepError } from "../remote-script.js";
import { installArtifactScript, installPackagesScript } from "./artifacts.js";
import { deleteFileScript, switchLinkScript, writeFileScript } from "./files.js";
import { serviceScript, verifyScript } from "./services.js";
import { createUserScript } from "./users.js";

/** What the step scripts are built from, besides the step itself. */
export interface StepScriptContext {
  root: string;
  cluster: string;
  /** The generation's undo journal on the node: rollbackDir(G) of ./journal.ts. */
  journalDir: string;
  secrets: ReadonlyMap<string, Sensitive>;
  /** Digest of the bytes uploaded for each artifact (from the stage step). */
  transferSha: (artifact: string) => string;
  /** Path of the pixi-unpack binary on the node, when the cluster has one. */
  pixiUnpack: string | null;
  settleSeconds: number;
}

/** One step as a script (and the bytes it reads on stdin), or null when it has nothing to run here. */
export function stepScript(step: Step, ctx: StepScriptContext, node: string): { script: string; stdin?: string } | null {
  const d = step.detail;
  switch (d.kind) {
    case "artifact":
      return step.stage === "install" ? { script: installArtifactScript(ctx.root, d, ctx.transferSha(d.artifact), ctx.pixiUnpack) } : null;
    case "link":
      return { script: switchLinkScript(d.path, d.target, ctx.journalDir) };
    case "packages":
      return { script: installPackagesScript(ctx.root, d.sha256) };
    case "user":
      return { script: createUserScript(d.name, d.home) };
    case "file":
      if (d.content === null) return { script: deleteFileScript(d.path, ctx.journalDir) };
      // Secrets are filled in here, at the last moment, and travel only on the command's stdin.
      return { script: writeFileScript(d.path, d.mode, d.owner, d.group, ctx.journalDir), stdin: fileText(ctx.cluster, d.content, ctx.secrets) };
    case "service":
      return { script: serviceScript(d, ctx.journalDir) };
    case "database":
      throw new StepError(node, `${step.stage} ${step.address}`, "creating PostgreSQL databases is not supported yet");
    case "verify":
      return { script: verifyScript(d.units, d.paths, ctx.settleSeconds) };
  }
}
