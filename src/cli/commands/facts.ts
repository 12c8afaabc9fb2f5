/** `reconcile facts [node...]`: what reconcile sees on each node, as gathered for a plan. */
import { ExitCode } from "../../errors.js";
import type { NodeFactsResult } from "../../facts/types.js";
import { factsJson, nodeFactsLines } from "../../display/facts.js";
import type { Logger } from "../../log.js";
import { print, type CliIO } from "../io.js";
import { gather } from "../../run/gather.js";
import { interruptible, loadForNodes, openSession, selectNodes, type SpecArgs } from "../remote.js";

export interface FactsArgs extends SpecArgs {
  nodes: string[];
  json: boolean;
}

export async function factsCommand(args: FactsArgs, io: CliIO, log: Logger): Promise<number> {
  const { cluster } = await loadForNodes(args, io);
  const nodes = selectNodes(cluster, args.nodes);
  return interruptible(async (signal) => {
    const session = openSession(cluster, io, log, signal);
    let facts: Record<string, NodeFactsResult>;
    try {
      facts = (await gather(session, cluster, { nodes, tolerant: true })).facts;
    } finally {
      await session.close();
    }
    const failed = nodes.filter((n) => facts[n.name]?.reachable !== true);
    if (args.json) {
      io.stdout.write(`${factsJson(Object.fromEntries(nodes.map((n) => [n.name, facts[n.name]])))}\n`);
    } else {
      for (const node of nodes) for (const line of nodeFactsLines(node, facts[node.name])) print(io.stdout, line);
    }
    return failed.length > 0 ? ExitCode.failure : ExitCode.ok;
  });
}
