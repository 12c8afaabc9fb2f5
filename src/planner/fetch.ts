/**
 * What `reconcile fetch` does, decided from the resolved cluster and the nodes' fetch targets
 * (release, dpkg architecture, dpkg status: facts/fetch-target.ts). Pure: the apt runs, downloads
 * and writes are the executors' (executors/apt-fetch.ts), driven by run/fetch.ts.
 *
 * A deb set is installed as a whole on every node that needs it (desired.ts: the server node for
 * the database and proxy packages), so it serves one release and architecture: its packages are
 * resolved against each of those nodes' own dpkg status, and the set is the union of what each
 * node lacks. apt runs under a private configuration (`aptConfig`) that reads nothing of the host's
 * /etc/apt: its sources, keys, preferences and dpkg status are all given here.
 */
import { posix } from "node:path";
import type { FetchTarget } from "../facts/fetch-target.js";
import type { Fact } from "../facts/types.js";
import { ReconcileError } from "../errors.js";
import type { ArtifactKind, ResolvedCluster } from "../spec/resolved.js";
import { desiredFor } from "./desired.js";

/** A deb set to resolve and download: against each target's status, on one release and architecture. */
export interface DebFetch {
  kind: "deb";
  artifact: string;
  /** The set's folder on the controller (its `source`). */
  folder: string;
  packages: string[];
  release: { id: string; codename: string; arch: string };
  /** The nodes it is resolved against, in spec order, each with its dpkg status. */
  targets: { node: string; status: string }[];
}

/** A single-file artifact from an http(s) URL: downloaded into the cache and checked against its sha256. */
export interface UrlFetch {
  kind: "url";
  artifact: string;
  artifactKind: ArtifactKind;
  url: string;
  sha256: string;
}

export type FetchJob = DebFetch | UrlFetch;

/** Why an artifact cannot be fetched; `node` when one node's facts are the reason. */
export interface FetchProblem {
  artifact: string;
  node?: string;
  message: string;
  hint?: string;
}

/** The nodes that install each deb artifact, in spec order (from what each node should hold). */
export function debTargets(cluster: ResolvedCluster): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const node of cluster.nodes) {
    for (const d of desiredFor(cluster, node, { artifacts: {}, flows: {} })) {
      if (d.kind !== "packages") continue;
      const nodes = (out[d.artifact] ??= []);
      if (!nodes.includes(node.name)) nodes.push(node.name);
    }
  }
  return out;
}

/**
 * The artifacts `fetch` works on: the named ones, or (none named) every deb set that lists
 * `packages` and every URL artifact. A named artifact with nothing to fetch is a problem.
 */
export function selectFetch(cluster: ResolvedCluster, names: readonly string[]): { deb: string[]; url: string[]; problems: FetchProblem[] } {
  const deb: string[] = [];
  const url: string[] = [];
  const problems: FetchProblem[] = [];
  const all = names.length === 0;
  for (const [name, a] of Object.entries(cluster.artifacts)) {
    if (!all && !names.includes(name)) continue;
    if (a.kind === "deb") {
      if (a.packages.length > 0) deb.push(name);
      else if (!all) problems.push({ artifact: name, message: "declares no `packages`: fetch does not know what the set must provide", hint: `list them under artifacts.${name}.packages, e.g. [postgresql]` });
    } else if (a.source.type === "url") {
      url.push(name);
    } else if (!all) {
      problems.push({ artifact: name, message: `is a local ${a.kind === "file" ? "file" : `${a.kind} archive`}: there is nothing to fetch`, hint: "`reconcile pin` writes its digest" });
    }
  }
  return { deb, url, problems };
}

/** The nodes whose fetch targets the selected deb sets need, in spec order. */
export function nodesToAsk(cluster: ResolvedCluster, deb: readonly string[]): string[] {
  const targets = debTargets(cluster);
  const wanted = new Set(deb.flatMap((name) => targets[name] ?? []));
  return cluster.nodes.map((n) => n.name).filter((n) => wanted.has(n));
}

/** The jobs of a fetch, and what keeps the others from running. */
export function planFetch(
  cluster: ResolvedCluster,
  names: readonly string[],
  targets: Readonly<Record<string, Fact<FetchTarget>>>,
): { jobs: FetchJob[]; problems: FetchProblem[] } {
  const selected = selectFetch(cluster, names);
  const problems = [...selected.problems];
  const jobs: FetchJob[] = [];
  const installs = debTargets(cluster);
  for (const name of selected.deb) {
    const a = cluster.artifacts[name];
    if (a === undefined || a.source.type !== "path") continue; // rules.ts: a deb set is a local folder
    const nodes = installs[name] ?? [];
    if (nodes.length === 0) {
      problems.push({ artifact: name, message: "no node installs it, so there is no release to resolve it against", hint: "name it in server.database.packages or server.proxy.packages" });
      continue;
    }
    const found: { node: string; target: FetchTarget }[] = [];
    let missing = false;
    for (const node of nodes) {
      const fact = targets[node];
      if (fact === undefined) {
        problems.push({ artifact: name, node, message: `no facts of node ${node}`, hint: "gather them again with `reconcile facts --save-status FILE`, including this node" });
        missing = true;
      } else if (!fact.ok) {
        problems.push({ artifact: name, node, message: `node ${node}: ${fact.error}` });
        missing = true;
      } else if (fact.value.id !== "debian") {
        problems.push({ artifact: name, node, message: `node ${node} runs '${fact.value.id}': reconcile fetch resolves against Debian's archive only` });
        missing = true;
      } else if (fact.value.codename === "") {
        problems.push({ artifact: name, node, message: `node ${node} names no release (no VERSION_CODENAME in /etc/os-release)` });
        missing = true;
      } else {
        found.push({ node, target: fact.value });
      }
    }
    if (missing) continue;
    const releases = [...new Set(found.map((f) => `${f.target.codename} ${f.target.arch}`))];
    if (releases.length > 1) {
      problems.push({
        artifact: name,
        message: `is installed on nodes of different releases (${found.map((f) => `${f.node}: ${f.target.codename} ${f.target.arch}`).join(", ")}), and one deb set serves one`,
        hint: "run the nodes on one release and architecture",
      });
      continue;
    }
    const first = found[0]!.target;
    jobs.push({
      kind: "deb",
      artifact: name,
      folder: a.source.path,
      packages: [...a.packages],
      release: { id: first.id, codename: first.codename, arch: first.arch },
      targets: found.map((f) => ({ node: f.node, status: f.target.status })),
    });
  }
  for (const name of selected.url) {
    const a = cluster.artifacts[name];
    if (a === undefined || a.source.type !== "url") continue;
    jobs.push({ kind: "url", artifact: name, artifactKind: a.kind, url: a.source.url, sha256: a.sha256 });
  }
  return { jobs, problems };
}

/** Where apt finds Debian's packages, and the key their Release files are signed with. */
export interface AptSources {
  /** Default http://deb.debian.org/debian. */
  mirror: string;
  /** Default http://security.debian.org/debian-security. */
  securityMirror: string;
  /** Default /usr/share/keyrings/debian-archive-keyring.gpg (package debian-archive-keyring). */
  keyring: string;
}

export const DEFAULT_SOURCES: AptSources = {
  mirror: "http://deb.debian.org/debian",
  securityMirror: "http://security.debian.org/debian-security",
  keyring: "/usr/share/keyrings/debian-archive-keyring.gpg",
};

/** The release's suites, main only: `<codename>`, `<codename>-updates`, `<codename>-security`. */
export function sourcesList(codename: string, sources: AptSources): string {
  const signed = `[signed-by=${sources.keyring}]`;
  return [
    `deb ${signed} ${sources.mirror} ${codename} main`,
    `deb ${signed} ${sources.mirror} ${codename}-updates main`,
    `deb ${signed} ${sources.securityMirror} ${codename}-security main`,
    "",
  ].join("\n");
}

/** The folders of a private apt root that apt expects to exist. */
export function aptDirs(root: string): string[] {
  return ["etc/apt.conf.d", "etc/preferences.d", "etc/sources.list.d", "etc/trusted.gpg.d", "state/lists/partial", "cache/archives/partial", "log"].map((d) => posix.join(root, d));
}

/** Where apt leaves the .deb files it downloaded. */
export const aptArchives = (root: string) => posix.join(root, "cache/archives");

/**
 * apt's whole configuration, read through APT_CONFIG before anything of the host's: every Dir::Etc
 * path points into `root` (so /etc/apt/apt.conf.d, sources.list, preferences and trusted keys of the
 * host are never read), the dpkg status is the target's, and the architecture is the target's.
 */
export function aptConfig(root: string, statusFile: string, arch: string): string {
  for (const p of [root, statusFile, arch]) {
    if (/["\n;{}]/.test(p)) throw new ReconcileError(`apt cannot read the path or value ${JSON.stringify(p)} in its configuration`, { hint: "set TMPDIR to a folder whose path has no quotes, braces or semicolons" });
  }
  const dir = (d: string) => `${posix.join(root, d)}/`;
  const lines: [string, string][] = [
    ["Dir", `${root}/`],
    ["Dir::State", dir("state")],
    ["Dir::State::status", statusFile],
    ["Dir::Cache", dir("cache")],
    ["Dir::Log", dir("log")],
    ["Dir::Etc", dir("etc")],
    ["Dir::Etc::Main", posix.join(root, "etc/apt.conf")],
    ["Dir::Etc::Parts", dir("etc/apt.conf.d")],
    ["Dir::Etc::SourceList", posix.join(root, "etc/sources.list")],
    ["Dir::Etc::SourceParts", dir("etc/sources.list.d")],
    ["Dir::Etc::Preferences", posix.join(root, "etc/preferences")],
    ["Dir::Etc::PreferencesParts", dir("etc/preferences.d")],
    ["Dir::Etc::Trusted", posix.join(root, "etc/trusted.gpg")],
    ["Dir::Etc::TrustedParts", dir("etc/trusted.gpg.d")],
    ["APT::Architecture", arch],
    ["APT::Install-Recommends", "false"],
    ["APT::Install-Suggests", "false"],
    ["APT::Get::Assume-Yes", "true"],
    // As root, apt would download as the _apt user, who may not write into this private root.
    ["APT::Sandbox::User", "root"],
    ["Acquire::Languages", "none"],
    // A mirror that stops answering ends the run within a bound (apt's own default waits 120 s
    // per connection); a dropped connection is tried again a few times.
    ["Acquire::http::Timeout", "30"],
    ["Acquire::https::Timeout", "30"],
    ["Acquire::Retries", "3"],
    ["APT::Update::Error-Mode", "any"],
  ];
  return `${lines.map(([k, v]) => `${k} "${v}";`).join("\n")}\nAPT::Architectures { "${arch}"; };\n`;
}

/** The two apt-get runs, after APT_CONFIG: update the lists, then download what the target lacks. */
export function aptCommands(root: string, statusFile: string, packages: readonly string[]): string[][] {
  // Repeated on the command line so a log of argv shows which status and sources a run used.
  const pin = ["-o", `Dir::State::status=${statusFile}`, "-o", `Dir::Etc::SourceList=${posix.join(root, "etc/sources.list")}`, "-o", "Dir::Etc::SourceParts=/dev/null", "-q"];
  return [
    [...pin, "update"],
    [...pin, "install", "--download-only", "--no-install-recommends", "-y", ...packages],
  ];
}
