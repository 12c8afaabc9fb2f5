/** The Prefect API fixtures (test/fixtures/prefect): raw answers by version, and the spec they were made for. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { RawApiFacts } from "../../src/facts/types.js";
import type { ResolvedCluster } from "../../src/spec/resolved.js";
import { check } from "./spec.js";

export const PREFECT_FIXTURES = fileURLToPath(new URL("../fixtures/prefect/", import.meta.url));
const json = (path: string): unknown => JSON.parse(readFileSync(`${PREFECT_FIXTURES}${path}`, "utf8"));

/** What the API answered: `3.4.25` (captured from a real server) or `2.20` (built from the reference). */
export function rawFacts(version: "3.4.25" | "2.20" = "3.4.25"): RawApiFacts {
  const v = `${version}/`;
  return { version: json(`${v}version.json`) as string, pools: json(`${v}work_pools.json`) as unknown[], queues: json(`${v}work_queues.json`) as unknown[], flows: json(`${v}flows.json`) as unknown[], deployments: json(`${v}deployments.json`) as unknown[] };
}

/** The fixture spec's text (test/fixtures/prefect/cluster.yaml). */
export const PREFECT_SPEC_TEXT = readFileSync(`${PREFECT_FIXTURES}cluster.yaml`, "utf8");

/** A spec text validated and resolved, or an error with the diagnostics. */
export function specOf(text = PREFECT_SPEC_TEXT): ResolvedCluster {
  const r = check(text);
  if (r.cluster === undefined) throw new Error(r.diagnostics.map((d) => d.message).join("; "));
  return r.cluster;
}
