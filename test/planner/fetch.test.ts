/**
 * What `reconcile fetch` plans, pure: which artifacts, which nodes each deb set is resolved
 * against, the problems that stop it; and the private apt configuration it runs apt-get under.
 */
import { describe, expect, it } from "vitest";
import type { FetchTarget } from "../../src/facts/fetch-target.js";
import type { Fact } from "../../src/facts/types.js";
import { aptCommands, aptConfig, debTargets, DEFAULT_SOURCES, nodesToAsk, planFetch, selectFetch, sourcesList } from "../../src/planner/fetch.js";
import type { ResolvedCluster } from "../../src/spec/resolved.js";
import { baseWith, check } from "../helpers/spec.js";

const STATUS = "Package: base-files\nStatus: install ok installed\nVersion: 13.8\nArchitecture: amd64\n";
const trixie = (status = STATUS): Fact<FetchTarget> => ({ ok: true, value: { id: "debian", versionId: "13", codename: "trixie", arch: "amd64", status } });

function cluster(...replacements: [string, string][]): ResolvedCluster {
  const r = check(baseWith(...replacements));
  if (r.cluster === undefined) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return r.cluster;
}

/** base.yaml with pg-debs listing packages, a caddy set for the proxy, and a URL file artifact. */
const WITH_PACKAGES: [string, string][] = [
  ["    source: artifacts/pg-debs\n", "    source: artifacts/pg-debs\n    packages: [postgresql, postgresql-contrib]\n"],
  [
    "server:\n",
    `  caddy-debs: {kind: deb, source: artifacts/caddy, sha256: ${"c".repeat(64)}, packages: [caddy]}\n  tool: {kind: file, source: "https://mirror.example/tool", sha256: ${"d".repeat(64)}}\n  local-file: {kind: file, source: artifacts/x, sha256: ${"e".repeat(64)}}\nserver:\n`,
  ],
  ["    password: {secret: PG_PASSWORD}\n", "    password: {secret: PG_PASSWORD}\n  proxy: {type: caddy, packages: caddy-debs, listen: ':443', tls: {mode: internal}}\n"],
];

describe("which nodes install each deb set", () => {
  it("the server node holds the database and proxy packages; workers none", () => {
    expect(debTargets(cluster(...WITH_PACKAGES))).toEqual({ "pg-debs": ["server"], "caddy-debs": ["server"] });
    expect(nodesToAsk(cluster(...WITH_PACKAGES), ["pg-debs", "caddy-debs"])).toEqual(["server"]);
  });
});

describe("selectFetch", () => {
  const c = cluster(...WITH_PACKAGES);
  const cases: { name: string; names: string[]; expected: ReturnType<typeof selectFetch> }[] = [
    { name: "none named: every deb set with packages and every URL artifact", names: [], expected: { deb: ["pg-debs", "caddy-debs"], url: ["tool"], problems: [] } },
    { name: "one named", names: ["caddy-debs"], expected: { deb: ["caddy-debs"], url: [], problems: [] } },
    {
      name: "a local file named: nothing to fetch",
      names: ["local-file"],
      expected: { deb: [], url: [], problems: [{ artifact: "local-file", message: "is a local file: there is nothing to fetch", hint: "`reconcile pin` writes its digest" }] },
    },
  ];
  it.each(cases)("$name", ({ names, expected }) => expect(selectFetch(c, names)).toEqual(expected));

  it("a deb set without packages is skipped unless named, then it is a problem with a hint", () => {
    const plain = cluster();
    expect(selectFetch(plain, [])).toEqual({ deb: [], url: [], problems: [] });
    expect(selectFetch(plain, ["pg-debs"]).problems).toEqual([
      { artifact: "pg-debs", message: "declares no `packages`: fetch does not know what the set must provide", hint: "list them under artifacts.pg-debs.packages, e.g. [postgresql]" },
    ]);
  });
});

describe("planFetch", () => {
  const c = cluster(...WITH_PACKAGES);

  it("resolves each deb set against its nodes' release and status, and downloads URL artifacts", () => {
    const { jobs, problems } = planFetch(c, [], { server: trixie() });
    expect(problems).toEqual([]);
    expect(jobs).toEqual([
      { kind: "deb", artifact: "pg-debs", folder: "/work/artifacts/pg-debs", packages: ["postgresql", "postgresql-contrib"], release: { id: "debian", codename: "trixie", arch: "amd64" }, targets: [{ node: "server", status: STATUS }] },
      { kind: "deb", artifact: "caddy-debs", folder: "/work/artifacts/caddy", packages: ["caddy"], release: { id: "debian", codename: "trixie", arch: "amd64" }, targets: [{ node: "server", status: STATUS }] },
      { kind: "url", artifact: "tool", artifactKind: "file", url: "https://mirror.example/tool", sha256: "d".repeat(64) },
    ]);
  });

  const bad: { name: string; targets: Record<string, Fact<FetchTarget>>; message: string }[] = [
    { name: "no facts of the node", targets: {}, message: "no facts of node server" },
    { name: "an unreachable node", targets: { server: { ok: false, error: "unreachable: connection refused" } }, message: "node server: unreachable: connection refused" },
    { name: "not Debian", targets: { server: { ok: true, value: { id: "ubuntu", versionId: "24.04", codename: "noble", arch: "amd64", status: STATUS } } }, message: "node server runs 'ubuntu': reconcile fetch resolves against Debian's archive only" },
    { name: "no codename", targets: { server: { ok: true, value: { id: "debian", versionId: "", codename: "", arch: "amd64", status: STATUS } } }, message: "node server names no release (no VERSION_CODENAME in /etc/os-release)" },
  ];
  it.each(bad)("refuses a deb set when $name, naming the artifact and node", ({ targets, message }) => {
    const { jobs, problems } = planFetch(c, ["pg-debs"], targets);
    expect(jobs).toEqual([]);
    expect(problems).toEqual([expect.objectContaining({ artifact: "pg-debs", node: "server", message })]);
  });

  it("a deb set no node installs has no release to resolve against", () => {
    const c2 = cluster(...WITH_PACKAGES.slice(0, 2));
    expect(planFetch(c2, ["caddy-debs"], { server: trixie() }).problems).toEqual([
      { artifact: "caddy-debs", message: "no node installs it, so there is no release to resolve it against", hint: "name it in server.database.packages or server.proxy.packages" },
    ]);
  });
});

describe("the private apt configuration", () => {
  const config = aptConfig("/tmp/r", "/tmp/r/status", "arm64");

  it("points every Dir::Etc path into the private root, and the status at the target's", () => {
    const settings = new Map([...config.matchAll(/^([\w:-]+) "([^"]*)";$/gm)].map((m) => [m[1], m[2]]));
    for (const [key, value] of settings) if (key?.startsWith("Dir::Etc") === true) expect(value, key).toMatch(/^\/tmp\/r\/etc\//);
    expect(settings.get("Dir::State::status")).toBe("/tmp/r/status");
    expect(settings.get("Dir::Etc::Parts")).toBe("/tmp/r/etc/apt.conf.d/");
    expect(settings.get("APT::Architecture")).toBe("arm64");
    expect(config).toContain('APT::Architectures { "arm64"; };');
    expect(config).not.toMatch(/"\/etc\/apt/);
  });

  it("bounds every wait on the archive: 30 s without an answer per connection, 3 more tries", () => {
    const settings = new Map([...config.matchAll(/^([\w:-]+) "([^"]*)";$/gm)].map((m) => [m[1], m[2]]));
    expect([settings.get("Acquire::http::Timeout"), settings.get("Acquire::https::Timeout"), settings.get("Acquire::Retries")]).toEqual(["30", "30", "3"]);
  });

  it("refuses a path apt could not read back", () => {
    expect(() => aptConfig('/tmp/a"b', "/tmp/s", "amd64")).toThrow(/apt cannot read/);
  });

  it("lists the release, its updates and its security suite, signed by the Debian keyring", () => {
    expect(sourcesList("bookworm", DEFAULT_SOURCES)).toBe(
      [
        "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main",
        "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-updates main",
        "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://security.debian.org/debian-security bookworm-security main",
        "",
      ].join("\n"),
    );
  });

  it("updates, then downloads only, without recommends", () => {
    const [update, install] = aptCommands("/tmp/r", "/tmp/r/status", ["caddy"]);
    expect(update?.at(-1)).toBe("update");
    expect(install).toContain("--download-only");
    expect(install).toContain("--no-install-recommends");
    expect(install?.at(-1)).toBe("caddy");
    expect(install).toContain("Dir::State::status=/tmp/r/status");
  });
});
