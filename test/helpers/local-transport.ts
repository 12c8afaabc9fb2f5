/**
 * A Transport that runs commands with the local `sh`, writes "SFTP" files on the local file
 * system and "forwards" to local TCP ports: for tests of remote scripts, uploads and API clients
 * without a node.
 */
import { spawn } from "node:child_process";
import { open, type FileHandle } from "node:fs/promises";
import { connect } from "node:net";
import type { Duplex } from "node:stream";
import type { ExecOptions, ExecResult, RemoteFiles, Transport } from "../../src/executors/transport.js";

export class LocalTransport implements Transport {
  constructor(readonly node = "local") {}

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const child = spawn("sh", ["-c", command], { stdio: ["pipe", "pipe", "pipe"], ...(options.signal === undefined ? {} : { signal: options.signal }) });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("close", (code, signal) =>
        resolve({ code, signal, stdout, stderr, stdoutTruncated: false, stderrTruncated: false, durationMs: performance.now() - started }),
      );
      // A command that does not read its stdin closes it early: not an error.
      child.stdin.on("error", () => undefined);
      child.stdin.end(options.stdin ?? "");
    });
  }

  /** Tunnels opened so far. */
  forwards = 0;

  /** A TCP connection to host:port on this machine, like a channel the node forwards. */
  forward(port: number, host = "127.0.0.1"): Promise<Duplex> {
    this.forwards++;
    return new Promise((resolve, reject) => {
      const socket = connect(port, host);
      socket.once("connect", () => resolve(socket));
      socket.once("error", reject);
    });
  }

  async files(): Promise<RemoteFiles> {
    const handles = new Map<string, FileHandle>();
    let next = 0;
    const of = (h: Buffer) => {
      const f = handles.get(h.toString());
      if (f === undefined) throw new Error("not an open handle");
      return f;
    };
    return {
      open: async (path, flags) => {
        const h = Buffer.from(String(next++));
        handles.set(h.toString(), await open(path, flags));
        return h;
      },
      write: async (h, buffer, offset, length, position) => {
        // Like ssh2, the data is copied before the call returns: the caller may reuse the buffer.
        const data = Buffer.from(buffer.subarray(offset, offset + length));
        await of(h).write(data, 0, length, position);
      },
      truncate: (h, size) => of(h).truncate(size),
      close: async (h) => {
        await of(h).close();
        handles.delete(h.toString());
      },
    };
  }

  async close(): Promise<void> {}
}
