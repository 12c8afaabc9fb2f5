/**
 * {@link RemoteFiles} over one ssh2 SFTP session, promise-based, with a no-progress watchdog: a
 * session that answers nothing for the node's `ssh.progressTimeout` while requests wait fails them
 * all and is ended. The transport opens the session and hands it over.
 */
import type { SFTPWrapper } from "ssh2";
import { ConnectError, RemoteCommandError } from "../errors.js";
import { mapSftpError } from "./ssh-errors.js";
import type { RemoteFiles, RemoteHandle } from "./transport.js";

type ReconcileErrorLike = ConnectError | RemoteCommandError;

/**
 * {@link RemoteFiles} over one SFTP session. Each request settles: the node's answer; at once when
 * the connection breaks ({@link fail}, called by the transport) or the session closes; or, when the
 * session has answered nothing at all for `timeoutMs` while requests wait (the "no progress" bound:
 * a slow link that keeps acknowledging writes is progress, however long a queued request waits),
 * every pending request fails and the session is ended, so the next try starts clean instead of
 * queueing behind what the node never answered.
 */
export class SftpFiles implements RemoteFiles {
  /** Why this session is over; later requests fail at once with it. */
  #ended: ReconcileErrorLike | undefined;
  /** Requests waiting for their answer: how to fail each, and what it was for (the oldest first). */
  readonly #pending = new Map<number, { what: string; fail: (error: Error) => void }>();
  #nextId = 0;
  /** When the session last answered anything. */
  #lastAnswer = performance.now();
  #watchdog: NodeJS.Timeout | undefined;

  constructor(
    readonly node: string,
    readonly sftp: SFTPWrapper,
    readonly timeoutMs: number,
    /** Wraps a connection error with what was under way. */
    readonly lostDuring: (what: string, error: ConnectError) => ConnectError,
  ) {
    sftp.once("close", () => this.#end(new ConnectError(node, "closed", "the node closed the SFTP session", { why: "the node closed the SFTP session" })));
  }

  open(path: string, flags: "w" | "r+"): Promise<RemoteHandle> {
    return this.#request(`open ${path}`, (cb) => this.sftp.open(path, flags, cb));
  }

  write(handle: RemoteHandle, buffer: Buffer, offset: number, length: number, position: number): Promise<void> {
    return this.#request(`write to the upload at ${position}`, (cb) => this.sftp.write(handle, buffer, offset, length, position, (error) => cb(error)));
  }

  truncate(handle: RemoteHandle, size: number): Promise<void> {
    return this.#request(`cut the upload to ${size} bytes`, (cb) => this.sftp.fsetstat(handle, { size }, (error) => cb(error)));
  }

  close(handle: RemoteHandle): Promise<void> {
    return this.#request("close the upload", (cb) => this.sftp.close(handle, (error) => cb(error)));
  }

  /** This session is done (it stalled, closed, or its connection broke): the transport opens another. */
  get ended(): boolean {
    return this.#ended !== undefined;
  }

  /** The connection broke: every pending request fails now, naming what it was for. */
  fail(error: ConnectError): void {
    this.#end(error);
  }

  #end(error: ReconcileErrorLike): void {
    this.#ended ??= error;
    clearInterval(this.#watchdog);
    this.#watchdog = undefined;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.fail(error instanceof ConnectError ? this.lostDuring(`the SFTP request to ${p.what}`, error) : error);
  }

  #request<T>(what: string, call: (cb: (error: Error | null | undefined, value?: T) => void) => void): Promise<T> {
    const ended = this.#ended;
    if (ended !== undefined) return Promise.reject(ended instanceof ConnectError ? this.lostDuring(`the SFTP request to ${what}`, ended) : ended);
    return new Promise<T>((resolve, reject) => {
      const id = this.#nextId++;
      if (this.#pending.size === 0) this.#lastAnswer = performance.now();
      this.#pending.set(id, { what, fail: reject });
      this.#arm();
      const answer = (error: Error | null | undefined, value?: T) => {
        if (!this.#pending.delete(id)) return; // already failed by the watchdog or a break
        this.#lastAnswer = performance.now();
        if (this.#pending.size === 0) {
          clearInterval(this.#watchdog);
          this.#watchdog = undefined;
        }
        if (error === undefined || error === null) resolve(value as T);
        else reject(mapSftpError(this.node, what, error));
      };
      try {
        call(answer);
      } catch (error) {
        // ssh2 throws at once when its socket has already ended ("Not connected").
        answer(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Checks a few times per bound whether the session went silent while requests wait. */
  #arm(): void {
    if (this.#watchdog !== undefined) return;
    this.#watchdog = setInterval(() => {
      if (this.#pending.size === 0 || performance.now() - this.#lastAnswer < this.timeoutMs) return;
      const oldest = this.#pending.values().next().value?.what ?? "a request";
      this.sftp.end();
      this.#end(
        new RemoteCommandError(this.node, "stalled", `no answer from the node for ${Math.round(this.timeoutMs / 100) / 10} s to the SFTP request to ${oldest}`, {
          hint: "the node or its disk is stuck, or the link is too slow; raise ssh.progressTimeout in cluster.yaml for slow links",
        }),
      );
    }, Math.max(10, Math.min(1_000, this.timeoutMs / 4)));
    this.#watchdog.unref();
  }
}
