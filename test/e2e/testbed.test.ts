/**
 * The test bed itself, end to end: real nodes answer SSH with the test bed key, systemd runs,
 * they are air-gapped, the sudo user works, stop/start/reset/rekey do what they say, and the
 * injected faults (cut link, throttled link, small file system, reboot) really happen.
 * Uses the system ssh binary on purpose (independent of the product's SSH client).
 */
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { describeE2E } from "../testbed/e2e.js";
import {
  cutLink,
  info,
  mountSmall,
  rebootNode,
  rekeyNode,
  resetNode,
  restoreLink,
  startNode,
  stopNode,
  throttleLink,
  unmountSmall,
  unthrottleLink,
} from "../testbed/testbed.mjs";
import type { NodeInfo, TestbedInfo } from "../testbed/testbed.mjs";

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<Result> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, encoding: "utf8" }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function sshArgv(tb: TestbedInfo, node: NodeInfo, user = tb.users.root): string[] {
  return [
    "-F", "/dev/null",
    "-i", tb.identityFile,
    "-o", "IdentitiesOnly=yes",
    "-o", "StrictHostKeyChecking=no",
    "-o", "UserKnownHostsFile=/dev/null",
    "-o", "BatchMode=yes",
    "-o", "ConnectTimeout=5",
    "-o", "LogLevel=ERROR",
    `${user}@${node.address}`,
  ];
}

function ssh(tb: TestbedInfo, node: NodeInfo, command: string, user = tb.users.root): Promise<Result> {
  return run("ssh", [...sshArgv(tb, node, user), command]);
}

/** SHA256 fingerprint of the ed25519 host key the node's sshd presents right now. */
async function presentedFingerprint(node: NodeInfo): Promise<string> {
  const scan = await run("ssh-keyscan", ["-T", "5", "-t", "ed25519", node.address]);
  expect(scan.stdout, scan.stderr).toContain("ssh-ed25519");
  return fingerprint(scan.stdout);
}

async function fingerprint(keyLines: string): Promise<string> {
  const r = await new Promise<Result>((resolve) => {
    const child = execFile("ssh-keygen", ["-l", "-E", "sha256", "-f", "-"], { encoding: "utf8" }, (error, stdout, stderr) =>
      resolve({ code: error ? -1 : 0, stdout, stderr }),
    );
    child.stdin?.end(keyLines);
  });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.split(" ")[1] ?? "";
}

const current = (name: string): NodeInfo | undefined => info()?.nodes.find((n) => n.name === name);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** An SSH session held open (like the CLI's), its output lines stamped with the time they arrived here. */
function openSession(tb: TestbedInfo, node: NodeInfo, command: string, stdin?: Buffer) {
  const child = spawn("ssh", [...sshArgv(tb, node), command], { stdio: ["pipe", "pipe", "pipe"] });
  const lines: { at: number; text: string }[] = [];
  let partial = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    const parts = (partial + d).split("\n");
    partial = parts.pop() ?? "";
    for (const text of parts) lines.push({ at: Date.now(), text });
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  child.stdin.on("error", () => {}); // EPIPE when the node goes away mid-upload
  if (stdin) child.stdin.end(stdin);
  const session = { lines, ended: null as null | { code: number | null; at: number }, stderr: () => stderr, kill: () => child.kill() };
  child.on("close", (code) => (session.ended = { code, at: Date.now() }));
  return session;
}

/** Push `bytes` random bytes to the node over SSH; the node measures from its first byte to the end. */
async function push(tb: TestbedInfo, node: NodeInfo, bytes: number): Promise<{ bytes: number; seconds: number; rate: number }> {
  const measure = `python3 -c 'import sys, time
n, t0 = 0, None
while True:
    b = sys.stdin.buffer.read1(1 << 20)
    if not b: break
    t0 = t0 or time.monotonic()
    n += len(b)
print(n, time.monotonic() - t0)'`;
  const session = openSession(tb, node, measure, randomBytes(bytes));
  await until("the push to end", () => session.ended !== null, 120_000);
  expect(session.ended?.code, session.stderr()).toBe(0);
  const [got, seconds] = (session.lines[0]?.text ?? "").split(" ").map(Number);
  return { bytes: got ?? 0, seconds: seconds ?? 0, rate: (got ?? 0) / (seconds || 1) };
}

const testbedCli = fileURLToPath(new URL("../testbed/testbed.mjs", import.meta.url));

describeE2E("test bed", (tb) => {
  it("boots the requested nodes at 198.51.100.(10+i)", () => {
    expect(tb.nodes.length).toBeGreaterThanOrEqual(1);
    tb.nodes.forEach((n, i) => {
      expect(n.name).toBe(`n${i + 1}`);
      expect(n.address).toBe(`198.51.100.${11 + i}`);
      expect(n.running).toBe(true);
    });
  });

  it("every node answers SSH as root with the test bed key and reports its own hostname", async () => {
    const answers = await Promise.all(tb.nodes.map((n) => ssh(tb, n, "hostname; id -un")));
    answers.forEach((r, i) => expect(r).toEqual({ code: 0, stdout: `${tb.nodes[i]?.name}\nroot\n`, stderr: "" }));
  });

  it("systemd is running (not degraded) on every node, and each has its own machine-id", async () => {
    const answers = await Promise.all(tb.nodes.map((n) => ssh(tb, n, "systemctl is-system-running; cat /etc/machine-id")));
    for (const r of answers) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split("\n")[0]).toBe("running");
    }
    const ids = answers.map((r) => r.stdout.split("\n")[1]);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("nodes are air-gapped: only the on-link bridge subnet is routed, nothing outside it is reachable", async () => {
    for (const node of tb.nodes) {
      const routes = await ssh(tb, node, "ip -4 route show; echo ---; ip -6 route show default; echo ---; ip route get 1.1.1.1 2>&1 || true");
      expect(routes.code, routes.stderr).toBe(0);
      const [v4, v6Default, get] = routes.stdout.split("---\n");
      expect(v4?.trim()).toBe(`198.51.100.0/24 dev eth0 proto kernel scope link src ${node.address}`);
      expect(v6Default?.trim()).toBe("");
      expect(get).toMatch(/unreachable/i);
      // A connection outside fails at once (no route), one to the host on the bridge is possible.
      const probe = `python3 -c 'import socket
for a in ("1.1.1.1", "${tb.hostAddress}"):
    s = socket.socket(); s.settimeout(3); print(a, s.connect_ex((a, 9)))'`;
      const p = await ssh(tb, node, probe);
      expect(p.stdout).toContain("1.1.1.1 101"); // ENETUNREACH
      expect(p.stdout).toMatch(new RegExp(`${tb.hostAddress.replace(/\./g, "\\.")} 111`)); // ECONNREFUSED: routed, nothing listens
    }
  });

  it("nodes reach each other on the bridge", async () => {
    const [first, last] = [tb.nodes[0], tb.nodes[tb.nodes.length - 1]];
    if (!first || !last) throw new Error("no nodes");
    const r = await ssh(tb, first, `python3 -c 'import socket; s = socket.socket(); s.settimeout(3); print(s.connect_ex(("${last.address}", 22)))'`);
    expect(r.stdout.trim()).toBe("0");
  });

  it("the sudo user (deploy) logs in with the same key and can sudo without a password", async () => {
    const node = tb.nodes[0];
    if (!node) throw new Error("no nodes");
    const r = await ssh(tb, node, "id -un; sudo -n true && echo sudo-ok; sudo -n id -u", tb.users.sudo);
    expect(r).toEqual({ code: 0, stdout: `${tb.users.sudo}\nsudo-ok\n0\n`, stderr: "" });
  });

  it("stopNode makes a node unreachable, startNode brings it back with its disk", async () => {
    const node = tb.nodes[tb.nodes.length - 1];
    if (!node) throw new Error("no nodes");
    expect((await ssh(tb, node, "echo kept > /root/marker")).code).toBe(0);
    await stopNode(node.name);
    expect(current(node.name)?.running).toBe(false);
    const down = await ssh(tb, node, "true");
    expect(down.code).toBe(255);
    await startNode(node.name);
    expect(current(node.name)?.running).toBe(true);
    const back = await ssh(tb, node, "hostname; systemctl is-system-running; cat /root/marker");
    expect(back).toEqual({ code: 0, stdout: `${node.name}\nrunning\nkept\n`, stderr: "" });
  });

  it("resetNode gives a fresh disk from the base but keeps the node's host key", async () => {
    const node = tb.nodes[tb.nodes.length - 1];
    if (!node) throw new Error("no nodes");
    const before = await presentedFingerprint(node);
    expect((await ssh(tb, node, "echo gone > /root/marker")).code).toBe(0);
    await resetNode(node.name);
    const r = await ssh(tb, node, "test -e /root/marker && echo present || echo absent; systemctl is-system-running");
    expect(r).toEqual({ code: 0, stdout: "absent\nrunning\n", stderr: "" });
    expect(await presentedFingerprint(node)).toBe(before);
  });

  it("rekeyNode changes the host key clients see (and info reports the new one)", async () => {
    const node = tb.nodes[0];
    if (!node) throw new Error("no nodes");
    const before = await presentedFingerprint(node);
    expect(await fingerprint(current(node.name)?.hostKey ?? "")).toBe(before);
    const newKey = await rekeyNode(node.name);
    const after = await presentedFingerprint(node);
    expect(after).not.toBe(before);
    expect(await fingerprint(newKey ?? "")).toBe(after);
    expect(current(node.name)?.hostKey).toBe(newKey);
    expect((await ssh(tb, node, "systemctl is-system-running")).stdout).toBe("running\n");
  });

  it("cutLink stalls an open SSH session without ending it and a new connect times out; restoreLink brings both back", async () => {
    const node = tb.nodes[1] ?? tb.nodes[0];
    if (!node) throw new Error("no nodes");
    const session = openSession(tb, node, "i=0; while [ $i -lt 900 ]; do i=$((i+1)); echo $i; sleep 0.1; done");
    try {
      await until("the session's first lines", () => session.lines.length >= 3, 15_000);
      await cutLink(node.name);
      const cutAt = Date.now();
      expect(current(node.name)?.link).toBe("cut");

      const t0 = Date.now();
      const fresh = await ssh(tb, node, "true");
      expect(fresh.code).toBe(255);
      expect(fresh.stderr).toMatch(/Connection timed out/); // silently dropped: no refusal, no reset
      expect(Date.now() - t0).toBeGreaterThanOrEqual(4500); // ConnectTimeout=5
      expect(session.lines.filter((l) => l.at > cutAt + 500)).toEqual([]); // nothing got through (0.5 s for what was in flight)
      expect(session.ended).toBeNull(); // stalled, not ended
      const linesAtCut = session.lines.length;

      await restoreLink(node.name);
      const restoredAt = Date.now();
      expect(current(node.name)?.link).toBe("up");
      // The same session resumes: what the node wrote during the cut arrives, numbered without a gap.
      await until("the stalled session to resume", () => session.lines.length >= linesAtCut + 30, 30_000);
      const numbers = session.lines.map((l) => Number(l.text));
      expect(numbers).toEqual(numbers.map((_, i) => i + 1));
      expect(session.ended).toBeNull();
      process.stderr.write(`[testbed test] cut: a stalled session resumed ${(session.lines[linesAtCut]?.at ?? 0) - restoredAt} ms after restoreLink\n`);
      expect(await ssh(tb, node, "echo back")).toEqual({ code: 0, stdout: "back\n", stderr: "" });
    } finally {
      await restoreLink(node.name);
      session.kill();
    }
  });

  it("the CLI's cut --seconds shows the link cut meanwhile and restores it by itself", async () => {
    const node = tb.nodes[1] ?? tb.nodes[0];
    if (!node) throw new Error("no nodes");
    const cli = spawn(process.execPath, [testbedCli, "cut", node.name, "--seconds", "2", "--force"], { stdio: "ignore" });
    const exited = new Promise<number | null>((resolve) => cli.on("close", resolve));
    try {
      await until("the CLI to cut the link", () => current(node.name)?.link === "cut", 10_000);
      expect(await exited).toBe(0);
      expect(current(node.name)?.link).toBe("up");
      expect((await ssh(tb, node, "echo back")).stdout).toBe("back\n");
    } finally {
      cli.kill();
      await restoreLink(node.name);
    }
  });

  it("throttleLink limits what the host sends a node to about the rate, small commands stay prompt; unthrottleLink restores full speed", async () => {
    const node = tb.nodes[1] ?? tb.nodes[0];
    if (!node) throw new Error("no nodes");
    const rate = 2_000_000;
    try {
      await throttleLink(node.name, rate);
      expect(current(node.name)?.throttle).toBe(rate);
      const pushing = push(tb, node, 8_000_000);
      await sleep(1000);
      const t0 = Date.now();
      expect((await ssh(tb, node, "echo prompt")).stdout).toBe("prompt\n");
      const smallMs = Date.now() - t0;
      const slow = await pushing;
      expect(slow.bytes).toBe(8_000_000);
      // The rate counts whole frames (headers too), so the payload gets a little less than the rate.
      expect(slow.rate).toBeLessThanOrEqual(rate * 1.02);
      expect(slow.rate).toBeGreaterThanOrEqual(rate * 0.6);
      expect(smallMs).toBeLessThan(3000);

      await unthrottleLink(node.name);
      expect(current(node.name)?.throttle).toBeNull();
      // Short unthrottled pushes spend much of their time ramping up (TCP, SSH windows): push more.
      const fast = await push(tb, node, 40_000_000);
      expect(fast.rate).toBeGreaterThan(rate * 3);
      process.stderr.write(
        `[testbed test] throttle ${rate} B/s: payload ${Math.round(slow.rate)} B/s (${((100 * slow.rate) / rate).toFixed(1)}%), ` +
          `a small ssh command meanwhile ${smallMs} ms; unthrottled ${Math.round(fast.rate)} B/s\n`,
      );
    } finally {
      await unthrottleLink(node.name);
    }
  });

  it("mountSmall puts a small file system inside a node: every process there sees its size, writes past it fail with ENOSPC; unmountSmall removes it", async () => {
    const node = tb.nodes[0];
    if (!node) throw new Error("no nodes");
    const dir = "/var/tmp/testbed-small/store";
    const bytes = 5_000_000;
    try {
      const setup = await ssh(tb, node, `mkdir -p ${dir} && echo under > ${dir}/under && chown -R ${tb.users.sudo}: ${dir}`);
      expect(setup.code, setup.stderr).toBe(0);
      await mountSmall(node.name, dir, bytes);
      const mounted = current(node.name)?.smallMounts.find((m) => m.path === dir);
      expect(mounted?.bytes).toBeGreaterThanOrEqual(bytes);
      expect(mounted?.bytes).toBeLessThan(bytes + 4096); // whole pages

      // An SSH session as the directory's owner: the tmpfs has its owner, shows its size, and fills up.
      const full = await ssh(tb, node, `df -B1 --output=size,target ${dir} | tail -1; test -e ${dir}/under && echo under || echo hidden; head -c 6000000 /dev/zero > ${dir}/fill; echo "exit $?"; stat -c %s ${dir}/fill`, tb.users.sudo);
      const [size, target] = (full.stdout.split("\n")[0] ?? "").trim().split(/\s+/);
      expect(Number(size)).toBe(mounted?.bytes);
      expect(target).toBe(dir);
      expect(full.stdout.split("\n").slice(1)).toEqual(["hidden", "exit 1", String(mounted?.bytes), ""]);
      expect(full.stderr).toContain("No space left on device");
      // A service started by the node's systemd sees it too, and the host has nothing mounted.
      const service = await ssh(tb, node, `systemd-run --wait --pipe --quiet df -B1 --output=target ${dir} | tail -1`);
      expect(service.stdout.trim()).toBe(dir);
      expect(await run("grep", ["-c", "testbed-small", "/proc/self/mountinfo"])).toMatchObject({ stdout: "0\n" });

      await unmountSmall(node.name, dir);
      expect(current(node.name)?.smallMounts).toEqual([]);
      const after = await ssh(tb, node, `df -B1 --output=target ${dir} | tail -1; cat ${dir}/under; test -e ${dir}/fill && echo fill || echo no-fill`);
      expect(after).toEqual({ code: 0, stdout: "/\nunder\nno-fill\n", stderr: "" });
    } finally {
      await unmountSmall(node.name, dir);
      await ssh(tb, node, "rm -rf /var/tmp/testbed-small");
    }
  });

  it("rebootNode in the middle of an upload ends the open connections and boots the same disk: same host key and machine-id, files kept, a new boot", async () => {
    const node = tb.nodes[tb.nodes.length - 1];
    if (!node) throw new Error("no nodes");
    const upload = 20_000_000;
    const before = await ssh(tb, node, "cat /proc/sys/kernel/random/boot_id /etc/machine-id; echo kept > /root/reboot-marker");
    expect(before.code, before.stderr).toBe(0);
    const keyBefore = await presentedFingerprint(node);
    const session = openSession(tb, node, "while sleep 0.2; do echo tick; done");
    let uploading: ReturnType<typeof openSession> | undefined;
    try {
      await mountSmall(node.name, "/srv/small", 1 << 20);
      await throttleLink(node.name, 2_000_000); // keeps the upload in flight for seconds
      uploading = openSession(tb, node, "cat > /root/upload.part", randomBytes(upload));
      await until("the session's first lines", () => session.lines.length >= 2, 15_000);
      const partSize = async () => Number((await ssh(tb, node, "stat -c %s /root/upload.part 2>/dev/null || echo 0")).stdout.trim());
      const deadline = Date.now() + 30_000;
      while ((await partSize()) < 1_000_000 && Date.now() < deadline) await sleep(200);

      const t0 = Date.now();
      await rebootNode(node.name);
      const rebootMs = Date.now() - t0;
      process.stderr.write(`[testbed test] rebootNode took ${rebootMs} ms (throttled link)\n`);
      await until("the open sessions to end", () => session.ended !== null && uploading?.ended !== null, 10_000);
      expect(session.ended?.code).toBe(255);
      expect(uploading.ended?.code).toBe(255);

      const after = await ssh(tb, node, "cat /proc/sys/kernel/random/boot_id /etc/machine-id /root/reboot-marker; stat -c %s /root/upload.part; ps -o etimes= -p 1; findmnt -n /srv/small || echo no-mount; systemctl is-system-running");
      expect(after.code, after.stderr).toBe(0);
      const [bootId, machineId, marker, partBytes, initAge, mount, state] = after.stdout.trim().split("\n").map((l) => l.trim());
      const [bootIdBefore, machineIdBefore] = before.stdout.trim().split("\n");
      expect(bootId).toMatch(/^[0-9a-f-]{36}$/);
      expect(bootId).not.toBe(bootIdBefore);
      expect(machineId).toBe(machineIdBefore);
      expect(marker).toBe("kept");
      expect(Number(partBytes)).toBeGreaterThanOrEqual(1_000_000); // the partial upload is still on its disk
      expect(Number(partBytes)).toBeLessThan(upload);
      expect(Number(initAge)).toBeLessThanOrEqual(Math.ceil(rebootMs / 1000) + 5); // its systemd started during the reboot
      expect(mount).toBe("no-mount"); // a reboot drops small mounts
      expect(state).toBe("running");
      expect(await presentedFingerprint(node)).toBe(keyBefore);
      const now = current(node.name);
      expect(now).toMatchObject({ running: true, link: "up", throttle: 2_000_000, smallMounts: [] }); // the throttle belongs to the link
    } finally {
      session.kill();
      uploading?.kill();
      await unthrottleLink(node.name);
      await unmountSmall(node.name, "/srv/small");
      await ssh(tb, node, "rm -rf /root/reboot-marker /root/upload.part /srv/small");
    }
  });
});
