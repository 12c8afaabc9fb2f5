/** `reconcile status`: one screen for the whole cluster, from one gather (src/run/status.ts). */
import { renderStatus, statusJson } from "../../display/status.js";
import type { Logger } from "../../log.js";
import { statusExitCode } from "../../planner/status.js";
import { gatherStatus } from "../../run/status.js";
import { print, streamStyle, type CliIO } from "../io.js";
import { interruptible, loadStrict, openSession, type SpecArgs } from "../remote.js";

export interface StatusArgs extends SpecArgs {
  json: boolean;
}

/** Exit 0 when every node and the Prefect API could be read (drift does not fail it), 1 otherwise. */
export async function statusCommand(args: StatusArgs, io: CliIO, log: Logger): Promise<number> {
  const { cluster, secrets } = await loadStrict(args, io);
  return interruptible(async (signal) => {
    const session = openSession(cluster, io, log, signal);
    let result;
    try {
      result = await gatherStatus(session, cluster, secrets.values, { signal });
    } finally {
      await session.close();
    }
    const { status, gathered } = result;
    log.info({ event: "status", problems: status.problems.length, drifted: status.drift.items.length, localMs: gathered.durationMs.local, factsMs: gathered.durationMs.facts, apiMs: gathered.durationMs.api }, "status");
    if (args.json) io.stdout.write(`${statusJson(status)}\n`);
    else {
      const style = streamStyle(io, io.stdout);
      const now = Date.now();
      const secondsSince = (iso: string) => {
        const t = Date.parse(iso);
        return Number.isNaN(t) ? null : (now - t) / 1000;
      };
      for (const line of renderStatus(status, { secondsSince, ...(style === undefined ? {} : { style }) })) print(io.stdout, line);
    }
    return statusExitCode(status);
  });
}
