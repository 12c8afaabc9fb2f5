/**
 * The Prefect REST API client (issue 12, item 1): HTTP/1.1 over a channel the server node's SSH
 * connection forwards to 127.0.0.1:<prefect port> (no port needs opening), Basic auth from the
 * auth string, a bound on every request, retries with backoff on connection errors and 5xx,
 * paging on the `/filter` list endpoints, and the server's version.
 *
 * STUB: the interface is fixed here so the pieces built on it can be written at once; the
 * implementation lands with its tests.
 */
import type { Transport } from "./transport.js";

export interface PrefectApiOptions {
  /** The Prefect server's port on the server node's loopback (`server.prefect.port`). */
  port: number;
  /** `user:password` (Prefect's auth string), or null when the server has none. Never logged. */
  authString: string | null;
  /** Cancels every request of this client. */
  signal?: AbortSignal;
  /** Bound on one request (connect, send, answer), default 30 s. */
  timeoutMs?: number;
  /** Attempts for connection errors and 5xx (not 4xx), default 4, with exponential backoff from `retryDelayMs` (default 500). */
  attempts?: number;
  retryDelayMs?: number;
}

export type HttpMethod = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

export interface ApiResponse {
  status: number;
  /** Parsed JSON, or null for an empty body (204). */
  body: unknown;
}

/**
 * An answer the server gave that is not what the call wanted (4xx, or 5xx after the retries), or
 * no answer at all. `reason` is the server's own words (`detail`, or the 422 details joined).
 */
export class PrefectApiError extends Error {
  constructor(
    readonly method: HttpMethod,
    readonly path: string,
    /** HTTP status, or null when no answer came (connection, timeout). */
    readonly status: number | null,
    readonly reason: string,
  ) {
    super(`${method} ${path}: ${status === null ? "" : `${status} `}${reason}`);
    this.name = "PrefectApiError";
  }
}

export interface PrefectApi {
  /** `GET /api/admin/version`, cached after the first call: "3.4.25". */
  version(): Promise<string>;
  /**
   * One request to `/api<path>` (path starts with `/`). Resolves with any status the caller
   * lists in `expect` (default: 2xx); rejects PrefectApiError otherwise.
   */
  request(method: HttpMethod, path: string, body?: unknown, options?: { expect?: readonly number[] }): Promise<ApiResponse>;
  /** POST `<path>` (a `/filter` endpoint) page by page (limit 200) until a short page: every item. */
  list(path: string, body?: Record<string, unknown>): Promise<unknown[]>;
  close(): Promise<void>;
}

/** Opens a client over `transport` (the server node's connection). */
export function openPrefectApi(transport: Transport, options: PrefectApiOptions): PrefectApi {
  void transport;
  void options;
  throw new Error("not implemented yet");
}
