/** Command output kept up to a bound, for the remote commands (ssh-transport.ts) and the local ones (local-process.ts). */

/** Keeps the first `limit` bytes of a stream and drops the rest, remembering that it did. */
export class CappedBuffer {
  readonly #chunks: Buffer[] = [];
  #size = 0;
  truncated = false;
  constructor(readonly limit: number) {}
  push(chunk: Buffer): void {
    const room = this.limit - this.#size;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.#chunks.push(kept);
    this.#size += kept.length;
  }
  text(): string {
    return Buffer.concat(this.#chunks).toString("utf8");
  }
}
