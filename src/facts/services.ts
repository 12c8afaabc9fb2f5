/** systemd units: declared ones, plus every prefect-* unit a previous apply may have left. */
import { bad, failed, ok, type FactDefinition } from "./define.js";
import { UNIT_PREFIX } from "./layout.js";
import { shellQuote } from "./shell.js";
import type { UnitFact } from "./types.js";

const PROPERTIES = ["Id", "LoadState", "ActiveState", "SubState", "UnitFileState"];

export const unitsFact: FactDefinition<Record<string, UnitFact>> = {
  id: "units",
  command: (r) =>
    // Templates (name@.service) have no state of their own; their instances are listed.
    `u=$( { systemctl list-unit-files --no-legend --plain '${UNIT_PREFIX}*' 2>/dev/null; systemctl list-units --all --no-legend --plain '${UNIT_PREFIX}*' 2>/dev/null; } | awk '$1 !~ /@\\.[a-z]+$/ {print $1}' | sort -u)\n` +
    `set -- ${r.units.map(shellQuote).join(" ")} $u; [ $# -gt 0 ] || exit 0\n` +
    `systemctl show --no-pager -p ${PROPERTIES.join(",")} -- "$@"`,
  parse(output, exitCode, request) {
    if (request.units.length === 0 && output.trim() === "") return ok({});
    if (exitCode !== 0) return failed("units", exitCode, output);
    const units: Record<string, UnitFact> = {};
    for (const block of output.split(/\n\s*\n/)) {
      const props = new Map<string, string>();
      for (const line of block.split("\n")) {
        const eq = line.indexOf("=");
        if (eq > 0) props.set(line.slice(0, eq), line.slice(eq + 1));
      }
      const id = props.get("Id");
      if (id === undefined) {
        if (props.size > 0) return bad("units: a unit without Id in systemctl's output");
        continue;
      }
      const load = props.get("LoadState");
      const active = props.get("ActiveState");
      const sub = props.get("SubState");
      if (load === undefined || active === undefined || sub === undefined) return bad(`units: incomplete properties for ${id} in systemctl's output`);
      units[id] = { load, active, sub, unitFileState: props.get("UnitFileState") ?? "" };
    }
    const missing = request.units.filter((u) => !(u in units));
    if (missing.length > 0) return bad(`units: no answer for ${missing.join(", ")}`);
    return ok(units);
  },
};
