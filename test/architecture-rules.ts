/**
 * The architecture of STYLE.md §2 as an allowlist, and a check that is pure over (path, source text).
 *
 * Every folder and top-level file of src/ is a layer. A layer may import only: the layers in its
 * `layers` list (the direction cli → display → run → state-machine → executors → planner → facts →
 * spec → units → errors, where units.ts and errors.ts are bottoms that import nothing; log from executors,
 * state-machine, run and cli only), the npm packages in `packages`, the node: modules
 * in `node` (a bare builtin name such as "dns" counts as node:dns), and the files outside src/ in
 * `files`. Everything else fails, so a new import is a decision written down here with its reason.
 *
 * `import type` (and `export type`, and `import("x").T` in a type) is looser in one way only: it may
 * reach any layer *below* the importer in the direction, even one its `layers` list leaves out
 * (state-machine takes the Executors' types this way, as STYLE.md says). The build erases such an
 * import, so it loads no code and can do nothing at run time; it still may not point up the layers
 * or at log.ts, and packages and node: modules are checked the same for types as for values.
 * `import { type A }` without the leading `type` counts as a value import: under
 * verbatimModuleSyntax it may still load the module. `require("x")` and `import("x")` count as
 * imports of "x". A node: module may carry `only`: the named bindings a layer may take from it (a
 * default or namespace import takes the whole module), so the pure core can hash with
 * node:crypto's createHash but not draw randomUUID, and join paths with node:path's posix but not
 * resolve() them against the process's cwd.
 *
 * The pure core (spec, facts, planner, and units.ts and errors.ts under them) also may not reach the world
 * through globals (process, Date, timers, fetch, globalThis, require, performance, Math.random, ...:
 * `PURE_GLOBALS`), and nowhere in src/ may an `import()` take a computed argument (the allowlist
 * could not see what it loads). Its documented I/O files (`IO_FILES`, today only spec/load.ts)
 * are excepted by name from exactly what their job needs, and no pure module may import them.
 * Generated files (src/spec/*.generated.ts) are checked like any other: they ship in the pure core.
 * A layer outside the pure core may still be kept off some globals (`globals`): run, the headless
 * pipeline, may not touch `process` or `console`. Or it may be `pure` as a whole though it stands
 * above run: display (text for people from plans, facts and a run's events) is held to exactly the
 * pure core's rules, so the CLI alone writes, reads the terminal and keeps time.
 *
 * Identifiers and imports are found with the TypeScript parser, so comments and strings do not
 * count, `foo.process` and `{ process: 1 }` are not `process`, and `x: Date` (a type: time passed
 * in as data, the way STYLE.md asks) is not a use of the clock. A local binding with such a name
 * (`const { process } = job`) is flagged too: the check does not track scopes, and a name that
 * shadows a global would let a real use pass unseen; rename it (`const { process: kind } = job`).
 */
import { builtinModules } from "node:module";
import { posix } from "node:path";
import ts from "typescript";

/** The layers in their direction: each may import only what stands before it here. */
export const CHAIN = ["errors", "units", "spec", "facts", "planner", "executors", "state-machine", "run", "display", "cli"] as const;
export type LayerName = (typeof CHAIN)[number] | "log";

/** What a layer may import, each allowance with its reason. */
export interface LayerRules {
  /** src/<folder> or src/<file>.ts */
  readonly path: string;
  /** Pure (the core, and display): no process, clock, timers, network, randomness or logging through globals. */
  readonly pure: boolean;
  /** Layers it may import values from (type-only imports may also reach any layer below it). */
  readonly layers: readonly LayerName[];
  /** npm package → why. */
  readonly packages: Readonly<Record<string, string>>;
  /** node: module → why, and which named bindings only (absent: any binding). */
  readonly node: Readonly<Record<string, { readonly why: string; readonly only?: readonly string[] }>>;
  /** Repository files outside src/ (repository-relative) → why. */
  readonly files?: Readonly<Record<string, string>>;
  /** Globals it may not use (value positions), each with why; the pure core has PURE_GLOBALS instead. */
  readonly globals?: Readonly<Record<string, string>>;
}

const NO_NODE_IO = "the pure core does no I/O";

export const LAYERS: Readonly<Record<LayerName, LayerRules>> = {
  errors: { path: "src/errors.ts", pure: true, layers: [], packages: {}, node: {} },
  // Quantities in words (formatBytes) that messages and data of every layer carry: the planner's
  // disk reasons and the executors' errors need them, and they may not import a layer above them.
  units: { path: "src/units.ts", pure: true, layers: [], packages: {}, node: {} },
  log: {
    path: "src/log.ts",
    pure: false,
    layers: [],
    packages: { pino: "the logger (STYLE.md: log.ts imports pino only)" },
    node: {},
  },
  spec: {
    path: "src/spec",
    pure: true,
    layers: ["errors"],
    packages: {
      yaml: "parses cluster.yaml keeping positions and comments (errors point at line:col; pin edits in place)",
      ajv: "runtime helpers of the generated validator, and ajv's error type",
      "ajv-formats": "format checks (ipv4, hostname, date-time) in the generated validator and the rules",
      "cron-parser": "validates cron schedules",
      rrule: "validates recurrence rules",
      "fastest-levenshtein": "'did you mean' suggestions",
    },
    node: {
      "node:crypto": { why: "sha256 of cluster.yaml (specDigest); only hashing, never randomness", only: ["createHash"] },
      "node:util": { why: "deep equality when pin edits a value in place", only: ["isDeepStrictEqual"] },
      "node:path": {
        why: "controller paths written in cluster.yaml (relative to it, or `~/`); not resolve/relative, which read process.cwd()",
        only: ["isAbsolute", "join", "dirname"],
      },
    },
    files: { "schema/cluster.schema.json": "the schema is the spec's single source of truth" },
  },
  facts: {
    path: "src/facts",
    pure: true,
    // STYLE.md: spec types and errors; the spec's types come in through `import type` (below).
    layers: ["errors"],
    packages: {
      "@lezer/python": "parses a flow's Python code (never runs it) for its entrypoint's parameters (flow-signature.ts)",
    },
    node: { "node:path": { why: "posix.join for paths on the nodes (always POSIX, whatever the controller runs)", only: ["posix"] } },
  },
  planner: {
    path: "src/planner",
    pure: true,
    // units: sizes in the reasons the plan carries (a disk shortfall).
    layers: ["facts", "spec", "units", "errors"],
    packages: { diff: "the unified diff of a changed file in the plan (pure text)", picomatch: "globs of drift rules (`deployment:etl/*`, `worker-*`): pure matching" },
    node: {
      "node:crypto": { why: "content digests and fact fingerprints; only hashing, never randomness", only: ["createHash"] },
      "node:path": { why: "posix.join for paths on the nodes", only: ["posix"] },
    },
  },
  executors: {
    path: "src/executors",
    pure: false,
    // spec's values: the pure source helpers (localPath, isUrlSource) and the deb manifest parser,
    // which read nothing themselves; planner's values: pure helpers the executors must agree on
    // (a file's text, the unpacked-size estimate); units: sizes in error messages.
    layers: ["planner", "facts", "spec", "units", "errors", "log"],
    packages: {
      ssh2: "the SSH transport",
      tar: "packs flow folders deterministically and lists downloaded archives",
      "write-file-atomic": "local files replaced atomically (cluster.yaml by pin, known_hosts by trust)",
    },
    node: {
      "node:child_process": {
        why: "local programs on the controller, each an argument vector, bounded, in its own process group (local-process.ts): apt-get for `reconcile fetch` (apt-fetch.ts) under a private apt configuration, the git CLI of `watch --git` (git-source.ts), and the `--on-drift`/`--on-failure` hooks' `/bin/sh -c` (hooks.ts); nodes are still reached over ssh2 only",
        only: ["spawn"],
      },
      "node:crypto": { why: "sha256 of artifacts, host-key fingerprints and hashed known_hosts, the name of a cluster's local lock; random nonces (facts markers, temp names)" },
      "node:events": { why: "setMaxListeners on the run's signal, which every node's connect listens to" },
      "node:fs": { why: "streams of local artifacts" },
      "node:fs/promises": { why: "local files: artifacts, the cache, the local lock" },
      "node:http": { why: "the Prefect API client (prefect-api.ts): HTTP/1.1 over channels the server node forwards; `watch --metrics`' Prometheus endpoint (metrics-server.ts)" },
      "node:net": { why: "`reconcile ui`'s local listener on 127.0.0.1 (tunnel.ts), whose connections go into forwarded channels; isIP to read `--metrics HOST:PORT`" },
      "node:os": { why: "the user's home (the artifact cache)" },
      "node:path": { why: "local (controller) paths" },
      "node:stream": { why: "streamed uploads and hashing" },
      "node:stream/promises": { why: "pipeline() for streamed copies" },
      "node:stream/web": { why: "the type of a fetch() body when a URL artifact is downloaded" },
    },
  },
  "state-machine": {
    path: "src/state-machine",
    pure: false,
    // STYLE.md: xstate, planner types, `import type` from executors, errors, log. planner values:
    // poolOfWorkerUnit, the pure reading of a unit name that the rolling limit counts by.
    layers: ["planner", "errors", "log"],
    packages: { xstate: "the machines" },
    node: {},
  },
  run: {
    path: "src/run",
    pure: false,
    // The pipeline (DESIGN.md "Pipeline"): session, gather, the real executors, converge. It composes
    // the layers below and is composed by the CLI; it parses nothing, prints nothing, asks nothing.
    layers: ["state-machine", "executors", "planner", "facts", "spec", "errors", "log"],
    packages: { "prom-client": "the registry `watch --metrics` exposes (metrics.ts): the watch loop records into it, the executors' server renders it" },
    node: {},
    globals: {
      process: "is the CLI's: the pipeline is headless (the caller passes env, pid and an abort signal for its signals)",
      console: "prints: the pipeline reports events and the CLI renders them",
    },
  },
  display: {
    path: "src/display",
    // Above run, and pure all the same: plans, facts and a run's events (types only, from run,
    // state-machine and executors) in, lines out. Colors are a Style the CLI passes in; the CLI
    // writes the lines, draws the live progress line and keeps its time.
    pure: true,
    // planner: a change's address read back (parseAddress, parseStepId); spec: REDACTED, how a
    // hidden value is shown; errors: a failure's hint (ReconcileError); units: sizes. Facts are
    // laid out from their types alone (type imports reach any layer below).
    layers: ["planner", "spec", "units", "errors"],
    packages: {},
    node: {},
  },
  cli: {
    path: "src/cli",
    pure: false,
    layers: ["display", "run", "state-machine", "executors", "planner", "facts", "spec", "units", "errors", "log"],
    packages: {
      commander: "argv parsing (only the CLI parses argv)",
      chokidar: "`reconcile watch`: file events on cluster.yaml, the secrets file, artifacts and flow folders (only here, STYLE.md §2)",
    },
    node: {
      "node:crypto": { why: "digests for pin; a watched spec's revision (the secrets' part keyed with a random per-process key)" },
      "node:events": { why: "setMaxListeners on the run's abort signal, which every node's commands listen to" },
      "node:fs/promises": { why: "plan files, --out folders, init's and trust's files" },
      "node:os": { why: "the user's home (pin), the lock holder's user and host name" },
      "node:path": { why: "local paths given on the command line" },
      "node:readline/promises": { why: "the yes/no question on a terminal" },
      "node:util": { why: "styleText: paints the display's tones on a terminal (display/style.ts)" },
    },
    files: { "package.json": "the version printed by --version and saved in plans" },
  },
};

/**
 * Files of the pure core that do I/O by design, excepted by name from exactly these rules.
 * No other pure module may import them (with a value import), so their I/O stays at the edge.
 */
export const IO_FILES: Readonly<Record<string, { why: string; node: readonly string[]; globals: readonly string[] }>> = {
  "src/spec/load.ts": {
    why: "the spec's only I/O (STYLE.md): reads cluster.yaml, the flow folders and the secrets file, then calls the pure validate/normalize",
    node: ["node:fs/promises", "node:os", "node:path", "node:util"],
    globals: ["process"], // process.env is the default place secrets are resolved from
  },
};

/** Globals the pure core may not use, and why (value positions; a type such as `x: Date` is fine). */
export const PURE_GLOBALS: Readonly<Record<string, string>> = {
  process: "reads the environment, cwd or argv: pass what is needed in as an argument",
  Date: "reads the clock: take the time as an argument",
  performance: "reads the clock: take the time as an argument",
  setTimeout: "schedules work: the pure core returns values and the caller waits",
  setInterval: "schedules work: the pure core returns values and the caller waits",
  setImmediate: "schedules work: the pure core returns values and the caller waits",
  queueMicrotask: "schedules work: the pure core returns values and the caller waits",
  clearTimeout: "is a timer: timers live outside the pure core",
  clearInterval: "is a timer: timers live outside the pure core",
  clearImmediate: "is a timer: timers live outside the pure core",
  fetch: "uses the network: gather first, then call the pure core",
  globalThis: "reaches any global by name, past these rules",
  global: "is Node's globalThis: it reaches any global by name, past these rules",
  require: "loads a module past the import allowlist",
  crypto: "is Web Crypto, a source of randomness (randomUUID, getRandomValues); hash with createHash from node:crypto",
  console: "logs: the pure core returns reasons and warnings as data",
  eval: "runs code from a string, which no check can see",
  Function: "runs code from a string (new Function), which no check can see",
};

export interface Violation {
  file: string;
  line: number;
  col: number;
  rule: string;
  message: string;
}

export function formatViolation(v: Violation): string {
  return `${v.file}:${v.line}:${v.col} [${v.rule}] ${v.message}`;
}

const SOURCE_EXT = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
const BUILTINS = new Set(builtinModules.map((m) => m.replace(/^node:/, "")));

/** The layer a repository-relative path under src/ belongs to, or its unknown top-level name. */
export function layerOf(path: string): { layer: LayerName } | { unknown: string } {
  const parts = path.split("/");
  if (parts[0] !== "src" || parts.length < 2) return { unknown: path };
  const top = parts.length === 2 ? `src/${parts[1]!.replace(SOURCE_EXT, "")}.ts` : `src/${parts[1]}`;
  const layer = (Object.keys(LAYERS) as LayerName[]).find((l) => LAYERS[l].path === top);
  return layer === undefined ? { unknown: top } : { layer };
}

interface Import {
  specifier: string;
  node: ts.Node;
  typeOnly: boolean;
  /** Named bindings taken; "*" for a default, namespace or dynamic import (the whole module). */
  bindings: string[];
}

function importsOf(sf: ts.SourceFile, computed: (node: ts.Node) => void): Import[] {
  const out: Import[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const bindings: string[] = [];
      if (clause?.name) bindings.push("*");
      const named = clause?.namedBindings;
      if (named && ts.isNamespaceImport(named)) bindings.push("*");
      if (named && ts.isNamedImports(named)) for (const e of named.elements) bindings.push((e.propertyName ?? e.name).text);
      out.push({ specifier: node.moduleSpecifier.text, node, typeOnly: clause?.isTypeOnly ?? false, bindings });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.exportClause;
      const bindings = clause && ts.isNamedExports(clause) ? clause.elements.map((e) => (e.propertyName ?? e.name).text) : ["*"];
      out.push({ specifier: node.moduleSpecifier.text, node, typeOnly: node.isTypeOnly, bindings });
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const e = node.moduleReference.expression;
      if (ts.isStringLiteral(e)) out.push({ specifier: e.text, node, typeOnly: node.isTypeOnly, bindings: ["*"] });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push({ specifier: node.argument.literal.text, node, typeOnly: true, bindings: ["*"] });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteralLike(arg)) out.push({ specifier: arg.text, node, typeOnly: false, bindings: ["*"] });
      else computed(node);
    } else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "require") {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteralLike(arg)) out.push({ specifier: arg.text, node, typeOnly: false, bindings: ["*"] });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** True when `id` names a property, member, label or import/export name rather than a binding in scope. */
function isNameOnly(id: ts.Identifier): boolean {
  const p = id.parent;
  if ((ts.isPropertyAccessExpression(p) || ts.isQualifiedName(p)) && (ts.isPropertyAccessExpression(p) ? p.name : p.right) === id) return true;
  if (
    (ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p) || ts.isPropertySignature(p) || ts.isMethodDeclaration(p) ||
      ts.isMethodSignature(p) || ts.isGetAccessorDeclaration(p) || ts.isSetAccessorDeclaration(p) || ts.isEnumMember(p) ||
      ts.isNamespaceExport(p) || ts.isImportAttribute(p) || ts.isMetaProperty(p)) &&
    p.name === id
  )
    return true;
  if ((ts.isBindingElement(p) || ts.isImportSpecifier(p)) && p.propertyName === id) return true;
  if (ts.isExportSpecifier(p) && p.propertyName !== undefined && p.name === id) return true;
  if ((ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p)) && p.label === id) return true;
  return false;
}

/** A type position: inside a type node, except `class X extends Y` (Y is a value there). */
function isTypeNode(node: ts.Node): boolean {
  if (!ts.isTypeNode(node)) return false;
  if (ts.isExpressionWithTypeArguments(node)) {
    const clause = node.parent;
    return !(ts.isHeritageClause(clause) && clause.token === ts.SyntaxKind.ExtendsKeyword && ts.isClassLike(clause.parent));
  }
  return true;
}

function globalUses(sf: ts.SourceFile, report: (node: ts.Node, name: string, why: string) => void): void {
  const visit = (node: ts.Node): void => {
    if (isTypeNode(node)) return;
    if (ts.isIdentifier(node) && !isNameOnly(node)) {
      const name = node.text;
      if (name === "Math") {
        const p = node.parent;
        if (ts.isPropertyAccessExpression(p) && p.expression === node) {
          if (p.name.text === "random") report(node, "Math.random", "is randomness: take random values as arguments");
        } else {
          report(node, "Math", "is used other than as Math.<name> and so could reach Math.random");
        }
      } else if (Object.hasOwn(PURE_GLOBALS, name)) {
        report(node, name, PURE_GLOBALS[name]!);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}

/** "ajv/dist/runtime/x.js" → "ajv"; "@scope/pkg/x" → "@scope/pkg". */
export function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

export function nodeModule(specifier: string): string | undefined {
  if (specifier.startsWith("node:")) return specifier;
  return BUILTINS.has(specifier) ? `node:${specifier}` : undefined;
}

const rank = (l: LayerName): number => (l === "log" ? -1 : CHAIN.indexOf(l));
const quoteList = (xs: readonly string[]): string => (xs.length === 0 ? "nothing" : xs.join(", "));

/**
 * Checks one source file. `path` is repository-relative with `/` (src/planner/plan.ts); `text` is
 * its source. Pure: reads nothing but its arguments.
 */
export function checkSource(path: string, text: string): Violation[] {
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, path.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const out: Violation[] = [];
  const at = (node: ts.Node | undefined, rule: string, message: string): void => {
    const pos = node === undefined ? { line: 0, character: 0 } : sf.getLineAndCharacterOfPosition(node.getStart(sf));
    out.push({ file: path, line: pos.line + 1, col: pos.character + 1, rule, message });
  };

  const where = layerOf(path);
  if ("unknown" in where) {
    at(undefined, "unknown-layer", `${where.unknown} is in no layer: add it to LAYERS in test/architecture-rules.ts, with the layers, packages and node: modules it may import`);
    return out;
  }
  const layer = where.layer;
  const rules = LAYERS[layer];
  const io = IO_FILES[path];
  const core = rules.pure && rank(layer) < rank("executors");
  const pureNote = rules.pure ? `; ${core ? NO_NODE_IO : `${layer} is pure and does no I/O`}` : "";
  const only = layer === "errors" ? " (errors.ts imports nothing)" : layer === "units" ? " (units.ts imports nothing)" : layer === "log" ? " (log.ts imports pino only)" : "";

  const imports = importsOf(sf, (node) =>
    at(node, "computed-import", "import() with a computed argument: the allowlist cannot see what it loads; import a string literal"),
  );
  for (const imp of imports) {
    const s = imp.specifier;
    if (s.startsWith(".")) {
      const target = posix.normalize(posix.join(posix.dirname(path), s));
      if (!target.startsWith("src/")) {
        const why = rules.files?.[target];
        if (why === undefined) at(imp.node, "outside-src", `imports ${s} (${target}), a file outside src/ that ${layer} may not import${only}`);
        continue;
      }
      const to = layerOf(target);
      if ("unknown" in to) {
        at(imp.node, "layer-import", `imports ${s} from ${to.unknown}, which is in no layer`);
        continue;
      }
      if (to.layer === layer) continue;
      if (to.layer === "log") {
        if (!rules.layers.includes("log")) at(imp.node, "layer-import", `imports ${s}: only executors, state-machine and cli may log (and run, which composes them)${only}`);
        continue;
      }
      if (layer === "errors" || layer === "units" || layer === "log") {
        at(imp.node, "layer-import", `imports ${s}${only}`);
        continue;
      }
      if (rank(to.layer) > rank(layer)) {
        at(imp.node, "layer-import", `imports ${s} from the higher layer '${to.layer}' (${layer} may import ${quoteList(rules.layers)})`);
        continue;
      }
      if (!rules.layers.includes(to.layer) && !imp.typeOnly) {
        at(imp.node, "layer-import", `imports ${s} from '${to.layer}', which ${layer} may import with \`import type\` only (values from: ${quoteList(rules.layers)})`);
        continue;
      }
      if (rules.pure && !imp.typeOnly && IO_FILES[target.replace(/\.js$/, ".ts")] !== undefined && target.replace(/\.js$/, ".ts") !== path)
        at(imp.node, "io-file", `imports ${s}, an I/O file; the pure core takes its result as an argument instead`);
      if (layer !== "spec" && /(^|\/)cluster\.generated\.js$/.test(target))
        at(imp.node, "spec-as-written", `imports ${s}: only src/spec sees the spec as written; use the resolved form (spec/resolved.ts)`);
      continue;
    }
    const mod = nodeModule(s);
    if (mod !== undefined) {
      const allowed = rules.node[mod];
      if (allowed === undefined && !io?.node.includes(mod)) {
        at(imp.node, "node-import", only !== "" ? `imports ${s}${only}` : `imports ${s}, which is not on the ${layer} allowlist (node: modules: ${quoteList(Object.keys(rules.node))})${pureNote}`);
      } else if (allowed?.only !== undefined && !io?.node.includes(mod) && !imp.typeOnly) {
        const extra = imp.bindings.filter((b) => !allowed.only!.includes(b));
        if (extra.length > 0)
          at(imp.node, "node-import", `takes ${extra.map((b) => (b === "*" ? "the whole module" : b)).join(", ")} from ${s}; ${layer} may take only ${allowed.only.join(", ")} (${allowed.why})`);
      }
      continue;
    }
    const pkg = packageName(s);
    if (rules.packages[pkg] === undefined)
      at(imp.node, "package-import", only !== "" ? `imports ${s}${only}` : `imports the npm package '${pkg}', which is not on the ${layer} allowlist (packages: ${quoteList(Object.keys(rules.packages))})${pureNote}`);
  }

  if (rules.pure) {
    globalUses(sf, (node, name, why) => {
      if (io?.globals.includes(name)) return;
      at(node, "pure-global", `uses ${name}, which ${why} (${path} ${core ? "is in the pure core" : `is pure: the CLI writes what ${layer} makes`})`);
    });
  } else if (rules.globals !== undefined) {
    const banned = rules.globals;
    globalUses(sf, (node, name) => {
      if (Object.hasOwn(banned, name)) at(node, "layer-global", `uses ${name}, which ${banned[name]} (${layer} may not use ${Object.keys(banned).join(" or ")})`);
    });
  }
  return out;
}

/** What a file imports (values and types): repository paths for relative imports, else the specifier. */
export function importTargets(path: string, text: string): { file?: string; module?: string }[] {
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  return importsOf(sf, () => undefined).map((i) =>
    i.specifier.startsWith(".") ? { file: posix.normalize(posix.join(posix.dirname(path), i.specifier)) } : { module: i.specifier },
  );
}
