/** The node itself: OS, architecture, identity, free disk where apply writes, the service user. */
import { bad, count, failed, lines, ok, type FactDefinition } from "./define.js";
import { posix } from "node:path";
import { STATE_DIR, incomingDir, storeDir } from "./layout.js";
import { shellQuote } from "./shell.js";
import type { DiskFact, FilesystemFact, OsFact, UserFact } from "./types.js";

const OS_KEYS = ["id", "version", "pretty", "arch", "hostname", "user"] as const;

export const osFact: FactDefinition<OsFact> = {
  id: "os",
  // os-release is sourced in the fact's own subshell; values are printed one per line so a pretty
  // name with spaces or quotes stays whole.
  command: () =>
    `[ -r /etc/os-release ] && . /etc/os-release; printf 'id=%s\\nversion=%s\\npretty=%s\\n' "$ID" "$VERSION_ID" "$PRETTY_NAME"; ` +
    `printf 'arch=%s\\nhostname=%s\\nuser=%s\\n' "$(uname -m)" "$(uname -n)" "$(id -un)"; ` +
    `printf 'codename=%s\\ndebarch=%s\\n' "$VERSION_CODENAME" "$(dpkg --print-architecture 2>/dev/null)"`,
  parse(output, exitCode) {
    if (exitCode !== 0) return failed("os", exitCode, output);
    const values = new Map<string, string>();
    for (const line of lines(output)) {
      const eq = line.indexOf("=");
      if (eq > 0) values.set(line.slice(0, eq), line.slice(eq + 1));
    }
    const missing = OS_KEYS.filter((k) => !values.has(k));
    if (missing.length > 0) return bad(`os: no ${missing.join(", ")} in the output`);
    const get = (k: (typeof OS_KEYS)[number]) => values.get(k) ?? "";
    if (get("arch") === "" || get("hostname") === "") return bad("os: empty architecture or hostname");
    // Older outputs (saved plans, facts files) have no codename or dpkg architecture: left out, not "".
    const codename = values.get("codename");
    const debArch = values.get("debarch");
    return ok({
      id: get("id"),
      versionId: get("version"),
      prettyName: get("pretty"),
      arch: get("arch"),
      hostname: get("hostname"),
      user: get("user"),
      ...(codename === undefined || codename === "" ? {} : { codename }),
      ...(debArch === undefined || debArch === "" ? {} : { debArch }),
    });
  },
};

/**
 * The places whose free space matters to an apply, in this order: uploads land in
 * store/.incoming, are unpacked into store/<sha256>, linked from envs/ (and flows/, beside it),
 * and recorded in /var/lib/reconcile.
 */
export function diskPlaces(root: string): { store: string; incoming: string; envs: string; state: string } {
  return { store: storeDir(root), incoming: incomingDir(root), envs: posix.join(root, "envs"), state: STATE_DIR };
}

/**
 * One row of `df -P`: file system, 1024-blocks, used, available, capacity, mount point. The mount
 * point is the rest of the line (it may hold spaces); the file system name is matched lazily up to
 * the four numbers, so a name with spaces in it (some FUSE mounts) stays whole too.
 */
const DF_ROW = /^(.+?)\s+(\d+)\s+(\d+)\s+(\d+)\s+(?:\d+%|-)\s+(\/.*)$/;

export const diskFact: FactDefinition<DiskFact> = {
  id: "disk",
  // A place that does not exist yet (a fresh node) is measured at its nearest existing parent,
  // where it will be created. One df call for all of them: GNU df prints one row per argument, in
  // argument order, even when several share a file system.
  command: (r) =>
    `set --; for p in ${Object.values(diskPlaces(r.root)).map(shellQuote).join(" ")}; do d=$p; while [ ! -e "$d" ]; do d=$(dirname "$d"); done; set -- "$@" "$d"; done; df -Pk -- "$@"`,
  parse(output, exitCode, request) {
    if (exitCode !== 0) {
      // df still prints the rows it could read: name the line that says what went wrong.
      const said = lines(output).filter((l) => l.startsWith("df:"));
      return failed("disk", exitCode, said.length > 0 ? said.join("\n") : output);
    }
    const places = Object.values(diskPlaces(request.root));
    const [header, ...rows] = lines(output);
    if (header === undefined || !header.startsWith("Filesystem")) return bad("disk: unexpected df output (no header line)");
    if (rows.length !== places.length) return bad(`disk: unexpected df output (${rows.length} rows for ${places.length} places)`);
    const filesystems: FilesystemFact[] = [];
    for (const [i, row] of rows.entries()) {
      const m = DF_ROW.exec(row);
      const total = count(m?.[2]);
      const available = count(m?.[4]);
      const mount = m?.[5];
      if (total === undefined || available === undefined || mount === undefined) return bad(`disk: unexpected df row "${row.slice(0, 120)}"`);
      const place = places[i] ?? "";
      const known = filesystems.find((f) => f.mount === mount);
      if (known === undefined) filesystems.push({ mount, availableBytes: available * 1024, totalBytes: total * 1024, holds: [place] });
      else known.holds.push(place);
    }
    return ok({ filesystems });
  },
};

export const usersFact: FactDefinition<Record<string, UserFact | null>> = {
  id: "users",
  command: (r) =>
    r.users.length === 0
      ? ":"
      : `for u in ${r.users.map(shellQuote).join(" ")}; do getent passwd "$u" || printf '%s:absent\\n' "$u"; done; true`,
  parse(output, exitCode, request) {
    if (exitCode !== 0) return failed("users", exitCode, output);
    const users: Record<string, UserFact | null> = {};
    for (const line of lines(output)) {
      const f = line.split(":");
      const name = f[0] ?? "";
      if (!request.users.includes(name)) continue;
      if (f.length === 2 && f[1] === "absent") {
        users[name] = null;
        continue;
      }
      const uid = count(f[2]);
      const gid = count(f[3]);
      if (f.length < 7 || uid === undefined || gid === undefined) return bad(`users: unexpected passwd entry for ${name}`);
      users[name] = { uid, gid, home: f[5] ?? "" };
    }
    const missing = request.users.filter((u) => !(u in users));
    if (missing.length > 0) return bad(`users: no answer for ${missing.join(", ")}`);
    return ok(users);
  },
};
