/**
 * The fetch target (release, dpkg architecture, dpkg status) and its saved file, as fixture tables:
 * output in, parsed value out; file text in, nodes or the reason out. The snippet also runs for
 * real with `sh` on this machine when it has dpkg.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fetchTargetFact, formatTargetsFile, parseTargetsFile, TARGETS_FORMAT } from "../../src/facts/fetch-target.js";
import type { FactsRequest } from "../../src/facts/types.js";

const REQUEST: FactsRequest = { root: "/opt/prefect", files: [], units: [], packages: [], users: [] };
const STATUS = "Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: 13.8\n\nPackage: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.41-12\nProvides: libc6-amd64\n";

const cases: { name: string; output: string; exitCode: number; expected: unknown }[] = [
  {
    name: "a Debian 13 node: release, architecture and the status file exactly",
    output: `id=debian\nversion=13\ncodename=trixie\narch=amd64\n@@dpkg-status\n${STATUS}`,
    exitCode: 0,
    expected: { ok: true, value: { id: "debian", versionId: "13", codename: "trixie", arch: "amd64", status: STATUS } },
  },
  {
    name: "testing/sid: no version, the codename still names the suite",
    output: `id=debian\nversion=\ncodename=forky\narch=arm64\n@@dpkg-status\n${STATUS}`,
    exitCode: 0,
    expected: { ok: true, value: { id: "debian", versionId: "", codename: "forky", arch: "arm64", status: STATUS } },
  },
  {
    name: "no dpkg: the snippet stops at the architecture",
    output: "sh: 1: dpkg: not found\n",
    exitCode: 127,
    expected: { ok: false, error: "fetch target exited with 127: sh: 1: dpkg: not found" },
  },
  {
    name: "an unreadable status file",
    output: "id=debian\nversion=12\ncodename=bookworm\narch=amd64\n@@dpkg-status\ncat: /var/lib/dpkg/status: Permission denied\n",
    exitCode: 1,
    expected: { ok: false, error: "fetch target exited with 1: id=debian" },
  },
  {
    name: "an empty architecture",
    output: `id=debian\nversion=12\ncodename=bookworm\narch=\n@@dpkg-status\n${STATUS}`,
    exitCode: 0,
    expected: { ok: false, error: "fetch target: dpkg printed no architecture (is this a Debian node?)" },
  },
  {
    name: "a status file without packages",
    output: "id=debian\nversion=12\ncodename=bookworm\narch=amd64\n@@dpkg-status\n\n",
    exitCode: 0,
    expected: { ok: false, error: "fetch target: /var/lib/dpkg/status lists no package" },
  },
  {
    name: "output cut short before the status",
    output: "id=debian\nversion=12\n",
    exitCode: 0,
    expected: { ok: false, error: "fetch target: no /var/lib/dpkg/status in the output" },
  },
  {
    name: "a line missing before the status",
    output: `id=debian\nversion=12\narch=amd64\n@@dpkg-status\n${STATUS}`,
    exitCode: 0,
    expected: { ok: false, error: "fetch target: no codename in the output" },
  },
];

describe("fetch target fact", () => {
  it.each(cases)("$name", (c) => {
    expect(fetchTargetFact.parse(c.output, c.exitCode, REQUEST)).toEqual(c.expected);
  });

  it.runIf(existsSync("/var/lib/dpkg/status") && spawnSync("dpkg", ["--print-architecture"]).status === 0)("reads this machine's release and status with sh", () => {
    const r = spawnSync("sh", ["-c", fetchTargetFact.command(REQUEST)], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const fact = fetchTargetFact.parse(r.stdout, r.status ?? 1, REQUEST);
    expect(fact.ok).toBe(true);
    if (fact.ok) {
      expect(fact.value.arch).toBe(spawnSync("dpkg", ["--print-architecture"], { encoding: "utf8" }).stdout.trim());
      expect(fact.value.status).toMatch(/^Package: dpkg$/m);
    }
  });
});

describe("targets file", () => {
  const nodes = {
    server: { ok: true as const, value: { id: "debian", versionId: "13", codename: "trixie", arch: "amd64", status: STATUS } },
    "worker-1": { ok: false as const, error: "connection refused" },
  };

  it("reads back what it wrote", () => {
    expect(parseTargetsFile(formatTargetsFile(nodes))).toEqual({ ok: true, value: nodes });
  });

  const bad: { name: string; text: string; error: RegExp }[] = [
    { name: "not JSON", text: "{", error: /^not JSON/ },
    { name: "facts --json output instead", text: JSON.stringify({ server: { reachable: true } }), error: /not a targets file .*reconcile facts --save-status FILE/ },
    { name: "no nodes", text: JSON.stringify({ format: TARGETS_FORMAT }), error: /no "nodes" object/ },
    { name: "a node without status", text: JSON.stringify({ format: TARGETS_FORMAT, nodes: { a: { ok: true, value: { id: "debian" } } } }), error: /^node a: expected/ },
  ];
  it.each(bad)("refuses $name", (c) => {
    const r = parseTargetsFile(c.text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(c.error);
  });
});
