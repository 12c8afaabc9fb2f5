/**
 * The I/O shell around validation, and the only module of src/spec that touches the file system:
 * reads cluster.yaml, checks that local inputs exist, reads the secrets file and resolves secrets.
 *
 * `strict` decides what a missing local input is: a warning for `validate` (you may be writing the
 * spec before building the artifacts), an error for anything that would transfer or apply them.
 */
import { readFile, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, join, resolve } from "node:path";
import { parseEnv } from "node:util";
import { FileError, ioReason, SpecError, type Diagnostic } from "../errors.js";
import { DEB_MANIFEST } from "./deb-manifest.js";
import { MAX_SPEC_BYTES, tooLarge, type SpecDocument } from "./document.js";
import type { ResolvedCluster } from "./resolved.js";
import { findSecretRefs, missingSecretHint, resolveSecrets, unsafeSecretsFileMode, type SecretResolution } from "./secrets.js";
import { byPosition, diagnosticAt, validateSpec } from "./validate.js";

export interface LoadOptions {
  /** Missing artifacts, flow folders, identity files and secrets are errors (otherwise warnings). */
  strict: boolean;
  /** Secrets file from the command line; overrides `secrets.file`. */
  secretsFile?: string;
  /**
   * Default true. False for commands that only reach the nodes (trust, facts, unlock): artifacts,
   * flow folders and secrets are not looked at (not read, not reported); SSH identity files are.
   */
  localInputs?: boolean;
  env?: Readonly<Record<string, string | undefined>>;
}

export interface LoadedCluster {
  cluster: ResolvedCluster;
  /** Warnings only: any error throws a {@link SpecError}. */
  warnings: Diagnostic[];
  secrets: SecretResolution;
}

type Kind = "file" | "dir" | "missing";
async function kindOf(path: string): Promise<Kind> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? "dir" : "file";
  } catch {
    return "missing";
  }
}

/**
 * Reads a spec file's bytes, refusing folders, devices and huge files before reading them. Every
 * command that reads cluster.yaml goes through here.
 */
export async function readSpecFile(file: string): Promise<Uint8Array> {
  let size: number;
  try {
    const s = await stat(file);
    if (s.isDirectory()) throw new FileError(`${file} is a folder, not a cluster spec`, { hint: "pass the file with -f" });
    if (!s.isFile()) throw new FileError(`${file} is not a regular file`);
    size = s.size;
  } catch (error) {
    if (error instanceof FileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : ioReason(error);
    throw new FileError(`cannot read ${file}: ${why}`, { hint: code === "ENOENT" ? "`reconcile init` writes a starter cluster.yaml" : undefined });
  }
  if (size > MAX_SPEC_BYTES) throw new SpecError([tooLarge(size, file)]);
  try {
    return await readFile(file);
  } catch (error) {
    throw new FileError(`cannot read ${file}: ${ioReason(error)}`);
  }
}

async function checkLocalInputs(cluster: ResolvedCluster, document: SpecDocument, severity: Diagnostic["severity"], inputs: boolean): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  const checks: Promise<void>[] = [];
  for (const artifact of inputs ? Object.values(cluster.artifacts) : []) {
    if (artifact.source.type !== "path") continue;
    const path = artifact.source.path;
    const at = ["artifacts", artifact.name, "source"];
    checks.push(
      (async () => {
        const kind = await kindOf(path);
        if (kind === "missing") out.push(diagnosticAt(document, severity, at, `artifact file not found: ${path}`, { hint: "build or copy it there, then run `reconcile pin`" }));
        else if (artifact.kind === "deb" && kind !== "dir") out.push(diagnosticAt(document, "error", at, `a deb set must be a folder of .deb files: ${path} is a file`));
        else if (artifact.kind === "deb" && (await kindOf(join(path, DEB_MANIFEST))) !== "file") {
          out.push(diagnosticAt(document, severity, at, `deb set ${path} has no ${DEB_MANIFEST} manifest`, { hint: "`reconcile pin` writes it from the .deb files" }));
        } else if (artifact.kind !== "deb" && kind === "dir") out.push(diagnosticAt(document, "error", at, `artifact of kind '${artifact.kind}' must be a file: ${path} is a folder`));
      })(),
    );
  }
  (inputs ? cluster.flows : []).forEach((flow, i) => {
    checks.push(
      (async () => {
        const kind = await kindOf(flow.source);
        if (kind !== "dir") {
          out.push(diagnosticAt(document, severity, ["flows", i, "source"], `flow code folder not found: ${flow.source}`));
          return;
        }
        const file = flow.entrypoint.slice(0, flow.entrypoint.lastIndexOf(":"));
        if ((await kindOf(resolve(flow.source, file))) !== "file") {
          out.push(diagnosticAt(document, severity, ["flows", i, "entrypoint"], `entrypoint file ${file} not found in ${flow.source}`));
        }
      })(),
    );
  });
  // One check per distinct identity file, positioned where it is written (node or cluster ssh).
  const identities = new Map<string, (string | number)[]>();
  cluster.nodes.forEach((n, i) => {
    const own = document.doc.getIn(["nodes", i, "ssh", "identityFile"]) !== undefined;
    if (n.ssh.identityFile !== null && !identities.has(n.ssh.identityFile)) {
      identities.set(n.ssh.identityFile, own ? ["nodes", i, "ssh", "identityFile"] : ["ssh", "identityFile"]);
    }
  });
  for (const [file, at] of identities) {
    checks.push(
      (async () => {
        if ((await kindOf(file)) === "missing") out.push(diagnosticAt(document, severity, at, `SSH identity file not found: ${file}`));
      })(),
    );
  }
  await Promise.all(checks);
  return out;
}

/** Reads and checks the secrets file. An unsafe mode is always an error: the file is refused. */
async function readSecretsFile(
  path: string,
  severity: Diagnostic["severity"],
  document: SpecDocument,
  fromSpec: boolean,
): Promise<{ entries?: Record<string, string>; diagnostics: Diagnostic[]; refused: boolean }> {
  const where = (message: string, sev: Diagnostic["severity"], hint?: string): Diagnostic =>
    fromSpec
      ? diagnosticAt(document, sev, ["secrets", "file"], message, { hint })
      : { severity: sev, file: path, line: 1, col: 1, path: "", message, ...(hint === undefined ? {} : { hint }) };
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch {
    return { diagnostics: [where(`secrets file not found: ${path}`, severity)], refused: false };
  }
  const unsafe = unsafeSecretsFileMode(mode);
  if (unsafe !== undefined) return { diagnostics: [where(`refusing secrets file ${path}: ${unsafe}`, "error", `run \`chmod 600 ${path}\``)], refused: true };
  try {
    return { entries: parseEnv(await readFile(path, "utf8")) as Record<string, string>, diagnostics: [], refused: false };
  } catch (error) {
    return { diagnostics: [where(`cannot read secrets file ${path}: ${ioReason(error)}`, "error")], refused: true };
  }
}

/**
 * Loads, validates and resolves cluster.yaml. Throws {@link SpecError} with every diagnostic
 * (errors and warnings, in file order) when there is any error.
 */
export async function loadCluster(file: string, options: LoadOptions): Promise<LoadedCluster> {
  const bytes = await readSpecFile(file);
  const result = validateSpec(bytes, { displayName: file, specFile: resolve(file), homeDir: homedir() });
  const { cluster, document, value } = result;
  if (cluster === undefined || document === undefined) throw new SpecError(result.diagnostics);

  const severity: Diagnostic["severity"] = options.strict ? "error" : "warning";
  const inputs = options.localInputs ?? true;
  const diagnostics = [...result.diagnostics, ...(await checkLocalInputs(cluster, document, severity, inputs))];

  const secretsPath = !inputs ? null : options.secretsFile === undefined ? cluster.secretsFile : resolve(options.secretsFile);
  let entries: Record<string, string> | undefined;
  let secretsFileRefused = false;
  if (secretsPath !== null) {
    const read = await readSecretsFile(secretsPath, severity, document, options.secretsFile === undefined);
    diagnostics.push(...read.diagnostics);
    entries = read.entries;
    secretsFileRefused = read.refused;
  }
  const secrets = resolveSecrets(cluster.secretNames, {
    env: options.env ?? process.env,
    ...(entries === undefined || secretsPath === null ? {} : { file: { path: secretsPath, entries } }),
  });
  const shownFile = secretsPath === null ? undefined : basename(secretsPath);
  // With the file refused, "not set" would be misleading: the refusal says what to fix.
  for (const ref of secretsFileRefused || !inputs ? [] : findSecretRefs(value)) {
    if (secrets.missing.includes(ref.name)) {
      diagnostics.push(diagnosticAt(document, severity, ref.path, `secret '${ref.name}' is not set`, { hint: missingSecretHint(ref.name, shownFile) }));
    }
  }
  diagnostics.sort(byPosition);
  if (diagnostics.some((d) => d.severity === "error")) throw new SpecError(diagnostics);
  return { cluster, warnings: diagnostics, secrets };
}
