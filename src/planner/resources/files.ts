/**
 * Managed files: the exact bytes apply writes (`fileText`, secrets filled in), compared with the
 * node's file by digest, mode and owner, with a unified diff of what changes unless the file is
 * sensitive.
 */
import { createHash } from "node:crypto";
import { createTwoFilesPatch } from "diff";
import type { FileFact, NodeFacts } from "../../facts/types.js";
import { REDACTED, type Sensitive } from "../../spec/secrets.js";
import { factKey } from "../address.js";
import { renderEnv } from "../templates.js";
import type { FileContent } from "../types.js";
import { change, known, type DecideContext, type Decision, type DesiredOf } from "./decision.js";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** The exact bytes apply will write, secrets filled in: only their hash leaves the planner. */
export function fileText(cluster: string, content: FileContent, secrets: ReadonlyMap<string, Sensitive>): string {
  return content.type === "text" ? content.text : renderEnv(cluster, content.entries, secrets);
}

export function decideFile(d: DesiredOf<"file">, facts: NodeFacts, ctx: DecideContext): Decision {
  const missing = d.content.type === "env" ? d.content.entries.flatMap(([, v]) => (typeof v === "string" || ctx.secrets.has(v.secret) ? [] : [v.secret])) : [];
  const decision = compare(d, known(facts.files)[d.path] ?? { state: "absent" }, fileText(ctx.cluster, d.content, ctx.secrets));
  return missing.length > 0 ? { ...decision, errors: [`${d.path}: secret ${missing.join(", ")} is not set`] } : decision;
}

/** The declared file, whose bytes are `text`, against the node's. */
function compare(d: DesiredOf<"file">, current: FileFact, text: string): Decision {
  const key = factKey.file(d.path);
  const digest = sha256(text);
  const shown = (hash: string) => (d.sensitive ? REDACTED : hash);
  const after = { mode: d.mode, owner: d.owner, group: d.group, sha256: shown(digest) };
  const steps = [{ stage: "configure" as const, detail: { kind: "file" as const, path: d.path, mode: d.mode, owner: d.owner, group: d.group, content: d.content }, bytes: null }];
  const extra = { sensitive: d.sensitive };
  if (current.state === "absent") {
    return { change: change(d, "create", null, after, "no such file", { ...extra, diff: d.sensitive ? null : unified(d.path, "", text) }), steps, facts: [key] };
  }
  if (current.state === "other") return { change: change(d, "replace", { type: current.type }, after, `a ${current.type} stands where the file goes`, extra), steps, facts: [key] };
  const before = { mode: current.mode, owner: current.owner, group: current.group, sha256: shown(current.sha256) };
  const differs: string[] = [];
  if (current.sha256 !== digest) differs.push("content");
  if (current.mode !== d.mode) differs.push(`mode ${current.mode} → ${d.mode}`);
  if (current.owner !== d.owner || current.group !== d.group) differs.push(`owner ${current.owner}:${current.group} → ${d.owner}:${d.group}`);
  if (differs.length === 0) return { change: change(d, "noop", before, after, "content, mode and owner as declared", extra), steps: [], facts: [key] };
  const diff = !d.sensitive && current.sha256 !== digest && current.content !== null ? unified(d.path, current.content, text) : null;
  return { change: change(d, "update", before, after, differs.join("; "), { ...extra, diff }), steps, facts: [key] };
}

function unified(path: string, before: string, after: string): string {
  const patch = createTwoFilesPatch(path, path, before, after, undefined, undefined, { context: 3 });
  // Drop the "Index:"/"====" preamble: the file name is already on the change.
  return patch
    .split("\n")
    .filter((line) => !line.startsWith("Index:") && !line.startsWith("====="))
    .join("\n")
    .trimEnd();
}
