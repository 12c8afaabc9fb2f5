/**
 * runScript, the one way scripts run on a node: `sh -s` with the script on stdin and the script's
 * own input embedded as a here-document. Run for real with the local `sh` (LocalTransport), and
 * once over the SSH transport against the fake server.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { execFileSync } from "node:child_process";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { RemoteCommandError } from "../../src/errors.js";
import { formatKnownHostsLine } from "../../src/executors/known-hosts.js";
import { writeFileScript } from "../../src/executors/steps/files.js";
import { SCRIPT_COMMAND, StepError, runScript, runScriptOrThrow, scriptInput, shellBlock, stderrTail } from "../../src/executors/remote-script.js";
import { connectNode } from "../../src/executors/ssh-transport.js";
import type { ExecOptions, ExecResult } from "../../src/executors/transport.js";
import { LocalTransport } from "../helpers/local-transport.js";
import { FakeSshd, hostKeyOf, keyPair, nodeFor } from "./fake-sshd.js";

/** The local `sh` as a node, recording every command line and its options. */
class Recording extends LocalTransport {
  readonly calls: { command: string; options: ExecOptions }[] = [];
  override exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    this.calls.push({ command, options });
    return super.exec(command, options);
  }
}

const temp = mkdtempSync(join(tmpdir(), "reconcile-script-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));
const me = userInfo().username;
const group = execFileSync("id", ["-gn"], { encoding: "utf8" }).trim();
/** Content that would break a naive here-document or command line. */
const TRICKY = "A=\"x y\"\nEOF\nRECONCILE_STDIN\n$(touch /tmp/never)\n'\u00e9\\\nno newline at the end";

function logSink() {
  const lines: string[] = [];
  const logger = pino({ level: "debug" }, new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) }));
  return { logger, lines, entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe("runScript", () => {
  it("sends the script on stdin to `sh -s`, never on the command line, and returns a failing exit as its result", async () => {
    const t = new Recording("n1");
    const r = await runScript(t, { step: "try", script: "echo out\necho err >&2\nexit 3" });
    expect(r).toMatchObject({ code: 3, stdout: "out\n", stderr: "err\n" });
    expect(t.calls).toHaveLength(1);
    expect(t.calls[0]?.command).toBe(SCRIPT_COMMAND);
    expect(t.calls[0]?.command).toBe("sh -s");
    expect(t.calls[0]?.options).toMatchObject({ step: "try", stdin: scriptInput("echo out\necho err >&2\nexit 3") });
  });

  it("gives a script that reads its stdin exactly the bytes given, and runs the lines after the read", async () => {
    const t = new LocalTransport("n1");
    const path = join(temp, "tricky.env");
    const r = await runScript(t, { step: "write", script: `${writeFileScript(path, "0600", me, group, join(temp, "journal"))}\necho written`, stdin: TRICKY });
    expect(r.stderr).toBe("");
    expect(r).toMatchObject({ code: 0, stdout: "written\n" });
    expect(readFileSync(path, "utf8")).toBe(TRICKY);
    // Binary input, NUL bytes and all, comes through unchanged.
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const copy = join(temp, "bytes");
    expect((await runScript(t, { step: "copy", script: `cat > '${copy}'`, stdin: bytes })).code).toBe(0);
    expect(readFileSync(copy).equals(bytes)).toBe(true);
  });

  it("a script without input reads end-of-file: a command that reads stdin neither eats the script nor waits", async () => {
    const t = new LocalTransport("n1");
    const r = await runScript(t, { step: "read", script: "cat\nread -r line || echo 'read got EOF'\necho still here", timeoutMs: 5_000 });
    expect(r).toMatchObject({ code: 0, stdout: "read got EOF\nstill here\n" });
  });

  it("runs any shell: quotes, its own here-documents, case patterns, set -e, and exit codes from the middle", async () => {
    const t = new LocalTransport("n1");
    const script = [
      "set -e",
      `printf '%s|' "a b" 'it'"'"'s'`,
      "cat <<'EOF'",
      "inner $HOME",
      "EOF",
      `case x in x) echo matched ;; esac`,
      "false",
      "echo never",
    ].join("\n");
    const r = await runScript(t, { step: "shell", script });
    expect(r).toMatchObject({ code: 1, stdout: "a b|it's|inner $HOME\nmatched\n" });
    expect((await runScript(t, { step: "exit", script: "echo before; exit 42\necho after" })).code).toBe(42);
    expect((await runScript(t, { step: "exit", script: "exit 0\nfalse", stdin: "ignored" })).code).toBe(0);
  });

  it("passes the signal and the timeout to the transport", async () => {
    const t = new Recording("n1");
    const controller = new AbortController();
    await runScript(t, { step: "quick", script: "true", signal: controller.signal, timeoutMs: 1234 });
    expect(t.calls[0]?.options).toMatchObject({ signal: controller.signal, timeoutMs: 1234 });
  });

  it("logs one line per script with node, step, duration and exit code, never the script or its input", async () => {
    const { logger, lines, entries } = logSink();
    const t = new LocalTransport("n7");
    await runScript(t, { step: "record state", script: "cat >/dev/null; echo 'SECRET_IN_SCRIPT' >/dev/null; exit 4", stdin: "hunter2", log: logger, logFields: (r) => ({ extra: r.code }) });
    expect(entries()).toEqual([expect.objectContaining({ level: 30, event: "remote", node: "n7", step: "record state", durationMs: expect.any(Number), exitCode: 4, extra: 4, msg: "remote command" })]);
    expect(lines.join("")).not.toContain("hunter2");
    expect(lines.join("")).not.toContain(Buffer.from("hunter2").toString("base64"));
    expect(lines.join("")).not.toContain("SECRET_IN_SCRIPT");
  });

  it("a command that fails to run is logged with its step and rejects as the transport did", async () => {
    const { logger, entries } = logSink();
    const error = new RemoteCommandError("n1", "timeout", "`x` timed out after 1 s and was stopped");
    const t = { node: "n1", exec: () => Promise.reject(error) } as unknown as LocalTransport;
    await expect(runScript(t, { step: "verify", script: "sleep 9", log: logger })).rejects.toBe(error);
    expect(entries()).toEqual([expect.objectContaining({ event: "remote", node: "n1", step: "verify", error: error.message, msg: "remote command failed" })]);
  });
});

describe("runScriptOrThrow", () => {
  it("returns the result of a script that exits 0", async () => {
    expect((await runScriptOrThrow(new LocalTransport("n1"), { step: "ok", script: "echo fine" })).stdout).toBe("fine\n");
  });

  it("turns a non-zero exit into the step's error: node, step, exit code, the last lines of stderr", async () => {
    const error = await runScriptOrThrow(new LocalTransport("n2"), { step: "rollback", script: "echo one >&2; echo two >&2; echo >&2; echo three >&2; echo four >&2; exit 5" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepError);
    expect((error as StepError).message).toBe("node n2: rollback failed: exit 5: two | three | four");
    expect((error as StepError).node).toBe("n2");
    expect((error as StepError).step).toBe("rollback");
    expect((error as StepError).hint).toBeUndefined();
  });

  it("says a known cause in words, with its hint", async () => {
    const error = (await runScriptOrThrow(new LocalTransport("n3"), { step: "record state", script: "echo 'cp: error writing x: No space left on device' >&2; exit 1" }).catch((e: unknown) => e)) as StepError;
    expect(error.message).toBe("node n3: record state failed: no space left on the node's disk: exit 1: cp: error writing x: No space left on device");
    expect(error.hint).toContain("free space on the node");
  });

  it("names the part that failed when the output tells it, and leaves reconcile's markers out of the message", async () => {
    const script = "echo broken >&2; echo '@@reconcile-step-failed n/configure/two' >&2; exit 1";
    const error = (await runScriptOrThrow(new LocalTransport("n1"), { step: "configure: one, two", script, failedStep: () => "configure two" }).catch((e: unknown) => e)) as StepError;
    expect(error.message).toBe("node n1: configure two failed: exit 1: broken");
  });
});

describe("the text sh -s reads", () => {
  it("a script without input runs in a subshell reading /dev/null", () => {
    expect(scriptInput("echo hi")).toBe("(\necho hi\n) </dev/null\n");
  });

  it("input travels as a base64 here-document, 76 characters a line", () => {
    expect(shellBlock("cat", "A=1\n", "T_0")).toBe("(\nbase64 -d | (\ncat\n)\n) <<'T_0'\nQT0xCg==\nT_0");
    const long = shellBlock("cat", Buffer.alloc(100, 1), "T_0").split("\n");
    expect(long.slice(5, -1).map((l) => l.length)).toEqual([76, 60]);
  });

  it("stderrTail keeps the last three lines that say something, without markers", () => {
    expect(stderrTail("a\nb\n\n@@reconcile-x y\nc\n  \nd\n")).toBe("b | c | d");
    expect(stderrTail("")).toBe("");
  });
});

describe("over the SSH transport", () => {
  it("a script with input runs through the real wrapper (setsid, process group marker) and gets it", async () => {
    const hostKey = keyPair();
    const clientKey = keyPair();
    const sshd = await FakeSshd.start({ hostKeys: [hostKey], user: "deploy", authorizedKeys: [clientKey.public] });
    const identityFile = join(temp, "id");
    const knownHostsFile = join(temp, "known_hosts");
    writeFileSync(identityFile, clientKey.private, { mode: 0o600 });
    writeFileSync(knownHostsFile, `${formatKnownHostsLine("127.0.0.1", sshd.port, hostKeyOf(hostKey.public))}\n`);
    const transport = await connectNode(nodeFor(sshd.port, { identityFile, knownHostsFile }));
    try {
      const r = await runScriptOrThrow(transport, { step: "echo input", script: "cat\necho done >&2", stdin: TRICKY });
      expect(r).toMatchObject({ code: 0, stdout: TRICKY, stderr: "done\n" });
      expect(sshd.commands.at(-1)).toMatch(/^exec setsid -w sh -c '.*' reconcile 'sh -s'$/s);
      expect(sshd.commands.join("\n")).not.toContain("echo done");
    } finally {
      await transport.close();
      await sshd.stop();
    }
  });
});
