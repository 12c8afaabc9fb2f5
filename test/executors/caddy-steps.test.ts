/**
 * Caddy's step scripts run for real with `sh` in temp folders, with stand-ins for `caddy`,
 * `runuser` and `systemctl` on PATH: the Caddyfile checked by `caddy validate` (as the caddy
 * user) before it replaces the old one, caddy reloaded rather than restarted and reloaded again
 * by the rollback, and a file whose content is read from another node at apply time.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { StepError, stderrTail } from "../../src/executors/remote-script.js";
import { writeFileScript } from "../../src/executors/steps/files.js";
import { rollbackScript } from "../../src/executors/steps/journal.js";
import { resolveRemoteContent } from "../../src/executors/steps/remote-content.js";
import { stepScript } from "../../src/executors/steps/script-for-step.js";
import { serviceScript } from "../../src/executors/steps/services.js";
import type { Step } from "../../src/planner/types.js";
import { LocalTransport } from "../helpers/local-transport.js";

const me = userInfo().username;
const group = execFileSync("id", ["-gn"], { encoding: "utf8" }).trim();
const temp = () => mkdtempSync(join(tmpdir(), "reconcile-caddy-"));

/**
 * A folder with stand-ins on PATH: `runuser -u USER -- CMD...` notes the user and runs CMD;
 * `caddy validate` notes its arguments and HOME, and rejects a config holding `bogus` the way
 * Caddy does (a log line, then `Error: ...` naming the file and line); `systemctl` notes each call
 * with the Caddyfile's first directive line at that moment, and says every unit is active.
 */
function standIns(caddyfile: string) {
  const dir = temp();
  const bin = join(dir, "bin");
  const log = join(dir, "log");
  mkdirSync(bin);
  writeFileSync(join(bin, "runuser"), `#!/bin/sh\n[ "$1" = -u ] && [ "$3" = -- ] || exit 9\necho "runuser $2" >> ${log}\nshift 3\nexec "$@"\n`, { mode: 0o755 });
  writeFileSync(
    join(bin, "caddy"),
    `#!/bin/sh
echo "caddy $* HOME=$HOME" >> ${log}
for last; do :; done
echo '2026/12/06 12:00:00.000 INFO using provided configuration {"config_file": "'"$last"'"}' >&2
if grep -n bogus "$last" > /dev/null; then
  n=$(grep -n bogus "$last" | head -n 1 | cut -d: -f1)
  echo "Error: adapting config using caddyfile: $last:$n: unrecognized directive: bogus" >&2
  exit 1
fi
echo "Valid configuration"
`,
    { mode: 0o755 },
  );
  writeFileSync(join(bin, "systemctl"), `#!/bin/sh\ncase "$1" in is-active|is-enabled) exit 0;; esac\necho "systemctl $* [$(grep -m1 reverse_proxy ${caddyfile} 2>/dev/null)]" >> ${log}\n`, { mode: 0o755 });
  const run = (script: string, stdin = "") => {
    const r = spawnSync("sh", ["-c", script], { input: stdin, encoding: "utf8", env: { PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}` } });
    const lines = existsSync(log) ? readFileSync(log, "utf8").trim().split("\n").filter((l) => l !== "") : [];
    writeFileSync(log, "");
    return { status: r.status, stderr: r.stderr, log: lines };
  };
  return { run, journal: join(dir, "journal") };
}

const OLD = "{\n\tskip_install_trust\n}\n\n:8443 {\n\treverse_proxy 127.0.0.1:4200\n}\n";
const NEW = "{\n\tskip_install_trust\n}\n\n:8443 {\n\tencode gzip\n\treverse_proxy 127.0.0.1:4201\n}\n";
const BAD = "{\n\tskip_install_trust\n}\n\n:8443 {\n\tbogus on\n\treverse_proxy 127.0.0.1:4201\n}\n";

function caddyDir() {
  const dir = temp();
  const etc = join(dir, "etc", "caddy");
  mkdirSync(etc, { recursive: true });
  const path = join(etc, "Caddyfile");
  writeFileSync(path, OLD, { mode: 0o644 });
  return { etc, path };
}

describe("the Caddyfile is validated before it replaces the old one", () => {
  it("accepted: caddy validate ran as the caddy user with its home, on a candidate beside the target, then the candidate took its place", () => {
    const { etc, path } = caddyDir();
    const s = standIns(path);
    const r = s.run(writeFileScript(path, "0644", me, group, s.journal, { validate: "caddy" }), NEW);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(path, "utf8")).toBe(NEW);
    expect(statSync(path).mode & 0o777).toBe(0o644);
    expect(r.log[0]).toBe("runuser caddy");
    expect(r.log[1]).toMatch(new RegExp(`^caddy validate --adapter caddyfile --config ${etc}/\\.reconcile\\.\\S+ HOME=/var/lib/caddy$`));
    expect(readdirSync(etc)).toEqual(["Caddyfile"]);
    // The old file is journaled: a rollback puts it back.
    expect(readFileSync(join(s.journal, "files", path), "utf8")).toBe(OLD);
  });

  it("rejected: the old file stays untouched, the candidate is gone, nothing is journaled, and the step fails with caddy's own words", () => {
    const { etc, path } = caddyDir();
    const before = statSync(path);
    const s = standIns(path);
    const r = s.run(writeFileScript(path, "0644", me, group, s.journal, { validate: "caddy" }), BAD);
    expect(r.status).toBe(1);
    expect(readFileSync(path, "utf8")).toBe(OLD);
    expect(statSync(path).mtimeMs).toBe(before.mtimeMs);
    expect(statSync(path).ino).toBe(before.ino);
    expect(readdirSync(etc)).toEqual(["Caddyfile"]);
    expect(existsSync(join(s.journal, "files"))).toBe(false);
    // Caddy's Error line only (its log line left out), the candidate's name replaced by the target's.
    expect(r.stderr.trim().split("\n")).toEqual([
      `caddy validate rejected the new ${path} (not written: the old one stays, and the running Caddy keeps serving it):`,
      `Error: adapting config using caddyfile: ${path}:6: unrecognized directive: bogus`,
    ]);
    const error = StepError.exited("n1", "configure file:/etc/caddy/Caddyfile", r.status, stderrTail(r.stderr));
    expect(error.message).toBe(
      `node n1: configure file:/etc/caddy/Caddyfile failed: Caddy rejected the new Caddyfile: exit 1: caddy validate rejected the new ${path} (not written: the old one stays, and the running Caddy keeps serving it): | Error: adapting config using caddyfile: ${path}:6: unrecognized directive: bogus`,
    );
    expect(error.hint).toMatch(/^the Caddyfile is made from server\.proxy in cluster\.yaml: fix server\.proxy\.extraDirectives /);
  });

  it("a file step without a validator runs no caddy", () => {
    const { path } = caddyDir();
    const s = standIns(path);
    const r = s.run(writeFileScript(path, "0644", me, group, s.journal), BAD);
    expect(r.status, r.stderr).toBe(0);
    expect(r.log).toEqual([]);
    expect(readFileSync(path, "utf8")).toBe(BAD);
  });
});

describe("caddy is reloaded when only its Caddyfile changed", () => {
  const detail = { kind: "service" as const, unit: "caddy.service", enable: false, start: false, restart: false, daemonReload: false };

  it("the step reloads (never restarts); the rollback puts the old Caddyfile back, then reloads it again", () => {
    const { path } = caddyDir();
    const s = standIns(path);
    expect(s.run(writeFileScript(path, "0644", me, group, s.journal, { validate: "caddy" }), NEW).status).toBe(0);
    const step = s.run(serviceScript({ ...detail, reload: true }, s.journal));
    expect(step.status, step.stderr).toBe(0);
    expect(step.log).toEqual(["systemctl reload caddy.service [\treverse_proxy 127.0.0.1:4201]"]);
    const back = s.run(rollbackScript(s.journal));
    expect(back.status, back.stderr).toBe(0);
    // The old file is back before caddy reads it again (reload-or-restart: started when it died).
    expect(back.log).toEqual(["systemctl daemon-reload [\treverse_proxy 127.0.0.1:4200]", "systemctl reload-or-restart caddy.service [\treverse_proxy 127.0.0.1:4200]"]);
    expect(readFileSync(path, "utf8")).toBe(OLD);
  });

  it("a restart step is journaled as a restart", () => {
    const { path } = caddyDir();
    const s = standIns(path);
    expect(s.run(serviceScript({ ...detail, restart: true }, s.journal)).log).toEqual([`systemctl restart caddy.service [\treverse_proxy 127.0.0.1:4200]`]);
    expect(s.run(rollbackScript(s.journal)).log).toEqual(["systemctl daemon-reload [\treverse_proxy 127.0.0.1:4200]", "systemctl restart caddy.service [\treverse_proxy 127.0.0.1:4200]"]);
  });
});

describe("a file read from another node at apply time", () => {
  const remoteStep = (path: string): Step => ({
    id: "w1/configure/file:/etc/prefect/proxy-ca.crt",
    node: "w1",
    stage: "configure",
    action: "create",
    address: "file:/etc/prefect/proxy-ca.crt",
    dependsOn: ["n1/configure/service:caddy.service"],
    facts: [],
    bytes: null,
    detail: {
      kind: "file",
      path: "/etc/prefect/proxy-ca.crt",
      mode: "0644",
      owner: "root",
      group: "root",
      content: { type: "remote", node: "n1", path, what: "Caddy's internal CA", missing: "is caddy running with tls internal?" },
    },
  });
  const other: Step = { ...remoteStep("/x"), action: "create", id: "w1/configure/file:/etc/prefect/worker.env", address: "file:/etc/prefect/worker.env", detail: { kind: "file", path: "/etc/prefect/worker.env", mode: "0600", owner: "root", group: "root", content: { type: "text", text: "A=1\n" } } };

  it("is read over that node's connection, once per file, and written like any text", async () => {
    const root = join(temp(), "root.crt");
    writeFileSync(root, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    const asked: string[] = [];
    const steps = await resolveRemoteContent([remoteStep(root), other, { ...remoteStep(root), id: "w1/configure/file:/again" }], async (node) => {
      asked.push(node);
      return new LocalTransport(node);
    });
    expect(asked).toEqual(["n1"]);
    for (const s of [steps[0], steps[2]]) expect(s?.detail.kind === "file" && "content" in s.detail ? s.detail.content : null).toEqual({ type: "text", text: readFileSync(root, "utf8") });
    expect(steps[1]).toBe(other);
    // The step's script then carries it on stdin.
    const script = stepScript(steps[0]!, { root: "/opt/prefect", cluster: "c", generation: 1, journalDir: "/j", secrets: new Map(), transferSha: () => "", pixiUnpack: null, settleSeconds: 0, probeTimeoutSeconds: 5 }, "w1");
    expect(script?.stdin).toBe(readFileSync(root, "utf8"));
  });

  it("missing on that node: fails naming the node, the step, what and where, with the hint", async () => {
    const missing = join(temp(), "pki", "root.crt");
    const error = await resolveRemoteContent([remoteStep(missing)], async (node) => new LocalTransport(node)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepError);
    expect((error as StepError).message).toBe(`node w1: configure file:/etc/prefect/proxy-ca.crt failed: Caddy's internal CA is not on n1 at ${missing}`);
    expect((error as StepError).hint).toBe("is caddy running with tls internal?");
  });

  it("a step whose remote content was never read is refused, not written empty", () => {
    expect(() => stepScript(remoteStep("/x"), { root: "/opt/prefect", cluster: "c", generation: 1, journalDir: "/j", secrets: new Map(), transferSha: () => "", pixiUnpack: null, settleSeconds: 0, probeTimeoutSeconds: 5 }, "w1")).toThrow(/was not read before the step/);
  });
});
