/**
 * All facts of a node in ONE remote command: each fact's snippet runs in its own subshell between
 * marker lines carrying a nonce, so the output splits back into facts without ambiguity, and one
 * failing snippet does not stop the others.
 */
import { diskFact, osFact, usersFact } from "./system.js";
import { filesFact } from "./files.js";
import { packagesFact } from "./packages.js";
import { unitsFact } from "./services.js";
import { lockFact, stateFact } from "./state.js";
import { linksFact, storeFact } from "./store.js";
import { postgresFact } from "./postgres.js";
import type { FactDefinition } from "./define.js";
import type { Fact, FactsRequest, NodeFacts } from "./types.js";

/** The facts gathered, in the order the script runs them. */
export const FACTS: { [K in keyof NodeFacts]-?: FactDefinition<NonNullable<NodeFacts[K]> extends Fact<infer T> ? T : never> } = {
  os: osFact,
  disk: diskFact,
  store: storeFact,
  links: linksFact,
  files: filesFact,
  units: unitsFact,
  packages: packagesFact,
  users: usersFact,
  state: stateFact,
  lock: lockFact,
  postgres: postgresFact,
};

/** Whether `request` asks for the fact (facts gathered on request only when it does). */
export const isRequested = (def: FactDefinition<unknown>, request: FactsRequest): boolean => def.requested?.(request) ?? true;

const NONCE = /^[a-z0-9]{8,64}$/;

/**
 * The script to run with `sh -s` (it is sent on stdin, so its size and quoting never meet a
 * command-line limit). `nonce` is random per run in production and fixed in tests.
 */
export function buildFactsScript(request: FactsRequest, nonce: string): string {
  if (!NONCE.test(nonce)) throw new Error(`invalid facts nonce ${JSON.stringify(nonce)}`);
  const parts = ["LC_ALL=C; export LC_ALL"];
  for (const def of Object.values(FACTS)) {
    if (!isRequested(def, request)) continue;
    parts.push(`printf '@@${nonce} begin ${def.id}\\n'`);
    parts.push(`(\n${def.command(request)}\n) </dev/null 2>&1`);
    parts.push(`printf '\\n@@${nonce} end ${def.id} %s\\n' "$?"`);
  }
  return `${parts.join("\n")}\n`;
}

/** Splits the script's output back into facts and parses each one. */
export function parseFactsOutput(stdout: string, request: FactsRequest, nonce: string): NodeFacts {
  if (!NONCE.test(nonce)) throw new Error(`invalid facts nonce ${JSON.stringify(nonce)}`);
  const sections = new Map<string, { output: string; exitCode: number }>();
  const marker = new RegExp(`^@@${nonce} begin ([a-z]+)\\n([\\s\\S]*?)\\n@@${nonce} end \\1 (\\d+)$`, "gm");
  for (const m of stdout.matchAll(marker)) {
    sections.set(m[1] ?? "", { output: m[2] ?? "", exitCode: Number(m[3]) });
  }
  const parse = <T>(def: FactDefinition<T>): Fact<T> => {
    const section = sections.get(def.id);
    if (section === undefined) return { ok: false, error: `${def.id}: no output (the fact script stopped before it)` };
    return def.parse(section.output, section.exitCode, request);
  };
  return {
    os: parse(FACTS.os),
    disk: parse(FACTS.disk),
    store: parse(FACTS.store),
    links: parse(FACTS.links),
    files: parse(FACTS.files),
    units: parse(FACTS.units),
    packages: parse(FACTS.packages),
    users: parse(FACTS.users),
    state: parse(FACTS.state),
    lock: parse(FACTS.lock),
    ...(isRequested(FACTS.postgres, request) ? { postgres: parse(FACTS.postgres) } : {}),
  };
}
