/**
 * The packages step's check before dpkg: on the node and offline, `apt-get install --simulate` of
 * the set's .deb files against the node's dpkg status, with a private, empty source list (so only
 * what is installed and what is in the set count). When it fails, its output comes back on stderr
 * as marker lines and {@link packagesRefusal} turns it into one message naming what is missing.
 *
 * Output as apt 3.0 on Debian 13 prints it (test/fixtures/apt-simulate/ holds real runs):
 *
 *     The following packages have unmet dependencies:
 *      postgresql-17 : Depends: postgresql-common (>= 252~) but it is not installable
 *                      Depends: libllvm19 (>= 1:19.1.0) but it is not installable
 *      fake-a : Depends: nosuch-one but it is not installable or
 *                        nosuch-two (>= 2) but it is not installable
 *
 * The parser is pure.
 */
import { shellQuote as q } from "../../facts/shell.js";
import { MARKER_PREFIX } from "../remote-script.js";

/** Each line of apt's output, sent back on stderr when the check fails. */
export const APT_MARKER = `${MARKER_PREFIX}apt `;

/**
 * Shell lines that check a set of .deb files (`debs`: a glob) before dpkg touches anything; the
 * script stops (exit 3) with apt's output as {@link APT_MARKER} lines when the set cannot install.
 * Without apt-get on the node there is no check (dpkg still refuses, after unpacking what it can).
 */
export function aptCheckLines(debs: string): string[] {
  const options = [
    "--simulate",
    "--no-install-recommends",
    // No archive: only the node's dpkg status and the set itself.
    "-o Dir::Etc::SourceList=/dev/null",
    "-o Dir::Etc::SourceParts=/dev/null",
    '-o Dir::State::Lists="$lists"',
    // Writes nothing: no package cache files, no lock.
    "-o Dir::Cache::pkgcache=",
    "-o Dir::Cache::srcpkgcache=",
    "-o Debug::NoLocking=1",
  ].join(" ");
  return [
    "if command -v apt-get >/dev/null 2>&1; then",
    '  lists=$(mktemp -d) && mkdir "$lists/partial"',
    "  rc=0",
    `  LC_ALL=C apt-get install ${options} ${debs} >"$lists/out" 2>&1 || rc=$?`,
    `  if [ "$rc" != 0 ]; then sed ${q(`s/^/${APT_MARKER}/`)} "$lists/out" >&2; echo "${APT_MARKER}exit $rc" >&2; rm -rf "$lists"; exit 3; fi`,
    '  rm -rf "$lists"',
    "fi",
  ];
}

/** One dependency apt could not satisfy: `postgresql-17` Depends `libllvm19 (>= 1:19.1.0)`, or a choice of several. */
export interface Unmet {
  package: string;
  /** `Depends`, `PreDepends`, `Breaks`, `Conflicts`... as apt prints it. */
  relation: string;
  /** The alternatives (one unless `a | b`), each with apt's reason after "but". */
  alternatives: { dependency: string; why: string }[];
}

const RELATION = /^(Depends|PreDepends|Pre-Depends|Breaks|Conflicts|Recommends|Suggests|Enhances|Replaces|Provides):\s*(.*)$/;

function alternative(text: string): { dependency: string; why: string } {
  const at = text.indexOf(" but ");
  return at === -1 ? { dependency: text.trim(), why: "" } : { dependency: text.slice(0, at).trim(), why: text.slice(at + 5).trim() };
}

/**
 * The unmet dependencies apt lists, in its order; [] when the output has no such list.
 *
 * @example
 * parseUnmet(" postgresql-17 : Depends: libllvm19 (>= 1:19.1.0) but it is not installable")
 * // [{ package: "postgresql-17", relation: "Depends", alternatives: [{ dependency: "libllvm19 (>= 1:19.1.0)", why: "it is not installable" }] }]
 */
export function parseUnmet(output: string): Unmet[] {
  const out: Unmet[] = [];
  let current: string | null = null;
  let more = false;
  for (const raw of output.split("\n")) {
    const line = raw.replace(/\s+$/, "");
    if (!line.startsWith(" ")) {
      current = null;
      more = false;
      continue;
    }
    let rest: string;
    const head = /^ (\S+) : (.*)$/.exec(line);
    if (head !== null) {
      current = head[1]!;
      rest = head[2]!;
    } else if (current !== null) {
      rest = line.trim();
    } else {
      continue;
    }
    const or = / or$/.test(rest);
    const text = or ? rest.slice(0, -3) : rest;
    const relation = RELATION.exec(text);
    if (relation !== null) {
      out.push({ package: current, relation: relation[1]!.replace("Pre-Depends", "PreDepends"), alternatives: [alternative(relation[2]!)] });
    } else if (more && out.length > 0) {
      out.at(-1)!.alternatives.push(alternative(text));
    }
    more = or;
  }
  return out;
}

const NOT_INSTALLABLE = "it is not installable";

/** One unmet dependency in words: `postgresql-17 needs libllvm19 (>= 1:19.1.0), which is neither installed nor in the set`. */
export function describeUnmet(u: Unmet): string {
  const deps = u.alternatives.map((a) => a.dependency).join(" or ");
  const whys = [...new Set(u.alternatives.map((a) => a.why))];
  const versions = whys.flatMap((w) => {
    const m = /^(\S+) is (?:to be )?installed$/.exec(w);
    return m === null ? [] : [m[1]!];
  });
  let why: string;
  if (whys.length === 1 && whys[0] === NOT_INSTALLABLE) why = u.alternatives.length === 1 ? "which is neither installed nor in the set" : "none of which is installed or in the set";
  else if (versions.length === whys.length && versions.length > 0) why = `but only ${versions.join(" and ")} is installed or in the set`;
  else why = `but ${whys.filter((w) => w !== "").join("; ") || "apt cannot satisfy it"}`;
  const verb = /Depends$/.test(u.relation) ? "needs" : u.relation === "Breaks" ? "breaks" : u.relation === "Conflicts" ? "conflicts with" : u.relation.toLowerCase();
  return `${u.package} ${verb} ${deps}, ${why}`;
}

/**
 * Why the packages step refused the set, from the step's stderr (its {@link APT_MARKER} lines), with
 * the hint; null when the check did not refuse (dpkg itself failed, or something else did).
 */
export function packagesRefusal(stderr: string, artifact: string): { reason: string; hint: string } | null {
  const lines = stderr.split("\n").flatMap((l) => (l.startsWith(APT_MARKER) ? [l.slice(APT_MARKER.length)] : []));
  if (lines.length === 0) return null;
  const unmet = parseUnmet(lines.join("\n"));
  const hint = `run \`reconcile fetch ${artifact}\` against this node's status, then \`reconcile pin\``;
  if (unmet.length > 0) return { reason: `the set cannot install: ${unmet.map(describeUnmet).join("; ")}`, hint };
  // Not a dependency apt names (dpkg interrupted, a broken status file...): apt's own errors.
  const errors = lines.filter((l) => /^E: /.test(l)).map((l) => l.slice(3));
  const said = errors.length > 0 ? errors.slice(0, 3).join(" | ") : lines.filter((l) => l.trim() !== "").slice(-3).join(" | ");
  return { reason: `the dependency check of the set failed before dpkg changed anything: ${said}`, hint: "run `apt-get check` on the node: its own packages may be broken, or dpkg interrupted (`dpkg --configure -a`)" };
}
