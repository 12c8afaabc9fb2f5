/**
 * The run's SSH connections, one per node, opened on first use and shared by every step: the real
 * {@link NodeConnections}. A connection that broke is replaced, and what it left running on the
 * node is settled first.
 */
import { setMaxListeners } from "node:events";
import { ConnectError, type ConnectCategory } from "../errors.js";
import type { ResolvedNode } from "../spec/resolved.js";
import { connectNode, type ConnectOptions, type SshTransport } from "./ssh-transport.js";
import type { NodeConnections, Transport } from "./transport.js";

/**
 * The run's connections: at most one per node, opened on first use and shared by every step. A
 * failed connect is remembered (every step of that node sees the same error); a connection that
 * broke later is replaced on the next {@link get}.
 *
 * @example
 * const connections = new Connections(cluster.nodes, { logger });
 * try { const t = await connections.get("db1"); await t.exec("true"); } finally { await connections.closeAll(); }
 */
export class Connections implements NodeConnections {
  readonly #nodes: Map<string, ResolvedNode>;
  readonly #options: ConnectOptions;
  readonly #open = new Map<string, Promise<SshTransport>>();
  /** Aborted by closeAll, so a connect still under way (a warm one to a dead node) ends at once. */
  readonly #closing = new AbortController();

  constructor(nodes: readonly ResolvedNode[], options: ConnectOptions = {}) {
    this.#nodes = new Map(nodes.map((n) => [n.name, n]));
    const signal = options.signal === undefined ? this.#closing.signal : AbortSignal.any([options.signal, this.#closing.signal]);
    // One listener per node's connect: no "possible leak" warning for clusters of more than 10 nodes.
    setMaxListeners(0, signal);
    this.#options = { ...options, signal };
  }

  get(name: string): Promise<Transport> {
    const node = this.#nodes.get(name);
    if (node === undefined) return Promise.reject(new Error(`no node named ${name} in this run`));
    const cached = this.#open.get(name);
    if (cached !== undefined) {
      return cached.then((transport) => (transport.isOpen ? transport : this.#connect(node, cached)));
    }
    return this.#connect(node, undefined);
  }

  /**
   * Like {@link get}, but a connect that failed for a reason that may pass (the node refused,
   * timed out, was unreachable, or closed the connection: it may be rebooting) is tried again
   * instead of remembered: for a retry after the node came back. The host key is checked again.
   */
  ensure(name: string): Promise<Transport> {
    const node = this.#nodes.get(name);
    const cached = this.#open.get(name);
    if (node === undefined || cached === undefined) return this.get(name);
    return cached.then(
      (transport) => (transport.isOpen ? transport : this.#connect(node, cached)),
      (error: unknown) => {
        if (error instanceof ConnectError && RECONNECTABLE.has(error.category)) return this.#connect(node, cached);
        throw error;
      },
    );
  }

  /**
   * Starts connecting to these nodes now, so their handshakes overlap other work; a failure shows
   * when the node is asked for with {@link get}.
   */
  warm(names: readonly string[]): void {
    for (const name of names) {
      const node = this.#nodes.get(name);
      if (node !== undefined && !this.#open.has(name)) this.#connect(node, undefined).catch(() => undefined);
    }
  }

  async closeAll(): Promise<void> {
    this.#closing.abort(new ConnectError("(all)", "closed", "the connections were closed by reconcile"));
    const open = [...this.#open.values()];
    this.#open.clear();
    await Promise.allSettled(open.map(async (p) => (await p).close()));
  }

  #connect(node: ResolvedNode, replacing: Promise<SshTransport> | undefined): Promise<SshTransport> {
    const current = this.#open.get(node.name);
    // Two callers that both saw the broken connection share one reconnect.
    if (current !== undefined && current !== replacing) return current;
    const opening = connectNode(node, this.#options).then(async (fresh) => {
      // What the broken connection left running finishes (or is stopped) before anything runs again.
      const old = await replacing?.catch(() => undefined);
      if (old !== undefined && old.orphans.length > 0) {
        try {
          await fresh.settleOrphans(old.orphans);
        } catch (error) {
          await fresh.close();
          throw error;
        }
      }
      return fresh;
    });
    this.#open.set(node.name, opening);
    return opening;
  }
}

/** Connect failures that a later try may not meet (a node that reboots refuses, then answers). */
const RECONNECTABLE = new Set<ConnectCategory>(["closed", "timeout", "refused", "unreachable"]);
