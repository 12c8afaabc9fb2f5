/**
 * Upload progress: the event a transfer reports and the meter that paces and rates those events.
 * Their text for people is src/display/progress.ts.
 */

export interface TransferProgress {
  node: string;
  /** Bytes of the file on the node so far (a resumed upload starts at the .part's size). */
  sent: number;
  total: number;
  /** Bytes the node already had when this upload began (the .part it resumes); 0 for a fresh one. */
  resumedFrom: number;
  /** Over the last few seconds of this upload; 0 before anything moved. */
  bytesPerSecond: number;
  /** null while the rate is unknown. */
  etaSeconds: number | null;
}

/** Emits at most every 100 ms or every 1% of the file, and always the last event. */
const EMIT_MS = 100;
/** The rate is measured over this much recent time. */
const RATE_WINDOW_MS = 3_000;
/** No rate is given before this much of the upload has passed ("starting"). */
const RATE_MIN_MS = 500;

/** Turns the upload's acknowledged bytes into {@link TransferProgress} events, paced, with a recent rate and an ETA. */
export class ProgressMeter {
  /** Bytes this call moved. */
  sentNow = 0;
  readonly #samples: { at: number; bytes: number }[] = [];
  #lastEmit = { at: 0, sent: -1 };

  constructor(
    readonly node: string,
    readonly total: number,
    readonly start: number,
    readonly emit: ((event: TransferProgress) => void) | undefined,
  ) {
    this.#samples.push({ at: performance.now(), bytes: 0 });
  }

  get sent(): number {
    return this.start + this.sentNow;
  }

  update(sentNow: number): void {
    this.sentNow = sentNow;
    if (this.emit === undefined) return;
    const at = performance.now();
    if (at - this.#lastEmit.at < EMIT_MS && this.sent - this.#lastEmit.sent < this.total / 100 && this.sent < this.total) return;
    this.#emit(at);
  }

  finish(): void {
    if (this.emit !== undefined && this.#lastEmit.sent !== this.sent) this.#emit(performance.now());
  }

  #emit(at: number): void {
    this.#samples.push({ at, bytes: this.sentNow });
    while (this.#samples.length > 2 && (this.#samples[1]?.at ?? at) < at - RATE_WINDOW_MS) this.#samples.shift();
    const first = this.#samples[0] ?? { at, bytes: 0 };
    const seconds = (at - first.at) / 1000;
    // Over less than RATE_MIN_MS the figure is mostly the time to the first answer, not the rate.
    const bytesPerSecond = seconds * 1000 >= RATE_MIN_MS ? Math.round((this.sentNow - first.bytes) / seconds) : 0;
    const etaSeconds = bytesPerSecond > 0 ? Math.ceil((this.total - this.sent) / bytesPerSecond) : null;
    this.#lastEmit = { at, sent: this.sent };
    this.emit?.({ node: this.node, sent: this.sent, total: this.total, resumedFrom: this.start, bytesPerSecond, etaSeconds });
  }
}
