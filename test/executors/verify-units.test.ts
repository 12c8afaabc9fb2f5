/**
 * verify's unit checks with a stand-in systemctl: a unit that comes up on its second start is
 * waited for (within a bound), one that never comes up is named with its state, and one that
 * systemd restarts during the settle time is caught even when it reads active at the end.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { verifyScript } from "../../src/executors/steps/services.js";
import { tempDir } from "../helpers/cli.js";

/**
 * A PATH whose systemctl answers `is-active` from the unit's `<unit>.states` file (one state per
 * call, the last one kept) and `show -p NRestarts` from `<unit>.restarts` (one value per call,
 * the last kept); journalctl prints one error line.
 */
function standIns(units: Record<string, { states: string[]; restarts: string[] }>): { path: string; dir: string } {
  const dir = tempDir("verify-units-");
  const bin = join(dir, "bin");
  mkdirSync(bin);
  for (const [unit, u] of Object.entries(units)) {
    writeFileSync(join(dir, `${unit}.states`), `${u.states.join("\n")}\n`);
    writeFileSync(join(dir, `${unit}.restarts`), `${u.restarts.join("\n")}\n`);
  }
  const next = (kind: string) => `f="${dir}/$u.${kind}"; v=$(head -n 1 "$f"); [ "$(wc -l < "$f")" -gt 1 ] && sed -i 1d "$f"; echo "$v"`;
  writeFileSync(
    join(bin, "systemctl"),
    `#!/bin/sh
case "$1" in
  is-active) [ "$2" = --quiet ] && { u=$3; s=$(${next("states")}); [ "$s" = active ]; exit $?; }; u=$2; ${next("states")} ;;
  show) u=$5; case "$3" in NRestarts) ${next("restarts")} ;; *) echo ;; esac ;;
esac
`,
    { mode: 0o755 },
  );
  writeFileSync(join(bin, "journalctl"), "#!/bin/sh\necho 'prefect.exceptions.ObjectAlreadyExists'\n", { mode: 0o755 });
  return { path: `${bin}:${process.env.PATH}`, dir };
}

const run = (script: string, path: string) => spawnSync("sh", ["-c", script], { encoding: "utf8", env: { ...process.env, PATH: path } });

describe("verify's unit checks", () => {
  it("wait for a unit that comes up on its second start, then pass when it stays up", () => {
    const { path } = standIns({ "w.service": { states: ["activating", "activating", "active"], restarts: ["1"] } });
    const r = run(verifyScript(["w.service"], [], 0, 10), path);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("name a unit that never comes up within the bound, with its journal's error line", () => {
    const { path } = standIns({ "w.service": { states: ["activating"], restarts: ["3"] } });
    const started = Date.now();
    const r = run(verifyScript(["w.service"], [], 0, 2), path);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual(["prefect.exceptions.ObjectAlreadyExists", "w.service is activating"]);
    expect(Date.now() - started).toBeLessThan(6000);
  });

  it("catch a unit systemd restarted during the settle time, even when it reads active at the end", () => {
    const { path } = standIns({ "w.service": { states: ["active"], restarts: ["0", "2"] } });
    const r = run(verifyScript(["w.service"], [], 1, 5), path);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("w.service did not stay up for 1 s: active now, restarted 2 times by systemd meanwhile");
  });
});
