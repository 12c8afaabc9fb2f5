/** What `reconcile watch` watches (src/cli/watch-inputs.ts): input paths, ignored files, revisions, durations. */
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { ignoredPath, parseDurationOption, revisionOf, watchedPaths } from "../../src/cli/watch-inputs.js";
import type { LoadedCluster } from "../../src/spec/load.js";
import { Sensitive } from "../../src/spec/secrets.js";
import { check, fixture } from "../helpers/spec.js";

const cluster = () => {
  const c = check(fixture("base.yaml")).cluster;
  if (c === undefined) throw new Error("base.yaml does not validate");
  return c;
};
const loaded = (specDigest: string, secrets: Record<string, string>): LoadedCluster => ({
  cluster: { ...cluster(), specDigest },
  warnings: [],
  secrets: { values: new Map(Object.entries(secrets).map(([k, v]) => [k, new Sensitive(v)])), missing: [] },
});

describe("ignoredPath", () => {
  const cases: [string, boolean][] = [
    ["/work/cluster.yaml", false],
    ["/work/flows/etl/main.py", false],
    ["/work/flows/etl/.git/index", true],
    ["/work/flows/etl/__pycache__/main.cpython-313.pyc", true],
    ["/work/.cluster.yaml.swp", true],
    ["/work/cluster.yaml~", true],
    ["/work/.#cluster.yaml", true],
    ["/work/flows/etl/.gitignore", false],
  ];
  for (const [path, ignored] of cases) it(`${path} → ${ignored ? "ignored" : "watched"}`, () => expect(ignoredPath(path)).toBe(ignored));
});

describe("watchedPaths", () => {
  it("the spec and the secrets file apart from the local artifacts and flow folders", () => {
    const c = cluster();
    const paths = watchedPaths(c, "/work/secrets.env");
    expect(paths.spec).toEqual([c.specFile, "/work/secrets.env"]);
    const expected = [...Object.values(c.artifacts).flatMap((a) => (a.source.type === "path" ? [a.source.path] : [])), ...c.flows.map((f) => f.source)];
    expect(paths.inputs).toEqual([...new Set(expected)].sort());
    expect(paths.inputs.length).toBeGreaterThan(0);
    expect(watchedPaths(c, null).spec).toEqual([c.specFile]);
  });
});

describe("revisionOf", () => {
  const d1 = "1".repeat(64);
  it("is the spec digest without secrets", () => expect(revisionOf(loaded(d1, {}))).toBe(d1));
  it("changes with a secret's value, not with the order, and never shows the value", () => {
    const a = revisionOf(loaded(d1, { db: "hunter2", auth: "x" }));
    expect(revisionOf(loaded(d1, { auth: "x", db: "hunter2" }))).toBe(a);
    expect(revisionOf(loaded(d1, { db: "hunter3", auth: "x" }))).not.toBe(a);
    expect(a.startsWith(`${d1}:`)).toBe(true);
    expect(a).not.toContain("hunter2");
  });
});

describe("parseDurationOption", () => {
  it("reads the spec's durations", () => {
    expect([parseDurationOption("--interval", "5m"), parseDurationOption("--debounce", "500ms"), parseDurationOption("--poll", "60s")]).toEqual([300_000, 500, 60_000]);
  });
  it("refuses what is not a duration or too short, naming the option", () => {
    expect(() => parseDurationOption("--interval", "5 minutes")).toThrow(UsageError);
    expect(() => parseDurationOption("--interval", "5 minutes")).toThrow("--interval 5 minutes: not a duration");
    expect(() => parseDurationOption("--poll", "10ms", 1000)).toThrow("--poll 10ms: must be at least 1000 ms");
  });
});
