// Shared by scripts/gen-types.mjs and the freshness test: one way to generate the validators.
//
// ajv needs about 0.1 s to load and another 0.1 s to compile the cluster schema, on every run of
// every command that reads cluster.yaml. Compiled once here (ajv "standalone" code), the checks
// load in a few milliseconds and need no ajv at run time: the whole document's validator, and one
// for each branch of every oneOf/anyOf, which src/spec/schema.ts re-checks a failed alternative
// with to say which branch the user meant.
import { readFile } from "node:fs/promises";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import standaloneModule from "ajv/dist/standalone/index.js";

const addFormats = addFormatsModule.default ?? addFormatsModule;
const standaloneCode = standaloneModule.default ?? standaloneModule;

const banner = `/* eslint-disable */
// @ts-nocheck
/**
 * The cluster.yaml validators, compiled by ajv from schema/cluster.schema.json (ajv standalone
 * code): \`validate\` for the whole document, \`branchValidators\` for each branch of an alternative
 * (keyed by the branch's JSON text). Never edit by hand: change the schema, then run
 * \`npm run gen:types\`.
 */`;

const OPTIONS = { allErrors: true, strict: true, discriminator: true, allowUnionTypes: true, verbose: true };
const FORMATS = ["ipv4", "ipv6", "hostname", "date-time"];

/** The distinct branches of every oneOf/anyOf in the schema, as JSON text, in document order. */
function alternativeBranches(schema) {
  const out = new Set();
  const visit = (node) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== "object") return;
    for (const key of ["oneOf", "anyOf"]) if (Array.isArray(node[key])) for (const branch of node[key]) out.add(JSON.stringify(branch));
    Object.values(node).forEach(visit);
  };
  visit(schema);
  return [...out];
}

export async function generateValidator(root) {
  const schema = JSON.parse(await readFile(`${root}schema/cluster.schema.json`, "utf8"));
  // The schema must pass strict types as a whole (this throws when it does not)...
  const strict = new Ajv({ ...OPTIONS, strictTypes: true });
  addFormats(strict, FORMATS);
  strict.compile(schema);
  // ...but a branch such as `{format: ipv4}` has no `type` of its own (its parent has), which
  // strict types would reject, so the code comes from an instance without them.
  const ajv = new Ajv({ ...OPTIONS, strictTypes: false, code: { source: true, esm: true, lines: true } });
  addFormats(ajv, FORMATS);
  ajv.addSchema(schema, "cluster");
  const branches = alternativeBranches(schema);
  const exports = { validate: "cluster" };
  branches.forEach((text, i) => {
    const branch = JSON.parse(text);
    ajv.addSchema(typeof branch.$ref === "string" ? { $ref: `cluster${branch.$ref}` } : branch, `branch${i}`);
    exports[`branch${i}`] = `branch${i}`;
  });
  // ajv's ES module output still `require`s its run-time helpers: they become imports.
  const ucs2length = 'require("ajv/dist/runtime/ucs2length").default';
  const fullFormats = 'require("ajv-formats/dist/formats").fullFormats';
  const body = standaloneCode(ajv, exports).replace(/^"use strict";/, "").replaceAll(ucs2length, "ucs2length").replaceAll(fullFormats, "fullFormats");
  if (body.includes("require(")) throw new Error("the compiled validator needs a module that is not imported: add it to scripts/validator-generator.mjs");
  const head = [
    'import * as ucs2lengthModule from "ajv/dist/runtime/ucs2length.js";',
    'import { fullFormats } from "ajv-formats/dist/formats.js";',
    "// A CommonJS module's default export: Node gives module.exports, bundlers its `default`.",
    'const ucs2length = typeof ucs2lengthModule.default === "function" ? ucs2lengthModule.default : ucs2lengthModule.default.default;',
  ];
  const map = `export const branchValidators = new Map([\n${branches.map((text, i) => `  [${JSON.stringify(text)}, branch${i}],`).join("\n")}\n]);`;
  return `${banner}\n${head.join("\n")}\n${body.trim()}\n${map}\n`;
}
