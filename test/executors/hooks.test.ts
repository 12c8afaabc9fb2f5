/**
 * `--on-drift` / `--on-failure` hooks: a real `/bin/sh -c` with the report on stdin, bounded, its
 * whole process group stopped on a timeout or a cancellation.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { HookError, describeHookResult, runHook } from "../../src/executors/hooks.js";
import { OUTPUT_CAP_BYTES } from "../../src/executors/local-process.js";
import { tempDir } from "../helpers/cli.js";

let dir: string;
beforeEach(() => {
  dir = tempDir("reconcile-hook-");
});

/** Whether a process with this pid is still there (and not a zombie). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
}

describe("runHook", () => {
  it("gives the command the payload as one JSON line on stdin", async () => {
    const payload = { kind: "drift", drifted: 2, resources: [{ node: "w1", unit: "prefect-worker@etl.service" }] };
    const r = await runHook(`cat > ${join(dir, "got.json")}`, payload);
    expect(r).toMatchObject({ exitCode: 0, signal: null, timedOut: false, stdout: "", stderr: "" });
    expect(readFileSync(join(dir, "got.json"), "utf8")).toBe(`${JSON.stringify(payload)}\n`);
    expect(JSON.parse(readFileSync(join(dir, "got.json"), "utf8"))).toEqual(payload);
    expect(describeHookResult(r)).toBe("succeeded");
  });

  it("reports the exit code and captures both outputs", async () => {
    const r = await runHook("echo posted; echo 'chat said no' >&2; exit 3", {});
    expect(r).toMatchObject({ exitCode: 3, signal: null, timedOut: false, stdout: "posted\n", stderr: "chat said no\n" });
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
    expect(describeHookResult(r)).toBe("exited with 3");
  });

  it("a command that never reads its input is not a failure (no EPIPE)", async () => {
    const r = await runHook("exit 0", { big: "x".repeat(1024 * 1024) });
    expect(r.exitCode).toBe(0);
  });

  it("runs with the environment and working folder given", async () => {
    const r = await runHook('printf "%s %s" "$CHAT_URL" "$(pwd)"', null, { env: { PATH: "/usr/bin:/bin", CHAT_URL: "http://chat.lan/x" }, cwd: dir });
    expect(r.stdout).toBe(`http://chat.lan/x ${dir}`);
  });

  it("caps each output at 64 KiB", async () => {
    const r = await runHook("head -c 200000 /dev/zero | tr '\\0' a; head -c 100 /dev/zero | tr '\\0' b >&2", {});
    expect(r.exitCode).toBe(0);
    expect(r.stdout.length).toBe(OUTPUT_CAP_BYTES);
    expect(r.stderr).toBe("b".repeat(100));
  });

  it("past its timeout the whole process group is stopped (TERM), children included", async () => {
    const pidFile = join(dir, "child.pid");
    const started = Date.now();
    const r = await runHook(`sleep 5 & echo $! > ${pidFile}; wait`, {}, { timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(r.timedOut).toBe(true);
    expect(r).toMatchObject({ exitCode: null, signal: "SIGTERM" });
    expect(alive(Number(readFileSync(pidFile, "utf8")))).toBe(false);
    expect(describeHookResult(r)).toMatch(/^did not finish in time and was stopped/);
  });

  it("a command that ignores TERM gets KILL after the grace", async () => {
    const r = await runHook("trap '' TERM; sleep 5 & wait; sleep 5", {}, { timeoutMs: 200 });
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe("SIGKILL");
    expect(r.durationMs).toBeLessThan(4_500);
  });

  it("an abort stops the group and rejects with the signal's reason", async () => {
    const controller = new AbortController();
    const reason = new Error("SIGINT");
    const pidFile = join(dir, "child.pid");
    const running = runHook(`sleep 5 & echo $! > ${pidFile}; wait`, {}, { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 300);
    await expect(running).rejects.toBe(reason);
    expect(alive(Number(readFileSync(pidFile, "utf8")))).toBe(false);
  });

  it("an already aborted signal runs nothing", async () => {
    const controller = new AbortController();
    controller.abort(new Error("gone"));
    await expect(runHook(`touch ${join(dir, "ran")}`, {}, { signal: controller.signal })).rejects.toThrow("gone");
    expect(existsSync(join(dir, "ran"))).toBe(false);
  });

  it("a hook that cannot start is a HookError naming the command", async () => {
    const error = await runHook("true", {}, { cwd: join(dir, "missing") }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HookError);
    expect((error as Error).message).toBe(`cannot run the hook "true": no folder ${join(dir, "missing")} or no /bin/sh`);
  });
});
