/**
 * Issue 3, end to end on real nodes: trust, then plan a fresh cluster (everything to add), a
 * worker with a small file system on its store (the not-enough-disk warning), the JSON round trip
 * through --out, and the documented errors of a node whose host key changed and
 * of a node that is down, while the other nodes are still planned.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEBIAN_VERSION, rekeyNode, resetNode, sshExec, startNode, stopNode } from "../testbed/testbed.mjs";
import { looksLikeACrash } from "../helpers/cli.js";
import { describeE2E } from "../testbed/e2e.js";
import { makeCluster, SECRET_VALUES, type TestCluster } from "./cluster.js";

interface JsonPlan {
  format: string;
  hasChanges: boolean;
  applyable: boolean;
  errored: boolean;
  summary: { add: number; change: number; destroy: number; kept: number };
  nodes: { name: string; status: string; errors: string[]; hint: string | null; changes: { address: string; action: string }[]; steps: { id: string; stage: string; dependsOn: string[] }[]; bytesToSend: number }[];
  facts: Record<string, Record<string, string>>;
  clusterWide: { status: string; changes: { address: string; action: string }[] };
}

function noSecrets(...texts: string[]) {
  for (const t of texts) for (const s of SECRET_VALUES) expect(t).not.toContain(s);
}

describeE2E("reconcile trust + plan on the test bed", (testbed) => {
  let cluster: TestCluster;
  const nodes = testbed.nodes.slice(0, 3);

  beforeAll(async () => {
    expect(nodes).toHaveLength(3);
    // Fresh nodes, whatever an earlier test file left on them.
    await Promise.all(nodes.map((n) => resetNode(n.name)));
    cluster = makeCluster(nodes, testbed.identityFile);
  });

  it("refuses to connect before the host keys are trusted", () => {
    const r = cluster.run(["plan"]);
    expect(r.code).toBe(1);
    for (const n of nodes) expect(r.stdout).toContain(`node ${n.name}: unknown host key`);
    expect(r.stdout).toMatch(/SHA256:[A-Za-z0-9+/]{43}/);
    expect(r.stdout).toContain("reconcile trust");
    expect(looksLikeACrash(r.stdout + r.stderr)).toBe(false);
  });

  it("trust --yes records every node's host key after printing its fingerprint", () => {
    const r = cluster.run(["trust", "--yes"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    for (const n of nodes) expect(r.stdout).toMatch(new RegExp(`${n.name}\\s+${n.address.replaceAll(".", "\\.")}:22\\s+ssh-ed25519 SHA256:\\S{43}\\s+new`));
    const lines = readFileSync(cluster.knownHosts, "utf8").trim().split("\n");
    expect(lines.map((l) => l.split(" ")[0]).sort()).toEqual(nodes.map((n) => n.address).sort());
    expect(cluster.run(["trust", "--yes"]).stdout).toContain("Every host key is already recorded.");
  });

  it("facts shows what a plan sees: fresh Debian nodes, never applied", () => {
    const json = cluster.run(["facts", "--json"]);
    expect(json.code).toBe(0);
    const facts = JSON.parse(json.stdout) as Record<string, { reachable: boolean; facts: Record<string, { ok: boolean; value: unknown }> }>;
    expect(Object.keys(facts)).toEqual(nodes.map((n) => n.name));
    for (const n of nodes) {
      const f = facts[n.name];
      expect(f?.reachable).toBe(true);
      expect(Object.values(f?.facts ?? {}).every((fact) => fact.ok)).toBe(true);
      expect(f?.facts.os?.value).toMatchObject({ id: "debian", versionId: DEBIAN_VERSION, hostname: n.name, user: "root" });
      expect(f?.facts.state?.value).toBeNull();
      expect(f?.facts.store?.value).toEqual({ complete: [], partial: [], uploaded: [] });
    }
    const text = cluster.run(["facts", nodes[1]?.name ?? ""]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`node ${nodes[1]?.name} (${nodes[1]?.address})`);
    expect(text.stdout).toMatch(/state\s+never applied/);
    expect(text.stdout).not.toContain(`node ${nodes[0]?.name}`);
  });

  it("plans a fresh cluster: every resource to add, on every node", () => {
    const r = cluster.run(["plan"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    noSecrets(r.stdout);
    for (const n of nodes) expect(r.stdout).toContain(`node ${n.name} (${n.address})`);
    const marks = r.stdout.split("\n").filter((l) => /^\s{2}[+~-]/.test(l) && !/^\s{6}/.test(l));
    expect(marks.length).toBeGreaterThan(20);
    expect(marks.every((l) => l.startsWith("  + "))).toBe(true);
    for (const expected of ["artifact prefect-env", "packages pg-debs", "database prefect", "service prefect-server.service", "service caddy.service", "service prefect-worker@production.service", "file /etc/prefect/server.secrets.env", "link /opt/prefect/flows/etl"]) {
      expect(r.stdout).toContain(`+ ${expected}`);
    }
    expect(r.stdout).toContain("to send:");
    expect(r.stdout).toMatch(/^Plan: \d+ to add, 0 to change, 0 to destroy\.$/m);
  });

  it("a small file system mounted on a worker's store/: facts show it, and the plan warns for that node only", async () => {
    const worker = nodes[1]?.name ?? "";
    const store = "/opt/prefect/store";
    const mounted = await sshExec(worker, `mkdir -p ${store} && mount -t tmpfs -o size=8m tmpfs ${store}`);
    expect(mounted.stderr).toBe("");
    try {
      const facts = cluster.run(["facts", worker]);
      expect(facts.code).toBe(0);
      expect(facts.stdout).toContain(`8.0 MiB free of 8.0 MiB on ${store}, holding ${store}, ${store}/.incoming\n`);
      expect(facts.stdout).toMatch(/ free of .* on \/, holding \/opt\/prefect\/envs, \/var\/lib\/reconcile\n/);
      const r = cluster.run(["plan"]);
      expect(r.code).toBe(0);
      const warnings = r.stdout.split("\n").filter((l) => l.includes("warning: not enough disk"));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^ {2}warning: not enough disk: \/opt\/prefect\/store \(mounted at \/opt\/prefect\/store\) has 8\.0 MiB free, about \d+\.\d [KMG]iB needed to receive and unpack \(with a safety margin of 16\.0 MiB\)$/);
      // Under the worker's heading: the heading comes right before it.
      const lines = r.stdout.split("\n");
      expect(lines[lines.indexOf(warnings[0] ?? "") - 1]).toMatch(new RegExp(`^node ${worker} `));
    } finally {
      await sshExec(worker, `umount ${store} && rmdir ${store} /opt/prefect`);
    }
  });

  it("--detailed-exitcode exits 2 when there are changes", () => {
    const r = cluster.run(["plan", "--detailed-exitcode"]);
    expect(r.code).toBe(2);
  });

  it("--json parses, and round-trips through --out", () => {
    const r = cluster.run(["plan", "--json", "--out", "plan.json"]);
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout) as JsonPlan;
    const saved = JSON.parse(readFileSync(`${cluster.dir}/plan.json`, "utf8")) as JsonPlan;
    expect(saved).toEqual(printed);
    noSecrets(r.stdout);
    expect(printed.format).toBe("reconcile-plan");
    expect(printed.applyable).toBe(true);
    expect(printed.hasChanges).toBe(true);
    expect(printed.summary.change + printed.summary.destroy).toBe(0);
    // The nodes' resources, and the Prefect objects (the server does not run yet: all created).
    // (The `default` queue Prefect makes with every pool is there already: unchanged, not counted.)
    const changes = [...printed.nodes.flatMap((n) => n.changes), ...printed.clusterWide.changes.filter((c) => c.action !== "noop")];
    expect(printed.clusterWide.status).toBe("planned");
    expect(printed.clusterWide.changes.filter((c) => c.action === "create").length, JSON.stringify(printed.clusterWide.changes)).toBeGreaterThan(0);
    expect(changes.every((c) => c.action === "create")).toBe(true);
    expect(printed.summary.add).toBe(changes.length);
    // Server before workers: the workers' services wait for the server node's verify step.
    const serverVerify = printed.nodes[0]?.steps.find((s) => s.stage === "verify")?.id;
    expect(serverVerify).toBeDefined();
    for (const worker of printed.nodes.slice(1)) {
      const services = worker.steps.filter((s) => s.id.includes("/configure/service:"));
      expect(services.length).toBeGreaterThan(0);
      for (const s of services) expect(s.dependsOn).toContain(serverVerify);
    }
    for (const n of nodes) expect(Object.keys(printed.facts[n.name] ?? {}).length).toBeGreaterThan(5);
  });

  describe("when one node's host key changed and another node is down", () => {
    const [, changed, down] = nodes;
    beforeAll(async () => {
      if (changed === undefined || down === undefined) throw new Error("needs 3 nodes");
      await rekeyNode(changed.name);
      await stopNode(down.name);
      // The changed node's line also names another host: replacing the key must keep that one.
      const text = readFileSync(cluster.knownHosts, "utf8");
      writeFileSync(cluster.knownHosts, text.replace(new RegExp(`^${changed.address.replaceAll(".", "\\.")} `, "m"), `keep.example,${changed.address} `));
    });
    afterAll(async () => {
      if (changed === undefined || down === undefined) return;
      await startNode(down.name);
      const fixed = cluster.run(["trust", changed.name, "--replace", changed.name, "--yes"]);
      expect(fixed.code).toBe(0);
    });

    it("plans the others and reports both with their documented errors, exit 1", () => {
      const r = cluster.run(["plan", "--detailed-exitcode"]);
      expect(r.code).toBe(1);
      expect(looksLikeACrash(r.stdout + r.stderr)).toBe(false);
      const [first] = nodes;
      // The healthy node is still planned in full.
      expect(r.stdout).toContain(`node ${first?.name} (${first?.address})`);
      expect(r.stdout).toContain("+ service prefect-server.service");
      // The changed key: refused, naming the known_hosts line to fix.
      expect(r.stdout).toMatch(new RegExp(`node ${changed?.name}: .*host key.*changed|node ${changed?.name}: .*HOST KEY`, "i"));
      expect(r.stdout).toContain(`${cluster.knownHosts}:`);
      // The node that is down: refused, unreachable or timed out, with a hint.
      expect(r.stdout).toMatch(new RegExp(`node ${down?.name}: .*(refused|unreachable|timed out|no route)`, "i"));
      expect(r.stdout).toMatch(/Not planned: .*\(unreachable\)/);
      const json = JSON.parse(cluster.run(["plan", "--json"]).stdout) as JsonPlan;
      expect(json.errored).toBe(true);
      expect(json.applyable).toBe(false);
      expect(json.nodes.map((n) => n.status)).toEqual(["planned", "unreachable", "unreachable"]);
    });

    it("trust without --replace keeps the changed key out and says how to accept it", () => {
      const r = cluster.run(["trust", changed?.name ?? "", "--yes"]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain("CHANGED");
      expect(r.stderr).toContain(`--replace ${changed?.name}`);
    });

    it("trust --replace takes only that node's name out of a line it shares with another host", () => {
      const before = readFileSync(cluster.knownHosts, "utf8");
      const shared = before.split("\n").find((l) => l.startsWith(`keep.example,${changed?.address} `));
      expect(shared).toBeDefined();
      const r = cluster.run(["trust", changed?.name ?? "", "--replace", changed?.name ?? "", "--yes"]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const after = readFileSync(cluster.knownHosts, "utf8").split("\n");
      // The other host keeps the old key; the node gets a line of its own with the new one.
      expect(after).toContain(shared?.replace(`keep.example,${changed?.address} `, "keep.example "));
      const own = after.filter((l) => l.startsWith(`${changed?.address} `));
      expect(own).toHaveLength(1);
      expect(own[0]).not.toBe(shared?.replace(`keep.example,`, ""));
    });
  });
});
