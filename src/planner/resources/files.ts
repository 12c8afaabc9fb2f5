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

/**
 * The exact bytes apply will write, secrets filled in: only their hash leaves the planner. Only
 * for content known as text here: an artifact's bytes are on the node, a remote file's are read
 * at apply time (the executors resolve it into text first).
 */
export function fileText(cluster: string, content: FileContent, secrets: ReadonlyMap<string, Sensitive>): string {
  switch (content.type) {
    case "text":
      return content.text;
    case "env":
      return renderEnv(cluster, content.entries, secrets);
    default:
      throw new Error(`bug: ${content.type} content has no text before apply`);
  }
}

/** How a deferred file content reads in the plan: `(from n1: Caddy's internal CA, known once n1 has converged)`. */
export const deferredContent = (c: { node: string; what: string }) => `(from ${c.node}: ${c.what}, known once ${c.node} has converged)`;

/** What the planner knows of the bytes to write: their digest and text, either null when unknown now. */
interface Bytes {
  digest: string | null;
  text: string | null;
  /** Said instead of the content when the digest is unknown. */
  deferred: string | null;
}

export function decideFile(d: DesiredOf<"file">, facts: NodeFacts, ctx: DecideContext): Decision {
  const c = d.content;
  const missing = c.type === "env" ? c.entries.flatMap(([, v]) => (typeof v === "string" || ctx.secrets.has(v.secret) ? [] : [v.secret])) : [];
  const bytes = (): Bytes => {
    if (c.type === "artifact") return { digest: c.sha256, text: null, deferred: null };
    if (c.type === "remote") return { digest: null, text: null, deferred: deferredContent(c) };
    const text = fileText(ctx.cluster, c, ctx.secrets);
    return { digest: sha256(text), text, deferred: null };
  };
  const decision = compare(d, known(facts.files)[d.path] ?? { state: "absent" }, bytes());
  return missing.length > 0 ? { ...decision, errors: [`${d.path}: secret ${missing.join(", ")} is not set`] } : decision;
}

/** The declared file, whose bytes are `bytes`, against the node's. */
function compare(d: DesiredOf<"file">, current: FileFact, bytes: Bytes): Decision {
  const key = factKey.file(d.path);
  const { digest, text, deferred } = bytes;
  const shown = (hash: string | null) => (d.sensitive ? REDACTED : hash);
  const after = { mode: d.mode, owner: d.owner, group: d.group, sha256: shown(digest), ...(deferred === null ? {} : { content: deferred }) };
  const detail = { kind: "file" as const, path: d.path, mode: d.mode, owner: d.owner, group: d.group, content: d.content, ...(d.validate === undefined ? {} : { validate: d.validate }) };
  const steps = [{ stage: "configure" as const, detail, bytes: null }];
  const extra = { sensitive: d.sensitive };
  const diffFrom = (before: string) => (d.sensitive || text === null ? null : unified(d.path, before, text));
  if (current.state === "absent") {
    return { change: change(d, "create", null, after, deferred === null ? "no such file" : `no such file ${deferred}`, { ...extra, diff: diffFrom("") }), steps, facts: [key] };
  }
  if (current.state === "other") return { change: change(d, "replace", { type: current.type }, after, `a ${current.type} stands where the file goes`, extra), steps, facts: [key] };
  const before = { mode: current.mode, owner: current.owner, group: current.group, sha256: shown(current.sha256) };
  const differs: string[] = [];
  if (digest === null) differs.push(`content ${deferred ?? ""}`.trim());
  else if (current.sha256 !== digest) differs.push("content");
  if (current.mode !== d.mode) differs.push(`mode ${current.mode} → ${d.mode}`);
  if (current.owner !== d.owner || current.group !== d.group) differs.push(`owner ${current.owner}:${current.group} → ${d.owner}:${d.group}`);
  if (differs.length === 0) return { change: change(d, "noop", before, after, "content, mode and owner as declared", extra), steps: [], facts: [key] };
  const diff = current.sha256 !== digest && current.content !== null ? diffFrom(current.content) : null;
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
