/**
 * The architecture of STYLE.md, enforced: the pure core (spec, facts, planner) does no I/O and no
 * logging, and imports only point down the layers
 * cli → state-machine → executors → planner → facts → spec → errors.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { REPO } from "./helpers/spec.js";

const SRC = join(REPO, "src");
const LAYERS = ["errors", "spec", "facts", "planner", "executors", "state-machine", "cli"] as const;
type Layer = (typeof LAYERS)[number] | "log";

/** Modules that do I/O or side effects; the pure core may not import them. */
const IO_MODULES = [/^(node:)?(fs|fs\/promises|child_process|net|http|https|os|dgram|worker_threads|process|readline|tty)$/, /^ssh2$/, /^tar$/, /^pino/, /^xstate$/, /^chokidar$/, /^write-file-atomic$/];
/** node:* modules that are pure computation. */
const PURE_NODE = new Set(["node:path", "node:crypto", "node:util"]);
/** The single I/O shell of src/spec (STYLE.md: load.ts only touches the file system). */
const SPEC_IO_SHELL = "spec/load.ts";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

function layerOf(file: string): Layer | undefined {
  const rel = relative(SRC, file).replace(/\\/g, "/");
  if (rel === "errors.ts") return "errors";
  if (rel === "log.ts") return "log";
  const top = rel.split("/")[0];
  return LAYERS.find((l) => l === top);
}

export function violations(file: string, text: string): string[] {
  const rel = relative(SRC, file).replace(/\\/g, "/");
  const layer = layerOf(file);
  if (layer === undefined) return [`${rel}: not in a known layer (${LAYERS.join(", ")}, log.ts)`];
  const imports = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
  const out: string[] = [];
  const pure = layer === "spec" || layer === "facts" || layer === "planner";
  for (const spec of imports) {
    if (spec.startsWith(".")) {
      const target = resolve(file, "..", spec.replace(/\.js$/, ".ts"));
      if (target.endsWith(".json") || !target.startsWith(SRC)) continue;
      const targetLayer = layerOf(target);
      if (targetLayer === undefined) continue;
      if (targetLayer === "log") {
        if (!["executors", "state-machine", "cli"].includes(layer)) out.push(`${rel}: imports log.ts (only executors, state-machine and cli may log)`);
        continue;
      }
      if (layer === "log" || layer === "errors") {
        out.push(`${rel}: imports ${spec} (${layer === "log" ? "log.ts imports pino only" : "errors.ts imports nothing"})`);
        continue;
      }
      if (LAYERS.indexOf(targetLayer) > LAYERS.indexOf(layer)) out.push(`${rel}: imports ${spec} from the higher layer '${targetLayer}'`);
      continue;
    }
    if (layer === "errors") out.push(`${rel}: imports ${spec} (errors.ts imports nothing)`);
    if (!pure) continue;
    if (rel === SPEC_IO_SHELL && /^node:(fs\/promises|os)$/.test(spec)) continue;
    if (spec.startsWith("node:") && !PURE_NODE.has(spec)) out.push(`${rel}: imports ${spec} (the pure core does no I/O)`);
    else if (IO_MODULES.some((re) => re.test(spec))) out.push(`${rel}: imports ${spec} (the pure core does no I/O)`);
  }
  return out;
}

describe("architecture", () => {
  it("every module respects the layers and the pure core", () => {
    const problems = sourceFiles(SRC).flatMap((f) => violations(f, readFileSync(f, "utf8")));
    expect(problems).toEqual([]);
  });

  it("only src/spec sees the spec as written (cluster.generated.ts); everything else reads the resolved form", () => {
    const leaks = sourceFiles(SRC)
      .filter((f) => layerOf(f) !== "spec")
      .filter((f) => ts.preProcessFile(readFileSync(f, "utf8"), true, true).importedFiles.some((i) => i.fileName.endsWith("cluster.generated.js")))
      .map((f) => relative(SRC, f));
    expect(leaks).toEqual([]);
  });

  it.each([
    ["planner/plan.ts", 'import { readFile } from "node:fs/promises";', "the pure core does no I/O"],
    ["facts/os.ts", 'import { Client } from "ssh2";', "the pure core does no I/O"],
    ["spec/normalize.ts", 'import { pino } from "pino";', "the pure core does no I/O"],
    ["spec/validate.ts", 'import { readFileSync } from "node:fs";', "the pure core does no I/O"],
    ["planner/plan.ts", 'import { createActor } from "xstate";', "the pure core does no I/O"],
    ["planner/render.ts", 'import { watch } from "chokidar";', "the pure core does no I/O"],
    ["spec/rules.ts", 'import { log } from "../log.js";', "only executors, state-machine and cli may log"],
    ["spec/rules.ts", 'import { plan } from "../planner/plan.js";', "higher layer 'planner'"],
    ["executors/run.ts", 'import { main } from "../cli/main.js";', "higher layer 'cli'"],
    ["errors.ts", 'import { x } from "./spec/x.js";', "errors.ts imports nothing"],
  ])("catches %s importing %s", (file, source, message) => {
    expect(violations(join(SRC, file), source).join("\n")).toContain(message);
  });

  it("lets the I/O shells do their job", () => {
    expect(violations(join(SRC, "spec/load.ts"), 'import { readFile } from "node:fs/promises";')).toEqual([]);
    expect(violations(join(SRC, "executors/ssh.ts"), 'import { Client } from "ssh2";\nimport { log } from "../log.js";')).toEqual([]);
    expect(violations(join(SRC, "planner/plan.ts"), 'import { createHash } from "node:crypto";\nimport type { X } from "../spec/resolved.js";')).toEqual([]);
  });
});
