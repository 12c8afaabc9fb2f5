/** `reconcile unlock`: remove the apply lease on the server node, whoever holds it. */
import { ExitCode, ReconcileError } from "../../errors.js";
import { forceUnlock } from "../../executors/lock.js";
import type { Logger } from "../../log.js";
import { print, type CliIO } from "../io.js";
import { interruptible, loadForNodes, openSession, type SpecArgs } from "../remote.js";

export async function unlockCommand(args: SpecArgs, io: CliIO, log: Logger): Promise<number> {
  const { cluster } = await loadForNodes(args, io);
  const server = cluster.nodes.find((n) => n.server);
  if (server === undefined) throw new ReconcileError("the spec names no server node");
  return interruptible(async (signal) => {
    const session = openSession(cluster, io, log, signal);
    try {
      const removed = await forceUnlock(await session.connections.get(server.name));
      log.info({ event: "unlock", node: server.name, removed }, "unlocked");
      if (removed === null) print(io.stdout, `The cluster was not locked (node ${server.name}).`);
      else print(io.stdout, `Removed the lock of ${removed.holder} on ${removed.host} (pid ${removed.pid}, since ${removed.startedAt}) from node ${server.name}.`);
      return ExitCode.ok;
    } finally {
      await session.close();
    }
  });
}
