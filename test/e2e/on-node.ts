/** Waiting for something on a test-bed node, for e2e tests of services that take a while to come up. */
import { sshExec } from "../testbed/testbed.mjs";

/** Runs `command` on `node` until it succeeds (or `seconds` pass, then throws with its last error); its output. */
export async function until(node: string, command: string, seconds: number): Promise<string> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const r = await sshExec(node, command);
    if (r.code === 0) return r.stdout.trim();
    if (Date.now() > deadline) throw new Error(`${node}: ${command} still failing after ${seconds} s: ${r.stderr.trim().split("\n").at(-1)}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
