/** `reconcile facts [node...]`: what reconcile sees on each node, as gathered for a plan. */
import { ExitCode } from "../../errors.js";
import type { NodeFactsResult } from "../../facts/types.js";
import { factsJson, nodeFactsLines } from "../../display/facts.js";
import type { Logger } from "../../log.js";
import { gatherFetchTargets } from "../../executors/gather-facts.js";
import { writeFileAtomically } from "../../executors/local-files.js";
import { formatTargetsFile } from "../../facts/fetch-target.js";
import { plural, print, type CliIO } from "../io.js";
import { loadForFetch } from "./fetch.js";
import { gather } from "../../run/gather.js";
import { interruptible, loadForNodes, openSession, selectNodes, type SpecArgs } from "../remote.js";

export interface FactsArgs extends SpecArgs {
  nodes: string[];
  json: boolean;
  /** Save the nodes' fetch targets (release, dpkg architecture, dpkg status) here, for `reconcile fetch --from-facts`. */
  saveStatus?: string;
}

/** `--save-status FILE`: what `reconcile fetch` resolves against, saved for a machine that cannot reach the nodes. */
async function saveStatus(args: FactsArgs & { saveStatus: string }, io: CliIO, log: Logger): Promise<number> {
  const cluster = await loadForFetch(args, io);
  const nodes = selectNodes(cluster, args.nodes);
  return interruptible(async (signal) => {
    const session = openSession(cluster, io, log, signal);
    let targets;
    try {
      targets = await gatherFetchTargets(nodes, (n) => session.connections.get(n.name), { signal, logger: log });
    } finally {
      await session.close();
    }
    await writeFileAtomically(args.saveStatus, formatTargetsFile(targets));
    const failed = Object.entries(targets).filter(([, t]) => !t.ok);
    for (const [node, t] of failed) if (!t.ok) print(io.stderr, `${node}: ${t.error}`);
    const saved = nodes.length - failed.length;
    print(io.stdout, `saved the release and dpkg status of ${plural(saved, "node")} to ${args.saveStatus}${failed.length > 0 ? ` (${plural(failed.length, "node")} failed)` : ""}`);
    return failed.length > 0 ? ExitCode.failure : ExitCode.ok;
  });
}

export async function factsCommand(args: FactsArgs, io: CliIO, log: Logger): Promise<number> {
  if (args.saveStatus !== undefined) return saveStatus({ ...args, saveStatus: args.saveStatus }, io, log);
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
