/**
 * Carries out a node's install, configure and verify steps over its Transport, and rolls them back.
 * It never decides what to do (the plan did); it only takes each step's script (./script-for-step.ts)
 * and runs a stage's scripts as one remote command. Every change to a link or a file first records
 * how to undo it in the generation's journal on the node (./journal.ts), so a failed verify can put
 * the node back exactly as it was.
 *
 * The batch builder is pure and exported for tests; the runners are thin.
 */
import { shellQuote as q } from "../../facts/shell.js";
import { parseStepId } from "../../planner/address.js";
import type { Step } from "../../planner/types.js";
import type { Logger } from "../../log.js";
import { MARKER_PREFIX, runScriptOrThrow, shellBlock } from "../remote-script.js";
import type { Transport } from "../transport.js";
import { describeRestored, parseRestoredMarkers, rollbackScript } from "./journal.js";
import { packagesRefusal } from "./package-check.js";
import { stepScript, type StepScriptContext } from "./script-for-step.js";

export interface StepContext extends StepScriptContext {
  transport: Transport;
  signal?: AbortSignal;
  log?: Logger;
}

const FAILED = `${MARKER_PREFIX}step-failed`;

/**
 * Several steps in ONE remote command, in order, stopping at the first that fails: a round trip
 * per stage instead of per step. Each step runs in its own subshell; what a step reads on stdin
 * is a base64 here-document inside the script, which itself travels on the command's stdin (never
 * on a command line, where other users of the node could read it).
 */
export function batchScript(steps: readonly { id: string; script: string; stdin?: string }[]): string {
  const out: string[] = [];
  steps.forEach((step, i) => {
    // The status is read from $? on the next line, not with `||`: a subshell on the left of `||`
    // would run with `set -e` switched off, and a failing command would go unnoticed.
    const check = `rc=$?; [ "$rc" = 0 ] || { echo ${q(`${FAILED} ${step.id}`)} >&2; exit "$rc"; }`;
    out.push(shellBlock(step.script, step.stdin, `RECONCILE_STDIN_${i}`), check);
  });
  return `${out.join("\n")}\n`;
}

/** Runs the steps of one stage in a single remote command; a failure names the step that failed. */
export async function runNodeSteps(steps: readonly Step[], ctx: StepContext): Promise<void> {
  const scripts = steps.flatMap((step) => {
    const s = stepScript(step, ctx, ctx.transport.node);
    return s === null ? [] : [{ id: step.id, ...s }];
  });
  if (scripts.length === 0) return;
  const stages = [...new Set(steps.map((s) => s.stage))].join("+");
  const failedId = (r: { stderr: string }) => new RegExp(`^${FAILED} (.*)$`, "m").exec(r.stderr)?.[1];
  await runScriptOrThrow(ctx.transport, {
    step: `${stages}: ${scripts.map((s) => parseStepId(s.id)?.address ?? s.id).join(", ")}`,
    script: batchScript(scripts),
    ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
    ...(ctx.log === undefined ? {} : { log: ctx.log }),
    logFields: (r) => {
      const failed = failedId(r);
      return { steps: scripts.map((s) => s.id), ...(failed === undefined ? {} : { failedStep: failed }) };
    },
    failedStep: (r) => {
      const step = steps.find((s) => s.id === failedId(r));
      return step === undefined ? "steps" : `${step.stage} ${step.address}`;
    },
    // A packages step that refused its set before dpkg ran says what is missing.
    refusal: (r) => {
      const d = steps.find((s) => s.id === failedId(r))?.detail;
      return d?.kind === "packages" ? packagesRefusal(r.stderr, d.artifact) : null;
    },
  });
}

/** What a rollback did besides putting links, files and units back: lines for people, in order. */
export interface RollbackReport {
  /** `database prefect restored from /var/backups/reconcile/plant-prefect-20261206T124400Z-g4.dump`. */
  notes: string[];
}

/**
 * Rolls the node back to how it was before the generation whose journal is `journalDir` started.
 * Resolves with what it did besides links, files and units, for people: each database it restored
 * (`database prefect restored from /var/backups/reconcile/…`), also logged as a `rollback.restored` event.
 */
export async function rollbackNode(transport: Transport, journalDir: string, options: { signal?: AbortSignal; log?: Logger } = {}): Promise<RollbackReport> {
  const r = await runScriptOrThrow(transport, { step: "rollback", script: rollbackScript(journalDir), ...options });
  const restored = parseRestoredMarkers(r.stdout);
  for (const db of restored) options.log?.info({ event: "rollback.restored", node: transport.node, database: db.database, type: db.type, backup: db.backup }, "database restored");
  return { notes: restored.map(describeRestored) };
}
