#!/usr/bin/env node
// Writes src/spec/cluster.generated.ts from schema/cluster.schema.json.
// `--check` exits 1 when the committed file is stale (the test suite checks the same).
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { generateTypes } from "./types-generator.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const target = `${root}src/spec/cluster.generated.ts`;
const fresh = await generateTypes(root);
if (process.argv.includes("--check")) {
  const current = await readFile(target, "utf8").catch(() => "");
  if (current !== fresh) {
    console.error("src/spec/cluster.generated.ts is stale: run `npm run gen:types`");
    process.exit(1);
  }
} else {
  await writeFile(target, fresh);
  console.log("wrote src/spec/cluster.generated.ts");
}
