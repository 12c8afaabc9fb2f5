/**
 * Which script carries out a step: {@link stepScript} picks the builder for the step's detail
 * kind and fills it in from the step and the run's context (secrets go only into the stdin).
 */
import { storeFile } from "../../facts/layout.js";
import { fileText } from "../../planner/resources/files.js";
import type { Step, StepKind } from "../../planner/types.js";
import type { Sensitive } from "../../spec/secrets.js";
import { StepError } from "../remote-script.js";
import { installArtifactScript, installPackagesScript, removeStoreScript } from "./artifacts.js";
import { databaseScript, databaseSql } from "./database.js";
import { deleteFileScript, removeLinkScript, switchLinkScript, writeFileScript } from "./files.js";
import { serviceScript, stopServiceScript, verifyScript } from "./services.js";
import { migrationScript } from "./migration.js";
import { probesScript } from "./probes.js";
import { createUserScript } from "./users.js";

/** What the step scripts are built from, besides the step itself. */
export interface StepScriptContext {
  root: string;
  cluster: string;
  /** The generation this run makes on the node (G), whose undo journal is `journalDir`. */
  generation: number;
  /** The generation's undo journal on the node: rollbackDir(G) of ./journal.ts. */
  journalDir: string;
  secrets: ReadonlyMap<string, Sensitive>;
  /** Digest of the bytes uploaded for each artifact (from the stage step). */
  transferSha: (artifact: string) => string;
  /** Path of the pixi-unpack binary on the node, when the cluster has one. */
  pixiUnpack: string | null;
  settleSeconds: number;
  /** Longest the verify step polls the API for what it expects (a restarted server answers after 5 to 15 s). */
  probeTimeoutSeconds: number;
}

/**
 * Step kinds these executors cannot carry out, each with why. A plan with such a step is not
 * applyable (planner/plan.ts reads this through the pipeline), so {@link stepScript} never meets one.
 * Empty today: every kind the planner makes has its script.
 */
export const UNSUPPORTED_STEPS: Readonly<Partial<Record<StepKind, string>>> = {};

/** One step as a script (and the bytes it reads on stdin), or null when it has nothing to run here. */
export function stepScript(step: Step, ctx: StepScriptContext, node: string): { script: string; stdin?: string } | null {
  if (step.action === "delete") {
    const d = step.detail;
    switch (d.kind) {
      case "file":
        return { script: deleteFileScript(d.path, ctx.journalDir) };
      case "link":
        return { script: removeLinkScript(d.path, ctx.journalDir) };
      case "service":
        return { script: stopServiceScript(d.unit, ctx.journalDir) };
      case "store":
        return { script: removeStoreScript(ctx.root, d.path) };
    }
  }
  const d = step.detail;
  const why = UNSUPPORTED_STEPS[d.kind];
  if (why !== undefined) throw new StepError(node, `${step.stage} ${step.address}`, why);
  switch (d.kind) {
    case "artifact":
      return step.stage === "install" ? { script: installArtifactScript(ctx.root, d, ctx.transferSha(d.artifact), ctx.pixiUnpack) } : null;
    case "link":
      return { script: switchLinkScript(d.path, d.target, ctx.journalDir) };
    case "packages":
      return { script: installPackagesScript(ctx.root, d.sha256) };
    case "user":
      return { script: createUserScript(d.name, d.home) };
    case "file": {
      const validate = d.validate === undefined ? {} : { validate: d.validate };
      const c = d.content;
      if (c.type === "artifact") return { script: writeFileScript(d.path, d.mode, d.owner, d.group, ctx.journalDir, { ...validate, from: storeFile(ctx.root, c.sha256, c.artifact) }) };
      // Read from its node before the stage runs (./remote-content.ts); never reaches here unread.
      if (c.type === "remote") throw new StepError(node, `${step.stage} ${step.address}`, `the content from ${c.node} (${c.what}) was not read before the step`);
      // Secrets are filled in here, at the last moment, and travel only on the command's stdin.
      return { script: writeFileScript(d.path, d.mode, d.owner, d.group, ctx.journalDir, validate), stdin: fileText(ctx.cluster, c, ctx.secrets) };
    }
    case "service":
      return { script: serviceScript(d, ctx.journalDir) };
    case "database": {
      const password = ctx.secrets.get(d.password.secret);
      if (password === undefined) throw new StepError(node, `${step.stage} ${step.address}`, `secret ${d.password.secret} is not set`);
      return { script: databaseScript(), stdin: databaseSql(d.name, d.user, password.reveal()) };
    }
    case "migration":
      return { script: migrationScript(d, ctx.journalDir, ctx.generation) };
    case "verify": {
      const missing = d.probes.flatMap((p) => (p.auth !== null && !ctx.secrets.has(p.auth.secret) ? [p.auth.secret] : []));
      if (missing.length > 0) throw new StepError(node, `${step.stage} ${step.address}`, `secret ${missing[0]} is not set`);
      const probes = probesScript(d, ctx.probeTimeoutSeconds, ctx.secrets);
      const units = verifyScript(d.units, d.paths, ctx.settleSeconds);
      if (probes === null) return { script: units };
      return { ...probes, script: `${units}\n${probes.script}` };
    }
  }
}
