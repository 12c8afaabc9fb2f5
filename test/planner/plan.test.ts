/**
 * Planner fixture tables (STYLE.md §3.4, §3.2, §3.12): one generic runner over
 * test/fixtures/plans/<case>/ (see cases.ts for the files). For every case it checks the
 * hand-written expected.json, the invariants every plan must keep (determinism, no secret values,
 * a reason on every change, a well-formed step graph, bytes that add up), and the whole plan
 * against plan.snapshot.json.
 *
 * expected.json is the truth, written from the spec and the facts. plan.snapshot.json pins what
 * the planner says today, reviewed; where a case's `knownBugs` says the planner is wrong, the
 * snapshot holds the wrong part too, and a focused `it.fails` test below shows the right answer.
 * Adding a case means adding a folder.
 */
import { describe, expect, it } from "vitest";
import { plan } from "../../src/planner/plan.js";
import { renderPlan } from "../../src/display/plan.js";
import { STAGES, type Plan, type Step } from "../../src/planner/types.js";
import { REDACTED } from "../../src/spec/secrets.js";
import { caseNames, diffBody, leakForms, loadCase, planCase, reverseKeys, type PlanCase } from "./cases.js";

const names = caseNames();

function nodeOf(p: Plan, name: string) {
  const n = p.nodes.find((x) => x.name === name);
  if (n === undefined) throw new Error(`no node ${name} in the plan`);
  return n;
}

function checkExpected(c: PlanCase, p: Plan, nodeName: string) {
  const e = c.expected.nodes[nodeName];
  if (e === undefined) throw new Error(`expected.json has no node ${nodeName}`);
  const n = nodeOf(p, nodeName);
  expect(n.status).toBe(e.status);
  expect(n.errors).toEqual(e.errors ?? []);
  expect(n.hint).toBe(e.hint ?? null);
  expect(n.warnings).toEqual(e.warnings ?? []);

  const actions = Object.fromEntries(n.changes.map((ch) => [ch.address, ch.action]));
  expect(Object.keys(actions)).toHaveLength(n.changes.length); // addresses are unique on a node
  if (e.noop === undefined) expect(actions).toEqual(e.changes);
  else {
    expect(Object.fromEntries(Object.entries(actions).filter(([, a]) => a !== "noop"))).toEqual(e.changes);
    expect(n.changes.filter((ch) => ch.action === "noop")).toHaveLength(e.noop);
  }
  expect(n.bytesToSend).toBe(e.bytesToSend);
  expect(n.bytesUnknown).toBe(e.bytesUnknown ?? false);

  if (e.steps !== undefined) expect(n.steps.map((s) => s.id)).toEqual(e.steps);
  for (const [id, deps] of Object.entries(e.dependsOn ?? {})) {
    const step = n.steps.find((s) => s.id === id);
    expect(step, `step ${id}`).toBeDefined();
    expect([...(step?.dependsOn ?? [])].sort(), `dependsOn of ${id}`).toEqual([...deps].sort());
  }
  const change = (address: string) => {
    const ch = n.changes.find((x) => x.address === address);
    expect(ch, `change ${address}`).toBeDefined();
    return ch;
  };
  for (const [address, text] of Object.entries(e.reasons ?? {})) expect(change(address)?.reason, `reason of ${address}`).toContain(text);
  for (const [address, v] of Object.entries(e.values ?? {})) {
    const ch = change(address);
    expect({ before: ch?.before, after: ch?.after }, `before/after of ${address}`).toEqual(v);
  }
  for (const [address, lines] of Object.entries(e.diffs ?? {})) {
    const diff = change(address)?.diff ?? null;
    if (lines === null) expect(diff, `diff of ${address}`).toBeNull();
    else expect(diff === null ? null : diffBody(diff), `diff of ${address}`).toEqual(lines);
  }
  if (e.sensitive !== undefined) {
    expect(n.changes.filter((ch) => ch.sensitive).map((ch) => ch.address).sort()).toEqual([...e.sensitive].sort());
  }
  if (e.disk !== undefined) expect(n.disk).toEqual(e.disk);
}

/** Steps by id over the whole plan; throws on a duplicate id. */
function stepIndex(p: Plan): Map<string, Step> {
  const index = new Map<string, Step>();
  for (const n of p.nodes) {
    for (const s of n.steps) {
      if (index.has(s.id)) throw new Error(`duplicate step id ${s.id}`);
      index.set(s.id, s);
    }
  }
  return index;
}

function checkStepGraph(p: Plan) {
  const index = stepIndex(p);
  for (const n of p.nodes) {
    for (const s of n.steps) {
      expect(s.node).toBe(n.name);
      expect(s.id).toBe(`${n.name}/${s.stage}/${s.address}`);
      for (const id of s.dependsOn) {
        const dep = index.get(id);
        expect(dep, `${s.id} depends on unknown ${id}`).toBeDefined();
        if (dep === undefined) continue;
        // Within a node, never on a later stage; across nodes, only on a verify (the server's), or
        // a file copied from the server on the service that makes it (Caddy's root).
        if (dep.node === s.node) expect(STAGES.indexOf(dep.stage), `${s.id} → ${id}`).toBeLessThanOrEqual(STAGES.indexOf(s.stage));
        else if (s.detail.kind === "file" && "content" in s.detail && s.detail.content.type === "remote") expect(dep.id, `${s.id} → ${id}`).toBe(`${s.detail.content.node}/configure/service:caddy.service`);
        else expect(dep.stage, `${s.id} → ${id}`).toBe("verify");
      }
      expect(new Set(s.dependsOn).size, `${s.id} lists a dependency twice`).toBe(s.dependsOn.length);
      // A stage runs its steps in list order: every dependency on this node comes earlier.
      const at = n.steps.indexOf(s);
      for (const id of s.dependsOn) {
        const before = n.steps.findIndex((x) => x.id === id);
        if (before !== -1) expect(before, `${s.id} is listed before ${id}, which it depends on`).toBeLessThan(at);
      }
    }
    // One verify per node with work, last, after everything else on the node.
    const verifies = n.steps.filter((s) => s.stage === "verify");
    if (n.steps.length === 0) continue;
    expect(verifies.map((s) => s.id)).toEqual([`${n.name}/verify/verify:${n.name}`]);
    expect(n.steps.at(-1)?.stage).toBe("verify");
    expect([...(verifies[0]?.dependsOn ?? [])].sort()).toEqual(n.steps.filter((s) => s.stage !== "verify").map((s) => s.id).sort());
  }
  // Acyclic: repeatedly take the steps whose dependencies are all taken.
  const done = new Set<string>();
  let progress = true;
  while (progress) {
    progress = false;
    for (const s of index.values()) {
      if (!done.has(s.id) && s.dependsOn.every((d) => done.has(d))) {
        done.add(s.id);
        progress = true;
      }
    }
  }
  expect([...index.keys()].filter((id) => !done.has(id)), "steps in a dependency cycle").toEqual([]);
}

function checkChangesAndSteps(p: Plan) {
  for (const n of p.nodes) {
    for (const ch of n.changes) {
      expect(ch.reason.trim(), `reason of ${n.name} ${ch.address}`).not.toBe("");
      const steps = n.steps.filter((s) => s.address === ch.address);
      const held = ch.action === "delete" && !p.prune;
      if (ch.action === "noop" || held) expect(steps, `${n.name} ${ch.address} is ${held ? "kept" : "a noop"} but has steps`).toEqual([]);
      else expect(steps.length, `${n.name} ${ch.address} changes without a step`).toBeGreaterThan(0);
      for (const s of steps) expect(s.action).toBe(ch.action);
      if (ch.prune) expect(ch.action).toBe("delete");
    }
    for (const s of n.steps) if (s.stage !== "verify") expect(n.changes.some((ch) => ch.address === s.address), `${s.id} has no change`).toBe(true);
    const transfers = n.steps.filter((s) => s.stage === "transfer");
    expect(n.bytesToSend).toBe(transfers.reduce((sum, s) => sum + (s.bytes ?? 0), 0));
    expect(n.bytesUnknown).toBe(transfers.some((s) => s.bytes === null));
    for (const s of n.steps) if (s.stage !== "transfer") expect(s.bytes, `${s.id} sends bytes outside transfer`).toBeNull();
    // What is sent lands in store/.incoming; a node with nothing to do needs no room.
    expect(n.disk.find((d) => d.path.endsWith("/store/.incoming"))?.bytes ?? 0).toBe(n.bytesToSend);
    if (n.steps.length === 0) expect(n.disk).toEqual([]);
    for (const d of n.disk) expect(d.bytes).toBeGreaterThan(0);
  }
}

function checkSensitive(p: Plan) {
  for (const n of p.nodes) {
    for (const ch of n.changes.filter((x) => x.sensitive)) {
      expect(ch.diff, `${ch.address} is sensitive but has a diff`).toBeNull();
      for (const side of [ch.before, ch.after]) {
        if (side !== null && typeof side === "object" && !Array.isArray(side) && "sha256" in side) expect(side.sha256).toBe(REDACTED);
      }
    }
  }
}

function checkFingerprints(p: Plan) {
  for (const n of p.nodes) {
    const digests = p.facts[n.name];
    if (n.status !== "planned" && n.changes.length === 0) {
      expect(digests, `${n.name} was not planned but has fingerprints`).toBeUndefined();
      continue;
    }
    expect(digests, `${n.name} has no fingerprints`).toBeDefined();
    expect(Object.keys(digests ?? {})).toContain("state");
    for (const s of n.steps) for (const key of s.facts) expect(Object.keys(digests ?? {}), `${s.id} rests on ${key}`).toContain(key);
    for (const d of Object.values(digests ?? {})) expect(d).toMatch(/^sha256:[0-9a-f]{64}$/);
  }
}

describe("plan fixtures", () => {
  it("exist", () => {
    expect(names.length).toBeGreaterThanOrEqual(12);
  });
});

for (const name of names) {
  const c = loadCase(name);
  const p = planCase(c);
  const e = c.expected;

  describe(`${name}: ${e.description}`, () => {
    it("summary and flags", () => {
      expect(p.summary).toEqual(e.summary);
      expect({ applyable: p.applyable, errored: p.errored, hasChanges: p.hasChanges }).toEqual({ applyable: e.applyable, errored: e.errored, hasChanges: e.hasChanges });
      expect(p.errored).toBe(e.errored);
      expect(p.blockers.length === 0).toBe(e.applyable);
      expect(p.prune).toBe(c.options.prune);
      expect(p.cluster).toBe(c.cluster.name);
      expect(p.specDigest).toBe(c.cluster.specDigest);
    });

    it("plans every node of the spec, in spec order, and expected.json names them all", () => {
      expect(p.nodes.map((n) => n.name)).toEqual(c.cluster.nodes.map((n) => n.name));
      expect(Object.keys(e.nodes).sort()).toEqual(c.cluster.nodes.map((n) => n.name).sort());
    });

    for (const nodeName of Object.keys(e.nodes)) it(`node ${nodeName}`, () => checkExpected(c, p, nodeName));

    it("is deterministic: planned again, and with every object key of the inputs in reverse order", () => {
      const text = JSON.stringify(p);
      expect(JSON.stringify(planCase(c))).toBe(text);
      const shuffled = { ...c, local: reverseKeys(c.local), secrets: new Map([...c.secrets].reverse()) };
      expect(JSON.stringify(planCase(shuffled, reverseKeys(c.facts)))).toBe(text);
    });

    it("never contains a secret value, in JSON or rendered", () => {
      const json = JSON.stringify(p);
      const text = renderPlan(p, { verbose: true }).join("\n");
      for (const [secret, value] of Object.entries(c.secretValues)) {
        for (const form of leakForms(value)) {
          expect(json.includes(form), `${secret} in the plan JSON`).toBe(false);
          expect(text.includes(form), `${secret} in the rendered plan`).toBe(false);
        }
      }
    });

    it("gives every change a reason; noops and kept deletions have no steps, other changes do", () => checkChangesAndSteps(p));
    it("has a well-formed step graph: known ids, no later stage, one verify last, no cycle", () => checkStepGraph(p));
    it("shows (sensitive) and no diff for files that hold secrets", () => checkSensitive(p));
    it("records a fingerprint for every fact a step rests on", () => checkFingerprints(p));

    it(`matches plan.snapshot.json${e.knownBugs === undefined ? "" : ` (known bugs pinned too: ${e.knownBugs.length})`}`, async () => {
      await expect(`${JSON.stringify(p, null, 2)}\n`).toMatchFileSnapshot(`${c.dir}plan.snapshot.json`);
    });
  });
}

describe("planner: focused cases", () => {
  it("an upload that finished but was not installed is not sent again", () => {
    const c = loadCase("fresh-cluster");
    const facts = JSON.parse(JSON.stringify(c.facts)) as typeof c.facts;
    const w1 = facts["worker-1"];
    if (w1?.reachable !== true || !w1.facts.store.ok) throw new Error("fixture");
    const sha = "a1".repeat(32);
    w1.facts.store.value.uploaded = [sha];
    const node = planCase(c, facts).nodes.find((n) => n.name === "worker-1");
    expect(node?.changes.find((ch) => ch.address === "artifact:prefect-env")).toMatchObject({ action: "create", reason: "uploaded and verified, not installed yet" });
    expect(node?.steps.find((st) => st.id === "worker-1/transfer/artifact:prefect-env")?.bytes).toBe(0);
    expect(node?.steps.some((st) => st.id === "worker-1/install/artifact:prefect-env")).toBe(true);
  });

  it("a missing secret: the node that needs it is errored and names it; the others are planned; the plan cannot be applied", () => {
    const c = loadCase("fresh-cluster");
    const p = planCase({ ...c, secrets: new Map() });
    expect(nodeOf(p, "server").status).toBe("errored");
    expect(nodeOf(p, "server").errors).toEqual(["/etc/prefect/server.secrets.env: secret PG_PASSWORD is not set"]);
    expect(nodeOf(p, "worker-1").status).toBe("planned");
    expect(nodeOf(p, "worker-2").status).toBe("planned");
    expect({ applyable: p.applyable, errored: p.errored }).toEqual({ applyable: false, errored: true });
    expect(p.blockers).toEqual([{ node: "server", step: null, reason: "could not be planned (errored)" }]);
  });

  it("a node with no facts at all is unreachable and says so", () => {
    const c = loadCase("converged");
    const { "worker-2": _, ...facts } = c.facts;
    const p = planCase(c, facts);
    expect(nodeOf(p, "worker-2")).toMatchObject({ status: "unreachable", errors: ["no facts were gathered"], hint: null, changes: [], steps: [] });
    expect(p.applyable).toBe(false);
  });

  it("a failed disk or lock fact only warns; a held lock warns with its holder", () => {
    const c = loadCase("converged");
    const facts = structuredClone(c.facts);
    const w1 = facts["worker-1"];
    const w2 = facts["worker-2"];
    if (w1?.reachable !== true || w2?.reachable !== true) throw new Error("fixture changed");
    w1.facts.disk = { ok: false, error: "disk: df exited with 1" };
    w2.facts.lock = { ok: true, value: { holder: "ops", host: "controller", pid: 4242, startedAt: "2026-11-01T10:00:00.000Z", expiresAt: "2026-11-01T10:10:00.000Z" } };
    const p = planCase(c, facts);
    expect(nodeOf(p, "worker-1")).toMatchObject({ status: "planned", warnings: ["facts: disk: df exited with 1"] });
    expect(nodeOf(p, "worker-2")).toMatchObject({
      status: "planned",
      warnings: ["locked by ops on controller (pid 4242) since 2026-11-01T10:00:00.000Z, lease until 2026-11-01T10:10:00.000Z"],
    });
    expect(p.applyable).toBe(true);
    // apply plans while holding the lease itself: its own lease is not somebody else's lock.
    const own = plan(c.cluster, facts, c.local, c.secrets, { ...c.options, ownLease: { host: "controller", pid: 4242 } });
    expect(nodeOf(own, "worker-2").warnings).toEqual([]);
    const other = plan(c.cluster, facts, c.local, c.secrets, { ...c.options, ownLease: { host: "controller", pid: 4243 } });
    expect(nodeOf(other, "worker-2").warnings).toHaveLength(1);
  });

  it("an incomplete store folder that a link points into is unpacked again, marked live (after the gate)", () => {
    const c = loadCase("converged");
    const facts = structuredClone(c.facts);
    const w1 = facts["worker-1"];
    if (w1?.reachable !== true || !w1.facts.store.ok || !w1.facts.links.ok) throw new Error("fixture changed");
    const linked = Object.values(w1.facts.links.value).flatMap((l) => (l.state === "link" ? [l.target] : []));
    const sha = w1.facts.store.value.complete.find((d) => linked.some((t) => t.includes(d)));
    if (sha === undefined) throw new Error("fixture changed: no linked store folder");
    w1.facts.store.value.complete = w1.facts.store.value.complete.filter((d) => d !== sha);
    const node = nodeOf(planCase(c, facts), "worker-1");
    const install = node.steps.find((s) => s.stage === "install" && s.detail.kind === "artifact");
    expect(install?.detail).toMatchObject({ kind: "artifact", sha256: sha, live: true });
    expect(node.changes.find((ch) => ch.kind === "artifact" && ch.action === "create")?.reason).toBe("incomplete in the node's store (no .complete) although a link points into it");
    // A fresh artifact is not live.
    const fresh = nodeOf(planCase(loadCase("fresh-cluster")), "worker-1");
    expect(fresh.steps.filter((s) => s.detail.kind === "artifact" && s.detail.live === true)).toEqual([]);
  });

  it("a store folder nothing references is deleted only with --prune; one a link still points into stays (a rollback may need it)", () => {
    const c = loadCase("converged");
    const facts = structuredClone(c.facts);
    const w1 = facts["worker-1"];
    if (w1?.reachable !== true || !w1.facts.store.ok || !w1.facts.links.ok) throw new Error("fixture changed");
    const stray = "a".repeat(64);
    const linked = "b".repeat(64);
    w1.facts.store.value.complete.push(stray, linked);
    // A link the spec no longer declares (prune deletes it in the same apply) still points into `linked`.
    w1.facts.links.value["/opt/prefect/envs/old-env"] = { state: "link", target: `/opt/prefect/store/${linked}/prefect-3.4.24` };
    const kept = nodeOf(planCase(c, facts), "worker-1");
    const gone = kept.changes.filter((ch) => ch.address.startsWith("artifact:store/"));
    expect(gone.map((ch) => [ch.address, ch.action, ch.prune, ch.reason])).toEqual([[`artifact:store/${stray}`, "delete", true, "nothing references it any more; kept until apply --prune"]]);
    expect(kept.steps.filter((s) => s.action === "delete")).toEqual([]);
    const pruned = nodeOf(plan(c.cluster, facts, c.local, c.secrets, { ...c.options, prune: true }), "worker-1");
    expect(pruned.steps.filter((s) => s.detail.kind === "store")).toEqual([
      expect.objectContaining({ id: `worker-1/configure/artifact:store/${stray}`, action: "delete", detail: { kind: "store", path: `/opt/prefect/store/${stray}` } }),
    ]);
  });

  it("a pruned service stops before its files and links go, whatever order the state file lists them in", () => {
    const c = loadCase("prune");
    const facts = structuredClone(c.facts);
    for (const r of Object.values(facts)) {
      // apply writes the state's resources sorted, which puts file: and link: before service:.
      if (r.reachable && r.facts.state.ok && r.facts.state.value !== null) r.facts.state.value.resources.sort((a, b) => (a.id < b.id ? -1 : 1));
    }
    const p = planCase(c, facts);
    checkStepGraph(p);
    for (const n of p.nodes) {
      const configure = n.steps.filter((s) => s.stage === "configure" && s.action === "delete");
      const stop = configure.findIndex((s) => s.detail.kind === "service");
      if (stop === -1) continue;
      for (const [i, s] of configure.entries()) if (s.detail.kind === "file" || s.detail.kind === "link") expect(i, s.id).toBeGreaterThan(stop);
    }
    expect(p.nodes.some((n) => n.steps.some((s) => s.detail.kind === "service" && s.action === "delete"))).toBe(true);
  });

  it("not enough disk: names the file system that holds store/, its free space, and what receiving and unpacking need with the margin", () => {
    const c = loadCase("fresh-cluster");
    const facts = structuredClone(c.facts);
    const w1 = facts["worker-1"];
    if (w1?.reachable !== true) throw new Error("fixture changed");
    // The issue: a 50 MiB file system mounted on the worker's store/.
    w1.facts.disk = {
      ok: true,
      value: {
        filesystems: [
          { mount: "/opt/prefect/store", availableBytes: 50 * 2 ** 20, totalBytes: 50 * 2 ** 20, holds: ["/opt/prefect/store", "/opt/prefect/store/.incoming"] },
          { mount: "/", availableBytes: 50e9, totalBytes: 100e9, holds: ["/opt/prefect/envs", "/var/lib/reconcile"] },
        ],
      },
    };
    const node = nodeOf(planCase(c, facts), "worker-1");
    // Receives prefect-env (300000000), flow-env (120000000) and the flow code (20480); unpacks
    // them to 300000000 (a plain tar), 360000000 (a .tar.gz's ISIZE) and 20480.
    expect(node.disk).toEqual([
      { path: "/opt/prefect/store", bytes: 660020480 },
      { path: "/opt/prefect/store/.incoming", bytes: 420020480 },
      { path: "/opt/prefect/envs", bytes: 3 * 4096 },
      { path: "/var/lib/reconcile", bytes: 1048576 },
    ]);
    // 1080040960 bytes and a 10% margin (108004096) = 1188045056 = 1.1 GiB.
    expect(node.warnings).toEqual(["not enough disk: /opt/prefect/store (mounted at /opt/prefect/store) has 50.0 MiB free, about 1.1 GiB needed to receive and unpack (with a safety margin of 103.0 MiB)"]);
    expect(node.status).toBe("planned");
  });

  // Regression test (issue 9: the reason read `disabled enabled → enabled, active`).
  it("a unit that is disabled and stopped says so once: `disabled, inactive → enabled, active`", () => {
    const c = loadCase("converged");
    const facts = structuredClone(c.facts);
    const [name, node] = Object.entries(facts).find(([, n]) => n.reachable && n.facts.units.ok && Object.keys(n.facts.units.value).some((u) => u.startsWith("prefect-worker@"))) ?? [];
    if (name === undefined || node?.reachable !== true || !node.facts.units.ok) throw new Error("fixture changed");
    const unit = Object.keys(node.facts.units.value).find((u) => u.startsWith("prefect-worker@")) ?? "";
    node.facts.units.value[unit] = { load: "loaded", active: "inactive", sub: "dead", unitFileState: "disabled" };
    const reasons = nodeOf(planCase(c, facts), name).changes.filter((ch) => ch.address === `service:${unit}`).map((ch) => ch.reason);
    expect(reasons).toEqual(["disabled, inactive → enabled, active"]);
    node.facts.units.value[unit] = { load: "loaded", active: "active", sub: "running", unitFileState: "" };
    expect(nodeOf(planCase(c, facts), name).changes.find((ch) => ch.address === `service:${unit}`)?.reason).toBe("not enabled → enabled, active");
  });

  // Regression test (found by the fixture review; fixed in src).
  it("a service its packages start is restarted after its managed config is written on a fresh node", () => {
    const p = planCase(loadCase("fresh-cluster"));
    const step = nodeOf(p, "server").steps.find((s) => s.id === "server/configure/service:caddy.service");
    expect(step?.dependsOn).toContain("server/configure/file:/etc/caddy/Caddyfile");
    expect(step?.detail).toMatchObject({ kind: "service", unit: "caddy.service", enable: true, restart: true });
  });

  // Regression test (found by the fixture review; fixed in src).
  it("a worker on the server node waits for the Prefect server on that node", () => {
    const p = planCase(loadCase("server-and-worker-on-one-node"));
    const index = stepIndex(p);
    const before = new Set<string>();
    const visit = (id: string) => {
      for (const d of index.get(id)?.dependsOn ?? []) {
        if (before.has(d)) continue;
        before.add(d);
        visit(d);
      }
    };
    visit("solo/configure/service:prefect-worker@production.service");
    expect([...before]).toContain("solo/configure/service:prefect-server.service");
  });
});
