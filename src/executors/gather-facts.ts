/**
 * Gathers facts: one `sh -s` per node, every node at once. A node that cannot be reached becomes
 * an `Unreachable` entry, so it never hides the others; an aborted signal rejects instead, so an
 * interrupted run is never mistaken for unreachable nodes.
 */
import { randomBytes } from "node:crypto";
import { ConnectError, ReconcileError } from "../errors.js";
import { buildFactsScript, parseFactsOutput } from "../facts/script.js";
import { fetchTargetFact, type FetchTarget } from "../facts/fetch-target.js";
import type { Fact, FactSet, FactsRequest, NodeFactsResult } from "../facts/types.js";
import type { ResolvedNode } from "../spec/resolved.js";
import type { Logger } from "../log.js";
import { runScript } from "./remote-script.js";
import type { Transport } from "./transport.js";

export interface GatherOptions {
  signal?: AbortSignal;
  logger?: Logger;
}

function unreachable(error: unknown): NodeFactsResult {
  if (error instanceof ConnectError) return { reachable: false, error: { category: error.category, message: error.message, hint: error.hint ?? null } };
  if (error instanceof ReconcileError) return { reachable: false, error: { category: "command", message: error.message, hint: error.hint ?? null } };
  throw error;
}

/** Facts of one node over an open transport. */
export async function gatherNode(transport: Transport, request: FactsRequest, options: GatherOptions = {}): Promise<NodeFactsResult> {
  const nonce = randomBytes(12).toString("hex");
  const result = await runScript(transport, {
    step: "gather facts",
    script: buildFactsScript(request, nonce),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.logger === undefined ? {} : { log: options.logger }),
  });
  if (result.stdoutTruncated) {
    return { reachable: false, error: { category: "command", message: `node ${transport.node}: the facts output was too large`, hint: "look for very large files under /etc/prefect" } };
  }
  return { reachable: true, facts: parseFactsOutput(result.stdout, request, nonce) };
}

/**
 * Facts of every node in parallel; `connect` opens (or reuses) the node's one connection.
 *
 * @example
 * const facts = await gatherFacts(cluster.nodes, (n) => requests[n.name], (n) => connections.get(n.name));
 */
export async function gatherFacts(
  nodes: readonly ResolvedNode[],
  requestFor: (node: ResolvedNode) => FactsRequest,
  connect: (node: ResolvedNode) => Promise<Transport>,
  options: GatherOptions = {},
): Promise<FactSet> {
  const entries = await Promise.all(
    nodes.map(async (node): Promise<[string, NodeFactsResult]> => {
      try {
        return [node.name, await gatherNode(await connect(node), requestFor(node), options)];
      } catch (error) {
        // Cancelled by the caller (Ctrl-C): the node was not unreachable, the run was stopped.
        if (options.signal?.aborted === true) throw options.signal.reason;
        return [node.name, unreachable(error)];
      }
    }),
  );
  return Object.fromEntries(entries);
}

/**
 * The fetch target (release, dpkg architecture, dpkg status) of each node, in parallel: for
 * `reconcile fetch` and `facts --save-status`. A node that cannot be reached, or whose answer
 * cannot be read, is `{ ok: false, error }` with the reason.
 */
export async function gatherFetchTargets(
  nodes: readonly ResolvedNode[],
  connect: (node: ResolvedNode) => Promise<Transport>,
  options: GatherOptions = {},
): Promise<Record<string, Fact<FetchTarget>>> {
  // The fetch target reads no managed path: its request is empty but for the root.
  const request = (node: ResolvedNode): FactsRequest => ({ root: node.root, files: [], units: [], packages: [], users: [] });
  const entries = await Promise.all(
    nodes.map(async (node): Promise<[string, Fact<FetchTarget>]> => {
      try {
        const result = await runScript(await connect(node), {
          step: "gather the fetch target",
          script: `LC_ALL=C; export LC_ALL\n${fetchTargetFact.command(request(node))}\n`,
          ...(options.signal === undefined ? {} : { signal: options.signal }),
          ...(options.logger === undefined ? {} : { log: options.logger }),
        });
        if (result.stdoutTruncated) return [node.name, { ok: false, error: `the dpkg status of ${node.name} is too large to read` }];
        return [node.name, fetchTargetFact.parse(result.stdout, result.code ?? 1, request(node))];
      } catch (error) {
        if (options.signal?.aborted === true) throw options.signal.reason;
        const u = unreachable(error);
        // Said of this node's fact, so the message need not name the node again.
        const said = u.reachable ? "" : u.error.message.replace(`node ${node.name}: `, "");
        return [node.name, { ok: false, error: `unreachable: ${said}${u.reachable || u.error.hint === null ? "" : ` (${u.error.hint})`}` }];
      }
    }),
  );
  return Object.fromEntries(entries);
}
