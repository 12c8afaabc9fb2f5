/** Versions of the Debian packages the spec installs. */
import { bad, failed, lines, ok, type FactDefinition } from "./define.js";
import { shellQuote } from "./shell.js";
import type { PackageFact } from "./types.js";

export const packagesFact: FactDefinition<Record<string, PackageFact | null>> = {
  id: "packages",
  // dpkg-query exits 1 when one of the packages is unknown; the others are still printed.
  command: (r) =>
    r.packages.length === 0
      ? ":"
      : `dpkg-query -W -f='\${Package}\\t\${Version}\\t\${db:Status-Abbrev}\\n' -- ${r.packages.map(shellQuote).join(" ")} 2>/dev/null; [ $? -le 1 ]`,
  parse(output, exitCode, request) {
    if (exitCode !== 0) return failed("packages", exitCode, output);
    const packages: Record<string, PackageFact | null> = Object.fromEntries(request.packages.map((p) => [p, null]));
    for (const line of lines(output)) {
      const [name, version, status] = line.split("\t");
      if (name === undefined || version === undefined || status === undefined) return bad(`packages: unexpected line "${line.slice(0, 80)}"`);
      if (!(name in packages)) continue;
      // The second letter is the installed state: "ii" and "hi" (held) are installed, "un"/"rc" are not.
      packages[name] = status.trim()[1] === "i" ? { version, status: status.trim() } : null;
    }
    return ok(packages);
  },
};
