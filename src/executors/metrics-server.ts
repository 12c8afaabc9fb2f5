/**
 * The HTTP endpoint of `reconcile watch --metrics HOST:PORT`: GET /metrics answers with what
 * `render` gives (run/metrics.ts, the Prometheus text format), GET / with a pointer to it, and
 * anything else with 404. Plain HTTP on the address given: the default-minded `127.0.0.1:9464`
 * keeps it on this machine, `:9464` opens it to the network for a Prometheus elsewhere.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { isIP } from "node:net";
import { UsageError } from "../errors.js";
import { listenError } from "./tunnel.js";

/** The port of the README's examples (`--metrics 127.0.0.1:9464`). */
export const DEFAULT_METRICS_PORT = 9464;

/**
 * `HOST:PORT` as given to --metrics: `127.0.0.1:9464`, `[::1]:9464`, `localhost:9464`, or
 * `:9464` for every interface (host null). Port 0 lets the system pick (tests). Throws UsageError.
 */
export function parseListen(listen: string): { host: string | null; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.%\w]+)\]|([^[\]:]*)):(\d{1,5})$/.exec(listen.trim());
  const example = "give HOST:PORT, such as 127.0.0.1:9464, [::1]:9464, or :9464 for every interface";
  if (m === null) throw new UsageError(`--metrics ${JSON.stringify(listen)} is not HOST:PORT`, example);
  const port = Number(m[3]);
  if (port > 65535) throw new UsageError(`--metrics ${JSON.stringify(listen)}: port ${port} is out of range (0 to 65535)`, example);
  if (m[1] !== undefined) {
    if (isIP(m[1]) !== 6) throw new UsageError(`--metrics ${JSON.stringify(listen)}: ${m[1]} in brackets is not an IPv6 address`, example);
    return { host: m[1], port };
  }
  const host = m[2] ?? "";
  if (host === "") return { host: null, port };
  if (!/^[A-Za-z0-9.-]+$/.test(host)) throw new UsageError(`--metrics ${JSON.stringify(listen)}: ${JSON.stringify(host)} is not a host name or address`, example);
  return { host, port };
}

/** The URL a person or a Prometheus on this machine would scrape. */
function urlOf(host: string | null, port: number): string {
  const shown = host === null || host === "0.0.0.0" || host === "::" ? "127.0.0.1" : isIP(host) === 6 ? `[${host}]` : host;
  return `http://${shown}:${port}/metrics`;
}

/**
 * serves GET /metrics (and GET / with a short HTML/text pointer, 404 otherwise) on HOST:PORT
 * (`127.0.0.1:9464`, `[::1]:9464`, `:9464` = all interfaces); resolves once listening; rejects with a
 * clear ReconcileError when the address is bad or in use
 *
 * A `render` that throws answers 500 with its message (the watch goes on). `close()` stops
 * listening and ends open connections (a scraper's keep-alive included).
 *
 * @example
 * const server = await serveMetrics("127.0.0.1:9464", () => metrics.render());
 * // server.url === "http://127.0.0.1:9464/metrics"
 * await server.close();
 */
export async function serveMetrics(listen: string, render: () => Promise<{ body: string; contentType: string }>): Promise<{ url: string; close(): Promise<void> }> {
  const { host, port } = parseListen(listen);
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    void answer(request, response, render);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => reject(listenError(error, host ?? "every interface", port, "--metrics")));
    if (host === null) server.listen(port, () => resolve());
    else server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actual = typeof address === "object" && address !== null ? address.port : port;
  let closed: Promise<void> | undefined;
  return {
    url: urlOf(host, actual),
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

async function answer(request: IncomingMessage, response: ServerResponse, render: () => Promise<{ body: string; contentType: string }>): Promise<void> {
  const path = (request.url ?? "/").split("?")[0];
  const get = request.method === "GET" || request.method === "HEAD";
  const send = (status: number, contentType: string, body: string) => {
    response.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
    response.end(request.method === "HEAD" ? undefined : body);
  };
  if (get && path === "/metrics") {
    try {
      const { body, contentType } = await render();
      send(200, contentType, body);
    } catch (error) {
      send(500, "text/plain; charset=utf-8", `reconcile could not render its metrics: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  } else if (get && path === "/") {
    send(200, "text/html; charset=utf-8", `<!doctype html><title>reconcile watch</title><p>reconcile watch: Prometheus metrics at <a href="/metrics">/metrics</a></p>\n`);
  } else {
    send(404, "text/plain; charset=utf-8", "not found: reconcile serves its metrics at /metrics\n");
  }
}
