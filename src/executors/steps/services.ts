/**
 * The scripts of the service and verify steps: a systemd unit enabled, started, restarted or
 * stopped (its previous state journaled for the rollback), and the check that the units stay
 * active and the links resolve.
 */
import { shellQuote as q } from "../../facts/shell.js";
import type { StepDetail } from "../../planner/types.js";
import { journalOnce, journalRecord, makeJournalDir, rememberServiceActivity } from "./journal.js";

/**
 * Enables/starts/restarts/reloads a unit (systemd reloaded once, after a changed unit file or an
 * enable); the previous state is journaled so a rollback restarts (or stops) it after the files
 * and links are back, or reloads it again when this step only reloaded it.
 */
export function serviceScript(detail: Extract<StepDetail, { kind: "service" }>, journalDir: string): string {
  const u = q(detail.unit);
  const lines = ["set -e", makeJournalDir(journalDir)];
  lines.push(rememberServiceActivity(detail.unit, journalDir, detail.reload === true ? "reload" : "restart"));
  if (detail.enable) {
    // A unit this generation enables is disabled again by a rollback (before its file goes).
    lines.push(journalOnce(journalDir, "enable", detail.unit, `systemctl is-enabled --quiet ${u} || rec=${q(journalRecord("disable", detail.unit))}`));
    // `enable` reloads systemd by itself (0.1 s or more); with --no-reload, one reload serves both
    // the new unit file and the new enablement.
    lines.push(`systemctl enable --no-reload ${u}`);
  }
  if (detail.daemonReload || detail.enable) lines.push("systemctl daemon-reload");
  if (detail.restart) lines.push(`systemctl restart ${u}`);
  else if (detail.reload === true) lines.push(`systemctl reload ${u}`);
  else if (detail.start) lines.push(`systemctl start ${u}`);
  return lines.join("\n");
}

/**
 * Stops and disables a unit no longer declared; a rollback enables it again (once its file is
 * back) and starts it when it was active.
 */
export function stopServiceScript(unit: string, journalDir: string): string {
  const u = q(unit);
  return [
    "set -e",
    makeJournalDir(journalDir),
    rememberServiceActivity(unit, journalDir),
    journalOnce(journalDir, "disable", unit, `if systemctl is-enabled --quiet ${u}; then rec=${q(journalRecord("enable", unit))}; fi`),
    `systemctl disable --now ${u}`,
  ].join("\n");
}

/**
 * Units that must come up (within `startSeconds`: a unit systemd restarts after a failed start may
 * come up the second time, as when two workers create their work pool at once) and then stay up
 * for `settleSeconds` without systemd restarting them (NRestarts unchanged: a unit that fails
 * again within that time is flapping, even if it reads active at the end); and links that must
 * resolve, with a Python that starts.
 */
export function verifyScript(units: readonly string[], paths: readonly string[], settleSeconds: number, startSeconds = 30): string {
  // A unit that is not active says why in its own words: the last error lines of its journal
  // (a port already taken, a database that refuses), then its state, last (the error's tail).
  // Its last run only (its invocation), not the errors of runs before.
  const why = `inv=$(systemctl show -p InvocationID --value "$u" 2>/dev/null); { if [ -n "$inv" ]; then journalctl _SYSTEMD_INVOCATION_ID="$inv" -o cat --no-pager; else journalctl -u "$u" -n 50 -o cat --no-pager; fi; } 2>/dev/null | grep -iE 'error|exception|denied|refused|failed|in use' | tail -n 2 >&2`;
  const list = units.map(q).join(" ");
  const lines = [
    "bad=0",
    ...paths.map((p) => `[ -e ${q(p)}/ ] || { echo ${q(`${p} does not resolve`)} >&2; bad=1; }`),
    // An environment with a Python must be able to start it.
    ...paths.map((p) => `if [ -x ${q(`${p}/bin/python`)} ]; then ${q(`${p}/bin/python`)} -c 'import sys' >/dev/null 2>&1 || { echo ${q(`${p}/bin/python does not run`)} >&2; bad=1; }; fi`),
    `[ "$bad" = 0 ] || exit 1`,
  ];
  if (units.length === 0) return lines.join("\n");
  lines.push(
    `end=$(( $(date +%s) + ${startSeconds} ))`,
    `for u in ${list}; do while ! systemctl is-active --quiet "$u" && [ "$(date +%s)" -lt "$end" ]; do sleep 1; done; done`,
    `for u in ${list}; do systemctl is-active --quiet "$u" || { ${why}; echo "$u is $(systemctl is-active "$u")" >&2; bad=1; }; done`,
    `[ "$bad" = 0 ] || exit 1`,
    // Restarts are counted from here, one variable per unit.
    ...units.map((u, i) => `restarts_${i}=$(systemctl show -p NRestarts --value ${q(u)})`),
    `sleep ${settleSeconds}`,
    ...units.map(
      (u, i) =>
        `u=${q(u)}; n=$(systemctl show -p NRestarts --value "$u"); if ! systemctl is-active --quiet "$u" || [ "$n" != "$restarts_${i}" ]; then ${why}; echo "$u did not stay up for ${settleSeconds} s: $(systemctl is-active "$u") now, restarted $(( \${n:-0} - \${restarts_${i}:-0} )) times by systemd meanwhile" >&2; bad=1; fi`,
    ),
    `[ "$bad" = 0 ] || exit 1`,
  );
  return lines.join("\n");
}
