/** A Transport that runs commands with the local `sh`: for tests of remote scripts without a node. */
import { spawn } from "node:child_process";
import type { ExecOptions, ExecResult, Transport } from "../../src/executors/transport.js";

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

  forward(): never {
    throw new Error("LocalTransport has no tunnels");
  }

  files(): never {
    throw new Error("LocalTransport has no SFTP");
  }

  async close(): Promise<void> {}
}
