/** The node itself: OS, architecture, identity, free disk, the service user. */
import { bad, count, failed, lines, ok, type FactDefinition } from "./define.js";
import { shellQuote } from "./shell.js";
import type { DiskFact, OsFact, UserFact } from "./types.js";

const OS_KEYS = ["id", "version", "pretty", "arch", "hostname", "user"] as const;

export const osFact: FactDefinition<OsFact> = {
  id: "os",
  // os-release is sourced in the fact's own subshell; values are printed one per line so a pretty
  // name with spaces or quotes stays whole.
  command: () =>
    `[ -r /etc/os-release ] && . /etc/os-release; printf 'id=%s\\nversion=%s\\npretty=%s\\n' "$ID" "$VERSION_ID" "$PRETTY_NAME"; ` +
    `printf 'arch=%s\\nhostname=%s\\nuser=%s\\n' "$(uname -m)" "$(uname -n)" "$(id -un)"`,
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
    return ok({ id: get("id"), versionId: get("version"), prettyName: get("pretty"), arch: get("arch"), hostname: get("hostname"), user: get("user") });
  },
};

export const diskFact: FactDefinition<DiskFact> = {
  id: "disk",
  // The root may not exist yet on a fresh node: measure the nearest existing parent, which is
  // where it will be created.
  command: (r) => `d=${shellQuote(r.root)}; while [ ! -e "$d" ]; do d=$(dirname "$d"); done; printf '%s\\n' "$d"; df -Pk "$d" | tail -n 1`,
  parse(output, exitCode) {
    if (exitCode !== 0) return failed("disk", exitCode, output);
    const [path, row] = lines(output);
    const fields = row?.trim().split(/\s+/) ?? [];
    const total = count(fields[1]);
    const available = count(fields[3]);
    if (path === undefined || total === undefined || available === undefined) return bad("disk: unexpected df output");
    return ok({ path, availableBytes: available * 1024, totalBytes: total * 1024 });
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
