/**
 * What `reconcile fetch` resolves a deb set against on a node: its release (id and codename), dpkg's
 * architecture and the whole dpkg status file. apt reads the status file as the node's installed
 * packages, with their Provides, Depends and Pre-Depends, so only the real file lets it fetch
 * exactly what the node lacks; a status made up from names and versions would not.
 *
 * Not one of the plan's facts (script.ts): the status file is one to a few MB, which every plan
 * would carry for nothing. It is gathered on its own for `fetch` and `facts --save-status`, and
 * saved in a targets file (`formatTargetsFile`) when the machine that fetches cannot reach the nodes.
 */
import { bad, failed, ok, type FactDefinition } from "./define.js";
import type { Fact } from "./types.js";

export interface FetchTarget {
  /** `ID` of /etc/os-release: debian, ubuntu... */
  id: string;
  /** `VERSION_ID`; empty on testing/sid. */
  versionId: string;
  /** `VERSION_CODENAME`: bookworm, trixie...; empty when the node has none. */
  codename: string;
  /** `dpkg --print-architecture`: amd64, arm64... */
  arch: string;
  /** The text of /var/lib/dpkg/status. */
  status: string;
}

export const DPKG_STATUS = "/var/lib/dpkg/status";
const SEPARATOR = "@@dpkg-status";
const KEYS = ["id", "version", "codename", "arch"] as const;

export const fetchTargetFact: FactDefinition<FetchTarget> = {
  id: "fetch-target",
  command: () =>
    `[ -r /etc/os-release ] && . /etc/os-release; ` +
    `printf 'id=%s\\nversion=%s\\ncodename=%s\\narch=%s\\n' "$ID" "$VERSION_ID" "$VERSION_CODENAME" "$(dpkg --print-architecture)" && ` +
    `printf '${SEPARATOR}\\n' && cat ${DPKG_STATUS}`,
  parse(output, exitCode) {
    if (exitCode !== 0) return failed("fetch target", exitCode, output);
    const at = output.indexOf(`\n${SEPARATOR}\n`);
    if (at < 0) return bad(`fetch target: no ${DPKG_STATUS} in the output`);
    const values = new Map<string, string>();
    for (const line of output.slice(0, at).split("\n")) {
      const eq = line.indexOf("=");
      if (eq > 0) values.set(line.slice(0, eq), line.slice(eq + 1));
    }
    const missing = KEYS.filter((k) => !values.has(k));
    if (missing.length > 0) return bad(`fetch target: no ${missing.join(", ")} in the output`);
    const arch = values.get("arch") ?? "";
    if (arch === "") return bad("fetch target: dpkg printed no architecture (is this a Debian node?)");
    const status = output.slice(at + SEPARATOR.length + 2);
    if (!/^Package: /m.test(status)) return bad(`fetch target: ${DPKG_STATUS} lists no package`);
    return ok({ id: values.get("id") ?? "", versionId: values.get("version") ?? "", codename: values.get("codename") ?? "", arch, status });
  },
};

/** A file of fetch targets by node name, saved where the nodes are reachable and read where apt runs. */
export interface TargetsFile {
  format: typeof TARGETS_FORMAT;
  /** Each node's target, or why it gave none. */
  nodes: Record<string, Fact<FetchTarget>>;
}

export const TARGETS_FORMAT = "reconcile-fetch-targets/1";

export function formatTargetsFile(nodes: Record<string, Fact<FetchTarget>>): string {
  const file: TargetsFile = { format: TARGETS_FORMAT, nodes };
  return `${JSON.stringify(file, null, 1)}\n`;
}

const isString = (v: unknown): v is string => typeof v === "string";

/** Reads a targets file; `{ ok: false, error }` says what is wrong with it (never throws). */
export function parseTargetsFile(text: string): Fact<Record<string, Fact<FetchTarget>>> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return bad(`not JSON (${(error as Error).message})`);
  }
  const file = raw as Partial<TargetsFile> | null;
  if (typeof file !== "object" || file === null || file.format !== TARGETS_FORMAT) {
    return bad(`not a targets file (expected "format": "${TARGETS_FORMAT}"; make one with \`reconcile facts --save-status FILE\`)`);
  }
  if (typeof file.nodes !== "object" || file.nodes === null || Array.isArray(file.nodes)) return bad("no \"nodes\" object");
  const nodes: Record<string, Fact<FetchTarget>> = {};
  for (const [name, fact] of Object.entries(file.nodes as Record<string, unknown>)) {
    const f = fact as { ok?: unknown; error?: unknown; value?: Record<string, unknown> } | null;
    if (f?.ok === false && isString(f.error)) {
      nodes[name] = bad(f.error);
      continue;
    }
    const v = f?.ok === true ? f.value : undefined;
    if (v === undefined || !isString(v.id) || !isString(v.versionId) || !isString(v.codename) || !isString(v.arch) || !isString(v.status)) {
      return bad(`node ${name}: expected { ok: true, value: { id, versionId, codename, arch, status } } or { ok: false, error }`);
    }
    nodes[name] = ok({ id: v.id, versionId: v.versionId, codename: v.codename, arch: v.arch, status: v.status });
  }
  return ok(nodes);
}
