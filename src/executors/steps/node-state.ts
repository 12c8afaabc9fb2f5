/**
 * The node's state record (state.json) after a successful apply: what it holds ({@link nextState},
 * pure), and writing it on the node, which also drops the undo journals no longer needed.
 */
import { STATE_DIR, STATE_FILE } from "../../facts/layout.js";
import type { NodeState, StateResource } from "../../facts/types.js";
import type { Logger } from "../../log.js";
import { runScriptOrThrow } from "../remote-script.js";
import type { Transport } from "../transport.js";
import { writeFileScript } from "./files.js";
import { pruneJournalsScript, rollbackDir } from "./journal.js";

/** The node's state after a successful apply; `revision` (the spec's git commit) only when known. */
export function nextState(
  previous: NodeState | null,
  input: { generation: number; cluster: string; specDigest: string; appliedAt: string; revision?: string; declared: string[]; changed: string[]; kept: string[] },
): NodeState {
  const before = new Map((previous?.resources ?? []).map((r) => [r.id, r.generation]));
  const changed = new Set(input.changed);
  const ids = [...new Set([...input.declared, ...input.kept])].sort();
  const resources: StateResource[] = ids.map((id) => ({ id, generation: changed.has(id) || !before.has(id) ? input.generation : (before.get(id) ?? input.generation) }));
  const revision = input.revision === undefined ? {} : { revision: input.revision };
  return { version: 1, generation: input.generation, cluster: input.cluster, specDigest: input.specDigest, appliedAt: input.appliedAt, ...revision, resources };
}

/**
 * Writes the node's state file (atomically) once the node verified, then drops the journals of
 * older generations (a rollback can no longer use them).
 */
export async function writeState(transport: Transport, state: NodeState, options: StateOptions & { signal?: AbortSignal; log?: Logger } = {}): Promise<void> {
  const { stateDir, owner, ...rest } = options;
  const dir = stateDir ?? STATE_DIR;
  const file = stateDir === undefined ? STATE_FILE : `${stateDir}/state.json`;
  const own = owner ?? { user: "root", group: "root" };
  const script = [writeFileScript(file, "0644", own.user, own.group, rollbackDir(state.generation, dir)), pruneJournalsScript(state.generation, `${dir}/rollback`)].join("\n");
  await runScriptOrThrow(transport, { step: "record state", script, stdin: `${JSON.stringify(state, null, 2)}\n`, ...rest });
}

/** Where the node keeps its state file and undo journals, and who owns them: /var/lib/reconcile and root on real nodes. */
export interface StateOptions {
  stateDir?: string;
  owner?: { user: string; group: string };
}
