/**
 * Fact fixture tables, after pyinfra's tests/facts/<fact>/*.json (STYLE.md §1.A, §3.1, §3.4).
 *
 * test/fixtures/facts/<factId>/<case>.json holds:
 *   description  what the case shows
 *   request?     a partial FactsRequest, merged over DEFAULT_REQUEST
 *   command?     the exact string FACTS[factId].command(request) must build
 *   output       the snippet's output: a string, or lines joined with "\n" (end with "" for a final newline)
 *   exitCode     the snippet's exit status
 *   expected     what FACTS[factId].parse(output, exitCode, request) must return: { ok: true, value } or { ok: false, error }
 *   todo?        why src is wrong for this case (a known bug)
 *
 * A case with "todo" runs under `it.fails`: it passes while src still has the bug, and turns red
 * the moment src is fixed, which is the cue to delete the "todo" key. Adding a case means adding a file.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { FactDefinition } from "../../src/facts/define.js";
import { FACTS } from "../../src/facts/script.js";
import type { Fact, FactsRequest } from "../../src/facts/types.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/facts/", import.meta.url));

const DEFAULT_REQUEST: FactsRequest = { root: "/opt/prefect", files: [], units: [], packages: [], users: [] };

interface FactCase {
  name: string;
  description: string;
  todo?: string;
  request: FactsRequest;
  command?: string;
  output: string;
  exitCode: number;
  expected: Fact<unknown>;
}

const KEYS = new Set(["description", "todo", "request", "command", "output", "exitCode", "expected"]);

/** Reads one fixture and rejects a malformed one, so a typo fails loudly instead of testing nothing. */
function readCase(factId: string, file: string): FactCase {
  const where = `${factId}/${file}`;
  const raw: unknown = JSON.parse(readFileSync(`${FIXTURES}${factId}/${file}`, "utf8"));
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error(`${where}: not an object`);
  const c = raw as Record<string, unknown>;
  const unknownKeys = Object.keys(c).filter((k) => !KEYS.has(k));
  if (unknownKeys.length > 0) throw new Error(`${where}: unknown keys ${unknownKeys.join(", ")}`);
  if (typeof c.description !== "string" || c.description === "") throw new Error(`${where}: no description`);
  if (c.todo !== undefined && (typeof c.todo !== "string" || c.todo === "")) throw new Error(`${where}: todo must say why`);
  if (c.command !== undefined && typeof c.command !== "string") throw new Error(`${where}: command must be a string`);
  const output = c.output;
  if (!(typeof output === "string" || (Array.isArray(output) && output.every((l) => typeof l === "string"))))
    throw new Error(`${where}: output must be a string or an array of lines`);
  if (typeof c.exitCode !== "number" || !Number.isInteger(c.exitCode)) throw new Error(`${where}: exitCode must be an integer`);
  const expected = c.expected as Record<string, unknown> | undefined;
  const validExpected =
    typeof expected === "object" && expected !== null &&
    ((expected.ok === true && "value" in expected && Object.keys(expected).length === 2) ||
      (expected.ok === false && typeof expected.error === "string" && Object.keys(expected).length === 2));
  if (!validExpected) throw new Error(`${where}: expected must be { ok: true, value } or { ok: false, error }`);
  if (c.request !== undefined && (typeof c.request !== "object" || c.request === null || Array.isArray(c.request)))
    throw new Error(`${where}: request must be an object`);
  return {
    name: file.replace(/\.json$/, ""),
    description: c.description,
    ...(c.todo === undefined ? {} : { todo: c.todo as string }),
    request: { ...DEFAULT_REQUEST, ...(c.request as Partial<FactsRequest> | undefined) },
    ...(c.command === undefined ? {} : { command: c.command as string }),
    output: typeof output === "string" ? output : (output as string[]).join("\n"),
    exitCode: c.exitCode,
    expected: c.expected as Fact<unknown>,
  };
}

const folders = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

const definitionOf = (id: string): FactDefinition<unknown> | undefined =>
  Object.hasOwn(FACTS, id) ? (FACTS as Record<string, FactDefinition<unknown>>)[id] : undefined;

describe("fact fixtures", () => {
  it("cover every fact in FACTS, and only those", () => {
    expect(folders).toEqual(Object.keys(FACTS).sort());
  });

  it.each(Object.keys(FACTS))("%s: pins its command in at least one case, and its id matches its key", (id) => {
    expect(definitionOf(id)?.id).toBe(id);
    const files = readdirSync(`${FIXTURES}${id}`).filter((f) => f.endsWith(".json"));
    expect(files.some((f) => readCase(id, f).command !== undefined)).toBe(true);
  });
});

for (const factId of folders) {
  describe(factId, () => {
    const def = definitionOf(factId);
    const cases = readdirSync(`${FIXTURES}${factId}`)
      .filter((f) => f.endsWith(".json"))
      .sort()
      .map((f) => readCase(factId, f));

    it("has a definition and cases", () => {
      expect(def).toBeDefined();
      expect(cases.length).toBeGreaterThan(0);
    });
    if (def === undefined) return;

    for (const c of cases) {
      const run = () => {
        if (c.command !== undefined) expect(def.command(c.request)).toBe(c.command);
        expect(def.parse(c.output, c.exitCode, c.request)).toEqual(c.expected);
      };
      if (c.todo === undefined) it(`${c.name}: ${c.description}`, run);
      else it.fails(`${c.name} [known bug: ${c.todo}]: ${c.description}`, run);
    }
  });
}
