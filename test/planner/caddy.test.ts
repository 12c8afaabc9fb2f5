/**
 * The planner's side of Caddy: the workers' copy of Caddy's internal root (deferred to apply time
 * on the first apply, compared with the server's real root once it exists), caddy reloaded rather
 * than restarted when only its Caddyfile changed, and a `tls.ca` artifact for certificate files.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { renderPlan } from "../../src/display/plan.js";
import type { FactSet, FileFact } from "../../src/facts/types.js";
import { factKey } from "../../src/planner/address.js";
import { desiredFor, factsRequestFor } from "../../src/planner/desired.js";
import { stalePlanReasons, type SavedPlan } from "../../src/planner/saved.js";
import { CADDYFILE, CADDY_ROOT_CERT, PROXY_CA_FILE, workerEnv } from "../../src/planner/templates.js";
import type { Plan, Step } from "../../src/planner/types.js";
import type { ResolvedCluster } from "../../src/spec/resolved.js";
import { check } from "../helpers/spec.js";
import { loadCase, planCase } from "./cases.js";

const files = (facts: FactSet, node: string): Record<string, FileFact> => {
  const r = facts[node];
  if (r?.reachable !== true || !r.facts.files.ok) throw new Error(`no files fact for ${node}`);
  return r.facts.files.value;
};
const change = (p: Plan, node: string, address: string) => p.nodes.find((n) => n.name === node)?.changes.find((c) => c.address === address);
const step = (p: Plan, id: string): Step | undefined => p.nodes.flatMap((n) => n.steps).find((s) => s.id === id);
const fileFact = (text: string, owner = "root"): FileFact => ({
  state: "file",
  mode: "0644",
  owner,
  group: owner,
  bytes: Buffer.byteLength(text),
  sha256: createHash("sha256").update(text).digest("hex"),
  content: text,
});

describe("the workers trust Caddy's internal CA", () => {
  it("cold: the root does not exist yet; each worker's copy is read from the server at apply time, after the server's Caddy started", () => {
    const c = loadCase("fresh-cluster");
    const p = planCase(c);
    for (const w of ["worker-1", "worker-2"]) {
      const s = step(p, `${w}/configure/file:${PROXY_CA_FILE}`);
      expect(s?.action).toBe("create");
      expect(s?.detail).toMatchObject({ kind: "file", mode: "0644", owner: "root", content: { type: "remote", node: "server", path: CADDY_ROOT_CERT, what: "Caddy's internal CA" } });
      expect(s?.dependsOn).toEqual(["server/configure/service:caddy.service"]);
      // The worker units read the setting and the file: they wait for it.
      expect(step(p, `${w}/configure/service:prefect-worker@production${w === "worker-1" ? "" : ".1"}.service`)?.dependsOn).toContain(`${w}/configure/file:${PROXY_CA_FILE}`);
    }
    const width = Math.max(...p.nodes.find((n) => n.name === "worker-1")!.changes.map((ch) => `${ch.kind} ${ch.address.slice(ch.address.indexOf(":") + 1)}`.length));
    expect(renderPlan(p)).toContain(`  + ${`file ${PROXY_CA_FILE}`.padEnd(width)}  no such file (from server: Caddy's internal CA, known once server has converged)`);
    // The plan rests on the server's root being absent: a saved plan is stale once Caddy made it.
    expect(p.facts.server?.[factKey.file(CADDY_ROOT_CERT)]).toMatch(/^sha256:/);
  });

  it("warm: the server holds the root and the workers the same bytes: nothing to do", () => {
    const p = planCase(loadCase("converged"));
    expect(p.hasChanges).toBe(false);
    expect(change(p, "worker-1", `file:${PROXY_CA_FILE}`)?.action).toBe("noop");
    // A saved plan that copied the root rests on the server's fact of it.
    expect(p.facts.server?.[factKey.file(CADDY_ROOT_CERT)]).toMatch(/^sha256:/);
  });

  it("a new root on the server (its storage wiped): an update on every worker, whose units restart; a saved plan made before is stale", () => {
    const c = loadCase("converged");
    const facts = structuredClone(c.facts);
    const fresh = "-----BEGIN CERTIFICATE-----\nMIIBnewroot\n-----END CERTIFICATE-----\n";
    files(facts, "server")[CADDY_ROOT_CERT] = fileFact(fresh, "caddy");
    const p = planCase(c, facts);
    for (const w of ["worker-1", "worker-2"]) {
      expect(change(p, w, `file:${PROXY_CA_FILE}`)?.action).toBe("update");
      const s = step(p, `${w}/configure/file:${PROXY_CA_FILE}`);
      expect(s?.detail).toMatchObject({ content: { type: "text", text: fresh } });
      // Known content: no wait on the server's Caddy beyond the wave order.
      expect(s?.dependsOn).toEqual([]);
    }
    expect(change(p, "worker-1", "service:prefect-worker@production.service")?.action).toBe("restart");
    expect(change(p, "server", "service:caddy.service")?.action).toBe("noop");
    const saved = { ...planCase(c), format: "reconcile-plan", createdAt: "", reconcileVersion: "" } as SavedPlan;
    expect(stalePlanReasons(saved, c.cluster.specDigest, facts)).toEqual([`node server: ${factKey.file(CADDY_ROOT_CERT)} changed since the plan was made`]);
  });

  it("the root gone from the server again: read at apply time once more", () => {
    const c = loadCase("converged");
    const facts = structuredClone(c.facts);
    files(facts, "server")[CADDY_ROOT_CERT] = { state: "absent" };
    const p = planCase(c, facts);
    expect(change(p, "worker-2", `file:${PROXY_CA_FILE}`)).toMatchObject({ action: "update", reason: "content (from server: Caddy's internal CA, known once server has converged)" });
  });

  it("the worker env points Prefect at the file; TLS verification is never switched off", () => {
    const c = loadCase("converged").cluster;
    const entries = workerEnv(c, {}).plain.entries;
    expect(entries).toContainEqual(["PREFECT_API_SSL_CERT_FILE", PROXY_CA_FILE]);
    expect(entries.map(([k]) => k)).not.toContain("PREFECT_API_TLS_INSECURE_SKIP_VERIFY");
  });
});

describe("caddy reloads when only its Caddyfile changed", () => {
  const caddyfileChanged = () => {
    const c = loadCase("converged");
    const facts = structuredClone(c.facts);
    const f = files(facts, "server")[CADDYFILE];
    if (f?.state !== "file" || f.content === null) throw new Error("fixture changed");
    files(facts, "server")[CADDYFILE] = fileFact(f.content.replace("reverse_proxy", "encode gzip\n\treverse_proxy"));
    return { c, facts };
  };

  it("a changed Caddyfile, validated by caddy, then `reload` (not restart), shown as its own word", () => {
    const { c, facts } = caddyfileChanged();
    const p = planCase(c, facts);
    expect(step(p, `server/configure/file:${CADDYFILE}`)?.detail).toMatchObject({ kind: "file", validate: "caddy" });
    expect(change(p, "server", "service:caddy.service")).toMatchObject({ action: "reload", reason: `config changed: file:${CADDYFILE}` });
    expect(step(p, "server/configure/service:caddy.service")?.detail).toEqual({ kind: "service", unit: "caddy.service", enable: false, start: false, restart: false, reload: true, daemonReload: false });
    const text = renderPlan(p);
    expect(text.some((l) => /^ {2}~ service caddy\.service +reload$/.test(l))).toBe(true);
    expect(text.at(-1)).toBe("Plan: 0 to add, 2 to change, 0 to destroy.");
  });

  it("a new caddy package too: restart (a new binary)", () => {
    const { c, facts } = caddyfileChanged();
    const r = facts.server;
    if (r?.reachable !== true || !r.facts.packages.ok) throw new Error("fixture changed");
    r.facts.packages.value.caddy = { version: "2.6.2-4", status: "ii" };
    const p = planCase(c, facts);
    expect(change(p, "server", "service:caddy.service")?.action).toBe("restart");
    expect(step(p, "server/configure/service:caddy.service")?.detail).toMatchObject({ restart: true });
    expect(step(p, "server/configure/service:caddy.service")?.detail).not.toHaveProperty("reload");
  });

  it("caddy stopped: started (the start reads the new file), not reloaded", () => {
    const { c, facts } = caddyfileChanged();
    const r = facts.server;
    if (r?.reachable !== true || !r.facts.units.ok) throw new Error("fixture changed");
    r.facts.units.value["caddy.service"] = { load: "loaded", active: "inactive", sub: "dead", unitFileState: "enabled" };
    const p = planCase(c, facts);
    expect(step(p, "server/configure/service:caddy.service")?.detail).toMatchObject({ start: true, restart: false });
    expect(step(p, "server/configure/service:caddy.service")?.detail).not.toHaveProperty("reload");
  });
});

describe("tls: files, with or without the CA that signed the certificate", () => {
  const withTls = (tls: ResolvedCluster["server"]["proxy"] extends infer P ? (P extends { tls: infer T } ? T : never) : never): ResolvedCluster => {
    const c = structuredClone(loadCase("converged").cluster);
    c.artifacts["tls-ca"] = { name: "tls-ca", kind: "file", source: { type: "path", path: "tls/ca.pem" }, sha256: "ca".repeat(32), path: null, packages: [] };
    c.server.proxy = { ...c.server.proxy!, tls };
    return c;
  };
  const LOCAL = { artifacts: {}, flows: {} };

  it("with `ca`: the artifact is shipped to every worker and copied from its store to the CA file", () => {
    const c = withTls({ mode: "files", certificate: "tls-ca", key: "tls-ca", ca: "tls-ca" });
    const worker = c.nodes.find((n) => n.name === "worker-1")!;
    const desired = desiredFor(c, worker, LOCAL);
    expect(desired.map((d) => d.address)).toEqual(expect.arrayContaining(["artifact:tls-ca", `file:${PROXY_CA_FILE}`]));
    const file = desired.find((d) => d.address === `file:${PROXY_CA_FILE}`);
    expect(file).toMatchObject({ mode: "0644", content: { type: "artifact", artifact: "tls-ca", sha256: "ca".repeat(32) }, needs: ["artifact:tls-ca"] });
    expect(workerEnv(c, {}).plain.entries).toContainEqual(["PREFECT_API_SSL_CERT_FILE", PROXY_CA_FILE]);
  });

  it("without `ca`: no file and no setting (the system's trust); with `off`: none of this", () => {
    for (const tls of [{ mode: "files" as const, certificate: "tls-ca", key: "tls-ca", ca: null }, { mode: "off" as const }]) {
      const c = withTls(tls);
      const worker = c.nodes.find((n) => n.name === "worker-1")!;
      expect(desiredFor(c, worker, LOCAL).map((d) => d.address)).not.toContain(`file:${PROXY_CA_FILE}`);
      expect(workerEnv(c, {}).plain.entries.map(([k]) => k)).not.toContain("PREFECT_API_SSL_CERT_FILE");
    }
  });
});

describe("the server node's facts read Caddy's root", () => {
  const spec = (workerNode: string, tls = "{mode: internal}") => `apiVersion: reconcile/v1
kind: PrefectCluster
metadata:
  name: ca
nodes:
  - name: n1
    address: 198.51.100.41
  - name: w1
    address: 198.51.100.42
artifacts:
  prefect-env:
    kind: tar
    source: artifacts/prefect-env.tar
    sha256: ${"a1".repeat(32)}
  caddy-debs:
    kind: deb
    source: debs/caddy
    sha256: ${"c1".repeat(32)}
server:
  node: n1
  prefect:
    env: prefect-env
  database:
    type: sqlite
  proxy:
    type: caddy
    packages: caddy-debs
    listen: ":8443"
    tls: ${tls}
workPools:
  - name: production
workers:
  - node: ${workerNode}
    env: prefect-env
    pools:
      - pool: production
`;
  const resolved = (text: string) => {
    const r = check(text);
    if (r.cluster === undefined) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
    return r.cluster;
  };
  const LOCAL = { artifacts: {}, flows: {} };
  const node = (c: ResolvedCluster, name: string) => c.nodes.find((n) => n.name === name)!;

  it("with tls internal and workers: the root's path, with its content, on the server node only", () => {
    const c = resolved(spec("w1"));
    expect(factsRequestFor(c, node(c, "n1"), LOCAL).files).toContainEqual({ path: CADDY_ROOT_CERT, content: true });
    expect(factsRequestFor(c, node(c, "w1"), LOCAL).files.map((f) => f.path)).not.toContain(CADDY_ROOT_CERT);
    const off = resolved(spec("w1", "{mode: off}"));
    expect(factsRequestFor(off, node(off, "n1"), LOCAL).files.map((f) => f.path)).not.toContain(CADDY_ROOT_CERT);
  });

  it("a worker on the server node itself: its copy waits for Caddy on the same node", () => {
    const c = resolved(spec("n1"));
    const file = desiredFor(c, node(c, "n1"), LOCAL).find((d) => d.address === `file:${PROXY_CA_FILE}`);
    expect(file).toMatchObject({ content: { type: "remote", node: "n1", path: CADDY_ROOT_CERT }, needs: ["service:caddy.service"] });
  });
});
