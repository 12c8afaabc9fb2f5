/**
 * The schema is the single source of truth: generated types must match it, every property must say
 * what it is for, and the shipped examples must validate.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { STARTER } from "../src/cli/commands/init-template.js";
import { clusterSchema } from "../src/spec/schema.js";
import { generateTypes } from "../scripts/types-generator.mjs";
import { generateValidator } from "../scripts/validator-generator.mjs";
import { check, lines, REPO } from "./helpers/spec.js";

type Schema = Record<string, unknown>;

describe("schema", () => {
  it("src/spec/cluster.generated.ts is up to date (run `npm run gen:types`)", async () => {
    const fresh = await generateTypes(REPO);
    expect(readFileSync(`${REPO}src/spec/cluster.generated.ts`, "utf8")).toBe(fresh);
  });

  it("src/spec/cluster.validate.generated.ts is up to date (run `npm run gen:types`)", async () => {
    const fresh = await generateValidator(REPO);
    expect(readFileSync(`${REPO}src/spec/cluster.validate.generated.ts`, "utf8")).toBe(fresh);
  });

  it("describes every property (editors show the descriptions on hover)", () => {
    const definitions = clusterSchema["definitions"] as Record<string, Schema>;
    const missing: string[] = [];
    const visit = (schema: Schema, where: string) => {
      const props = (schema["properties"] ?? {}) as Record<string, Schema>;
      for (const [key, prop] of Object.entries(props)) {
        const ref = typeof prop["$ref"] === "string" ? definitions[prop["$ref"].replace("#/definitions/", "")] : undefined;
        if (typeof prop["description"] !== "string" && typeof ref?.["description"] !== "string") missing.push(`${where}.${key}`);
      }
    };
    visit(clusterSchema as Schema, "(root)");
    for (const [name, def] of Object.entries(definitions)) visit(def, name);
    expect(missing).toEqual([]);
  });

  it("cluster.yaml.example validates without errors", () => {
    const result = check(readFileSync(`${REPO}cluster.yaml.example`));
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(result.cluster?.nodes.map((n) => n.name)).toEqual(["prefect-server", "worker-a", "worker-b"]);
    expect(result.cluster?.workPools[0]?.queues.map((q) => q.name)).toEqual(["default", "prod-main", "prod-secondary"]);
    expect(result.cluster?.flows.map((f) => f.deployments.length)).toEqual([2, 2]);
  });

  it("the `reconcile init` starter validates without problems", () => {
    expect(lines(check(STARTER))).toEqual([]);
  });
});
