/**
 * The Prefect REST API client (issue 12, item 1): HTTP/1.1 over a channel the server node's SSH
 * connection forwards to 127.0.0.1:<prefect port> (no port needs opening), Basic auth from the
 * auth string, a bound on every request, retries with backoff on connection errors and 5xx,
 * paging on the `/filter` list endpoints, and the server's version.
 *
 * Channels are kept alive between requests (an http.Agent whose sockets are forwarded channels),
 * so a run opens a handful of channels, not one per request: each costs a round trip to the node.
 */
import { Agent, request as httpRequest, type AgentOptions, type ClientRequest, type ClientRequestArgs, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { ReconcileError } from "../errors.js";
import type { Logger } from "../log.js";
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
  /** Channels open at once (requests beyond wait for a free one), default {@link DEFAULT_API_CHANNELS}. */
  maxChannels?: number;
  /** Each request's method, path, status and duration at debug level (never bodies or headers). */
  logger?: Logger;
}

/** Channels a client opens at once by default: the four kinds of API facts are read in parallel. */
export const DEFAULT_API_CHANNELS = 4;
/** Page size of {@link PrefectApi.list}: the most a Prefect server hands out in one answer. */
export const API_PAGE_LIMIT = 200;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_ATTEMPTS = 4;
const DEFAULT_RETRY_DELAY_MS = 500;
/** How much of a body that is not Prefect's JSON error shape goes into a reason. */
const REASON_TEXT_MAX = 200;

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
export class PrefectApiError extends ReconcileError {
  constructor(
    readonly method: HttpMethod,
    readonly path: string,
    /** HTTP status, or null when no answer came (connection, timeout, abort). */
    readonly status: number | null,
    readonly reason: string,
    options: { node?: string; hint?: string; cause?: unknown } = {},
  ) {
    const where = options.node === undefined ? "" : `Prefect API on ${options.node}: `;
    super(`${where}${method} ${path}: ${status === null ? "" : `${status} `}${reason}`, {
      ...(options.hint === undefined ? {} : { hint: options.hint }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
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

/**
 * The server's own words for a failed answer: `detail` (a string, or FastAPI's list of
 * `{loc, msg}`), the 422 `exception_detail` items, `exception_message`, else the body text, short.
 *
 * @example
 * errorReason('{"detail":"Work pool \\"x\\" not found."}') // 'Work pool "x" not found.'
 * errorReason('{"exception_detail":[{"loc":["body","schedule"],"msg":"Extra inputs are not permitted"}]}')
 * // 'body.schedule: Extra inputs are not permitted'
 */
export function errorReason(text: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed === "object" && parsed !== null) {
    const o = parsed as Record<string, unknown>;
    for (const value of [o.detail, o.exception_detail]) {
      if (typeof value === "string" && value !== "") return value;
      const joined = Array.isArray(value) ? joinDetails(value) : "";
      if (joined !== "") return joined;
    }
    if (typeof o.exception_message === "string" && o.exception_message !== "") return o.exception_message;
  }
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat === "") return "(no answer body)";
  return flat.length > REASON_TEXT_MAX ? `${flat.slice(0, REASON_TEXT_MAX)}…` : flat;
}

/** `loc.path: msg; other.loc: msg` from FastAPI/pydantic validation items. */
function joinDetails(items: readonly unknown[]): string {
  return items
    .map((item) => {
      if (typeof item === "string") return item;
      if (typeof item !== "object" || item === null) return "";
      const { loc, msg } = item as { loc?: unknown; msg?: unknown };
      const where = Array.isArray(loc) ? loc.map(String).join(".") : "";
      const what = typeof msg === "string" ? msg : "";
      return where === "" ? what : `${where}: ${what}`;
    })
    .filter((s) => s !== "")
    .join("; ");
}

/**
 * The http.Agent socket methods a forwarded channel (ssh2's Channel, a plain Duplex in tests)
 * lacks: keep-alive bookkeeping calls them on every socket. The channel has no TCP options of its
 * own (the SSH connection has its keepalive) and the request bound is kept by the client.
 */
function socketShims(stream: Duplex): Duplex {
  const s = stream as Duplex & Partial<Record<"setKeepAlive" | "setNoDelay" | "setTimeout" | "ref" | "unref", unknown>>;
  for (const name of ["setKeepAlive", "setNoDelay", "setTimeout", "ref", "unref"] as const) {
    if (typeof s[name] !== "function") s[name] = () => stream;
  }
  // The server closed its side (after an error answer, say): an ssh2 channel stays half open, and
  // the agent would send the next request into it and wait for an answer that never comes. A
  // channel the server ended is done: destroyed, the agent drops it and opens another.
  stream.once("end", () => stream.destroy());
  return stream;
}

/** An http.Agent whose connections are channels forwarded by the node's SSH connection. */
class ForwardAgent extends Agent {
  constructor(
    private readonly transport: Transport,
    private readonly port: number,
    options: AgentOptions,
  ) {
    super(options);
  }

  override createConnection(_options: ClientRequestArgs, callback?: (error: Error | null, stream: Duplex) => void): undefined {
    this.transport.forward(this.port).then(
      (stream) => callback?.(null, socketShims(stream)),
      (error: unknown) => callback?.(error instanceof Error ? error : new Error(String(error)), undefined as unknown as Duplex),
    );
    return undefined;
  }
}

/** Why a request got no answer, for a PrefectApiError with status null. */
class NoAnswer extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly aborted = false,
  ) {
    super(message);
  }
}

/** Opens a client over `transport` (the server node's connection). */
export function openPrefectApi(transport: Transport, options: PrefectApiOptions): PrefectApi {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const attempts = Math.max(1, options.attempts ?? DEFAULT_ATTEMPTS);
  const retryDelayMs = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  const agent = new ForwardAgent(transport, options.port, { keepAlive: true, maxSockets: options.maxChannels ?? DEFAULT_API_CHANNELS });
  const authorization = options.authString === null ? null : `Basic ${Buffer.from(options.authString).toString("base64")}`;
  const node = transport.node;
  const log = options.logger;
  let closed = false;
  let cachedVersion: Promise<string> | undefined;

  const fail = (method: HttpMethod, path: string, status: number | null, reason: string, extra: { hint?: string; cause?: unknown } = {}) =>
    new PrefectApiError(method, path, status, reason, { node, ...extra });

  /** One attempt: resolves with the status and the raw body, rejects NoAnswer. */
  function once(method: HttpMethod, path: string, payload: string | null): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let req: ClientRequest | undefined;
      const finish = (error: NoAnswer | null, result?: { status: number; text: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
        if (error === null && result !== undefined) resolve(result);
        else {
          req?.destroy();
          reject(error ?? new NoAnswer("no answer"));
        }
      };
      const onAbort = () => finish(new NoAnswer("aborted", undefined, true));
      const timer = setTimeout(
        () => finish(new NoAnswer(`no answer within ${timeoutMs} ms`, "the server may be overloaded or stuck; check `systemctl status prefect-server` on the node")),
        timeoutMs,
      );
      if (options.signal?.aborted === true) return onAbort();
      options.signal?.addEventListener("abort", onAbort, { once: true });
      const headers: Record<string, string> = { Host: `127.0.0.1:${options.port}`, Accept: "application/json" };
      if (payload !== null) {
        headers["Content-Type"] = "application/json";
        headers["Content-Length"] = String(Buffer.byteLength(payload));
      }
      if (authorization !== null) headers.Authorization = authorization;
      req = httpRequest({ agent, method, path: `/api${path}`, headers });
      req.on("response", (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => finish(null, { status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", (error) => finish(noAnswer(error)));
        res.on("aborted", () => finish(new NoAnswer("the answer was cut off")));
      });
      req.on("error", (error) => finish(noAnswer(error)));
      req.end(payload ?? undefined);
    });
  }

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", done);
        resolve();
      }
      options.signal?.addEventListener("abort", done, { once: true });
    });

  async function request(method: HttpMethod, path: string, body?: unknown, requestOptions: { expect?: readonly number[] } = {}): Promise<ApiResponse> {
    if (closed) throw fail(method, path, null, "the client was closed");
    const payload = body === undefined ? null : JSON.stringify(body);
    const wanted = (status: number) => (requestOptions.expect === undefined ? status >= 200 && status < 300 : requestOptions.expect.includes(status));
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      let answer: { status: number; text: string };
      try {
        answer = await once(method, path, payload);
      } catch (error) {
        const e = error as NoAnswer;
        log?.debug({ event: "prefect-api", method, path, attempt, error: e.message }, "prefect api: no answer");
        if (e.aborted || options.signal?.aborted === true) throw fail(method, path, null, "aborted", { cause: options.signal?.reason });
        if (attempt >= attempts) throw fail(method, path, null, attempts > 1 ? `${e.message} (after ${attempts} attempts)` : e.message, e.hint === undefined ? {} : { hint: e.hint });
        await sleep(retryDelayMs * 2 ** (attempt - 1));
        continue;
      }
      log?.debug({ event: "prefect-api", method, path, attempt, status: answer.status, durationMs: Math.round(performance.now() - started) }, "prefect api");
      if (wanted(answer.status)) {
        if (answer.text.trim() === "") return { status: answer.status, body: null };
        try {
          return { status: answer.status, body: JSON.parse(answer.text) as unknown };
        } catch {
          throw fail(method, path, answer.status, `the answer is not JSON: ${errorReason(answer.text)}`, { hint: "is a Prefect server listening on that port?" });
        }
      }
      if (answer.status >= 500 && attempt < attempts) {
        await sleep(retryDelayMs * 2 ** (attempt - 1));
        if (options.signal?.aborted === true) throw fail(method, path, null, "aborted", { cause: options.signal.reason });
        continue;
      }
      throw statusError(method, path, answer);
    }
  }

  function statusError(method: HttpMethod, path: string, answer: { status: number; text: string }): PrefectApiError {
    if (answer.status === 401) {
      return authorization === null
        ? fail(method, path, 401, "the server wants an auth string and none was sent", { hint: "set server.prefect.authString in cluster.yaml to the server's PREFECT_SERVER_API_AUTH_STRING" })
        : fail(method, path, 401, "the server refused the auth string", { hint: "check that the secret named by server.prefect.authString matches the server's PREFECT_SERVER_API_AUTH_STRING" });
    }
    return fail(method, path, answer.status, errorReason(answer.text));
  }

  return {
    version() {
      cachedVersion ??= request("GET", "/admin/version").then(({ body }) => {
        if (typeof body !== "string" || body === "") throw fail("GET", "/admin/version", 200, `expected the version as a JSON string, got ${JSON.stringify(body)?.slice(0, 80)}`);
        return body;
      });
      // A failed attempt is not remembered: the next call asks again.
      cachedVersion.catch(() => (cachedVersion = undefined));
      return cachedVersion;
    },
    request,
    async list(path, body = {}) {
      const items: unknown[] = [];
      for (let offset = 0; ; offset += API_PAGE_LIMIT) {
        const { body: page } = await request("POST", path, { ...body, limit: API_PAGE_LIMIT, offset });
        if (!Array.isArray(page)) throw fail("POST", path, 200, `expected a list, got ${page === null ? "nothing" : typeof page}`);
        items.push(...(page as unknown[]));
        if (page.length < API_PAGE_LIMIT) return items;
      }
    },
    async close() {
      closed = true;
      agent.destroy();
    },
  };
}

/** A request's error (forward refused, reset, ...) as a NoAnswer, keeping a ConnectError's words and hint. */
function noAnswer(error: Error): NoAnswer {
  const hint = error instanceof ReconcileError ? error.hint : undefined;
  const code = (error as NodeJS.ErrnoException).code;
  const message = code === "ECONNRESET" ? "the connection was reset" : error.message;
  return new NoAnswer(message, hint);
}
