/** Waiting for something on a test-bed node, for e2e tests of services that take a while to come up. */
import { shellQuote } from "../../src/facts/shell.js";
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

/**
 * A shell command that makes an HTTP request from a node with its python3, TLS verified with `ca`,
 * and prints `<status> <body>`. `auth` is Basic `user:password`, or null for none.
 */
export function requestCommand(url: string, ca: string, auth: string | null, method = "GET", body: string | null = null): string {
  return `python3 -c ${shellQuote(`
import base64, ssl, sys, urllib.error, urllib.request
req = urllib.request.Request(${JSON.stringify(url)}, method=${JSON.stringify(method)}, data=${body === null ? "None" : `${JSON.stringify(body)}.encode()`}, headers={"Content-Type": "application/json"})
auth = ${auth === null ? "None" : JSON.stringify(auth)}
if auth: req.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
try:
    r = urllib.request.urlopen(req, timeout=10, context=ssl.create_default_context(cafile=${JSON.stringify(ca)}))
    print(r.status, r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
`)}`;
}
