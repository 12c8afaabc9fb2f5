/** Fact fingerprints: canonical JSON, stable digests, and which keys a saved plan sees move. */
import { describe, expect, it } from "vitest";
import type { NodeFacts } from "../../src/facts/types.js";
import { canonicalJson, factDigest, factValue, movedFacts } from "../../src/planner/fingerprint.js";
import { loadCase, planCase, reverseKeys } from "./cases.js";

const converged = loadCase("converged");

/** worker-1's facts from the converged case, as a fresh copy to change. */
function worker1(): NodeFacts {
  const r = structuredClone(converged.facts["worker-1"]);
  if (r?.reachable !== true) throw new Error("fixture changed: worker-1 must be reachable");
  return r.facts;
}

function files(facts: NodeFacts) {
  if (!facts.files.ok) throw new Error("fixture changed: files must parse");
  return facts.files.value;
}

describe("canonicalJson", () => {
  it("sorts object keys at every depth and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it("gives equal text for equal values built in any key order", () => {
    const a = { state: "file", mode: "0600", owner: "root", group: "root", sha256: "ab" };
    const b = { sha256: "ab", group: "root", owner: "root", mode: "0600", state: "file" };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(b)).toBe('{"group":"root","mode":"0600","owner":"root","sha256":"ab","state":"file"}');
  });

  it("sorts by code unit, not by locale", () => {
    expect(canonicalJson({ b: 1, B: 2, a: 3, _: 4 })).toBe('{"B":2,"_":4,"a":3,"b":1}');
  });

  it("keeps scalars as JSON does", () => {
    expect(canonicalJson(null)).toBe("null");
    expect(canonicalJson("x")).toBe('"x"');
    expect(canonicalJson([{ b: 1, a: 2 }])).toBe('[{"a":2,"b":1}]');
  });
});

describe("factDigest", () => {
  const keys = [
    "file:/etc/prefect/worker.env",
    "file:/etc/prefect/absent.env",
    "link:/opt/prefect/envs/prefect-env",
    "unit:prefect-worker@production.service",
    "unit:nothing.service",
    "user:prefect",
    "package:caddy",
    `store:${"a1".repeat(32)}`,
    "state",
  ];

  it("is sha256: and 64 hex digits, the same every time and for any key order of the facts", () => {
    const facts = worker1();
    for (const key of keys) {
      const d = factDigest(facts, key);
      expect(d, key).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(factDigest(structuredClone(facts), key), key).toBe(d);
      expect(factDigest(reverseKeys(facts), key), key).toBe(d);
    }
  });

  it("is `unknown` when the fact behind the key failed, or the key is not a fact", () => {
    const facts = worker1();
    facts.files = { ok: false, error: "files: unexpected line" };
    expect(factDigest(facts, "file:/etc/prefect/worker.env")).toBe("unknown");
    expect(factDigest(facts, "bogus:thing")).toBe("unknown");
  });

  it("ignores what decisions do not rest on: free disk, a unit's sub-state, a file's text, when the state was written, the order of its resources", () => {
    const before = worker1();
    const after = worker1();
    after.disk = { ok: true, value: { filesystems: [{ mount: "/", availableBytes: 1, totalBytes: 2, holds: ["/opt/prefect/store"] }] } };
    const units = after.units.ok ? after.units.value : {};
    const unit = units["prefect-worker@production.service"];
    if (unit === undefined) throw new Error("fixture changed");
    units["prefect-worker@production.service"] = { ...unit, sub: "reloading" };
    const env = files(after)["/etc/prefect/worker.env"];
    if (env?.state !== "file") throw new Error("fixture changed");
    env.content = null;
    if (after.state.ok && after.state.value !== null) {
      after.state.value.appliedAt = "2030-01-01T00:00:00.000Z";
      after.state.value.resources.reverse();
    }
    for (const key of keys) expect(factDigest(after, key), key).toBe(factDigest(before, key));
  });

  it("reduces each kind of fact to what decides", () => {
    const facts = worker1();
    expect(factValue(facts, `store:${"a1".repeat(32)}`)).toEqual({ complete: true });
    expect(factValue(facts, `store:${"a2".repeat(32)}`)).toEqual({ complete: false });
    expect(factValue(facts, "link:/opt/prefect/envs/nothing")).toEqual({ state: "absent" });
    expect(factValue(facts, "file:/etc/prefect/absent.env")).toEqual({ state: "absent" });
    expect(factValue(facts, "unit:nothing.service")).toEqual({ load: "not-found" });
    expect(factValue(facts, "unit:prefect-worker@production.service")).toEqual({ load: "loaded", active: "active", unitFileState: "enabled" });
    expect(factValue(facts, "user:prefect")).toEqual({ uid: 998 });
    expect(factValue(facts, "package:caddy")).toBeNull();
  });
});

describe("movedFacts", () => {
  const saved = planCase(converged).facts["worker-1"] ?? {};

  it("the saved plan has a digest for every key worker-1's decisions rest on", () => {
    expect(Object.keys(saved)).toEqual(
      [
        "file:/etc/prefect/proxy-ca.crt",
        "file:/etc/prefect/worker-production.env",
        "file:/etc/prefect/worker.env",
        "file:/etc/prefect/worker.secrets.env",
        "file:/etc/systemd/system/prefect-worker@.service",
        "link:/opt/prefect/envs/flow-env",
        "link:/opt/prefect/envs/prefect-env",
        "link:/opt/prefect/flows/etl",
        "state",
        `store:${"a1".repeat(32)}`,
        `store:${"e1".repeat(32)}`,
        `store:${"f1".repeat(32)}`,
        "unit:prefect-worker@production.service",
        "user:prefect",
      ],
    );
  });

  it("names nothing when nothing moved", () => {
    expect(movedFacts(saved, worker1())).toEqual([]);
    expect(movedFacts(saved, reverseKeys(worker1()))).toEqual([]);
  });

  it("names exactly the file whose sha256 changed", () => {
    const now = worker1();
    const env = files(now)["/etc/prefect/worker.env"];
    if (env?.state !== "file") throw new Error("fixture changed");
    env.sha256 = "0".repeat(64);
    expect(movedFacts(saved, now)).toEqual(["file:/etc/prefect/worker.env"]);
  });

  it("names every moved key, sorted, and a fact that no longer parses as moved", () => {
    const now = worker1();
    if (now.links.ok) now.links.value["/opt/prefect/envs/prefect-env"] = { state: "link", target: `/opt/prefect/store/${"a2".repeat(32)}` };
    if (now.units.ok) delete now.units.value["prefect-worker@production.service"];
    expect(movedFacts(saved, now)).toEqual(["link:/opt/prefect/envs/prefect-env", "unit:prefect-worker@production.service"]);
    now.files = { ok: false, error: "files exited with 1" };
    expect(movedFacts(saved, now)).toEqual([
      "file:/etc/prefect/proxy-ca.crt",
      "file:/etc/prefect/worker-production.env",
      "file:/etc/prefect/worker.env",
      "file:/etc/prefect/worker.secrets.env",
      "file:/etc/systemd/system/prefect-worker@.service",
      "link:/opt/prefect/envs/prefect-env",
      "unit:prefect-worker@production.service",
    ]);
  });

  it("sees the state file move when another apply recorded a new generation", () => {
    const now = worker1();
    if (now.state.ok && now.state.value !== null) now.state.value.generation += 1;
    expect(movedFacts(saved, now)).toEqual(["state"]);
  });
});
