/**
 * `reconcile ui`: the Prefect UI in the browser of this machine, through the server node's SSH
 * connection (no port opened on the node). Listens on 127.0.0.1:PORT and pipes each connection
 * into a channel to the proxy (TLS and basic auth unchanged) or, without one, to Prefect itself.
 */
import { setMaxListeners } from "node:events";
import { ExitCode, ReconcileError } from "../../errors.js";
import { openLocalTunnel } from "../../executors/tunnel.js";
import type { NodeConnections } from "../../executors/transport.js";
import type { Logger } from "../../log.js";
import { CADDY_ROOT_CERT, uiEndpoint, type UiEndpoint } from "../../planner/templates.js";
import { Session } from "../../run/session.js";
import { print, type CliIO } from "../io.js";
import { loadForNodes, type SpecArgs } from "../remote.js";

export interface UiArgs extends SpecArgs {
  /** Local port; 0 lets the system pick. */
  port: number;
}

export interface UiDeps {
  /** How the server node is reached (tests); default SSH. */
  connections?: NodeConnections;
  /** Stops the command as SIGINT does (tests). */
  stop?: AbortSignal;
}

/** The lines printed once the tunnel is up. */
export function uiLines(endpoint: UiEndpoint, port: number, server: string): string[] {
  const url = `${endpoint.scheme}://${endpoint.browserHost}:${port}/`;
  const lines = [`Prefect UI on ${server}: open ${url}`];
  if (endpoint.browserHost !== "localhost") {
    lines.push(`The proxy answers only for ${endpoint.browserHost}: map it to 127.0.0.1 on this machine (a line \`127.0.0.1 ${endpoint.browserHost}\` in /etc/hosts).`);
  }
  if (endpoint.tls === "internal") {
    lines.push(`The certificate comes from Caddy's internal CA: trust its root ${CADDY_ROOT_CERT} (on ${server}) in the browser, or accept the warning.`);
  }
  lines.push("Ctrl-C to stop.");
  return lines;
}

export async function uiCommand(args: UiArgs, io: CliIO, log: Logger, deps: UiDeps = {}): Promise<number> {
  const { cluster } = await loadForNodes(args, io);
  const server = cluster.server.node;
  const endpoint = uiEndpoint(cluster);

  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  const stop = (name: string) => controller.abort(new ReconcileError(`interrupted (${name})`, { exitCode: ExitCode.interrupted }));
  const onInt = () => stop("SIGINT");
  const onTerm = () => stop("SIGTERM");
  const onStop = () => stop("stop");
  process.once("SIGINT", onInt);
  process.once("SIGTERM", onTerm);
  deps.stop?.addEventListener("abort", onStop, { once: true });
  const stopped = new Promise<void>((resolve) => controller.signal.addEventListener("abort", () => resolve(), { once: true }));

  const session = Session.open(cluster.nodes, { env: io.env, log, signal: controller.signal, ...(deps.connections === undefined ? {} : { connections: deps.connections }) });
  let lastError = "";
  const tunnel = await openLocalTunnel({
    port: args.port,
    // A connection that broke while the tunnel was idle is opened anew for the next browser request.
    channel: async () => (await session.connections.ensure(server)).forward(endpoint.forwardPort, endpoint.forwardHost),
    onError: (error) => {
      const message = error instanceof Error ? error.message : String(error);
      log.warn({ event: "ui-channel", node: server, error: message }, "channel failed");
      // A browser opens several connections at once: one line per distinct failure.
      if (message === lastError) return;
      lastError = message;
      print(io.stderr, `error: ${message}`);
      if (error instanceof ReconcileError && error.hint !== undefined) print(io.stderr, `hint: ${error.hint}`);
    },
  }).catch(async (error: unknown) => {
    await cleanup();
    throw error;
  });

  async function cleanup(): Promise<void> {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    deps.stop?.removeEventListener("abort", onStop);
    await session.close();
  }

  try {
    // Reach the node (host key checked against the cluster's known_hosts) before saying the UI is there.
    await Promise.race([session.connections.get(server), stopped.then(() => Promise.reject(controller.signal.reason as Error))]);
    log.info({ event: "ui", node: server, port: tunnel.port, forward: `${endpoint.forwardHost}:${endpoint.forwardPort}` }, "tunnel up");
    for (const line of uiLines(endpoint, tunnel.port, server)) print(io.stdout, line);
    await stopped;
    return ExitCode.ok;
  } finally {
    await tunnel.close();
    await cleanup();
  }
}
