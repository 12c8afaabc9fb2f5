/**
 * File content that lives on another node (Caddy's root certificate on the server node, copied to
 * the workers): read over that node's connection when the step that writes it is about to run,
 * so the step writes it like any text. The plan could not hold it: the file did not exist yet.
 */
import { shellQuote as q } from "../../facts/shell.js";
import type { Step } from "../../planner/types.js";
import { runScript, StepError } from "../remote-script.js";
import type { Transport } from "../transport.js";

/** Exit code of {@link readFileScript} when the file is not there. */
const ABSENT = 3;

/** Prints the file at `path`, or exits {@link ABSENT} when there is none. */
export function readFileScript(path: string): string {
  return `if [ -f ${q(path)} ]; then cat -- ${q(path)}; else exit ${ABSENT}; fi`;
}

/**
 * `steps` with every remote file content replaced by the text its node holds now. Fails, naming
 * the step, when the file is not there (with the content's hint) or cannot be read.
 *
 * @example
 * const ready = await resolveRemoteContent(steps, (name) => connections.ensure(name), { signal });
 */
export async function resolveRemoteContent(steps: readonly Step[], transportOf: (node: string) => Promise<Transport>, options: { signal?: AbortSignal } = {}): Promise<Step[]> {
  const read = new Map<string, string>();
  const out: Step[] = [];
  for (const step of steps) {
    const d = step.action === "delete" || step.detail.kind !== "file" ? null : step.detail;
    const c = d?.content;
    if (step.action === "delete" || d === null || c?.type !== "remote") {
      out.push(step);
      continue;
    }
    const where = `${step.stage} ${step.address}`;
    const key = `${c.node}\0${c.path}`;
    let text = read.get(key);
    if (text === undefined) {
      const r = await runScript(await transportOf(c.node), { step: `read ${c.path} for ${step.node}`, script: readFileScript(c.path), ...(options.signal === undefined ? {} : { signal: options.signal }) });
      if (r.code === ABSENT) throw new StepError(step.node, where, `${c.what} is not on ${c.node} at ${c.path}`, c.missing);
      if (r.code !== 0 || r.stdout === "") throw new StepError(step.node, where, `could not read ${c.what} on ${c.node} at ${c.path}: exit ${r.code}${r.stderr.trim() === "" ? "" : `: ${r.stderr.trim()}`}`);
      text = r.stdout;
      read.set(key, text);
    }
    out.push({ ...step, action: step.action, detail: { ...d, content: { type: "text", text } } });
  }
  return out;
}
