/**
 * The test bed itself, end to end: real nodes answer SSH with the test bed key, systemd runs,
 * they are air-gapped, the sudo user works, and stop/start/reset/rekey do what they say.
 * Uses the system ssh binary on purpose (independent of the product's SSH client).
 */
import { execFile } from "node:child_process";
import { expect, it } from "vitest";
import { describeE2E } from "../testbed/e2e.js";
import { info, rekeyNode, resetNode, startNode, stopNode } from "../testbed/testbed.mjs";
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

function ssh(tb: TestbedInfo, node: NodeInfo, command: string, user = tb.users.root): Promise<Result> {
  return run("ssh", [
    "-F", "/dev/null",
    "-i", tb.identityFile,
    "-o", "IdentitiesOnly=yes",
    "-o", "StrictHostKeyChecking=no",
    "-o", "UserKnownHostsFile=/dev/null",
    "-o", "BatchMode=yes",
    "-o", "ConnectTimeout=5",
    "-o", "LogLevel=ERROR",
    `${user}@${node.address}`,
    command,
  ]);
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
});
