// Shared by scripts/gen-types.mjs and the freshness test: one way to generate the types.
import { readFile } from "node:fs/promises";
import { compile } from "json-schema-to-typescript";

const banner = `/* eslint-disable */
/**
 * Generated from schema/cluster.schema.json by json-schema-to-typescript.
 * Never edit by hand: change the schema, then run \`npm run gen:types\`.
 */`;

export async function generateTypes(root) {
  const schema = JSON.parse(await readFile(`${root}schema/cluster.schema.json`, "utf8"));
  return compile(schema, "ClusterSpec", {
    bannerComment: banner,
    additionalProperties: false,
    unreachableDefinitions: false,
    strictIndexSignatures: true,
    style: { singleQuote: false, printWidth: 100 },
  });
}
