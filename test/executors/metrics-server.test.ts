/** `watch --metrics HOST:PORT`: the endpoint on loopback, a real port picked by the system. */
import { request } from "node:http";
import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ReconcileError, UsageError } from "../../src/errors.js";
import { parseListen, serveMetrics } from "../../src/executors/metrics-server.js";
import { WatchMetrics } from "../../src/run/metrics.js";
import { samplesOf } from "../helpers/prometheus.js";

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
});

async function serve(listen: string, render: () => Promise<{ body: string; contentType: string }>) {
  const server = await serveMetrics(listen, render);
  opened.push(server);
  return server;
}

function get(url: string, method = "GET"): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("serveMetrics", () => {
  it("listens on 127.0.0.1:0, says the real URL, and serves the registry at /metrics with its content type", async () => {
    const metrics = new WatchMetrics();
    metrics.recordSpec(true);
    metrics.recordWorkers({ etl: { online: 1, total: 2 } });
    const server = await serve("127.0.0.1:0", () => metrics.render());
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(server.url).not.toContain(":0/");
    const r = await get(server.url);
    expect(r.status).toBe(200);
    expect(r.type).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(samplesOf(r.body, "reconcile_spec_valid")).toEqual([{ labels: {}, value: 1 }]);
    expect(samplesOf(r.body, "reconcile_workers")).toEqual([{ labels: { pool: "etl" }, value: 2 }]);
    // Each scrape renders again: a later record shows.
    metrics.recordSpec(false);
    expect(samplesOf((await get(server.url)).body, "reconcile_spec_valid")).toEqual([{ labels: {}, value: 0 }]);
  });

  it("GET / points at /metrics; other paths are 404; HEAD has no body", async () => {
    const server = await serve("127.0.0.1:0", async () => ({ body: "x 1\n", contentType: "text/plain" }));
    const root = server.url.replace(/metrics$/, "");
    const home = await get(root);
    expect(home.status).toBe(200);
    expect(home.type).toBe("text/html; charset=utf-8");
    expect(home.body).toContain('<a href="/metrics">/metrics</a>');
    const missing = await get(`${root}nope`);
    expect(missing.status).toBe(404);
    expect(missing.body).toBe("not found: reconcile serves its metrics at /metrics\n");
    expect((await get(server.url, "POST")).status).toBe(404);
    expect(await get(`${server.url}?x=1`, "HEAD")).toEqual({ status: 200, type: "text/plain", body: "" });
  });

  it("a render that fails answers 500 with its message, and the server goes on", async () => {
    let fail = true;
    const server = await serve("127.0.0.1:0", async () => {
      if (fail) throw new Error("registry broke");
      return { body: "ok 1\n", contentType: "text/plain" };
    });
    expect(await get(server.url)).toEqual({ status: 500, type: "text/plain; charset=utf-8", body: "reconcile could not render its metrics: registry broke\n" });
    fail = false;
    expect((await get(server.url)).body).toBe("ok 1\n");
  });

  it("listens on IPv6 loopback in brackets", async () => {
    const server = await serve("[::1]:0", async () => ({ body: "v6 1\n", contentType: "text/plain" }));
    expect(server.url).toMatch(/^http:\/\/\[::1\]:\d+\/metrics$/);
    expect((await get(server.url)).body).toBe("v6 1\n");
  });

  it("a port in use: a ReconcileError that names it and the option", async () => {
    const first = await serve("127.0.0.1:0", async () => ({ body: "", contentType: "text/plain" }));
    const port = Number(new URL(first.url).port);
    const error = await serveMetrics(`127.0.0.1:${port}`, async () => ({ body: "", contentType: "text/plain" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReconcileError);
    expect((error as ReconcileError).message).toBe(`port ${port} on 127.0.0.1 is already in use`);
    expect((error as ReconcileError).hint).toBe("pick another with --metrics, or stop what listens there");
  });

  it("an address that is not this machine's: a ReconcileError", async () => {
    // 192.0.2.1 (TEST-NET-1) is never an address of this machine; nothing is sent to it.
    const error = await serveMetrics("192.0.2.1:0", async () => ({ body: "", contentType: "text/plain" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReconcileError);
    expect((error as ReconcileError).message).toBe("cannot listen on 192.0.2.1:0: 192.0.2.1 is not an address of this machine (EADDRNOTAVAIL)");
  });

  it("close() ends a keep-alive connection and frees the port", async () => {
    const server = await serve("127.0.0.1:0", async () => ({ body: "", contentType: "text/plain" }));
    const port = Number(new URL(server.url).port);
    await get(server.url);
    await server.close();
    await server.close(); // twice is fine
    const probe = createServer();
    await new Promise<void>((resolve, reject) => probe.once("error", reject).listen(port, "127.0.0.1", () => resolve()));
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });
});

describe("parseListen", () => {
  it.each([
    ["127.0.0.1:9464", { host: "127.0.0.1", port: 9464 }],
    ["[::1]:9464", { host: "::1", port: 9464 }],
    [":9464", { host: null, port: 9464 }],
    ["localhost:0", { host: "localhost", port: 0 }],
    ["metrics.lan:9100", { host: "metrics.lan", port: 9100 }],
  ])("%j → %j", (listen, expected) => {
    expect(parseListen(listen)).toEqual(expected);
  });

  it.each([
    ["9464", "is not HOST:PORT"],
    ["127.0.0.1", "is not HOST:PORT"],
    ["127.0.0.1:99999", "port 99999 is out of range (0 to 65535)"],
    ["127.0.0.1:http", "is not HOST:PORT"],
    ["::1:9464", "is not HOST:PORT"],
    ["[localhost]:9464", "localhost in brackets is not an IPv6 address"],
    ["a b:9464", "is not a host name or address"],
  ])("%j is refused: %s", async (listen, message) => {
    expect(() => parseListen(listen)).toThrow(UsageError);
    expect(() => parseListen(listen)).toThrow(message);
    await expect(serveMetrics(listen, async () => ({ body: "", contentType: "text/plain" }))).rejects.toThrow(UsageError);
  });
});
