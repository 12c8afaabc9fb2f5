/**
 * `reconcile pin`: stream each local artifact through sha256 and write the digests into
 * cluster.yaml in place. A deb set's manifest (SHA256SUMS) is written from its .deb files first.
 *
 * All or nothing: if any requested artifact cannot be pinned, cluster.yaml is left untouched.
 * The rewrite is a splice at source positions (comments and formatting kept) written atomically,
 * and refused if the file changed while the digests were being computed.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { ExitCode, FileError, ReconcileError, SpecError, UsageError } from "../../errors.js";
import { listDebs, readTextIfExists, sha256File, writeFileAtomically } from "../../executors/local-files.js";
import { DEB_MANIFEST, formatManifest } from "../../spec/deb-manifest.js";
import { parseSpec } from "../../spec/document.js";
import { applyEdits, readArtifactEntries, setArtifactDigest, type ArtifactEntry, type TextEdit } from "../../spec/edit.js";
import { didYouMean } from "../../spec/suggest.js";
import { validateSpec } from "../../spec/validate.js";
import type { Logger } from "../../log.js";
import { plural, print, type CliIO } from "../io.js";

export interface PinArgs {
  file: string;
  names: string[];
  check: boolean;
}

type Outcome =
  | { name: string; status: "unchanged" | "pinned"; digest: string; previous: string | undefined; note?: string }
  | { name: string; status: "skipped"; reason: string }
  | { name: string; status: "failed"; reason: string };

const short = (digest: string) => digest.slice(0, 12);

/** Digest of one artifact; for a deb set, the manifest's (written first unless `check`). */
async function digestOf(entry: ArtifactEntry, path: string, check: boolean): Promise<{ digest: string; note?: string }> {
  if (entry.kind !== "deb") return { digest: await sha256File(path) };
  const debs = await listDebs(path);
  if (debs.length === 0) throw new FileError(`no .deb files in ${path}`);
  const entries = [];
  for (const file of debs) entries.push({ file, sha256: await sha256File(join(path, file)) });
  const manifest = formatManifest(entries);
  const manifestPath = join(path, DEB_MANIFEST);
  const current = await readTextIfExists(manifestPath);
  let note = `${plural(debs.length, ".deb file")}`;
  if (current !== manifest) {
    if (!check) await writeFileAtomically(manifestPath, manifest);
    note += check ? `, ${DEB_MANIFEST} is out of date` : `, ${DEB_MANIFEST} ${current === undefined ? "written" : "rewritten"}`;
  }
  return { digest: createHash("sha256").update(manifest).digest("hex"), note };
}

async function pinOne(entry: ArtifactEntry, baseDir: string, check: boolean): Promise<Outcome> {
  const { name } = entry;
  if (entry.source === undefined) return { name, status: "failed", reason: "has no `source`" };
  if (/^https?:\/\//.test(entry.source)) {
    return { name, status: "skipped", reason: "URL source: pin it from the publisher's digest (reconcile checks it when staging)" };
  }
  const path = entry.source.startsWith("~/") ? join(homedir(), entry.source.slice(2)) : resolve(baseDir, entry.source);
  try {
    const { digest, note } = await digestOf(entry, path, check);
    const status = digest === entry.sha256 ? "unchanged" : "pinned";
    return { name, status, digest, previous: entry.sha256, ...(note === undefined ? {} : { note }) };
  } catch (error) {
    if (error instanceof ReconcileError) return { name, status: "failed", reason: error.message };
    throw error;
  }
}

export async function pinCommand(args: PinArgs, io: CliIO, log: Logger): Promise<number> {
  let original: Buffer;
  try {
    original = await readFile(args.file);
  } catch (error) {
    throw new FileError(`cannot read ${args.file}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }
  const parsed = parseSpec(original, args.file);
  if (parsed.document === undefined || parsed.diagnostics.some((d) => d.severity === "error")) throw new SpecError(parsed.diagnostics);
  const document = parsed.document;

  const all = readArtifactEntries(document);
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

  const baseDir = resolve(args.file, "..");
  const outcomes: Outcome[] = [];
  for (const entry of selected) {
    const started = performance.now();
    const outcome = await pinOne(entry, baseDir, args.check);
    log.info({ event: "pin.artifact", ...outcome, durationMs: Math.round(performance.now() - started) }, `artifact ${outcome.name}: ${outcome.status}`);
    outcomes.push(outcome);
  }

  const width = Math.max(...outcomes.map((o) => o.name.length));
  for (const o of outcomes) {
    const label = o.name.padEnd(width);
    if (o.status === "failed") print(io.stderr, `${label}  failed: ${o.reason}`);
    else if (o.status === "skipped") print(io.stdout, `${label}  skipped: ${o.reason}`);
    else {
      const was = o.status === "pinned" ? (o.previous === undefined ? " (was unset)" : ` (was ${short(o.previous)})`) : "";
      const verb = o.status === "pinned" ? (args.check ? "would pin" : "pinned") : "unchanged";
      print(io.stdout, `${label}  ${verb} ${short(o.digest)}${was}${o.note === undefined ? "" : `; ${o.note}`}`);
    }
  }
  const failed = outcomes.filter((o) => o.status === "failed");
  if (failed.length > 0) {
    print(io.stderr, `${args.file} not changed: ${plural(failed.length, "artifact")} could not be pinned`);
    return ExitCode.failure;
  }
  const edits: TextEdit[] = [];
  for (const o of outcomes) {
    if (o.status !== "pinned") continue;
    const edit = setArtifactDigest(document, o.name, o.digest);
    if (edit === undefined) throw new ReconcileError(`cannot place the digest of '${o.name}' in ${args.file}: its entry is not a mapping`);
    edits.push(edit);
  }
  if (edits.length === 0) {
    print(io.stdout, `${args.file} is up to date`);
    return ExitCode.ok;
  }
  if (args.check) {
    print(io.stdout, `${args.file} is out of date: ${plural(edits.length, "digest")} would change`);
    return ExitCode.changes;
  }
  const bom = original[0] === 0xef && original[1] === 0xbb && original[2] === 0xbf ? "\ufeff" : "";
  const updated = bom + applyEdits(document.text, edits);
  const now = await readFile(args.file);
  if (!now.equals(original)) {
    throw new ReconcileError(`${args.file} changed while pinning; nothing written`, { hint: "run `reconcile pin` again" });
  }
  await writeFileAtomically(args.file, updated);
  log.info({ event: "pin.write", file: args.file, changed: edits.length }, "wrote digests");
  print(io.stdout, `wrote ${args.file} (${plural(edits.length, "digest")} changed)`);

  const after = validateSpec(new TextEncoder().encode(updated), { displayName: args.file, specFile: resolve(args.file), homeDir: homedir() });
  const remaining = after.diagnostics.filter((d) => d.severity === "error").length;
  if (remaining > 0) print(io.stderr, `${args.file} still has ${plural(remaining, "problem")}: run \`reconcile validate\``);
  return ExitCode.ok;
}
