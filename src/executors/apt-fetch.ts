/**
 * The I/O of `reconcile fetch` for deb sets: apt-get on the controller under a private apt root per
 * target node (planner/fetch.ts builds its configuration: nothing of the host's /etc/apt is read),
 * then the downloaded .deb files written as the artifact's folder with its SHA256SUMS manifest,
 * swapped in whole.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { access, chmod, copyFile, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { FileError, ReconcileError, ioReason } from "../errors.js";
import type { Logger } from "../log.js";
import { DEB_MANIFEST, formatManifest } from "../spec/deb-manifest.js";
import { aptArchives, aptCommands, aptConfig, aptDirs, sourcesList, type AptSources, type DebFetch } from "../planner/fetch.js";
import { sha256File, writeFileAtomically } from "./local-files.js";

/** apt-get is not on this machine's PATH. */
export class AptMissingError extends ReconcileError {
  constructor() {
    super("reconcile fetch needs apt-get on this machine (Debian or Ubuntu) to resolve deb sets", {
      hint: "run `reconcile fetch` on a Debian or Ubuntu machine with internet access (or a mirror); URL artifacts need no apt",
    });
  }
}

export interface AptOptions {
  /** The environment apt-get runs with (its PATH finds apt-get); APT_CONFIG and LC_ALL are set over it. */
  env: Readonly<Record<string, string | undefined>>;
  /** Where the private apt roots are made (the system's temp folder). */
  tmpDir: string;
  sources: AptSources;
  signal?: AbortSignal;
  log?: Logger;
  /** Default "apt-get" (looked up in `env.PATH`). */
  aptGet?: string;
}

export interface DownloadedDeb {
  file: string;
  path: string;
  bytes: number;
}

const OUTPUT_LIMIT = 64 * 1024;

/** Runs apt-get; resolves with its output, rejects with what apt said when it fails. */
function runApt(args: readonly string[], env: Record<string, string>, options: AptOptions, what: string): Promise<string> {
  const aptGet = options.aptGet ?? "apt-get";
  return new Promise((resolve, reject) => {
    let output = "";
    const child = spawn(aptGet, args, { env, stdio: ["ignore", "pipe", "pipe"], ...(options.signal === undefined ? {} : { signal: options.signal }) });
    const take = (chunk: Buffer) => {
      if (output.length < OUTPUT_LIMIT) output += chunk.toString("utf8");
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (options.signal?.aborted === true) reject(options.signal.reason);
      else if (error.code === "ENOENT") reject(new AptMissingError());
      else reject(new ReconcileError(`${what}: cannot run ${aptGet}: ${ioReason(error)}`));
    });
    child.on("close", (code, signal) => {
      if (options.signal?.aborted === true) return reject(options.signal.reason);
      if (code === 0) return resolve(output);
      const said = output.split("\n").filter((l) => /^(E|W|Err):/.test(l));
      const why = (said.length > 0 ? said : output.split("\n").filter((l) => l.trim() !== "").slice(-3)).join("; ").slice(0, 1000);
      reject(new ReconcileError(`${what}: apt-get ${args.includes("update") ? "update" : "install --download-only"} ${code === null ? `was killed (${signal})` : `exited with ${code}`}${why === "" ? "" : `: ${why}`}`));
    });
  });
}

async function debsIn(folder: string): Promise<DownloadedDeb[]> {
  const out: DownloadedDeb[] = [];
  for (const e of await readdir(folder, { withFileTypes: true })) {
    if (!e.isFile() || !e.name.endsWith(".deb")) continue;
    const path = join(folder, e.name);
    out.push({ file: e.name, path, bytes: (await stat(path)).size });
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/**
 * Resolves `job` against each target's dpkg status and downloads what the targets lack: the union,
 * by file name, of what apt fetched for each. Call `cleanup` once the files are copied.
 */
export async function downloadDebs(job: DebFetch, options: AptOptions): Promise<{ debs: DownloadedDeb[]; cleanup: () => Promise<void> }> {
  try {
    await access(options.sources.keyring);
  } catch {
    throw new FileError(`cannot read the Debian archive keyring ${options.sources.keyring}`, { hint: "install it with `apt-get install debian-archive-keyring`, or name one with --keyring" });
  }
  const roots: string[] = [];
  const cleanup = async () => {
    for (const r of roots) await rm(r, { recursive: true, force: true });
  };
  try {
    const union = new Map<string, DownloadedDeb>();
    for (const target of job.targets) {
      const what = `artifact ${job.artifact} (node ${target.node}, ${job.release.codename} ${job.release.arch})`;
      const root = await mkdtemp(join(options.tmpDir, "reconcile-apt-"));
      roots.push(root);
      for (const d of aptDirs(root)) await mkdir(d, { recursive: true });
      const statusFile = join(root, "status");
      const config = join(root, "etc", "apt.conf");
      await writeFile(statusFile, target.status);
      await writeFile(config, aptConfig(root, statusFile, job.release.arch));
      await writeFile(join(root, "etc", "sources.list"), sourcesList(job.release.codename, options.sources));
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(options.env)) if (v !== undefined && !k.startsWith("APT_")) env[k] = v;
      Object.assign(env, { APT_CONFIG: config, LC_ALL: "C", DEBIAN_FRONTEND: "noninteractive" });
      for (const args of aptCommands(root, statusFile, job.packages)) {
        const started = performance.now();
        await runApt(args, env, options, what);
        options.log?.info({ event: "fetch.apt", artifact: job.artifact, node: target.node, args, durationMs: Math.round(performance.now() - started) }, `apt-get ${args.includes("update") ? "update" : "install --download-only"}`);
      }
      for (const deb of await debsIn(aptArchives(root))) if (!union.has(deb.file)) union.set(deb.file, deb);
    }
    return { debs: [...union.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)), cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * Writes `debs` as the deb set in `folder` with its manifest: into a new folder beside it, then
 * swapped in with renames, so the folder holds the old set or the new one, never a mix (a crash
 * between the two renames leaves the old set in `<folder>.fetch-*.old`). Returns the manifest's
 * sha256, the artifact's pin.
 */
export async function writeDebSet(folder: string, debs: readonly DownloadedDeb[]): Promise<{ sha256: string; files: number; bytes: number }> {
  const parent = dirname(folder);
  try {
    await mkdir(parent, { recursive: true });
    const staging = await mkdtemp(join(parent, `.${basename(folder)}.fetch-`));
    await chmod(staging, 0o755); // mkdtemp makes it 0700; a deb set folder is an ordinary one
    try {
      const entries = [];
      let bytes = 0;
      for (const deb of debs) {
        const to = join(staging, deb.file);
        await copyFile(deb.path, to);
        entries.push({ file: deb.file, sha256: await sha256File(to) });
        bytes += deb.bytes;
      }
      const manifest = formatManifest(entries);
      await writeFileAtomically(join(staging, DEB_MANIFEST), manifest);
      const old = `${staging}.old`;
      let moved = false;
      try {
        await rename(folder, old);
        moved = true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
      try {
        await rename(staging, folder);
      } catch (error) {
        if (moved) await rename(old, folder);
        throw error;
      }
      if (moved) await rm(old, { recursive: true, force: true });
      return { sha256: createHash("sha256").update(manifest).digest("hex"), files: entries.length, bytes };
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
  } catch (error) {
    if (error instanceof ReconcileError) throw error;
    throw new FileError(`cannot write the deb set ${folder}: ${ioReason(error)}`, { cause: error });
  }
}
