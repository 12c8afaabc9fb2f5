/**
 * Work shared by several callers that may each give up: it runs once, every caller gets its result
 * or leaves through its own signal, and it is aborted only when the last caller has left. Staging
 * uses it so that the nodes of a wave share one download or pack of an artifact.
 */

/**
 * One piece of work shared by several callers. Each caller may leave through its own signal (its
 * promise rejects with that signal's reason); the work is aborted only when no caller is left.
 * Progress goes to every caller still waiting.
 */
export class Shared<T, P> {
  readonly settled: Promise<T>;
  readonly #controller = new AbortController();
  readonly #listeners = new Set<(event: P) => void>();
  #waiting = 0;

  /** Every caller left and the work was aborted: a new caller must start it again. */
  get abandoned(): boolean {
    return this.#controller.signal.aborted;
  }

  constructor(work: (signal: AbortSignal, progress: (event: P) => void) => Promise<T>) {
    // Started on the next tick so the first caller has joined (and counts) before the work can finish.
    this.settled = Promise.resolve().then(() => work(this.#controller.signal, (event) => this.#listeners.forEach((l) => l(event))));
  }

  join(signal: AbortSignal | undefined, onProgress: ((event: P) => void) | undefined): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.#waiting++;
    const listener = onProgress === undefined ? undefined : (event: P) => onProgress(event);
    if (listener !== undefined) this.#listeners.add(listener);
    return new Promise<T>((resolve, reject) => {
      let left = false;
      const leave = () => {
        if (left) return;
        left = true;
        this.#waiting--;
        if (listener !== undefined) this.#listeners.delete(listener);
        signal?.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        leave();
        if (this.#waiting > 0) return reject(signal?.reason);
        // The last caller out stops the work and waits for its cleanup (temporary files removed).
        this.#controller.abort(signal?.reason);
        const done = () => reject(signal?.reason);
        this.settled.then(done, done);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.settled.then(
        (value) => {
          leave();
          resolve(value);
        },
        (error: unknown) => {
          leave();
          reject(error);
        },
      );
    });
  }
}
