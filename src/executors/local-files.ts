/**
 * Local file effects on the controller: streaming digests and atomic writes.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import writeFileAtomic from "write-file-atomic";
import { FileError, ioReason } from "../errors.js";

/**
 * Read size for hashing local files: 1 MiB reads hash 200 MiB in about 0.16 s here, against 0.4 s
 * with the 64 KiB default (fewer chunks through the stream machinery), still in constant memory.
 */
export const HASH_READ_BYTES = 1024 * 1024;

/** sha256 of a file, streamed in constant memory. */
export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash("sha256");
  try {
    await pipeline(createReadStream(path, { highWaterMark: HASH_READ_BYTES }), hash, signal === undefined ? {} : { signal });
  } catch (error) {
    throw new FileError(`cannot read ${path}: ${ioReason(error)}`, { cause: error });
  }
  return hash.digest("hex");
}

/**
 * Writes a file atomically: a temporary file beside it, fsync, rename over the target. Readers see
 * the old or the new content, never a mix; the mode and owner of an existing file are kept.
 */
export async function writeFileAtomically(path: string, data: string | Buffer, options: { mode?: number } = {}): Promise<void> {
  try {
    await writeFileAtomic(path, data, { fsync: true, ...(options.mode === undefined ? {} : { mode: options.mode }) });
  } catch (error) {
    throw new FileError(`cannot write ${path}: ${ioReason(error)}`, { cause: error });
  }
}

export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new FileError(`cannot read ${path}: ${ioReason(error)}`, { cause: error });
  }
}

/** The .deb files of a deb set folder, sorted by name. */
export async function listDebs(folder: string): Promise<string[]> {
  try {
    const entries = await readdir(folder, { withFileTypes: true });
    return entries.filter((e) => e.isFile() && e.name.endsWith(".deb")).map((e) => e.name).sort();
  } catch (error) {
    throw new FileError(`cannot list ${folder}: ${ioReason(error)}`, { cause: error });
  }
}
