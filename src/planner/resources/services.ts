/**
 * Services: enabled and active, started when new, and restarted when one of their inputs (unit
 * file, env files, packages) changes in this plan, or reloaded when only inputs it reads again by
 * itself changed (`reloadOn`: Caddy's Caddyfile).
 */
import type { NodeFacts } from "../../facts/types.js";
import { factKey, parseAddress } from "../address.js";
import { change, known, type DecideContext, type Decision, type DesiredOf } from "./decision.js";

/** `ctx.changed` reads the decisions made before this one: inputs are decided first. */
export function decideService(d: DesiredOf<"service">, facts: NodeFacts, ctx: DecideContext): Decision {
  const unit = known(facts.units)[d.unit];
  const key = factKey.unit(d.unit);
  const inputs = d.inputs.filter((a) => ctx.changed(a));
  const keys = [key];
  const after = { enabled: true, active: true };
  // A changed unit file needs systemd to read it again before the unit (re)starts.
  const daemonReload = inputs.some((a) => parseAddress(a)?.kind === "file" && parseAddress(a)?.name.startsWith("/etc/systemd/") === true);
  const detail = (o: { enable: boolean; start: boolean; restart: boolean; reload?: true }) => ({ stage: "configure" as const, detail: { kind: "service" as const, unit: d.unit, daemonReload, ...o }, bytes: null });
  // Only what it reads again on reload changed: a running unit keeps running (and its connections).
  const reloadOnly = inputs.length > 0 && inputs.every((a) => d.reloadOn?.includes(a) === true);
  if (unit === undefined || unit.load === "not-found") {
    // A packaged unit (caddy, postgresql) is started by its package's postinst with the default
    // config, so it is restarted to pick up ours; our own units are simply started.
    return {
      change: change(d, "create", null, after, d.managedUnit ? "new unit" : "installed by its packages, then restarted with the managed config"),
      steps: [detail({ enable: true, start: true, restart: !d.managedUnit })],
      facts: keys,
    };
  }
  const enabled = unit.unitFileState === "enabled";
  const active = unit.active === "active" || unit.active === "reloading" || unit.active === "activating";
  const before = { enabled, active, state: `${unit.active}/${unit.sub}` };
  if (!enabled || !active) {
    // `disabled, inactive → enabled, active`; a unit file state systemd did not give reads "not enabled".
    const what = [!enabled ? unit.unitFileState || "not enabled" : "", !active ? unit.active : ""].filter((s) => s !== "").join(", ");
    const rereads = active && inputs.length > 0 ? (reloadOnly ? { restart: false, reload: true as const } : { restart: true }) : { restart: false };
    return { change: change(d, "update", before, after, `${what} → enabled, active`), steps: [detail({ enable: !enabled, start: !active, ...rereads })], facts: keys };
  }
  if (reloadOnly) {
    return { change: change(d, "reload", before, after, `config changed: ${inputs.join(", ")}`), steps: [detail({ enable: false, start: false, restart: false, reload: true })], facts: keys };
  }
  if (inputs.length > 0) {
    return { change: change(d, "restart", before, after, `inputs changed: ${inputs.join(", ")}`), steps: [detail({ enable: false, start: false, restart: true })], facts: keys };
  }
  return { change: change(d, "noop", before, after, "enabled and active; no input changed"), steps: [], facts: keys };
}
