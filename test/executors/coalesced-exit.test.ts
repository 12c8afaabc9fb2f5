/**
 * A fast command's whole answer in one socket read: the node confirms the exec request, sends the
 * output, the exit status, EOF and close in one TCP segment, and ssh2 parses all of it in one go,
 * emitting every event before any promise continuation runs. The transport must still see the exit
 * status and all the output (issue 10, item 4). The fake server (fake-sshd.ts, `coalesce`) holds a
 * command's packets and writes them in ONE socket write; the test counts the client socket's reads
 * to show they also arrived in one.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RemoteCommandError } from "../../src/errors.js";
import { formatKnownHostsLine } from "../../src/executors/known-hosts.js";
import { connectNode, type SshTransport } from "../../src/executors/ssh-transport.js";
import { FakeSshd, hostKeyOf, keyPair, nodeFor } from "./fake-sshd.js";

const RUNS = 100;
const dir = mkdtempSync(join(tmpdir(), "reconcile-coalesce-"));
const hostKey = keyPair("ed25519");
const clientKey = keyPair("ed25519");
let sshd: FakeSshd;
let transport: SshTransport;
/** Sizes of the client socket's reads ('data' events), oldest first. */
const reads: number[] = [];

/** ssh2 keeps the client's socket in `_sock`; the test wraps connect to listen to it as ssh2 does. */
const originalConnect = ssh2.Client.prototype.connect;

beforeAll(async () => {
  sshd = await FakeSshd.start({
    hostKeys: [hostKey],
    user: "deploy",
    authorizedKeys: [clientKey.public],
    // The quick commands, and the kill command a cancellation runs; not the command it cancels.
    coalesce: (command) => !command.includes("sleep 30"),
  });
  const identityFile = join(dir, "id");
  writeFileSync(identityFile, clientKey.private, { mode: 0o600 });
  const knownHostsFile = join(dir, "known_hosts");
  writeFileSync(knownHostsFile, `${formatKnownHostsLine("127.0.0.1", sshd.port, hostKeyOf(hostKey.public))}\n`);
  ssh2.Client.prototype.connect = function (this: ssh2.Client, config: ssh2.ConnectConfig) {
    const result = originalConnect.call(this, config);
    (this as unknown as { _sock: Socket })._sock.on("data", (chunk: Buffer) => reads.push(chunk.length));
    return result;
  };
  try {
    transport = await connectNode(nodeFor(sshd.port, { identityFile, knownHostsFile }));
  } finally {
    ssh2.Client.prototype.connect = originalConnect;
  }
});

afterAll(async () => {
  await transport?.close();
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("a command whose confirmation, output, exit status, EOF and close arrive in one read", () => {
  it(`gets its exit status and all its output, ${RUNS} runs in a row`, async () => {
    const expected = Array.from({ length: 200 }, (_, i) => `line ${i + 1}\n`).join("");
    for (let run = 0; run < RUNS; run++) {
      const before = reads.length;
      const result = await transport.exec(`i=0; while [ $i -lt 200 ]; do i=$((i + 1)); echo "line $i"; done; echo "run ${run}" >&2; exit ${run % 7}`);
      const write = sshd.coalesced.at(-1);
      // The server sent it all in one write...
      expect(sshd.coalesced).toHaveLength(run + 1);
      expect(write?.messages[0]).toBe("CHANNEL_SUCCESS");
      expect(write?.messages).toContain("CHANNEL_DATA");
      expect(write?.messages.slice(-3)).toEqual(["exit-status", "CHANNEL_EOF", "CHANNEL_CLOSE"]);
      // ...and the client read it in one: the channel's open confirmation, then that write whole.
      expect(reads.slice(before)).toEqual([expect.any(Number), write?.bytes]);
      expect({ code: result.code, signal: result.signal, stdout: result.stdout, stderr: result.stderr }).toEqual({ code: run % 7, signal: null, stdout: expected, stderr: `run ${run}\n` });
    }
  });

  it("the kill command of a cancellation, answered in one read, reports that it stopped the command", async () => {
    for (let run = 0; run < 10; run++) {
      const controller = new AbortController();
      const pending = transport.exec("sleep 30", { signal: controller.signal });
      // The marker (the process group to kill) is the command's first output.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const writes = sshd.coalesced.length;
      controller.abort();
      const error = await pending.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RemoteCommandError);
      expect((error as RemoteCommandError).message).toBe("node n1: `sleep 30` was cancelled and stopped");
      expect(sshd.coalesced).toHaveLength(writes + 1);
      expect(sshd.coalesced.at(-1)?.messages[0]).toBe("CHANNEL_SUCCESS");
      expect(sshd.coalesced.at(-1)?.messages.slice(-3)).toEqual(["exit-status", "CHANNEL_EOF", "CHANNEL_CLOSE"]);
    }
  });
});
