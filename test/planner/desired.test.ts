/** What a node should hold (desired.ts): where each environment kind is linked, and in which order a node installs its artifacts. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { envTarget } from "../../src/planner/desired.js";
import { plan } from "../../src/planner/plan.js";
import { check } from "../helpers/spec.js";
import { loadCase } from "./cases.js";

const SHA = "ab".repeat(32);

describe("environments", () => {
  it("an environment link points at env/ inside the store folder for pixi-pack (pixi-unpack's --env-name default), at the folder itself otherwise", () => {
    expect(envTarget("/opt/prefect", "pixi-pack", SHA)).toBe(`/opt/prefect/store/${SHA}/env`);
    expect(envTarget("/opt/prefect", "conda-pack", SHA)).toBe(`/opt/prefect/store/${SHA}`);
    expect(envTarget("/opt/prefect", "tar", SHA)).toBe(`/opt/prefect/store/${SHA}`);
  });

  it("an archive that keeps its environment in a folder (`path`): the link points into that folder, and the install step carries it", () => {
    expect(envTarget("/opt/prefect", "tar", SHA, "prefect-3.4.25")).toBe(`/opt/prefect/store/${SHA}/prefect-3.4.25`);
    expect(envTarget("/opt/prefect", "conda-pack", SHA, "a/b")).toBe(`/opt/prefect/store/${SHA}/a/b`);
    const c = loadCase("fresh-cluster");
    const text = readFileSync(`${c.dir}cluster.yaml`, "utf8").replace("  prefect-env:\n    kind: tar\n", "  prefect-env:\n    kind: tar\n    path: prefect-3.4.25\n");
    const result = check(text);
    if (result.cluster === undefined) throw new Error(result.diagnostics.map((d) => `${d.path}: ${d.message}`).join("\n"));
    const node = plan(result.cluster, c.facts, c.local, c.secrets, c.options).nodes.find((n) => n.name === "worker-1")!;
    const link = node.steps.find((s) => s.detail.kind === "link" && s.detail.path.endsWith("/envs/prefect-env"));
    const sha = result.cluster.artifacts["prefect-env"]!.sha256;
    expect(link?.detail).toEqual({ kind: "link", path: "/opt/prefect/envs/prefect-env", target: `/opt/prefect/store/${sha}/prefect-3.4.25` });
    const install = node.steps.find((s) => s.stage === "install" && s.address === "artifact:prefect-env");
    expect(install?.detail).toMatchObject({ kind: "artifact", path: "prefect-3.4.25" });
  });

  // Regression test (found by the e2e test on the test bed, test/e2e/env-kinds.test.ts: the
  // archive's install ran before its tool was there, "pixi-unpack: not found"; fixed in src).
  it("a fresh node installs the pixi-unpack tool before the pixi-pack archive it unpacks", () => {
    const c = loadCase("fresh-cluster");
    const tool = "b0".repeat(32);
    const text = readFileSync(`${c.dir}cluster.yaml`, "utf8")
      .replace("  prefect-env:\n    kind: tar\n", "  prefect-env:\n    kind: pixi-pack\n")
      .replace("artifacts:\n", `tools:\n  pixiUnpack: pixi-unpack\nartifacts:\n  pixi-unpack:\n    kind: file\n    source: tools/pixi-unpack\n    sha256: ${tool}\n`);
    const result = check(text);
    if (result.cluster === undefined) throw new Error(result.diagnostics.map((d) => `${d.path}: ${d.message}`).join("\n"));
    const node = plan(result.cluster, c.facts, c.local, c.secrets, c.options).nodes.find((n) => n.name === "worker-1");
    // A node's steps run in this order within each stage.
    const installs = node?.steps.filter((s) => s.stage === "install" && s.detail.kind === "artifact").map((s) => s.address) ?? [];
    expect(installs).toContain("artifact:prefect-env");
    expect(installs.indexOf("artifact:pixi-unpack")).toBeGreaterThanOrEqual(0);
    expect(installs.indexOf("artifact:pixi-unpack")).toBeLessThan(installs.indexOf("artifact:prefect-env"));
    const sha = result.cluster.artifacts["prefect-env"]?.sha256;
    expect(node?.changes.find((ch) => ch.address === "link:/opt/prefect/envs/prefect-env")?.after).toMatchObject({ target: `/opt/prefect/store/${sha}/env` });
  });
});
