/**
 * `reconcile pin`: stream each local artifact through sha256 and write the digests into
 * cluster.yaml in place. A deb set's manifest (SHA256SUMS) is made from its .deb files first.
 *
 * All or nothing: digests and manifests are computed first; only if every requested artifact
 * pins are the manifests and then cluster.yaml written. The rewrite is a splice at source
 * positions (comments and formatting kept), verified by parsing the result, written atomically,
 * and refused if the file changed while the digests were being computed.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { ExitCode, FileError, ReconcileError, SpecError, UsageError } from "../../errors.js";
import { listDebs, readTextIfExists, sha256File, writeFileAtomically } from "../../executors/local-files.js";
import type { Logger } from "../../log.js";
import { DEB_MANIFEST, formatManifest } from "../../spec/deb-manifest.js";
import { parseSpec, type SpecDocument } from "../../spec/document.js";
import { applyEdits, readArtifactEntries, setArtifactDigest, verifyDigestEdits, type ArtifactEntry, type TextEdit } from "../../spec/edit.js";
import { didYouMean } from "../../spec/suggest.js";
import { readSpecFile } from "../../spec/load.js";
import { isUrlSource, localPath } from "../../spec/sources.js";
import { validateSpec } from "../../spec/validate.js";
import { plural, print, type CliIO } from "../io.js";

export interface PinArgs {
  file: string;
  names: string[];
  check: boolean;
}

/** A manifest to write once every artifact has pinned. */
interface ManifestWrite {
  path: string;
  content: string;
  existed: boolean;
}

interface Digested {
  name: string;
  status: "unchanged" | "pinned";
  digest: string;
  previous: string | undefined;
  note?: string;
  manifest?: ManifestWrite;
}
type Outcome =
  | Digested
  | { name: string; status: "skipped"; reason: string }
  | { name: string; status: "failed"; reason: string };

const short = (digest: string) => digest.slice(0, 12);

/** Digest of one artifact; for a deb set, of its manifest (returned, not yet written). */
async function digestOf(entry: ArtifactEntry, path: string): Promise<{ digest: string; note?: string; manifest?: ManifestWrite }> {
  if (entry.kind !== "deb") return { digest: await sha256File(path) };
  const debs = await listDebs(path);
  if (debs.length === 0) throw new FileError(`no .deb files in ${path}`);
  const entries = [];
  for (const file of debs) entries.push({ file, sha256: await sha256File(join(path, file)) });
  const content = formatManifest(entries);
  const manifestPath = join(path, DEB_MANIFEST);
  const current = await readTextIfExists(manifestPath);
  const digest = createHash("sha256").update(content).digest("hex");
  const note = plural(debs.length, ".deb file");
  if (current === content) return { digest, note };
  return { digest, note, manifest: { path: manifestPath, content, existed: current !== undefined } };
}

async function pinOne(entry: ArtifactEntry, specFile: string): Promise<Outcome> {
  const { name } = entry;
  if (entry.source === undefined) return { name, status: "failed", reason: "has no `source`" };
  if (isUrlSource(entry.source)) {
    return { name, status: "skipped", reason: "URL source: pin it from the publisher's digest (reconcile checks it when staging)" };
  }
  const path = localPath(entry.source, { specFile, homeDir: homedir() });
  try {
    const { digest, note, manifest } = await digestOf(entry, path);
    const status = digest === entry.sha256 && manifest === undefined ? "unchanged" : "pinned";
    return { name, status, digest, previous: entry.sha256, ...(note === undefined ? {} : { note }), ...(manifest === undefined ? {} : { manifest }) };
  } catch (error) {
    if (error instanceof ReconcileError) return { name, status: "failed", reason: error.message };
    throw error;
  }
}

function describe(o: Outcome, check: boolean): string {
  if (o.status === "failed") return `failed: ${o.reason}`;
  if (o.status === "skipped") return `skipped: ${o.reason}`;
  const manifest = o.manifest === undefined ? "" : `, ${DEB_MANIFEST} ${check ? "out of date" : o.manifest.existed ? "rewritten" : "written"}`;
  const note = o.note === undefined ? "" : `; ${o.note}${manifest}`;
  if (o.status === "unchanged") return `unchanged ${short(o.digest)}${note}`;
  const was = o.previous === undefined ? " (was unset)" : o.previous === o.digest ? "" : ` (was ${short(o.previous)})`;
  return `${check ? "would pin" : "pinned"} ${short(o.digest)}${was}${note}`;
}

/**
 * cluster.yaml's text with `digests` (artifact name → sha256) written in: a splice at source
 * positions (comments and formatting kept), verified by parsing the result. Throws when a digest
 * cannot be written safely.
 */
export function specWithDigests(file: string, original: Uint8Array, document: SpecDocument, value: unknown, digests: ReadonlyMap<string, string>): string {
  const edits: TextEdit[] = [];
  const uneditable: string[] = [];
  for (const [name, digest] of digests) {
    const edit = setArtifactDigest(document, name, digest);
    if (edit === undefined) uneditable.push(name);
    else edits.push(edit);
  }
  const bom = original[0] === 0xef && original[1] === 0xbb && original[2] === 0xbf ? "\ufeff" : "";
  const updated = bom + applyEdits(document.text, edits);
  const wrong = uneditable.length > 0 ? uneditable : verifyDigestEdits(value, updated, digests);
  if (wrong.length > 0) {
    const first = wrong[0] ?? "";
    throw new ReconcileError(`cannot write the digest of ${wrong.map((n) => `'${n}'`).join(", ")} into ${file} safely; nothing written`, {
      hint: `write \`sha256: ${digests.get(first) ?? ""}\` under artifacts.${first} by hand (pin edits one-line values only)`,
    });
  }
  return updated;
}

/** Reads cluster.yaml now and writes `digests` into it in place (atomically); false when none changed. */
export async function pinDigests(file: string, digests: ReadonlyMap<string, string>): Promise<boolean> {
  const original = await readSpecFile(file);
  const parsed = parseSpec(original, file);
  if (parsed.document === undefined || parsed.diagnostics.some((d) => d.severity === "error")) throw new SpecError(parsed.diagnostics);
  const current = new Map(readArtifactEntries(parsed.document, parsed.value).map((a) => [a.name, a.sha256]));
  const changed = new Map([...digests].filter(([name, digest]) => current.get(name) !== digest));
  if (changed.size === 0) return false;
  await writeFileAtomically(file, specWithDigests(file, original, parsed.document, parsed.value, changed));
  return true;
}

export async function pinCommand(args: PinArgs, io: CliIO, log: Logger): Promise<number> {
  const original = await readSpecFile(args.file);
  const parsed = parseSpec(original, args.file);
  if (parsed.document === undefined || parsed.diagnostics.some((d) => d.severity === "error")) throw new SpecError(parsed.diagnostics);
  const document = parsed.document;

  const all = readArtifactEntries(document, parsed.value);
  for (const name of args.names) {
    if (!all.some((a) => a.name === name)) {
      throw new UsageError(`no artifact '${name}' in ${args.file}`, didYouMean(name, all.map((a) => a.name)));
    }
  }
  const selected = args.names.length === 0 ? all : all.filter((a) => args.names.includes(a.name));
  if (selected.length === 0) {
    print(io.stdout, `${args.file} declares no artifacts; nothing to pin`);
    return ExitCode.ok;
  }

  const specFile = resolve(args.file);
  const outcomes: Outcome[] = [];
  for (const entry of selected) {
    const started = performance.now();
    const outcome = await pinOne(entry, specFile);
    const { manifest: _manifest, ...loggable } = outcome as Outcome & { manifest?: ManifestWrite };
    log.info({ event: "pin.artifact", ...loggable, durationMs: Math.round(performance.now() - started) }, `artifact ${outcome.name}: ${outcome.status}`);
    outcomes.push(outcome);
  }

  const width = Math.max(...outcomes.map((o) => o.name.length));
  for (const o of outcomes) print(o.status === "failed" ? io.stderr : io.stdout, `${o.name.padEnd(width)}  ${describe(o, args.check)}`);
  const failed = outcomes.filter((o) => o.status === "failed");
  if (failed.length > 0) {
    print(io.stderr, `${args.file} not changed: ${plural(failed.length, "artifact")} could not be pinned`);
    return ExitCode.failure;
  }

  const pinned = outcomes.filter((o): o is Digested => o.status === "pinned");
  const digests = new Map(pinned.filter((o) => o.digest !== o.previous).map((o) => [o.name, o.digest]));
  const updated = specWithDigests(args.file, original, document, parsed.value, digests);

  const manifests = pinned.flatMap((o) => (o.manifest === undefined ? [] : [o.manifest]));
  if (digests.size === 0 && manifests.length === 0) {
    print(io.stdout, `${args.file} is up to date`);
    return ExitCode.ok;
  }
  if (args.check) {
    const parts = [digests.size > 0 ? `${plural(digests.size, "digest")} would change` : "", manifests.length > 0 ? `${plural(manifests.length, "manifest")} would be written` : ""];
    print(io.stdout, `${args.file} is out of date: ${parts.filter((p) => p !== "").join(", ")}`);
    return ExitCode.changes;
  }
  const now = await readFile(args.file);
  if (!now.equals(original)) {
    throw new ReconcileError(`${args.file} changed while pinning; nothing written`, { hint: "run `reconcile pin` again" });
  }
  for (const m of manifests) await writeFileAtomically(m.path, m.content);
  if (digests.size > 0) await writeFileAtomically(args.file, updated);
  log.info({ event: "pin.write", file: args.file, digests: digests.size, manifests: manifests.length }, "wrote digests");
  print(io.stdout, digests.size > 0 ? `wrote ${args.file} (${plural(digests.size, "digest")} changed)` : `${args.file} is up to date (manifests rewritten)`);

  const after = validateSpec(new TextEncoder().encode(updated), { displayName: args.file, specFile, homeDir: homedir() });
  const remaining = after.diagnostics.filter((d) => d.severity === "error").length;
  if (remaining > 0) print(io.stderr, `${args.file} still has ${plural(remaining, "problem")}: run \`reconcile validate\``);
  return ExitCode.ok;
}
