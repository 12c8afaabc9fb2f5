/**
 * Upload progress for people. On a terminal: one live line for the uploads under way (per
 * artifact the nodes and their percent, the total bytes/s, the longest time left), rewritten in place, and cleared before any other line is printed so the
 * output never tangles. Elsewhere (a pipe, a CI log): a plain line per upload at 25, 50 and 75%;
 * the caller prints when each one is done. The lines' text is display/progress.ts; this view
 * decides when they are printed and draws them on the terminal.
 */
import type { TransferProgress } from "../executors/transfer-progress.js";
import { uploadLine, uploadsLine, type Upload } from "../display/progress.js";
import { print, type CliIO } from "./io.js";

type Stream = CliIO["stdout"] & { columns?: number };

/** How often the live line is redrawn at most. */
const REDRAW_MS = 200;

export class ProgressView {
  readonly #out: Stream;
  readonly #now: () => number;
  /** Uploads under way, by key: the latest event and what is being sent. */
  readonly #uploads = new Map<string, Upload>();
  /** Plain mode: the last quarter printed per upload. */
  readonly #quarters = new Map<string, number>();
  #drawn = false;
  #closed = false;
  #lastDraw = Number.NEGATIVE_INFINITY;

  /**
   * @example
   * const progress = new ProgressView(io.stdout);
   * transferArtifact(t, target, { onProgress: (e) => progress.update(`${node}/${name}`, name, e) });
   * progress.print(io.stdout, `node ${node}: ${name} sent`);
   */
  constructor(out: Stream, now: () => number = Date.now) {
    this.#out = out;
    this.#now = now;
  }

  get #live(): boolean {
    return this.#out.isTTY === true && !this.#closed;
  }

  /** A new figure for the upload `key` (sending `what`); an upload at its total leaves the line. */
  update(key: string, what: string, event: TransferProgress): void {
    const done = event.sent >= event.total;
    if (this.#closed) return;
    if (!this.#live) {
      const quarter = event.total === 0 ? 4 : Math.floor((event.sent / event.total) * 4);
      // A resumed upload starts where the last run stopped: the quarters behind it are not news.
      if (!this.#quarters.has(key) && event.total > 0) this.#quarters.set(key, Math.floor((event.resumedFrom / event.total) * 4));
      // An upload sent again from the start (its resumed part did not verify) counts afresh.
      if (quarter < (this.#quarters.get(key) ?? 0)) this.#quarters.set(key, quarter);
      if (!done && quarter > (this.#quarters.get(key) ?? 0)) {
        this.#quarters.set(key, quarter);
        print(this.#out, uploadLine({ event, what }));
      }
      return;
    }
    if (done) this.#uploads.delete(key);
    else this.#uploads.set(key, { event, what });
    const now = this.#now();
    if (done || now - this.#lastDraw >= REDRAW_MS) {
      this.#lastDraw = now;
      this.#draw();
    }
  }

  /** The upload `key` ended, whether it finished, failed or was cancelled: it leaves the line. */
  done(key: string): void {
    this.#quarters.delete(key);
    if (this.#uploads.delete(key)) this.#draw();
  }

  /** No more live line from here on (late progress of cancelled uploads included); clears it. */
  close(): void {
    this.clear();
    this.#closed = true;
  }

  /** Prints a line (on stdout or stderr) above the live line. */
  print(stream: CliIO["stdout"], line = ""): void {
    this.clear();
    print(stream, line);
    this.#draw();
  }

  /** Takes the live line off the terminal (before exiting, or before other output). */
  clear(): void {
    if (!this.#drawn) return;
    this.#out.write("\r\x1b[K");
    this.#drawn = false;
  }

  #draw(): void {
    if (!this.#live) return;
    if (this.#uploads.size === 0) return this.clear();
    const text = uploadsLine(this.#uploads.values(), this.#out.columns);
    this.#out.write(`\r\x1b[K${text}`);
    this.#drawn = true;
  }
}
