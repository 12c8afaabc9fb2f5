/** The node's record of the last apply, and the lease of a running one. */
import { bad, failed, ok, type FactDefinition } from "./define.js";
import { LOCK_FILE, STATE_FILE } from "./layout.js";
import type { LockFact, NodeState } from "./types.js";

/** Exit status the snippets use for "no such file": distinct from cat's own failures. */
const ABSENT = 3;

const readOrAbsent = (path: string) => `[ -e ${path} ] || exit ${ABSENT}; cat ${path}`;

function parseJson(what: string, output: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(output) };
  } catch {
    return { ok: false, error: `${what} is not valid JSON` };
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export const stateFact: FactDefinition<NodeState | null> = {
  id: "state",
  command: () => readOrAbsent(STATE_FILE),
  parse(output, exitCode) {
    if (exitCode === ABSENT) return ok(null);
    if (exitCode !== 0) return failed("state", exitCode, output);
    const json = parseJson(STATE_FILE, output);
    if (!json.ok) return bad(json.error);
    const v = json.value;
    if (!isRecord(v) || v.version !== 1) return bad(`${STATE_FILE}: unknown format (expected version 1)`);
    const { generation, cluster, specDigest, appliedAt, revision, resources } = v;
    if (
      typeof generation !== "number" || !Number.isSafeInteger(generation) || generation < 0 ||
      typeof cluster !== "string" || typeof specDigest !== "string" || typeof appliedAt !== "string" ||
      (revision !== undefined && typeof revision !== "string") ||
      !Array.isArray(resources) ||
      !resources.every((r) => isRecord(r) && typeof r.id === "string" && Number.isSafeInteger(r.generation) && (r.generation as number) >= 0)
    )
      return bad(`${STATE_FILE}: missing or mistyped fields`);
    return ok({
      version: 1,
      generation,
      cluster,
      specDigest,
      appliedAt,
      // Absent in state files written before the revision was recorded, and when none was known.
      ...(typeof revision === "string" ? { revision } : {}),
      resources: (resources as { id: string; generation: number }[]).map((r) => ({ id: r.id, generation: r.generation })),
    });
  },
};

/** A lease as the lock file holds it, or null when the value is not one. Pure; lock.ts reads leases with it too. */
export function leaseFrom(v: unknown): LockFact | null {
  if (
    !isRecord(v) || typeof v.holder !== "string" || typeof v.host !== "string" || !Number.isSafeInteger(v.pid) || (v.pid as number) <= 0 ||
    typeof v.startedAt !== "string" || typeof v.expiresAt !== "string"
  )
    return null;
  return { holder: v.holder, host: v.host, pid: v.pid as number, startedAt: v.startedAt, expiresAt: v.expiresAt };
}

export const lockFact: FactDefinition<LockFact | null> = {
  id: "lock",
  command: () => readOrAbsent(LOCK_FILE),
  parse(output, exitCode) {
    if (exitCode === ABSENT) return ok(null);
    if (exitCode !== 0) return failed("lock", exitCode, output);
    const json = parseJson(LOCK_FILE, output);
    if (!json.ok) return bad(json.error);
    const lease = leaseFrom(json.value);
    return lease === null ? bad(`${LOCK_FILE}: missing or mistyped fields`) : ok(lease);
  },
};
