/**
 * Fixture tables: every file in fixtures/specs/invalid gives exactly the lines of its .expected
 * file; every file in fixtures/specs/valid validates without errors. Adding a case means adding files.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { check, FIXTURES, lines } from "../helpers/spec.js";

const invalidDir = `${FIXTURES}invalid/`;
const validDir = `${FIXTURES}valid/`;

interface Recipe {
  head: string;
  repeat: string;
  bytes: number;
}

/** A case is a .yaml file, or a .recipe.json that builds bytes too large to commit. */
function invalidCases(): { name: string; bytes: () => Uint8Array }[] {
  const files = readdirSync(invalidDir);
  const yaml = files.filter((f) => f.endsWith(".yaml")).map((f) => ({ name: f.replace(/\.yaml$/, ""), bytes: () => readFileSync(invalidDir + f) }));
  const recipes = files
    .filter((f) => f.endsWith(".recipe.json"))
    .map((f) => {
      const recipe = JSON.parse(readFileSync(invalidDir + f, "utf8")) as Recipe;
      const bytes = () => {
        const count = Math.ceil((recipe.bytes - recipe.head.length) / recipe.repeat.length);
        return new TextEncoder().encode(recipe.head + recipe.repeat.repeat(count));
      };
      return { name: f.replace(/\.recipe\.json$/, ""), bytes };
    });
  return [...yaml, ...recipes].sort((a, b) => a.name.localeCompare(b.name));
}

describe("invalid specs", () => {
  const cases = invalidCases();

  it("has at least 25 cases, each with its expected lines", () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
    for (const c of cases) expect(readdirSync(invalidDir)).toContain(`${c.name}.expected`);
  });

  it.each(cases)("$name", ({ name, bytes }) => {
    const expected = readFileSync(`${invalidDir}${name}.expected`, "utf8").trimEnd().split("\n");
    const result = check(bytes());
    expect(lines(result)).toEqual(expected);
    expect(result.cluster).toBeUndefined();
    expect(result.diagnostics.some((d) => d.severity === "error")).toBe(true);
  });
});

describe("valid specs", () => {
  const files = readdirSync(validDir).filter((f) => f.endsWith(".yaml"));

  it.each(files)("%s", (file) => {
    const result = check(readFileSync(validDir + file));
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(result.cluster).toBeDefined();
  });
});
