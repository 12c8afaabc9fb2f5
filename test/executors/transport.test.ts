/**
 * The pure command builders: shellQuote, the process-group wrapper and the kill command, each
 * also run through a real /bin/sh so the quoting is proven, not only compared.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { killCommand, settleCommand, wrapCommand } from "../../src/executors/process-group.js";
import { shellQuote } from "../../src/executors/transport.js";

function sh(script: string, input?: string): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync("sh", ["-c", script], { input: input ?? "", encoding: "utf8" });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("shellQuote", () => {
  it.each([
    ["plain", "plain"],
    ["/opt/reconcile/envs/a-1.2_b", "/opt/reconcile/envs/a-1.2_b"],
    ["user@host:path,x=1+2%", "user@host:path,x=1+2%"],
    ["", "''"],
    ["two words", "'two words'"],
    ["it's", "'it'\\''s'"],
    ["''", "''\\'''\\'''"],
    ["$HOME", "'$HOME'"],
    ["a\nb", "'a\nb'"],
    ["*", "'*'"],
    ["-rf", "-rf"],
    ["~", "'~'"],
  ])("%j → %s", (input, expected) => {
    expect(shellQuote(input)).toBe(expected);
  });

  it.each(["plain", "", "two  spaces", "it's", "'\"'\"", "$(id) `id` ${x} \\ ; | & < > ( ) { } [ ] * ? ~ # !", "tab\there", "new\nline", "ünïcødé ✓", "-n", "--", "\\"])(
    "survives a real sh: %j",
    (input) => {
      expect(sh(`printf '%s' ${shellQuote(input)}`).stdout).toBe(input);
    },
  );

  it("refuses a NUL byte", () => {
    expect(() => shellQuote("a\0b")).toThrow("NUL");
  });
});

describe("wrapCommand", () => {
  it("has the documented shape", () => {
    expect(wrapCommand("true", { become: false })).toMatch(/^exec setsid -w sh -c '.*' reconcile true$/s);
    expect(wrapCommand("true", { become: true })).toMatch(/^exec sudo -n -- setsid -w sh -c '.*' reconcile true$/s);
  });

  it("reports the process group first on stderr, then runs the command with its output and exit code", () => {
    const result = sh(wrapCommand(`echo "it's $((6 * 7))"; echo oops >&2; read line; echo "got $line"; exit 5`, { become: false }), "hello\n");
    expect(result.code).toBe(5);
    expect(result.stdout).toBe("it's 42\ngot hello\n");
    // The marker (process group, then the node's boot id) comes first, then the command's own stderr.
    expect(result.stderr).toMatch(/^reconcile-pgid=\d+ [0-9a-f-]+\noops\n$/);
  });

  it("puts the command in its own process group, led by the reported pid", () => {
    const result = sh(wrapCommand("cut -d' ' -f5 /proc/$$/stat; echo $PPID", { become: false }));
    const pgid = /^reconcile-pgid=(\d+)/.exec(result.stderr)?.[1];
    const [group, parent] = result.stdout.trim().split("\n");
    expect(group).toBe(pgid);
    expect(parent).toBe(pgid);
    expect(Number(pgid)).not.toBe(process.pid);
  });

  it("works the same when started by a session leader, as sshd starts it (setsid forks and waits)", () => {
    // `setsid sh -c` makes the outer shell a session leader, like the shell sshd runs a command with.
    const result = spawnSync("setsid", ["sh", "-c", wrapCommand("cut -d' ' -f5 /proc/$$/stat; cat; exit 7", { become: false })], { input: "in\n", encoding: "utf8" });
    const pgid = /^reconcile-pgid=(\d+) [0-9a-f-]+\n$/.exec(result.stderr)?.[1];
    expect(result.status).toBe(7);
    expect(result.stdout).toBe(`${pgid}\nin\n`);
    expect(Number(pgid)).not.toBe(result.pid);
  });
});

/** Alive and not a zombie (a killed child stays a zombie until reaped). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

describe("killCommand", () => {
  it("refuses process groups that would hit everything", () => {
    for (const bad of [0, 1, -5, 1.5, Number.NaN]) expect(() => killCommand(bad, { become: false })).toThrow("refusing");
    expect(killCommand(4242, { become: true })).toMatch(/^exec sudo -n -- sh -c /);
  });

  it("settleCommand leaves a process group alone when the node booted since (its number may be another's)", () => {
    const child = spawn("setsid", ["sleep", "30"], { stdio: "ignore" });
    try {
      const pgid = child.pid ?? 0;
      const otherBoot = "00000000-0000-4000-8000-000000000000";
      expect(sh(settleCommand(pgid, { become: false, waitMs: 0, boot: otherBoot })).code).toBe(0);
      expect(running(pgid)).toBe(true);
      const thisBoot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
      expect(sh(settleCommand(pgid, { become: false, waitMs: 200, boot: thisBoot })).code).toBe(0);
      expect(running(pgid)).toBe(false);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("exits 0 when the group is already gone", () => {
    expect(sh(killCommand(2_000_000_000, { become: false })).code).toBe(0);
  });

  it("TERMs the group, and KILLs what ignores TERM after the grace", async () => {
    // The group ignores TERM, so only the KILL after the grace can end it.
    const child = spawn("setsid", ["sh", "-c", "trap '' TERM; sleep 30 & sleep 30; wait"], { stdio: "ignore" });
    const pgid = child.pid as number;
    await new Promise((r) => setTimeout(r, 200));
    const exited = new Promise((resolve) => child.once("exit", (_code, signal) => resolve(signal)));
    const started = Date.now();
    execFileSync("sh", ["-c", killCommand(pgid, { become: false })]);
    expect(await exited).toBe("SIGKILL");
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    const stillThere = execFileSync("sh", ["-c", `for f in /proc/[0-9]*/stat; do cat "$f" 2>/dev/null; echo; done`], { encoding: "utf8" })
      .split("\n")
      .filter((l) => l.includes(") ") && l.slice(l.lastIndexOf(") ") + 2).split(" ")[2] === String(pgid) && l.slice(l.lastIndexOf(") ") + 2)[0] !== "Z");
    expect(stillThere).toEqual([]);
  });
});
