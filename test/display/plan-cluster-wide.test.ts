/** renderPlan: the cluster-wide section (the Prefect objects), after the nodes. */
import { describe, expect, it } from "vitest";
import { renderPlan } from "../../src/display/plan.js";
import { parseApiFacts } from "../../src/facts/prefect.js";
import { plan } from "../../src/planner/plan.js";
import type { LocalInputs } from "../../src/planner/types.js";
import { Sensitive } from "../../src/spec/secrets.js";
import { PREFECT_SPEC_TEXT, rawFacts, specOf } from "../helpers/prefect.js";

const LOCAL: LocalInputs = {
  artifacts: { "prefect-env": { bytes: 1, unpackedBytes: 1, debs: null, prefectVersion: "3.4.25" }, "flow-env": { bytes: 1, unpackedBytes: 1, debs: null, prefectVersion: "3.4.25" } },
  flows: {},
};
const RECORDED = { objects: Object.fromEntries(["work-pool:etl", "work-pool:ml", "flow:train", "deployment:train/weekly"].map((a) => [a, "x"])) };
const edited = PREFECT_SPEC_TEXT.replace("description: ETL runs", "description: ETL")
  .replace('"5 * * * *"', '"6 * * * *"')
  .replace(/  - name: train\n[\s\S]*$/, "")
  .concat("  - name: report\n    env: flow-env\n    source: flows/report\n    entrypoint: report.py:report\n    pool: etl\n");
const secrets = new Map([["TRAIN_TOKEN", new Sensitive("n3w-token")]]);

describe("the cluster-wide section", () => {
  // Only the cluster-wide part: the nodes were not gathered here, so they show as unreachable.
  const lines = (prune: boolean) => renderPlan(plan(specOf(edited), {}, LOCAL, secrets, { prune }, { api: parseApiFacts(rawFacts()), managed: RECORDED }));
  const section = (all: string[]) => all.slice(all.findIndex((l) => l.startsWith("cluster-wide")));

  it("shows creates, updates with the fields that differ, and deletions held back", async () => {
    await expect(section(lines(false)).join("\n") + "\n").toMatchFileSnapshot("../fixtures/prefect/render.snapshot.txt");
  });

  it("shows nothing when the objects were not gathered", () => {
    const all = renderPlan(plan(specOf(), {}, LOCAL, secrets, { prune: false }));
    expect(all.some((l) => l.startsWith("cluster-wide"))).toBe(false);
  });

  it("an errored section says why and counts as not planned", () => {
    const all = renderPlan(plan(specOf(), {}, LOCAL, secrets, { prune: false }, { api: { state: "error", error: "no answer" }, managed: null }));
    expect(section(all).slice(0, 2)).toEqual(["cluster-wide (Prefect API on server)", "  ! the Prefect API on server: no answer"]);
    expect(all.at(-2)).toBe("Not planned: server (unreachable), worker-1 (unreachable), worker-2 (unreachable), the Prefect objects (errored).");
  });

  it("no secret in the text", () => {
    const text = lines(true).join("\n");
    expect(text).not.toContain("n3w-token");
    expect(text).not.toContain("s3cret-token");
  });
});
