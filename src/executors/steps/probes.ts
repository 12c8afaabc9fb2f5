/**
 * The checks of a verify step beyond units and links (planner/verify.ts decides them): HTTP
 * probes run by the node's Prefect environment's own Python (no curl needed, and the version it
 * reports is the environment's), and listening sockets read from /proc/net. The probes' input,
 * credentials included, travels on the step's stdin only.
 */
import { shellQuote as q } from "../../facts/shell.js";
import type { VerifyChecks } from "../../planner/types.js";
import type { Sensitive } from "../../spec/secrets.js";

/**
 * Polls every probe until it gives what it expects or `timeout` seconds have passed (a server
 * just restarted answers after 5 to 15 s; a worker registers a few seconds after it starts), then
 * reports each one still failing with what it last saw: a status, a body, the TLS or connection
 * error, or for a worker its last status and heartbeat ("never registered" when the pool does not
 * list it).
 */
const PROBE_PROGRAM = String.raw`
import base64, json, ssl, sys, time, urllib.error, urllib.request
spec = json.load(sys.stdin)
deadline = time.monotonic() + spec["timeout"]
def own_version():
    try:
        from importlib.metadata import version
        return version("prefect")
    except Exception as e:
        return "unknown (%s)" % e
def fetch(p, body=None, most=4096):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(p["url"], data=data, headers={"Accept": "application/json"})
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if p.get("auth") is not None:
        req.add_header("Authorization", "Basic " + base64.b64encode(p["auth"].encode()).decode())
    ctx = ssl.create_default_context(cafile=p["caFile"]) if p["url"].startswith("https:") else None
    try:
        wait = max(1.0, min(10.0, deadline - time.monotonic()))
        with urllib.request.urlopen(req, timeout=wait, context=ctx) as r:
            fetch.date = r.headers.get("Date")
            return r.status, r.read(most).decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read(4096).decode("utf-8", "replace")
fetch.date = None
def heartbeat_age(w):
    # Seconds since the worker's last heartbeat by the server's clock (its Date header), or None.
    try:
        from datetime import datetime
        from email.utils import parsedate_to_datetime
        now = parsedate_to_datetime(fetch.date)
        beat = datetime.fromisoformat(w["last_heartbeat_time"].replace("Z", "+00:00"))
        return (now - beat).total_seconds()
    except Exception:
        return None
PAGE = 200
def judge_worker(p):
    # Prefect 3.4's worker filter has no name: read the pool's workers page by page.
    pool, name = p["worker"]["pool"], p["worker"]["name"]
    offset = 0
    while True:
        status, body = fetch(p, {"limit": PAGE, "offset": offset}, 1 << 22)
        if status == 404:
            return "worker %s: pool %s not found on the server (HTTP 404)" % (name, pool)
        if status != 200:
            return "worker %s in pool %s: HTTP %d: %s" % (name, pool, status, " ".join(body.split())[:120])
        try:
            page = json.loads(body)
        except ValueError:
            return "worker %s in pool %s: not a list of workers: %s" % (name, pool, " ".join(body.split())[:120])
        for w in page:
            if w.get("name") != name:
                continue
            # Before worker status existed (2.x), a worker listed is a worker that registered.
            state = w.get("status", "ONLINE")
            age = heartbeat_age(w)
            interval = w.get("heartbeat_interval_seconds") or 30
            # The server marks a silent worker OFFLINE only minutes later: a stopped one still reads ONLINE.
            if state == "ONLINE" and age is not None and age > 2 * interval + 10:
                return "worker %s in pool %s sent no heartbeat for %d s (last %s; the server still says ONLINE)" % (name, pool, age, w.get("last_heartbeat_time"))
            if state == "ONLINE":
                return None
            return "worker %s is %s in pool %s (last heartbeat %s)" % (name, state, pool, w.get("last_heartbeat_time") or "never")
        if len(page) < PAGE or offset >= 50 * PAGE:
            return "worker %s never registered in pool %s" % (name, pool)
        offset += PAGE
def judge(p):
    want = p["expect"]
    try:
        if want == "worker-online":
            return judge_worker(p)
        status, body = fetch(p)
    except Exception as e:
        reason = getattr(e, "reason", e)
        return "%s" % (reason,)
    text = " ".join(body.split())
    if want == "unauthorized":
        return None if status == 401 else "HTTP %d without credentials (401 expected)" % status
    if status == 404:
        return "HTTP 404: not Prefect's API (another program on that port, or a wrong path?)"
    if status != 200:
        return "HTTP %d: %s" % (status, text[:120])
    if want == "health" and text != "true":
        return "HTTP 200 but not healthy: %s" % text[:120]
    if want == "version":
        try:
            got = json.loads(text)
        except ValueError:
            got = text
        mine = own_version()
        if got != mine:
            return "reports Prefect %s, the environment holds %s (an old server still running?)" % (got, mine)
    return None
pending = list(spec["probes"])
last = {}
# A 404 does not go away as a server starts: 10 s of it and the probe stops waiting.
since404 = {}
final = set()
started = time.monotonic()
while True:
    still = []
    for p in pending:
        if id(p) in final:
            still.append(p)
            continue
        why = judge(p)
        if why is None:
            continue
        last[id(p)] = why
        still.append(p)
        if why.startswith("HTTP 404"):
            since404.setdefault(id(p), time.monotonic())
            if time.monotonic() - since404[id(p)] >= 10:
                final.add(id(p))
        else:
            since404.pop(id(p), None)
    pending = still
    if not pending or time.monotonic() >= deadline or all(id(p) in final for p in pending):
        break
    time.sleep(1)
# The first probe still failing goes last: the error's tail shows it (the others usually follow from it).
waited = int(round(time.monotonic() - started))
for p in pending[1:] + pending[:1]:
    if p["expect"] == "worker-online" and last[id(p)].startswith("worker "):
        sys.stderr.write("%s after %d s (%s)\n" % (last[id(p)], waited, p["url"]))
    else:
        sys.stderr.write("%s (%s): %s after %d s\n" % (p["what"], p["url"], last[id(p)], waited))
sys.exit(1 if pending else 0)
`;

/** Hex of a port as /proc/net/tcp writes it (`5432` → `1538`). */
const hexPort = (port: number) => port.toString(16).toUpperCase().padStart(4, "0");

/**
 * awk over /proc/net/tcp and tcp6 that fails unless every socket listening (state 0A) on `port`
 * is on loopback (127.0.0.0/8, ::1, IPv4-mapped 127.x; addresses are hex in the kernel's byte
 * order: 127.0.0.1 is 0100007F), and something listens at all. Prints why on failure.
 */
export function loopbackAwk(port: number): string {
  const p = hexPort(port);
  const loopback = '(length(ip) == 8 && ip ~ /7F$/) || ip == "00000000000000000000000001000000" || (length(ip) == 32 && ip ~ /^0000000000000000FFFF0000/ && ip ~ /7F$/)';
  return `$4 == "0A" { split($2, a, ":"); if (a[2] != "${p}") next; n++; ip = a[1]; if (${loopback}) next; bad = bad " " ip } END { if (n == 0) { print "nothing listens"; exit 1 } if (bad != "") { print "listens beyond loopback (" substr(bad, 2) ")"; exit 1 } }`;
}

/** Shell that sets bad=1 and says why unless {@link loopbackAwk} passes on this node. */
export function loopbackOnlyScript(what: string, port: number): string {
  return `why=$(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk ${q(loopbackAwk(port))}) || { echo ${q(`${what} on port ${port}: `)}"$why" >&2; bad=1; }`;
}

/** The probes' part of a verify step: script and stdin, or null when there is nothing to probe. */
export function probesScript(checks: VerifyChecks, timeoutSeconds: number, secrets: ReadonlyMap<string, Sensitive>): { script: string; stdin: string } | { script: string } | null {
  const lines: string[] = [];
  if (checks.loopbackOnly.length > 0) {
    lines.push("bad=0", ...checks.loopbackOnly.map((l) => loopbackOnlyScript(l.what, l.port)), `[ "$bad" = 0 ] || exit 1`);
  }
  if (checks.probes.length === 0 || checks.python === null) return lines.length === 0 ? null : { script: lines.join("\n") };
  const probes = checks.probes.map((p) => {
    // script-for-step has checked that every secret named is set.
    const auth = p.auth === null ? null : (secrets.get(p.auth.secret)?.reveal() ?? "");
    return { what: p.what, url: p.url, caFile: p.caFile, auth, expect: p.expect, ...(p.worker === undefined ? {} : { worker: p.worker }) };
  });
  const py = q(checks.python);
  // The environment's interpreter, else the node's python3 (versions then read "unknown").
  lines.push(`py=${py}; [ -x "$py" ] || py=python3`, `"$py" -c ${q(PROBE_PROGRAM)}`);
  return { script: lines.join("\n"), stdin: JSON.stringify({ timeout: timeoutSeconds, probes }) };
}
