#!/usr/bin/env node
// Writes what is generated from schema/cluster.schema.json: the types (src/spec/cluster.generated.ts)
// and the compiled validator (src/spec/cluster.validate.generated.ts).
// `--check` exits 1 when a committed file is stale (the test suite checks the same).
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { generateTypes } from "./types-generator.mjs";
import { generateValidator } from "./validator-generator.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const outputs = [
  ["src/spec/cluster.generated.ts", generateTypes],
  ["src/spec/cluster.validate.generated.ts", generateValidator],
];
let stale = false;
for (const [file, generate] of outputs) {
  const fresh = await generate(root);
  if (process.argv.includes("--check")) {
    const current = await readFile(`${root}${file}`, "utf8").catch(() => "");
    if (current !== fresh) {
      console.error(`${file} is stale: run \`npm run gen:types\``);
      stale = true;
    }
  } else {
    await writeFile(`${root}${file}`, fresh);
    console.log(`wrote ${file}`);
  }
}
if (stale) process.exit(1);
