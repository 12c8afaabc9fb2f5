/**
 * `reconcile ui` with a fake server-node connection whose forwarded channels are TCP connections to
 * an echo server in the test: bytes sent to the local port reach the channel and come back.
 */
import { writeFileSync } from "node:fs";
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { ConnectError } from "../../src/errors.js";
import { uiCommand, uiLines } from "../../src/cli/commands/ui.js";
import { run } from "../../src/cli/main.js";
import type { CliIO } from "../../src/cli/io.js";
import type { NodeConnections, Transport } from "../../src/executors/transport.js";
import { createLogger } from "../../src/log.js";
import { uiEndpoint } from "../../src/planner/templates.js";
import { tempDir } from "../helpers/cli.js";
import { LocalTransport } from "../helpers/local-transport.js";
import { check } from "../helpers/spec.js";

const SHA = "a1".repeat(32);
const spec = (server = "") => `apiVersion: reconcile/v1
kind: PrefectCluster
metadata: {name: ui-test}
nodes:
  - name: server-1
    address: 198.51.100.41
artifacts:
  prefect-env: {kind: tar, source: artifacts/prefect.tar, sha256: ${SHA}}
  caddy-debs: {kind: deb, source: debs/caddy, sha256: ${SHA}}
server:
  node: server-1
  prefect: {env: prefect-env, port: 4300}
  database: {type: sqlite}
${server}`;

function project(server = ""): string {
  const file = join(tempDir(), "cluster.yaml");
  writeFileSync(file, spec(server));
  return file;
}

/** Stands for the node's side: echoes what it gets, upper-cased, so the answer is not the request. */
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function echoServer(): Promise<{ port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("data", (d: Buffer) => socket.write(d.toString().toUpperCase()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as AddressInfo).port, sockets };
}

/** The server node: every forward goes to the echo server, whatever port the command asks for. */
class FakeServerNode extends LocalTransport {
  readonly asked: string[] = [];
  refuse = false;
  constructor(private readonly echoPort: number) {
    super("server-1");
  }
  override forward(port: number, host = "127.0.0.1"): Promise<Duplex> {
    this.asked.push(`${host}:${port}`);
    if (this.refuse) return Promise.reject(new ConnectError("server-1", "refused", `nothing accepts connections at ${host}:${port} on the node`, { hint: "check that the service is running" }));
    return super.forward(this.echoPort);
  }
}

const connections = (transport: Transport): NodeConnections & { gets: number } => ({
  gets: 0,
  get(node: string) {
    this.gets++;
    if (node !== transport.node) throw new Error(`unexpected node ${node}`);
    return Promise.resolve(transport);
  },
  ensure(node: string) {
    return this.get(node);
  },
  warm() {},
  closeAll: () => Promise.resolve(),
});

function io(): CliIO & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, env: {}, out: () => out, err: () => err };
}

/** Starts the command on a free port; resolves once it printed its URL. */
async function startUi(file: string, transport: Transport) {
  const cli = io();
  const stop = new AbortController();
  const done = uiCommand({ file, port: 0 }, cli, createLogger(), { connections: connections(transport), stop: stop.signal });
  closers.push(async () => {
    stop.abort();
    await done.catch(() => undefined);
  });
  await expect.poll(cli.out).toContain("Ctrl-C to stop.");
  const port = Number(/localhost:(\d+)\//.exec(cli.out())?.[1]);
  return { cli, stop, done, port };
}

/** Sends `text` to the local port and resolves with what comes back. */
function roundTrip(port: number, text: string): Promise<{ answer: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(text));
    socket.once("data", (d: Buffer) => resolve({ answer: d.toString(), socket }));
    socket.once("error", reject);
  });
}

describe("reconcile ui", () => {
  it("without a proxy: pipes each local connection into a channel to Prefect's port and back; Ctrl-C ends it with 0", async () => {
    const echo = await echoServer();
    const node = new FakeServerNode(echo.port);
    const { cli, stop, done, port } = await startUi(project(), node);
    expect(cli.out()).toBe(`Prefect UI on server-1: open http://localhost:${port}/\nCtrl-C to stop.\n`);

    const first = await roundTrip(port, "get / http/1.1");
    expect(first.answer).toBe("GET / HTTP/1.1");
    const second = await roundTrip(port, "again");
    expect(second.answer).toBe("AGAIN");
    expect(node.asked).toEqual(["127.0.0.1:4300", "127.0.0.1:4300"]);

    stop.abort();
    expect(await done).toBe(0);
    // The listener and every channel are closed.
    await expect.poll(() => echo.sockets.size).toBe(0);
    await expect(roundTrip(port, "x")).rejects.toThrow(/ECONNREFUSED/);
    expect(cli.err()).toBe("");
  });

  it("with a proxy: forwards to Caddy's port on the node's loopback, https with the internal CA's hint", async () => {
    const echo = await echoServer();
    const node = new FakeServerNode(echo.port);
    const proxy = `  proxy: {type: caddy, packages: caddy-debs, listen: ":8443", tls: {mode: internal}}\n`;
    const { cli, port } = await startUi(project(proxy), node);
    expect((await roundTrip(port, "hello")).answer).toBe("HELLO");
    expect(node.asked).toEqual(["127.0.0.1:8443"]);
    expect(cli.out()).toContain(`open https://localhost:${port}/`);
    expect(cli.out()).toContain("Caddy's internal CA: trust its root /var/lib/caddy/.local/share/caddy/pki/authorities/local/root.crt (on server-1)");
  });

  it("a channel the node refuses closes that connection, says why once, and keeps listening", async () => {
    const echo = await echoServer();
    const node = new FakeServerNode(echo.port);
    const { cli, port } = await startUi(project(), node);
    node.refuse = true;
    for (let i = 0; i < 3; i++) {
      const socket = connect(port, "127.0.0.1");
      await new Promise((resolve) => socket.on("close", resolve).on("error", () => undefined));
    }
    expect(cli.err()).toBe("error: node server-1: nothing accepts connections at 127.0.0.1:4300 on the node\nhint: check that the service is running\n");
    node.refuse = false;
    expect((await roundTrip(port, "back")).answer).toBe("BACK");
  });

  it("a port already taken is a clear error with exit 1, before any node is reached", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    closers.push(() => new Promise((resolve) => taken.close(() => resolve())));
    const port = (taken.address() as AddressInfo).port;
    const cli = io();
    expect(await run(["ui", "--port", String(port), "-f", project()], cli)).toBe(1);
    expect(cli.err()).toBe(`error: port ${port} on 127.0.0.1 is already in use\nhint: pick another with --port, or stop what listens there\n`);
    expect(cli.out()).toBe("");
  });

  it.each(["0", "65536", "http", "-1"])("refuses --port %s as wrong usage", async (port) => {
    const cli = io();
    expect(await run(["ui", "--port", port, "-f", project()], cli)).toBe(64);
    expect(cli.err()).toContain("--port must be a port number from 1 to 65535");
  });
});

describe("where the UI is forwarded", () => {
  const cluster = (server: string) => {
    const result = check(spec(server));
    if (result.cluster === undefined) throw new Error(result.diagnostics.map((d) => d.message).join("\n"));
    return result.cluster;
  };
  const proxy = (listen: string, tls: string) => `  proxy: {type: caddy, packages: caddy-debs, listen: "${listen}", tls: ${tls}}\n`;
  it.each([
    ["no proxy: Prefect's port", "", { forwardHost: "127.0.0.1", forwardPort: 4300, scheme: "http", browserHost: "localhost", tls: null }],
    ["proxy with no host", proxy(":443", "{mode: internal}"), { forwardHost: "127.0.0.1", forwardPort: 443, scheme: "https", browserHost: "localhost", tls: "internal" }],
    ["proxy on 0.0.0.0, TLS off", proxy("0.0.0.0:8080", "{mode: off}"), { forwardHost: "127.0.0.1", forwardPort: 8080, scheme: "http", browserHost: "localhost", tls: null }],
    ["proxy on a name: that name", proxy("prefect.internal:443", "{mode: internal}"), { forwardHost: "prefect.internal", forwardPort: 443, scheme: "https", browserHost: "prefect.internal", tls: "internal" }],
  ])("%s", (_name, server, endpoint) => {
    expect(uiEndpoint(cluster(server))).toEqual(endpoint);
  });

  it("says to map a proxy's name to this machine", () => {
    const lines = uiLines({ forwardHost: "prefect.internal", forwardPort: 443, scheme: "https", browserHost: "prefect.internal", tls: null }, 4200, "server-1");
    expect(lines).toEqual([
      "Prefect UI on server-1: open https://prefect.internal:4200/",
      "The proxy answers only for prefect.internal: map it to 127.0.0.1 on this machine (a line `127.0.0.1 prefect.internal` in /etc/hosts).",
      "Ctrl-C to stop.",
    ]);
  });
});
