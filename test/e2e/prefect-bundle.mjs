/**
 * The real Prefect 3.4.25 (server, process worker and web UI; ../shared/prefect/README.md), built
 * by the shared build script into the test cache once (about 100 s the first time, then 0.1 s).
 * To reconcile it is an ordinary `tar` artifact whose environment sits under one top folder.
 * Plain JavaScript so the demo and the benchmarks use it without a build step.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const PREFECT_VERSION = "3.4.25";
/** The archive's top folder: the artifact's `path`. */
export const BUNDLE_FOLDER = `prefect-${PREFECT_VERSION}`;

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const OUT_DIR = process.env.PREFECT_BUNDLE_DIR ?? "/var/cache/prefect-reconcile/bundle";

/**
 * The build script: `PREFECT_BUNDLE_BUILDER`, or the shared folder beside this repository, or the
 * one this machine kind keeps at /work/shared (a clone elsewhere, as CI may make).
 */
function builder() {
  const candidates = [process.env.PREFECT_BUNDLE_BUILDER, join(REPO, "..", "shared", "prefect", "build-bundle.sh"), "/work/shared/prefect/build-bundle.sh"].filter((c) => c !== undefined);
  const found = candidates.find((c) => existsSync(c));
  if (found === undefined) throw new Error(`the Prefect bundle's build script is not at ${candidates.join(" or ")}; set PREFECT_BUNDLE_BUILDER`);
  return found;
}

let built;

/**
 * Builds (or finds in the cache) the bundle: its file and sha256.
 * @returns {{ file: string, sha256: string }}
 */
export function prefectBundle() {
  if (built !== undefined) return built;
  const out = execFileSync(builder(), [OUT_DIR], { encoding: "utf8", timeout: 20 * 60_000, stdio: ["ignore", "pipe", "inherit"] });
  const last = out.trim().split("\n").at(-1) ?? "";
  const match = /^([0-9a-f]{64}) {2}(\S+)$/.exec(last);
  if (match === null) throw new Error(`the bundle's build script did not end with "<sha256>  <file>": ${last}`);
  built = { sha256: match[1], file: match[2] };
  return built;
}
