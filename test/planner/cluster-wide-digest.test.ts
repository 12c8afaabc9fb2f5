import { describe, expect, it } from "vitest";
import { NOT_GATHERED, clusterWideDigest } from "../../src/planner/cluster-wide.js";

describe("clusterWideDigest", () => {
  it("is stable for the same inputs, moves with the objects or the record, and is absent when they were not gathered", () => {
    const unavailable = { api: { state: "unavailable" as const, reason: "prefect-server.service does not run on n1" }, managed: null };
    expect(clusterWideDigest(NOT_GATHERED)).toBeUndefined();
    expect(clusterWideDigest(unavailable)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(clusterWideDigest(unavailable)).toBe(clusterWideDigest({ ...unavailable }));
    expect(clusterWideDigest({ ...unavailable, managed: { objects: { "flow:etl": "id-1" } } })).not.toBe(clusterWideDigest(unavailable));
  });
});
