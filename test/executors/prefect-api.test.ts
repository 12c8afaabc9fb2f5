/**
 * The Prefect API client against a local node:http server the test controls, reached through a
 * transport whose "forwarded channels" are plain Duplex streams (like ssh2's channels: no
 * setKeepAlive, setTimeout, ref...), and gatherApiFacts against answers captured from a real
 * Prefect 3.4.25 (test/fixtures/prefect/3.4.25/README.md).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { join } from "node:path";
import { Duplex } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { ConnectError } from "../../src/errors.js";
import { formatKnownHostsLine } from "../../src/executors/known-hosts.js";
import { connectNode } from "../../src/executors/ssh-transport.js";
import { API_PAGE_LIMIT, errorReason, openPrefectApi, PrefectApiError, type PrefectApi, type PrefectApiOptions } from "../../src/executors/prefect-api.js";
import { API_FACT_PATHS, gatherApiFacts } from "../../src/executors/prefect-facts.js";
import { LocalTransport } from "../helpers/local-transport.js";
import { REPO } from "../helpers/spec.js";
import { FakeSshd, hostKeyOf, keyPair, nodeFor } from "./fake-sshd.js";

const FIXTURES = join(REPO, "test", "fixtures", "prefect", "3.4.25");

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Handler = (req: Seen, res: ServerResponse) => void;

/** A local HTTP server: every request is recorded, then answered by `handler`. */
class ApiServer {
  readonly seen: Seen[] = [];
  readonly sockets = new Set<Socket>();
  connections = 0;
  closedConnections = 0;
  readonly server: Server;
  constructor(public handler: Handler) {
    this.server = createServer((req: IncomingMessage, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        const seen = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
        this.seen.push(seen);
        this.handler(seen, res);
      });
    });
    this.server.on("connection", (socket: Socket) => {
      this.connections++;
      this.sockets.add(socket);
      socket.on("close", () => {
        this.closedConnections++;
        this.sockets.delete(socket);
      });
    });
  }
  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return (this.server.address() as AddressInfo).port;
  }
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
};

/** A plain Duplex over a TCP socket: what an ssh2 channel looks like to the http module. */
function bareChannel(socket: Socket): Duplex {
  const channel = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      socket.write(chunk, callback);
    },
    final(callback) {
      socket.end();
      callback();
    },
    destroy(error, callback) {
      socket.destroy();
      callback(error);
    },
  });
  socket.on("data", (d: Buffer) => channel.push(d));
  socket.on("end", () => channel.push(null));
  socket.on("error", (e) => channel.destroy(e));
  socket.on("close", () => channel.destroy());
  return channel;
}

/** Like {@link bareChannel}, but the server's end only ends the readable side: writes after it vanish. */
function halfOpenChannel(socket: Socket): Duplex {
  let ended = false;
  const channel = new Duplex({
    allowHalfOpen: true,
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      if (ended) return callback();
      socket.write(chunk, callback);
    },
    final(callback) {
      callback();
    },
    destroy(error, callback) {
      socket.destroy();
      callback(error);
    },
  });
  socket.on("data", (d: Buffer) => channel.push(d));
  socket.on("end", () => {
    ended = true;
    channel.push(null);
  });
  socket.on("error", () => undefined);
  return channel;
}

/** Forwards to the test's server over bare channels; `failures` first forwards are refused as a node would. */
class TunnelTransport extends LocalTransport {
  failures = 0;
  /** Channels stay half open when the server ends (as an ssh2 channel does), and drop what is written after that. */
  halfOpen = false;
  constructor() {
    super("server-1");
  }
  override async forward(port: number, host = "127.0.0.1"): Promise<Duplex> {
    if (this.failures > 0) {
      this.failures--;
      this.forwards++;
      throw new ConnectError("server-1", "refused", `nothing accepts connections at ${host}:${port} on the node`, { hint: "check that the service is running and listens there" });
    }
    const socket = (await super.forward(port, host)) as Socket;
    return this.halfOpen ? halfOpenChannel(socket) : bareChannel(socket);
  }
}

const open: { server: ApiServer; api: PrefectApi }[] = [];
afterEach(async () => {
  for (const { server, api } of open.splice(0)) {
    await api.close();
    await server.close();
  }
});

async function setup(handler: Handler, options: Partial<PrefectApiOptions> = {}): Promise<{ server: ApiServer; api: PrefectApi; transport: TunnelTransport }> {
  const server = new ApiServer(handler);
  const port = await server.listen();
  const transport = new TunnelTransport();
  const api = openPrefectApi(transport, { port, authString: null, retryDelayMs: 5, ...options });
  open.push({ server, api });
  return { server, api, transport };
}

async function rejection(promise: Promise<unknown>): Promise<PrefectApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PrefectApiError);
  return error as PrefectApiError;
}

describe("openPrefectApi: requests", () => {
  it("sends Basic auth from the auth string, JSON bodies with their content type, and reads the answer", async () => {
    const { server, api } = await setup((_req, res) => json(res, 201, { id: "p1", name: "etl" }), { authString: "admin:s3cret" });
    const answer = await api.request("POST", "/work_pools/", { name: "etl", type: "process" });
    expect(answer).toEqual({ status: 201, body: { id: "p1", name: "etl" } });
    const seen = server.seen[0];
    if (seen === undefined) throw new Error("no request");
    expect(seen.method).toBe("POST");
    expect(seen.url).toBe("/api/work_pools/");
    expect(seen.headers.authorization).toBe(`Basic ${Buffer.from("admin:s3cret").toString("base64")}`);
    expect(seen.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(seen.body)).toEqual({ name: "etl", type: "process" });
  });

  it("sends no Authorization without an auth string, and no content type without a body", async () => {
    const { server, api } = await setup((_req, res) => json(res, 200, true));
    await api.request("GET", "/health");
    expect(server.seen[0]?.headers.authorization).toBeUndefined();
    expect(server.seen[0]?.headers["content-type"]).toBeUndefined();
  });

  it("gives null for an empty 204 answer", async () => {
    const { api } = await setup((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    expect(await api.request("PATCH", "/work_pools/etl", { is_paused: true })).toEqual({ status: 204, body: null });
  });

  it("resolves with a status the caller expects, such as 404 for an absent object", async () => {
    const { api } = await setup((_req, res) => json(res, 404, { detail: 'Work pool "x" not found.' }));
    expect(await api.request("GET", "/work_pools/x", undefined, { expect: [200, 404] })).toEqual({ status: 404, body: { detail: 'Work pool "x" not found.' } });
  });
});

describe("openPrefectApi: retries", () => {
  it("retries a 503 and succeeds on the third attempt", async () => {
    let attempts = 0;
    const { api } = await setup((_req, res) => (++attempts < 3 ? json(res, 503, { detail: "busy" }) : json(res, 200, "ok")));
    expect((await api.request("GET", "/hello")).body).toBe("ok");
    expect(attempts).toBe(3);
  });

  it("gives up on a 5xx after the attempts, with the server's words", async () => {
    const { server, api } = await setup((_req, res) => json(res, 500, { exception_message: "Internal Server Error" }), { attempts: 3 });
    const error = await rejection(api.request("GET", "/hello"));
    expect(server.seen).toHaveLength(3);
    expect(error.status).toBe(500);
    expect(error.reason).toBe("Internal Server Error");
  });

  it.each([
    [404, { detail: 'Work pool "nope" not found.' }, 'Work pool "nope" not found.'],
    [409, { detail: "A work pool with this name already exists." }, "A work pool with this name already exists."],
    [403, { detail: "Work pools starting with 'Prefect' are reserved for internal use." }, "Work pools starting with 'Prefect' are reserved for internal use."],
    [422, JSON.parse(readFileSync(join(FIXTURES, "deployments-create-422.json"), "utf8")) as unknown, "body.schedule: Extra inputs are not permitted"],
  ])("does not retry a %i and says the server's reason", async (status, body, reason) => {
    const { server, api } = await setup((_req, res) => json(res, status, body));
    const error = await rejection(api.request("POST", "/work_pools/", { name: "x" }));
    expect(server.seen).toHaveLength(1);
    expect(error.status).toBe(status);
    expect(error.reason).toBe(reason);
    expect(error.message).toBe(`Prefect API on server-1: POST /work_pools/: ${status} ${reason}`);
  });

  it("keeps the request body the server echoes in a 422 out of the reason", async () => {
    const { api } = await setup((_req, res) =>
      json(res, 422, { exception_message: "Invalid request received.", exception_detail: [{ loc: ["body", "job_variables"], msg: "bad", type: "x" }], request_body: { env: { TOKEN: "hunter2" } } }),
    );
    const error = await rejection(api.request("POST", "/deployments/", {}));
    expect(error.reason).toBe("body.job_variables: bad");
    expect(error.message).not.toContain("hunter2");
  });

  it("retries when the tunnel is refused, then succeeds", async () => {
    const { api, transport } = await setup((_req, res) => json(res, 200, "3.4.25"));
    transport.failures = 2;
    expect(await api.version()).toBe("3.4.25");
    expect(transport.forwards).toBe(3);
  });

  it("after the attempts, a refused tunnel is an error with no status and the node's hint", async () => {
    const { api, transport } = await setup((_req, res) => json(res, 200, "x"), { attempts: 2 });
    transport.failures = 5;
    const error = await rejection(api.request("GET", "/admin/version"));
    expect(error.status).toBeNull();
    expect(error.reason).toMatch(/nothing accepts connections at 127\.0\.0\.1:\d+ on the node \(after 2 attempts\)/);
    expect(error.hint).toBe("check that the service is running and listens there");
  });

  it("retries a connection reset by the server", async () => {
    let attempts = 0;
    const { api } = await setup((req, res) => {
      if (++attempts === 1) res.socket?.destroy();
      else json(res, 200, [1]);
    });
    expect((await api.request("POST", "/flows/filter", {})).body).toEqual([1]);
    expect(attempts).toBe(2);
  });
});

describe("openPrefectApi: 401", () => {
  it("says the auth string was refused", async () => {
    const { api } = await setup((_req, res) => json(res, 401, { exception_message: "Unauthorized" }), { authString: "admin:wrong" });
    const error = await rejection(api.version());
    expect(error.reason).toBe("the server refused the auth string");
    expect(error.hint).toMatch(/server\.prefect\.authString/);
    expect(error.message).not.toContain("wrong");
  });

  it("says none was sent", async () => {
    const { api } = await setup((_req, res) => json(res, 401, { exception_message: "Unauthorized" }));
    const error = await rejection(api.version());
    expect(error.reason).toBe("the server wants an auth string and none was sent");
    expect(error.hint).toMatch(/set server\.prefect\.authString/);
  });
});

describe("openPrefectApi: bound and abort", () => {
  it("rejects within the bound when the server never answers", async () => {
    const { api } = await setup(() => undefined, { timeoutMs: 150, attempts: 2 });
    const started = performance.now();
    const error = await rejection(api.request("GET", "/hello"));
    const took = performance.now() - started;
    expect(error.status).toBeNull();
    expect(error.reason).toBe("no answer within 150 ms (after 2 attempts)");
    // Two bounded attempts and one short backoff.
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(1500);
  });

  it("stops a request under way when the signal aborts, without retrying", async () => {
    const controller = new AbortController();
    const { server, api } = await setup(() => undefined, { signal: controller.signal, timeoutMs: 10_000 });
    const pending = rejection(api.request("GET", "/hello"));
    while (server.seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    const started = performance.now();
    controller.abort();
    const error = await pending;
    expect(performance.now() - started).toBeLessThan(500);
    expect(error.reason).toBe("aborted");
    expect(server.seen).toHaveLength(1);
  });

  it("sends nothing once aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const { server, api } = await setup((_req, res) => json(res, 200, true), { signal: controller.signal });
    expect((await rejection(api.request("GET", "/hello"))).reason).toBe("aborted");
    expect(server.seen).toHaveLength(0);
  });
});

describe("openPrefectApi: list, version, channels", () => {
  /** A `/filter` endpoint over `total` items that honours limit and offset. */
  const pages =
    (total: number): Handler =>
    (req, res) => {
      const { limit, offset } = JSON.parse(req.body) as { limit: number; offset: number };
      json(res, 200, Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) => ({ n: offset + i })));
    };

  it.each([
    [0, [0]],
    [199, [0]],
    [200, [0, 200]],
    [201, [0, 200]],
    [450, [0, 200, 400]],
  ])("reads %i items page by page", async (total, offsets) => {
    const { server, api } = await setup(pages(total));
    const items = await api.list("/flows/filter", { flows: { name: { any_: ["a"] } } });
    expect(items).toHaveLength(total);
    expect(items.at(-1)).toEqual(total === 0 ? undefined : { n: total - 1 });
    expect(server.seen.map((s) => JSON.parse(s.body) as unknown)).toEqual(offsets.map((offset) => ({ flows: { name: { any_: ["a"] } }, limit: API_PAGE_LIMIT, offset })));
  });

  it("refuses an answer that is not a list", async () => {
    const { api } = await setup((_req, res) => json(res, 200, { not: "a list" }));
    expect((await rejection(api.list("/flows/filter"))).reason).toBe("expected a list, got object");
  });

  it("reuses one forwarded channel for requests one after another", async () => {
    const { server, api, transport } = await setup((_req, res) => json(res, 200, true));
    for (let i = 0; i < 5; i++) await api.request("GET", "/health");
    expect(server.seen).toHaveLength(5);
    expect(transport.forwards).toBe(1);
    expect(server.connections).toBe(1);
  });

  it("a channel the server ended (half open, as ssh2 leaves it) is not reused: the next request opens another at once", async () => {
    let calls = 0;
    const { server, api, transport } = await setup((_req, res) => {
      calls++;
      if (calls === 1) {
        // An error answer, then the server closes its side of the connection.
        json(res, 503, { exception_message: "Service Unavailable" });
        res.socket?.end();
      } else json(res, 201, { id: "x" });
    }, { timeoutMs: 3000, retryDelayMs: 200 });
    // Channels that stay half open when the server ends, and swallow what is written after it.
    transport.halfOpen = true;
    const started = performance.now();
    expect(await api.request("POST", "/deployments/", {})).toEqual({ status: 201, body: { id: "x" } });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(transport.forwards).toBe(2);
    expect(server.seen).toHaveLength(2);
  });

  it("asks for the version once", async () => {
    const { server, api } = await setup((_req, res) => json(res, 200, "3.4.25"));
    expect(await api.version()).toBe("3.4.25");
    expect(await api.version()).toBe("3.4.25");
    expect(server.seen.map((s) => s.url)).toEqual(["/api/admin/version"]);
  });

  it("closes its channels on close, and refuses requests after", async () => {
    const { server, api } = await setup((_req, res) => json(res, 200, true));
    await api.request("GET", "/health");
    await api.close();
    await expect.poll(() => server.closedConnections).toBe(1);
    expect((await rejection(api.request("GET", "/health"))).reason).toBe("the client was closed");
  });
});

describe("errorReason", () => {
  it.each([
    ['{"detail":"Deployment not found"}', "Deployment not found"],
    ['{"detail":[{"loc":["body","limit"],"msg":"too big"},{"loc":["query"],"msg":"bad"}]}', "body.limit: too big; query: bad"],
    ['{"exception_message":"Invalid request received.","exception_detail":[{"loc":["body","name"],"msg":"Field required"}]}', "body.name: Field required"],
    ['{"exception_message":"Unauthorized"}', "Unauthorized"],
    ["Internal Server Error", "Internal Server Error"],
    ["", "(no answer body)"],
    [`<html>${"x".repeat(300)}</html>`, `<html>${"x".repeat(194)}…`],
  ])("%s → %s", (text, reason) => {
    expect(errorReason(text)).toBe(reason);
  });
});

describe("gatherApiFacts", () => {
  const fixture = (name: string) => readFileSync(join(FIXTURES, name), "utf8");
  const replay: Record<string, string> = {
    "/api/admin/version": fixture("admin-version.json"),
    [`/api${API_FACT_PATHS.pools}`]: fixture("work_pools-filter.json"),
    [`/api${API_FACT_PATHS.queues}`]: fixture("work_queues-filter.json"),
    [`/api${API_FACT_PATHS.flows}`]: fixture("flows-filter.json"),
    [`/api${API_FACT_PATHS.deployments}`]: fixture("deployments-filter.json"),
  };

  it("reads the version, then the four lists at once, one request each", async () => {
    // The lists are answered only once all four have arrived: read one after another, they would hang.
    const waiting: (() => void)[] = [];
    const { server, api } = await setup((req, res) => {
      const text = replay[req.url];
      const answer = () => {
        res.writeHead(text === undefined ? 404 : 200, { "content-type": "application/json" });
        res.end(text ?? '{"detail":"Not Found"}');
      };
      if (req.method === "GET") return answer();
      waiting.push(answer);
      if (waiting.length === 4) waiting.forEach((a) => a());
    });
    const facts = await gatherApiFacts(api);
    const parsed = (url: string) => JSON.parse(replay[url] ?? "null") as unknown[];
    expect(facts).toEqual({
      version: "3.4.25",
      pools: parsed("/api/work_pools/filter"),
      queues: parsed("/api/work_queues/filter"),
      flows: parsed("/api/flows/filter"),
      deployments: parsed("/api/deployments/filter"),
    });
    expect(server.seen[0]?.url).toBe("/api/admin/version");
    expect(server.seen.slice(1).map((s) => `${s.method} ${s.url}`).sort()).toEqual(["POST /api/deployments/filter", "POST /api/flows/filter", "POST /api/work_pools/filter", "POST /api/work_queues/filter"]);
    // Every queue names its pool: one request covers the queues of all pools.
    expect(facts.queues.map((q) => (q as { work_pool_name: string }).work_pool_name).sort()).toEqual(["etl", "etl", "ml"]);
  });

  it("stops at a refused auth string before reading the lists", async () => {
    const { server, api } = await setup((_req, res) => json(res, 401, { exception_message: "Unauthorized" }), { authString: "a:b" });
    await rejection(gatherApiFacts(api));
    expect(server.seen).toHaveLength(1);
  });
});

describe("openPrefectApi over a real SSH connection (the fake sshd's direct-tcpip channels)", () => {
  it("talks HTTP over ssh2 channels, several requests on one channel", async () => {
    const dir = mkdtempSync(join(tmpdir(), "reconcile-api-ssh-"));
    const hostKey = keyPair("ed25519");
    const clientKey = keyPair("ed25519");
    const sshd = await FakeSshd.start({ hostKeys: [hostKey], user: "deploy", authorizedKeys: [clientKey.public] });
    const server = new ApiServer((req, res) => json(res, 200, req.url === "/api/admin/version" ? "3.4.25" : []));
    const port = await server.listen();
    const identityFile = join(dir, "id");
    const knownHostsFile = join(dir, "known_hosts");
    writeFileSync(identityFile, clientKey.private, { mode: 0o600 });
    writeFileSync(knownHostsFile, `${formatKnownHostsLine("127.0.0.1", sshd.port, hostKeyOf(hostKey.public))}\n`);
    const transport = await connectNode(nodeFor(sshd.port, { identityFile, knownHostsFile }));
    const api = openPrefectApi(transport, { port, authString: "a:b", timeoutMs: 5_000 });
    try {
      expect(await api.version()).toBe("3.4.25");
      expect(await api.list("/flows/filter")).toEqual([]);
      expect(await api.list("/deployments/filter")).toEqual([]);
      expect(server.connections).toBe(1);
      expect(server.seen.every((s) => s.headers.authorization === `Basic ${Buffer.from("a:b").toString("base64")}`)).toBe(true);
      await api.close();
      await expect.poll(() => server.closedConnections).toBe(1);
    } finally {
      await api.close();
      await transport.close();
      await server.close();
      await sshd.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
