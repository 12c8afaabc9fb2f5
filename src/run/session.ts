/**
 * A session: what every run against the nodes shares, kept across runs (watch re-gathers, re-plans
 * and converges on every save with the same one) and closed explicitly: the nodes' connections,
 * the abort signal, the logger and the artifact cache.
 */
import { ArtifactCache, defaultCacheDir } from "../executors/stage.js";
import { Connections } from "../executors/connections.js";
import type { NodeConnections } from "../executors/transport.js";
import type { ResolvedNode } from "../spec/resolved.js";
import type { Logger } from "../log.js";

export interface SessionOptions {
  /**
   * The environment of the caller (the SSH agent's socket, the cache's XDG_CACHE_HOME): passed in,
   * never read from the process here.
   */
  env: Readonly<Record<string, string | undefined>>;
  log: Logger;
  /** Stops everything under way in the session (Ctrl-C in the CLI): connects, commands, uploads. */
  signal: AbortSignal;
  /** How the nodes are reached; default one SSH connection per node ({@link Connections}). */
  connections?: NodeConnections;
  /** Default the cache in `defaultCacheDir(env)`. */
  cache?: ArtifactCache;
}

/**
 * @example
 * const session = Session.open(cluster.nodes, { env: io.env, log, signal });
 * try {
 *   const { facts, local } = await gather(session, cluster);
 *   ...
 * } finally {
 *   await session.close();
 * }
 */
export class Session {
  readonly connections: NodeConnections;
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly cache: ArtifactCache;
  readonly env: Readonly<Record<string, string | undefined>>;
  #closed: Promise<void> | undefined;

  private constructor(options: Required<SessionOptions>) {
    this.connections = options.connections;
    this.signal = options.signal;
    this.log = options.log;
    this.cache = options.cache;
    this.env = options.env;
  }

  /**
   * A session for these nodes. Nothing is connected yet: each node's connection opens on first use.
   * A spec whose nodes changed (addresses, SSH settings) needs a new session.
   */
  static open(nodes: readonly ResolvedNode[], options: SessionOptions): Session {
    const env = options.env as NodeJS.ProcessEnv;
    return new Session({
      ...options,
      connections: options.connections ?? new Connections(nodes, { env, logger: options.log, signal: options.signal }),
      cache: options.cache ?? new ArtifactCache(defaultCacheDir(env)),
    });
  }

  /** Closes every connection (once; later calls wait for the same close). */
  close(): Promise<void> {
    this.#closed ??= this.connections.closeAll();
    return this.#closed;
  }
}
