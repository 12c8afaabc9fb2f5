/**
 * A local port whose connections are piped into channels a node forwards (`reconcile ui`): like
 * `ssh -L`, over the connection reconcile already has, with its host-key checks.
 */
import { createServer, type Server, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { ReconcileError } from "../errors.js";

export interface LocalTunnel {
  /** The port listened on (the one asked for, or the one the system picked for 0). */
  readonly port: number;
  /** Connections piped right now. */
  readonly open: number;
  /** Stops listening and ends every connection and channel. */
  close(): Promise<void>;
}

export interface LocalTunnelOptions {
  /** 0 lets the system pick. */
  port: number;
  /** Default 127.0.0.1: only this machine may use the tunnel. */
  host?: string;
  /** A new channel on the node for one local connection. */
  channel: () => Promise<Duplex>;
  /** A channel that could not be opened (the local connection is closed). */
  onError?: (error: unknown) => void;
}

/**
 * Listens on host:port and pipes each connection both ways into a new channel.
 * Rejects ReconcileError when the port cannot be had (in use, not allowed).
 *
 * @example
 * const tunnel = await openLocalTunnel({ port: 4200, channel: () => transport.forward(443) });
 * ... // until Ctrl-C
 * await tunnel.close();
 */
export async function openLocalTunnel(options: LocalTunnelOptions): Promise<LocalTunnel> {
  const host = options.host ?? "127.0.0.1";
  const pairs = new Set<{ socket: Socket; channel?: Duplex }>();
  let closing = false;
  const server: Server = createServer((socket) => {
    const pair: { socket: Socket; channel?: Duplex } = { socket };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      socket.destroy();
      pair.channel?.destroy();
    };
    socket.on("error", end);
    socket.on("close", end);
    // Bytes the browser sends before the channel is open wait in the socket.
    socket.pause();
    options.channel().then(
      (channel) => {
        if (closing || socket.destroyed) {
          channel.destroy();
          return;
        }
        pair.channel = channel;
        channel.on("error", end);
        channel.on("close", end);
        socket.pipe(channel);
        channel.pipe(socket);
        socket.resume();
      },
      (error: unknown) => {
        end();
        if (!closing) options.onError?.(error);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => reject(listenError(error, host, options.port)));
    server.listen(options.port, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  return {
    port,
    get open() {
      return pairs.size;
    },
    close: () => {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const { socket, channel } of pairs) {
        socket.destroy();
        channel?.destroy();
      }
      pairs.clear();
      return closed;
    },
  };
}

/**
 * Why a local listener could not start, as a ReconcileError whose hint names the option that picks
 * the address (`--port` for `reconcile ui`, `--metrics` for `watch`).
 */
export function listenError(error: NodeJS.ErrnoException, host: string, port: number, option = "--port"): ReconcileError {
  if (error.code === "EADDRINUSE") return new ReconcileError(`port ${port} on ${host} is already in use`, { hint: `pick another with ${option}, or stop what listens there` });
  if (error.code === "EACCES") return new ReconcileError(`not allowed to listen on port ${port} on ${host}`, { hint: `ports below 1024 need privileges; pick another with ${option}` });
  if (error.code === "EADDRNOTAVAIL" || error.code === "ENOTFOUND" || error.code === "EAI_AGAIN") return new ReconcileError(`cannot listen on ${host}:${port}: ${host} is not an address of this machine (${error.code})`, { hint: `give one of this machine's addresses with ${option}, or 127.0.0.1` });
  return new ReconcileError(`cannot listen on ${host}:${port}: ${error.code ?? error.message}`, { hint: `pick another address or port with ${option}` });
}
