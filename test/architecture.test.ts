/**
 * The architecture of STYLE.md, enforced: the pure core (spec, facts, planner) and display do no
 * I/O and no logging, and imports only point down the layers
 * cli → display → run → state-machine → executors → planner → facts → spec → units → errors.
 * The allowlist per layer, its reasons and the check itself are in ./architecture-rules.ts.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { checkSource, formatViolation, importTargets, IO_FILES, LAYERS, layerOf, nodeModule, packageName } from "./architecture-rules.js";
import { REPO } from "./helpers/spec.js";

const SRC = join(REPO, "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return SOURCE_EXT.test(e.name) ? [path] : [];
  });
}

const SOURCE_EXT = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
const repoPath = (file: string): string => relative(REPO, file).replace(/\\/g, "/");
const layerName = (file: string): string | undefined => {
  const where = layerOf(repoPath(file));
  return "layer" in where ? where.layer : undefined;
};

/** The rules' violations of a file at an absolute path, as text lines. */
export function violations(file: string, text: string): string[] {
  return checkSource(repoPath(file), text).map(formatViolation);
}

describe("architecture", () => {
  it("every module respects the layers and the pure core", () => {
    const problems = sourceFiles(SRC).flatMap((f) => violations(f, readFileSync(f, "utf8")));
    expect(problems).toEqual([]);
  });

  it("only src/spec sees the spec as written (cluster.generated.ts); everything else reads the resolved form", () => {
    const leaks = sourceFiles(SRC)
      .filter((f) => layerName(f) !== "spec")
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

  it("every folder and top-level file of src/ is in a layer, and the generated files are checked too", () => {
    const outside = readdirSync(SRC, { withFileTypes: true })
      .filter((e) => "unknown" in layerOf(e.isDirectory() ? `src/${e.name}/x.ts` : `src/${e.name}`))
      .map((e) => `src/${e.name}`);
    expect(outside).toEqual([]);
    const checked = sourceFiles(SRC).map(repoPath);
    expect(checked).toEqual(expect.arrayContaining(["src/spec/cluster.generated.ts", "src/spec/cluster.validate.generated.ts"]));
  });

  it("allows no package or node: module that its layer does not use today (the allowlist stays exact)", () => {
    // What each layer (and each I/O file, apart from its layer) imports: files, node: modules, packages.
    const used = new Map<string, Set<string>>();
    for (const f of sourceFiles(SRC)) {
      const where = layerOf(repoPath(f));
      if (!("layer" in where)) continue;
      const key = IO_FILES[repoPath(f)] !== undefined ? repoPath(f) : where.layer;
      const set = used.get(key) ?? used.set(key, new Set()).get(key)!;
      for (const t of importTargets(repoPath(f), readFileSync(f, "utf8"))) set.add(t.file ?? nodeModule(t.module!) ?? packageName(t.module!));
    }
    const uses = (key: string, allowed: string) => used.get(key)?.has(allowed) ?? false;
    const stale = [
      ...Object.entries(LAYERS).flatMap(([layer, rules]) =>
        [...Object.keys(rules.packages), ...Object.keys(rules.node), ...Object.keys(rules.files ?? {})].filter((m) => !uses(layer, m)).map((m) => `${layer}: ${m}`),
      ),
      ...Object.entries(IO_FILES).flatMap(([file, io]) => io.node.filter((m) => !uses(file, m)).map((m) => `${file}: ${m}`)),
    ];
    expect(stale).toEqual([]);
  });
});

/** Planted violations: each must fail, naming the file, the line and the rule. */
describe("the architecture check bites", () => {
  const one = (path: string, source: string) => checkSource(path, source);

  it.each([
    // [path, source, line, rule, text in the message]
    ["src/planner/plan.ts", 'import { lookup } from "dns";', 1, "node-import", "imports dns, which is not on the planner allowlist"],
    ["src/planner/plan.ts", "export const stamp = () => Date.now();", 1, "pure-global", "uses Date, which reads the clock"],
    ["src/facts/define.ts", "export const home = process.env.HOME;", 1, "pure-global", "uses process"],
    ["src/spec/normalize.ts", 'import { Command } from "commander";', 1, "package-import", "'commander', which is not on the spec allowlist"],
    ["src/planner/x.ts", "setTimeout(() => undefined, 10);", 1, "pure-global", "uses setTimeout"],
    ["src/planner/x.ts", "const t = setInterval(tick, 10);\nclearInterval(t);", 1, "pure-global", "uses setInterval"],
    ["src/planner/x.ts", "setImmediate(tick);", 1, "pure-global", "uses setImmediate"],
    ["src/planner/x.ts", "queueMicrotask(tick);", 1, "pure-global", "uses queueMicrotask"],
    ["src/facts/x.ts", 'export const load = (name: string) => import("./" + name);', 1, "computed-import", "import() with a computed argument"],
    ["src/state-machine/x.ts", "export const load = (name: string) => import(`./${name}.js`);", 1, "computed-import", "import() with a computed argument"],
    ["src/planner/x.ts", 'import { runSteps } from "../executors/steps/runner.js";', 1, "layer-import", "from the higher layer 'executors'"],
    ["src/planner/x.ts", 'import type { Transport } from "../executors/transport.js";', 1, "layer-import", "from the higher layer 'executors'"],
    ["src/facts/x.ts", 'import { plan } from "../planner/plan.js";', 1, "layer-import", "from the higher layer 'planner'"],
    // src/run is a layer now (the pipeline); any other new folder still fails.
    ["src/jobs/x.ts", "export const x = 1;", 1, "unknown-layer", "src/jobs is in no layer: add it to LAYERS in test/architecture-rules.ts"],
    ["src/helpers.ts", "export const x = 1;", 1, "unknown-layer", "src/helpers.ts is in no layer: add it to LAYERS"],
    ["src/planner/x.ts", 'import { x } from "../jobs/x.js";', 1, "layer-import", "from src/jobs, which is in no layer"],
    ["src/planner/x.ts", 'import { x } from "../run/x.js";', 1, "layer-import", "from the higher layer 'run'"],
    ["src/state-machine/x.ts", 'import type { Session } from "../run/session.js";', 1, "layer-import", "from the higher layer 'run'"],
    ["src/executors/x.ts", 'import { converge } from "../run/converge.js";', 1, "layer-import", "from the higher layer 'run'"],
    ["src/run/x.ts", 'import { print } from "../cli/io.js";', 1, "layer-import", "from the higher layer 'cli'"],
    ["src/run/x.ts", 'import { Command } from "commander";', 1, "package-import", "'commander', which is not on the run allowlist"],
    ["src/run/x.ts", 'import { createInterface } from "node:readline/promises";', 1, "node-import", "imports node:readline/promises, which is not on the run allowlist"],
    ["src/run/x.ts", "export const pid = () => process.pid;", 1, "layer-global", "uses process, which is the CLI's: the pipeline is headless"],
    ["src/run/x.ts", 'export const say = () => console.log("hi");', 1, "layer-global", "uses console, which prints"],
    ["src/planner/x.ts", "// Date.now() here is a comment\nconst s = 'process.env in a string';\nexport const t = Date.now();", 3, "pure-global", "uses Date"],
    ["src/planner/x.ts", "export const n = performance.now();", 1, "pure-global", "uses performance"],
    ["src/planner/x.ts", 'export const r = fetch("http://mirror/x");', 1, "pure-global", "uses fetch"],
    ["src/planner/x.ts", "export const env = globalThis.process;", 1, "pure-global", "uses globalThis"],
    ["src/planner/x.ts", "export const env = global.process;", 1, "pure-global", "uses global"],
    ["src/spec/rules.ts", 'const yaml = require("yaml");', 1, "pure-global", "uses require"],
    ["src/planner/x.ts", "export const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];", 1, "pure-global", "uses Math.random"],
    ["src/planner/x.ts", "const { random } = Math;", 1, "pure-global", "uses Math, which is used other than as Math.<name>"],
    ["src/planner/x.ts", "export const id = crypto.randomUUID();", 1, "pure-global", "uses crypto"],
    ["src/planner/x.ts", 'console.warn("no room");', 1, "pure-global", "uses console, which logs"],
    ["src/spec/x.ts", 'export const f = new Function("return process.env");', 1, "pure-global", "uses Function"],
    ["src/facts/x.ts", "export const env = () => ({ process });", 1, "pure-global", "uses process"],
    ["src/facts/x.ts", "export const kind = (job: { process: string }) => { const { process } = job; return process; };", 1, "pure-global", "uses process"],
    ["src/errors.ts", "export const die = () => process.exit(1);", 1, "pure-global", "uses process"],
    ["src/spec/load.ts", "export const stamp = Date.now();", 1, "pure-global", "uses Date"],
    ["src/planner/x.ts", 'import { randomUUID } from "node:crypto";', 1, "node-import", "takes randomUUID from node:crypto; planner may take only createHash"],
    ["src/facts/x.ts", 'import { resolve } from "node:path";', 1, "node-import", "takes resolve from node:path; facts may take only posix"],
    ["src/planner/x.ts", 'import * as path from "node:path";', 1, "node-import", "takes the whole module from node:path"],
    ["src/spec/x.ts", 'import { resolve } from "node:path";', 1, "node-import", "takes resolve from node:path"],
    ["src/planner/x.ts", 'import { loadSpec } from "../spec/load.js";', 1, "io-file", "an I/O file"],
    ["src/planner/x.ts", 'import type { ClusterSpec } from "../spec/cluster.generated.js";', 1, "spec-as-written", "only src/spec sees the spec as written"],
    ["src/planner/x.ts", 'import type { Logger } from "../log.js";', 1, "layer-import", "only executors, state-machine and cli may log"],
    ["src/planner/x.ts", 'import pkg from "../../package.json" with { type: "json" };', 1, "outside-src", "a file outside src/ that planner may not import"],
    ["src/state-machine/x.ts", 'import { runNode } from "../executors/steps/runner.js";', 1, "layer-import", "state-machine may import with `import type` only"],
    ["src/state-machine/x.ts", 'import { load } from "../spec/load.js";', 1, "layer-import", "state-machine may import with `import type` only"],
    ["src/executors/x.ts", 'import { execFile } from "node:child_process";', 1, "node-import", "takes execFile from node:child_process; executors may take only spawn"],
    ["src/planner/x.ts", 'import { spawn } from "node:child_process";', 1, "node-import", "imports node:child_process, which is not on the planner allowlist"],
    ["src/executors/x.ts", 'import { main } from "../cli/main.js";', 1, "layer-import", "from the higher layer 'cli'"],
    ["src/cli/x.ts", 'import { Client } from "ssh2";', 1, "package-import", "'ssh2', which is not on the cli allowlist"],
    ["src/log.ts", 'import { writeFileSync } from "node:fs";', 1, "node-import", "(log.ts imports pino only)"],
    ["src/spec/cluster.validate.generated.ts", 'const equal = require("ajv/dist/runtime/equal").default;', 1, "pure-global", "uses require"],
    // units.ts is a bottom like errors.ts: it imports nothing and is pure.
    ["src/units.ts", 'import { ExitCode } from "./errors.js";', 1, "layer-import", "(units.ts imports nothing)"],
    ["src/units.ts", "export const stamp = () => Date.now();", 1, "pure-global", "uses Date, which reads the clock"],
    ["src/units.ts", 'import { styleText } from "node:util";', 1, "node-import", "(units.ts imports nothing)"],
    // display stands above run and is pure all the same: the CLI writes, draws and keeps time.
    ["src/display/x.ts", "export const now = () => Date.now();", 1, "pure-global", "uses Date, which reads the clock"],
    ["src/display/x.ts", 'export const out = (line: string) => process.stdout.write(line);', 1, "pure-global", "is pure: the CLI writes what display makes"],
    ["src/display/x.ts", 'console.log("plan");', 1, "pure-global", "uses console"],
    ["src/display/x.ts", "setTimeout(redraw, 200);", 1, "pure-global", "uses setTimeout"],
    ["src/display/x.ts", 'import { styleText } from "node:util";', 1, "node-import", "not on the display allowlist (node: modules: nothing); display is pure and does no I/O"],
    ["src/display/x.ts", 'import { print } from "../cli/io.js";', 1, "layer-import", "from the higher layer 'cli'"],
    ["src/display/x.ts", 'import { converge } from "../run/converge.js";', 1, "layer-import", "display may import with `import type` only"],
    ["src/display/x.ts", 'import { ProgressMeter } from "../executors/transfer-progress.js";', 1, "layer-import", "display may import with `import type` only"],
    ["src/display/x.ts", 'import { log } from "../log.js";', 1, "layer-import", "only executors, state-machine and cli may log"],
    ["src/run/x.ts", 'import { renderPlan } from "../display/plan.js";', 1, "layer-import", "from the higher layer 'display'"],
    ["src/executors/x.ts", 'import { formatProgress } from "../display/progress.js";', 1, "layer-import", "from the higher layer 'display'"],
    ["src/planner/x.ts", 'import { renderPlan } from "../display/plan.js";', 1, "layer-import", "from the higher layer 'display'"],
  ] as const)("%s: %s", (path, source, line, rule, text) => {
    const found = one(path, source);
    const hit = found.find((v) => v.rule === rule && v.line === line);
    expect(found.map(formatViolation).join("\n")).toContain(text);
    expect(hit, found.map(formatViolation).join("\n")).toBeDefined();
    expect(formatViolation(hit!)).toMatch(new RegExp(`^${path.replace(/[.]/g, "\\.")}:${line}:\\d+ \\[${rule}\\] `));
  });

  it("points at the column of the offending name", () => {
    expect(one("src/planner/plan.ts", "export const stamp = () => Date.now();").map(formatViolation)).toEqual([
      "src/planner/plan.ts:1:28 [pure-global] uses Date, which reads the clock: take the time as an argument (src/planner/plan.ts is in the pure core)",
    ]);
  });

  it("passes a clean sample full of near misses", () => {
    const planner = [
      "/** Date.now(), process.env, setTimeout and require('fs') in a comment do not count. */",
      'import { createHash } from "node:crypto";',
      'import { posix as path } from "node:path";',
      'import { createTwoFilesPatch } from "diff";',
      'import type { ResolvedCluster } from "../spec/resolved.js";',
      'import { isSecretRef } from "../spec/secrets.js";',
      'import { storePath } from "../facts/layout.js";',
      'import type { FactSet } from "../facts/types.js";',
      'import { ReconcileError } from "../errors.js";',
      'export { formatBytes } from "./render.js";',
      'const label = "process.env.HOME, Date.now(), setTimeout, globalThis";',
      "const units = { process: 'worker', Date: 1, console: true };",
      "export class Step { process = 1; Date(): number { return 0; } }",
      "type Clock = typeof Date;",
      "export function at(now: Date, clock: Clock | null, cluster: ResolvedCluster, facts: FactSet, job: { process: string }): string {",
      "  const { process: kind } = job;",
      "  if (isSecretRef(kind)) throw new ReconcileError('x');",
      "  const patch = createTwoFilesPatch('a', 'b', label, String(units.process));",
      "  return path.join(storePath('/opt', 'x'), kind, job.process, String(now.getTime()), String(Math.max(1, 2)), patch, String(clock), cluster.specFile, String(facts));",
      "}",
      "export const digest = (s: string) => createHash('sha256').update(s).digest('hex');",
      'export const later = () => import("./render.js");',
      "outer: for (;;) break outer;",
    ].join("\n");
    expect(one("src/planner/x.ts", planner).map(formatViolation)).toEqual([]);

    const machine = [
      'import { setup } from "xstate";',
      'import type { Transport } from "../executors/transport.js";',
      'import type { ResolvedCluster } from "../spec/resolved.js";',
      'import { poolOfWorkerUnit } from "../planner/templates.js";',
      'import { log } from "../log.js";',
      "export const delay = () => new Promise((ok) => setTimeout(ok, Date.now() % 10));",
    ].join("\n");
    expect(one("src/state-machine/x.ts", machine).map(formatViolation)).toEqual([]);

    expect(one("src/spec/load.ts", 'import { readFile } from "node:fs/promises";\nimport { homedir } from "node:os";\nexport const env = () => process.env;').map(formatViolation)).toEqual([]);
    expect(one("src/spec/x.ts", 'import schema from "../../schema/cluster.schema.json" with { type: "json" };\nimport { isDeepStrictEqual } from "node:util";').map(formatViolation)).toEqual([]);
    expect(one("src/cli/main.ts", 'import pkg from "../../package.json" with { type: "json" };\nimport { Command } from "commander";\nconst run = () => import("./commands/plan.js");').map(formatViolation)).toEqual([]);

    const display = [
      'import type { RunEvent } from "../run/events.js";',
      'import type { NodeOutcome } from "../state-machine/cluster-run.js";',
      'import type { TransferProgress } from "../executors/transfer-progress.js";',
      'import { parseAddress } from "../planner/address.js";',
      'import { REDACTED } from "../spec/secrets.js";',
      'import { ReconcileError } from "../errors.js";',
      'import { formatBytes } from "../units.js";',
      "export const line = (e: RunEvent, o: NodeOutcome, p: TransferProgress, at: Date) => [e.type, o.node, formatBytes(p.sent), REDACTED, parseAddress('x'), String(new ReconcileError('x')), String(at), String(Math.floor(1.5))].join(' ');",
    ].join("\n");
    expect(one("src/display/x.ts", display).map(formatViolation)).toEqual([]);
  });
});
