/**
 * Local file effects on the controller: streaming digests and atomic writes.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { Writable, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import writeFileAtomic from "write-file-atomic";
import { FileError, ioReason } from "../errors.js";

/**
 * Read size for hashing local files: 1 MiB reads hash 200 MiB in about 0.16 s here, against 0.4 s
 * with the 64 KiB default (fewer chunks through the stream machinery), still in constant memory.
 */
const HASH_READ_BYTES = 1024 * 1024;

/**
 * sha256 and size of everything `source` yields, in constant memory; `onBytes` hears the count so
 * far after each chunk. Rejects with the stream's own error (callers say what was being read).
 */
export async function hashStream(source: NodeJS.ReadableStream | AsyncIterable<Buffer>, options: { signal?: AbortSignal; onBytes?: (bytes: number) => void } = {}): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      options.onBytes?.(bytes);
      done();
    },
  });
  await pipeline(source, sink, options.signal === undefined ? {} : { signal: options.signal });
  return { sha256: hash.digest("hex"), bytes };
}

/** A local file to read for hashing (1 MiB reads). */
export function readForHash(path: string): Readable {
  return createReadStream(path, { highWaterMark: HASH_READ_BYTES });
}

/** sha256 of a file, streamed in constant memory. */
export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  try {
    return (await hashStream(readForHash(path), signal === undefined ? {} : { signal })).sha256;
  } catch (error) {
    throw new FileError(`cannot read ${path}: ${ioReason(error)}`, { cause: error });
  }
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
