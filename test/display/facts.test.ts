/**
 * `reconcile facts` for people: the facts a deep or PostgreSQL-asking gathering adds show in one
 * line each, and a plain gathering's lines are as before (no such lines at all).
 */
import { describe, expect, it } from "vitest";
import { nodeFactsLines } from "../../src/display/facts.js";
import type { NodeFacts, StoreFact } from "../../src/facts/types.js";

const A = "a1".repeat(32);
const B = "b2".repeat(32);
const C = "c3".repeat(32);

const base: NodeFacts = {
  os: { ok: true, value: { id: "debian", versionId: "13", prettyName: "Debian GNU/Linux 13 (trixie)", arch: "x86_64", hostname: "server", user: "root" } },
  disk: { ok: true, value: { filesystems: [{ mount: "/", availableBytes: 1024 ** 3, totalBytes: 2 * 1024 ** 3, holds: ["/opt/prefect/store"] }] } },
  store: { ok: true, value: { complete: [A], partial: [], uploaded: [] } },
  links: { ok: true, value: {} },
  files: { ok: true, value: {} },
  units: { ok: true, value: {} },
  packages: { ok: true, value: {} },
  users: { ok: true, value: {} },
  state: { ok: true, value: null },
  lock: { ok: true, value: null },
};

const lines = (facts: NodeFacts) => nodeFactsLines({ name: "server", address: "198.51.100.10" }, { reachable: true, facts });
const store = (value: StoreFact): NodeFacts => ({ ...base, store: { ok: true, value } });

describe("facts for people", () => {
  it.each([
    ["a plain gathering: no deep lines, no postgres line", base, [], ["corrupt", "unverified", "postgres"]],
    [
      "a deep gathering that found one folder changed and one unverifiable",
      store({ complete: [A], partial: [], uploaded: [], corrupt: [B], unverified: [C] }),
      [`              corrupt (content changed since install): ${B}`, `              unverified (no digest recorded at install): ${C}`],
      [],
    ],
    ["a deep gathering that found nothing wrong", store({ complete: [A], partial: [], uploaded: [], corrupt: [], unverified: [] }), [], ["corrupt", "unverified"]],
    [
      "PostgreSQL with its roles and databases",
      { ...base, postgres: { ok: true, value: { state: "running", roles: ["postgres", "prefect"], databases: ["postgres", "prefect"] } } },
      ["  postgres  roles postgres, prefect; databases postgres, prefect"],
      [],
    ],
    ["PostgreSQL not running", { ...base, postgres: { ok: true, value: { state: "not-running", reason: "psql is not installed" } } }, ["  postgres  not running (psql is not installed)"], []],
    ["PostgreSQL that did not answer", { ...base, postgres: { ok: false, error: "postgres: psql did not answer within 10 s" } }, ["  postgres  (could not read: postgres: psql did not answer within 10 s)"], []],
  ] as [string, NodeFacts, string[], string[]][])("%s", (_what, facts, present, absent) => {
    const got = lines(facts);
    for (const line of present) expect(got).toContain(line);
    for (const word of absent) expect(got.filter((l) => l.includes(word))).toEqual([]);
    // Each new fact is one line: the rest of the listing is the plain one's.
    expect(got.length).toBe(lines(base).length + present.length);
  });
});
