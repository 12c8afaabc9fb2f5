/**
 * The SSH transport against real OpenSSH on a booted node: `become: sudo` as a non-root user,
 * cancellation and timeouts that really stop the remote process, and a forwarded channel to a port
 * on the node's loopback (how the Prefect API will be reached).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RemoteCommandError } from "../../src/errors.js";
import { connectNode, type SshTransport } from "../../src/executors/ssh-transport.js";
import type { ResolvedNode } from "../../src/spec/resolved.js";
import { tempDir } from "../helpers/cli.js";
import { describeE2E } from "../testbed/e2e.js";
import { info } from "../testbed/testbed.mjs";

// Only this file's own sleeps (unusual durations), whatever else runs on the node.
const countSleeps = `for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = sleep ] && tr '\\0' ' ' < $p/cmdline 2>/dev/null | grep -q '^sleep 301[0-9]' && echo $p; done | wc -l`;

describeE2E("SSH transport on a real node", (testbed) => {
  let transport: SshTransport;

  beforeAll(async () => {
    // The current host key (another test file may have rekeyed the node).
    const node = info()?.nodes[0] ?? testbed.nodes[0];
    if (node?.hostKey === null || node === undefined) throw new Error("no host key for the first node");
    const knownHosts = join(tempDir(), "known_hosts");
    writeFileSync(knownHosts, `${node.address} ${node.hostKey}\n`);
    const resolved: ResolvedNode = {
      name: node.name,
      address: node.address,
      root: "/opt/prefect",
      server: false,
      workerPools: [],
      ssh: { user: testbed.users.sudo, port: 22, identityFile: testbed.identityFile, knownHostsFile: knownHosts, connectTimeoutMs: 5000, commandTimeoutMs: 60_000, keepaliveIntervalMs: 15_000, progressTimeoutMs: 60_000, become: "sudo" },
    };
    transport = await connectNode(resolved, { env: {} });
  });
  afterAll(async () => {
    await transport?.close();
  });

  it("runs commands as root through sudo -n, and as the user when asked", async () => {
    const root = await transport.exec("id -un");
    expect(root).toMatchObject({ code: 0, stdout: "root\n", stderr: "" });
    const user = await transport.exec("id -un", { become: false });
    expect(user.stdout).toBe(`${testbed.users.sudo}\n`);
  });

  it("passes stdin and reports exit codes and stderr", async () => {
    const r = await transport.exec("cat; echo oops >&2; exit 3", { stdin: "hello\n" });
    expect(r).toMatchObject({ code: 3, stdout: "hello\n", stderr: "oops\n" });
  });

  it("an abort kills the remote command (and its children), not only the channel", async () => {
    const controller = new AbortController();
    const running = transport.exec("sleep 3011 & sleep 3012; wait", { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 500));
    expect((await transport.exec(countSleeps)).stdout.trim()).toBe("2");
    controller.abort();
    await expect(running).rejects.toMatchObject({ reason: "aborted" });
    expect((await transport.exec(countSleeps)).stdout.trim()).toBe("0");
  });

  it("a timeout kills the remote command", async () => {
    const started = performance.now();
    const error = await transport.exec("sleep 3013", { timeoutMs: 700 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteCommandError);
    expect((error as RemoteCommandError).reason).toBe("timeout");
    expect(performance.now() - started).toBeLessThan(5000);
    expect((await transport.exec(countSleeps)).stdout.trim()).toBe("0");
  });

  it("forwards a channel to a port on the node's loopback", async () => {
    const port = 18123;
    const started = await transport.exec(
      `setsid python3 -m http.server ${port} --bind 127.0.0.1 --directory /etc >/dev/null 2>&1 < /dev/null & echo $!; ` +
        `for i in $(seq 50); do python3 -c 'import socket; socket.create_connection(("127.0.0.1", ${port}), 0.2)' 2>/dev/null && exit 0; sleep 0.1; done; exit 1`,
    );
    expect(started.code).toBe(0);
    const pid = Number(started.stdout.trim());
    try {
      const stream = await transport.forward(port);
      const response = await new Promise<string>((resolve, reject) => {
        let text = "";
        stream.on("data", (d: Buffer) => (text += d.toString()));
        stream.on("end", () => resolve(text));
        stream.on("error", reject);
        stream.end("GET /hostname HTTP/1.0\r\n\r\n");
      });
      expect(response).toMatch(/^HTTP\/1\.0 200/);
      expect(response.trimEnd().endsWith(testbed.nodes[0]?.name ?? "?")).toBe(true);
    } finally {
      await transport.exec(`kill ${pid}`);
    }
  });
});
