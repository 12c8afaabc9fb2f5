/**
 * The transfer's protocol with the node: the shell scripts run there (as root) to prepare an
 * upload, verify it and measure free space, and the parsers of what they print. Pure: each
 * command is built from a {@link TransferTarget} and each answer read from stdout.
 */
import { SHA256, completeMarker, incomingDir, incomingFile, partFile } from "../facts/layout.js";
import { shellQuote } from "./transport.js";

/** What to send and where. */
export interface TransferTarget {
  /** The node's managed root (`/opt/prefect`). */
  root: string;
  /** sha256 of the bytes sent (the staged file's): names `store/.incoming/<sha>`. */
  sha256: string;
  /** What is sent, for messages (`prefect-env`); default the digest's first 12 characters. */
  label?: string;
  localPath: string;
  bytes: number;
  /**
   * The store folder install makes of it, when not named by `sha256` (a deb set is stored under
   * its manifest's digest but sent as a tar): its `.complete` also means "nothing to send".
   */
  storeSha256?: string;
  /**
   * The store folder is there with its `.complete` but its content was found changed (a deep
   * gathering): the marker does not mean "nothing to send", the artifact is sent again for
   * install to repair the folder.
   */
  repair?: boolean;
}

/** How the node stands for one digest, as {@link prepareCommand} reports it. */
export type RemoteUploadState = { state: "complete" } | { state: "incoming" } | { state: "part"; bytes: number };

/** Where an upload of `target` lives on the node. */
export const uploadPaths = (target: TransferTarget) => ({
  incoming: incomingDir(target.root),
  part: partFile(target.root, target.sha256),
  final: incomingFile(target.root, target.sha256),
  complete: completeMarker(target.root, target.storeSha256 ?? target.sha256),
});

/** Throws (a bug, not a user error) unless the digests are sha256 and the size is a byte count. */
export function checkTarget(target: TransferTarget): void {
  if (!SHA256.test(target.sha256)) throw new Error(`not a sha256: ${target.sha256}`);
  if (target.storeSha256 !== undefined && !SHA256.test(target.storeSha256)) throw new Error(`not a sha256: ${target.storeSha256}`);
  if (!Number.isSafeInteger(target.bytes) || target.bytes < 0) throw new Error(`bad size: ${target.bytes}`);
}

/**
 * The command (run as root) that says what the node has for this digest and, when an upload is
 * needed, makes sure `store/.incoming/<sha>.part` exists and belongs to the SSH user (who owns the
 * SFTP session; `SUDO_USER` under sudo, else the user itself). A finished upload of the wrong size
 * is removed. Prints one line: `complete`, `incoming` or `part <size>`. For a folder to repair
 * (`target.repair`) the store's `.complete` is not looked at.
 */
export function prepareCommand(target: TransferTarget): string {
  checkTarget(target);
  const p = uploadPaths(target);
  return [
    "set -e",
    `c=${shellQuote(p.complete)} f=${shellQuote(p.final)} d=${shellQuote(p.incoming)} p=${shellQuote(p.part)}`,
    ...(target.repair === true ? [] : [`if [ -f "$c" ]; then echo complete; exit 0; fi`]),
    `if [ -f "$f" ] && [ "$(stat -c %s "$f")" = ${target.bytes} ]; then echo incoming; exit 0; fi`,
    `rm -f "$f"`,
    `mkdir -p "$d"`,
    `[ -f "$p" ] || : > "$p"`,
    `chown "\${SUDO_USER:-$(id -un)}" "$p"`,
    `chmod 0600 "$p"`,
    `echo "part $(stat -c %s "$p")"`,
  ].join("\n");
}

/** Parses {@link prepareCommand}'s output; null when it is something else. */
export function parsePrepare(stdout: string): RemoteUploadState | null {
  const line = stdout.trim().split("\n").at(-1) ?? "";
  if (line === "complete" || line === "incoming") return { state: line };
  const m = /^part (\d+)$/.exec(line);
  return m === null ? null : { state: "part", bytes: Number(m[1]) };
}

/**
 * Sets the shell variable `variable` to the sha256 (hex) of the file `pathExpr` (a shell word) on the
 * node. OpenSSL uses the CPU's SHA instructions where coreutils' sha256sum does not (200 MiB:
 * 0.14 s against 0.9 s on the test machine, so four nodes hashing at once no longer fill the
 * host); sha256sum is the fallback where `openssl` is missing or fails.
 */
export function sha256Into(variable: string, pathExpr: string): string {
  return [`${variable}=$(openssl dgst -sha256 -r < ${pathExpr} 2>/dev/null) || ${variable}=$(sha256sum < ${pathExpr})`, `${variable}=\${${variable}%% *}`].join("\n");
}

/**
 * The command (run as root) that checks the uploaded .part: its size, then its sha256. On a match
 * the .part becomes root's, 0644, and is renamed to `store/.incoming/<sha>` (prints `ok`); else it
 * is deleted and the line says why (`size <n>`, `mismatch <sha>`, `missing`).
 */
export function verifyCommand(target: TransferTarget): string {
  checkTarget(target);
  const p = uploadPaths(target);
  return [
    "set -e",
    `f=${shellQuote(p.final)} p=${shellQuote(p.part)}`,
    `size=$(stat -c %s "$p" 2>/dev/null) || { echo missing; exit 0; }`,
    `if [ "$size" != ${target.bytes} ]; then rm -f "$p"; echo "size $size"; exit 0; fi`,
    sha256Into("got", '"$p"'),
    `if [ "$got" != ${target.sha256} ]; then rm -f "$p"; echo "mismatch $got"; exit 0; fi`,
    `if [ "$(id -u)" = 0 ]; then chown 0:0 "$p"; fi`,
    `chmod 0644 "$p"`,
    `mv -f "$p" "$f"`,
    "echo ok",
  ].join("\n");
}

export type VerifyOutcome = { ok: true } | { ok: false; why: string };

export function parseVerify(stdout: string): VerifyOutcome | null {
  const line = stdout.trim().split("\n").at(-1) ?? "";
  if (line === "ok") return { ok: true };
  if (line === "missing") return { ok: false, why: "the .part is gone" };
  let m = /^size (\d+)$/.exec(line);
  if (m !== null) return { ok: false, why: `it has ${m[1]} bytes` };
  m = /^mismatch ([0-9a-f]{64})$/.exec(line);
  if (m !== null) return { ok: false, why: `it has sha256 ${m[1]}` };
  return null;
}
/**
 * The command that measures the file system holding `dir` (or its nearest existing parent): prints
 * the folder measured, then `df -Pk`'s row for it.
 */
export function spaceCommand(dir: string): string {
  return `d=${shellQuote(dir)}; while [ ! -e "$d" ]; do d=$(dirname "$d"); done; printf '%s\\n' "$d"; df -Pk "$d" | tail -n 1`;
}

/** Parses {@link spaceCommand}'s output: bytes available and the mount point; null when unreadable. */
export function parseSpace(stdout: string): { availableBytes: number; mount: string } | null {
  const [, row] = stdout.split("\n");
  // Filesystem 1024-blocks Used Available Capacity Mounted-on (either may hold spaces)
  const m = /^.+?\s+\d+\s+\d+\s+(\d+)\s+\d+%\s+(.+)$/.exec(row?.trim() ?? "");
  return m === null ? null : { availableBytes: Number(m[1]) * 1024, mount: m[2] ?? "" };
}
