/**
 * transferArtifact against a local stand-in for a node: commands run with `sh -c` on this machine
 * (the store under a temp dir), SFTP writes go to local files, with knobs to slow them down or
 * break them. The real thing (OpenSSH, sudo, a 64 MB file) is test/e2e/transfer.test.ts.
 */
import { execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, statSync, symlinkSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RemoteCommandError, RemoteFileError } from "../../src/errors.js";
import { isTransient } from "../../src/state-machine/actors.js";
import { shellQuote } from "../../src/facts/shell.js";
import type { ExecOptions, ExecResult, RemoteFiles, Transport } from "../../src/executors/transport.js";
import { TransferError, transferArtifact } from "../../src/executors/transfer.js";
import type { TransferProgress } from "../../src/executors/transfer-progress.js";
import { parsePrepare, parseVerify, prepareCommand, sha256Into, verifyCommand, type TransferTarget } from "../../src/executors/transfer-protocol.js";
import { tempDir } from "../helpers/cli.js";

const sha = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/** A local "node": exec is `sh -c` (with its stdin), SFTP is the local file system. */
class LocalNode implements Transport {
  readonly node = "n1";
  readonly commands: string[] = [];
  /** Bytes written through SFTP. */
  written = 0;
  /** Delay before each write is acknowledged. */
  writeDelayMs = 0;
  /** Called before each write; may corrupt or throw. */
  beforeWrite: ((position: number, length: number) => void) | undefined;

  /**
   * Answers a command instead of running it: stdout text, or an exit code with stderr. It gets the
   * command line and its stdin (where scripts travel: `sh -s`).
   */
  answer: ((command: string) => string | { code: number; stderr: string } | undefined) | undefined;

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    this.commands.push(command);
    const canned = this.answer?.(`${command}\n${options.stdin?.toString() ?? ""}`);
    if (canned !== undefined) {
      const r = typeof canned === "string" ? { code: 0, stdout: canned, stderr: "" } : { ...canned, stdout: "" };
      return Promise.resolve({ ...r, signal: null, stdoutTruncated: false, stderrTruncated: false, durationMs: 0 });
    }
    return new Promise((resolve, reject) => {
      const child = spawn("sh", ["-c", command], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const onAbort = () => {
        child.kill("SIGKILL");
        reject(new RemoteCommandError(this.node, "aborted", "cancelled"));
      };
      options.signal?.addEventListener("abort", onAbort, { once: true });
      child.on("close", (code, signal) => {
        options.signal?.removeEventListener("abort", onAbort);
        resolve({ code, signal, stdout, stderr, stdoutTruncated: false, stderrTruncated: false, durationMs: 0 });
      });
      child.stdin.on("error", () => undefined);
      child.stdin.end(options.stdin ?? "");
    });
  }

  forward(): never {
    throw new Error("not here");
  }

  async files(): Promise<RemoteFiles> {
    const handles = new Map<string, number>();
    let nextHandle = 0;
    const fdOf = (h: Buffer) => handles.get(h.toString()) ?? -1;
    const later = <T>(work: () => T, ms = 0) => new Promise<T>((resolve, reject) => setTimeout(() => {
      try {
        resolve(work());
      } catch (e) {
        reject(e as Error);
      }
    }, ms));
    return {
      open: (path, flags) =>
        later(() => {
          const fd = openSync(path, flags);
          const h = Buffer.from(String(nextHandle++));
          handles.set(h.toString(), fd);
          return h;
        }),
      write: (h, buf, off, len, pos) => {
        // Like ssh2, the data is copied before the call returns.
        const data = Buffer.from(buf.subarray(off, off + len));
        return later(() => {
          this.beforeWrite?.(pos, len);
          writeSync(fdOf(h), data, 0, len, pos);
          this.written += len;
        }, this.writeDelayMs);
      },
      truncate: (h, size) => later(() => ftruncateSync(fdOf(h), size)),
      close: (h) =>
        later(() => {
          closeSync(fdOf(h));
          handles.delete(h.toString());
        }),
    };
  }

  async close(): Promise<void> {}
}

function setup(size = 2 * 1024 * 1024 + 123) {
  const dir = tempDir();
  const data = randomBytes(size);
  const localPath = join(dir, "artifact");
  writeFileSync(localPath, data);
  const root = join(dir, "node-root");
  const digest = sha(data);
  const target: TransferTarget = { root, sha256: digest, localPath, bytes: size };
  const part = join(root, "store", ".incoming", `${digest}.part`);
  const final = join(root, "store", ".incoming", digest);
  return { dir, data, localPath, root, digest, target, part, final, node: new LocalNode() };
}

const tuning = { chunkSize: 32 * 1024, concurrency: 8 };

describe("transferArtifact (local stand-in for a node)", () => {
  it("uploads into .incoming/<sha>.part, verifies, renames, and reports progress up to the total", async () => {
    const t = setup();
    const events: TransferProgress[] = [];
    const r = await transferArtifact(t.node, t.target, { tuning, onProgress: (e) => events.push(e) });
    expect(r).toEqual({ skipped: false, resumedFrom: 0, sent: t.data.length, restarted: false });
    expect(sha(readFileSync(t.final))).toBe(t.digest);
    expect(existsSync(t.part)).toBe(false);
    expect((statSync(t.final).mode & 0o777).toString(8)).toBe("644");
    expect(events.at(-1)).toMatchObject({ node: "n1", sent: t.data.length, total: t.data.length });
    expect(events.map((e) => e.sent)).toEqual([...events.map((e) => e.sent)].sort((a, b) => a - b));
  });

  it("skips a node that has the finished upload or the store folder", async () => {
    const t = setup();
    await transferArtifact(t.node, t.target, { tuning });
    const written = t.node.written;
    expect(await transferArtifact(t.node, t.target, { tuning })).toEqual({ skipped: true, resumedFrom: 0, sent: 0, restarted: false });

    const u = setup();
    mkdirSync(join(u.root, "store", u.digest), { recursive: true });
    writeFileSync(join(u.root, "store", u.digest, ".complete"), "");
    expect((await transferArtifact(u.node, u.target, { tuning })).skipped).toBe(true);
    expect(u.node.written).toBe(0);
    expect(t.node.written).toBe(written);
  });

  it("checks `.complete` of storeSha256 when the store folder has another name (deb sets)", async () => {
    const t = setup();
    const store = "a".repeat(64);
    mkdirSync(join(t.root, "store", store), { recursive: true });
    writeFileSync(join(t.root, "store", store, ".complete"), "");
    expect((await transferArtifact(t.node, { ...t.target, storeSha256: store }, { tuning })).skipped).toBe(true);
  });

  it("an abort stops promptly, leaves the acknowledged prefix as .part, and the next call resumes from it", async () => {
    const t = setup();
    t.node.writeDelayMs = 2;
    const controller = new AbortController();
    const attempt = transferArtifact(t.node, t.target, {
      tuning,
      signal: controller.signal,
      onProgress: (e) => e.sent >= e.total * 0.4 && controller.abort(),
    });
    await expect(attempt).rejects.toSatisfy((e) => e instanceof RemoteCommandError && e.reason === "aborted" && /stays for the next transfer/.test(e.message));
    const kept = statSync(t.part).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(t.data.length);
    expect(readFileSync(t.part).equals(t.data.subarray(0, kept))).toBe(true);

    t.node.writeDelayMs = 0;
    const r = await transferArtifact(t.node, t.target, { tuning });
    expect(r).toEqual({ skipped: false, resumedFrom: kept, sent: t.data.length - kept, restarted: false });
    expect(sha(readFileSync(t.final))).toBe(t.digest);
  });

  it("an already aborted signal sends nothing", async () => {
    const t = setup();
    const error = await transferArtifact(t.node, t.target, { tuning, signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: "aborted" });
    expect(t.node.written).toBe(0);
  });

  it("the rate of a resumed upload counts only this run's bytes, and none is given before half a second", async () => {
    const t = setup(2 * 1024 * 1024);
    mkdirSync(join(t.root, "store", ".incoming"), { recursive: true });
    writeFileSync(t.part, t.data.subarray(0, 1024 * 1024));
    // 8 writes of 32 KiB per 200 ms: about 1.25 MiB/s, so the second MiB takes about 0.8 s.
    t.node.writeDelayMs = 200;
    const started = performance.now();
    const seen: { ms: number; event: TransferProgress }[] = [];
    await transferArtifact(t.node, t.target, { tuning, onProgress: (event) => seen.push({ ms: performance.now() - started, event }) });
    expect(seen.every(({ event }) => event.resumedFrom === 1024 * 1024)).toBe(true);
    const early = seen.filter(({ ms }) => ms < 450);
    const late = seen.filter(({ ms }) => ms > 650);
    expect(early.length).toBeGreaterThan(0);
    expect(early.every(({ event }) => event.bytesPerSecond === 0)).toBe(true);
    expect(late.length).toBeGreaterThan(0);
    for (const { event } of late) {
      expect(event.bytesPerSecond).toBeGreaterThan(0);
      // Counting the resumed MiB as if sent now would give 2 MiB/s and more.
      expect(event.bytesPerSecond).toBeLessThan(1.8 * 1024 * 1024);
    }
  });

  it("a .part that is already whole is only verified and renamed", async () => {
    const t = setup();
    mkdirSync(join(t.root, "store", ".incoming"), { recursive: true });
    writeFileSync(t.part, t.data);
    expect(await transferArtifact(t.node, t.target, { tuning })).toEqual({ skipped: false, resumedFrom: t.data.length, sent: 0, restarted: false });
    expect(t.node.written).toBe(0);
    expect(sha(readFileSync(t.final))).toBe(t.digest);
  });

  it("starts over when the .part is bigger than the file", async () => {
    const t = setup();
    mkdirSync(join(t.root, "store", ".incoming"), { recursive: true });
    writeFileSync(t.part, Buffer.alloc(t.data.length + 10));
    const r = await transferArtifact(t.node, t.target, { tuning });
    expect(r).toMatchObject({ resumedFrom: 0, sent: t.data.length });
    expect(sha(readFileSync(t.final))).toBe(t.digest);
  });

  it("a damaged .part fails the sha256 check after resuming; the file is sent again from zero", async () => {
    const t = setup();
    mkdirSync(join(t.root, "store", ".incoming"), { recursive: true });
    const prefix = Buffer.from(t.data.subarray(0, 1024 * 1024));
    prefix.write("garbage", 1000);
    writeFileSync(t.part, prefix);
    const r = await transferArtifact(t.node, t.target, { tuning });
    expect(r).toEqual({ skipped: false, resumedFrom: prefix.length, sent: t.data.length - prefix.length + t.data.length, restarted: true });
    expect(sha(readFileSync(t.final))).toBe(t.digest);
  });

  it("a full upload that does not verify deletes the .part and throws, naming node and digest", async () => {
    const t = setup();
    // Bytes that are not what the digest says, as if damaged on the way.
    const wrong = { ...t.target, sha256: "b".repeat(64) };
    const error = await transferArtifact(t.node, wrong, { tuning }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferError);
    expect((error as TransferError).reason).toBe("mismatch");
    expect((error as TransferError).message).toMatch(/^node n1: /);
    expect((error as TransferError).message).toContain("b".repeat(64));
    expect((error as TransferError).message).toContain(`it has sha256 ${t.digest}`);
    expect(existsSync(join(t.root, "store", ".incoming", `${"b".repeat(64)}.part`))).toBe(false);
  });

  it("a write error keeps the acknowledged prefix and says the next run resumes", async () => {
    const t = setup();
    t.node.beforeWrite = (position) => {
      if (position >= 1024 * 1024) throw new Error("Failure");
    };
    const error = await transferArtifact(t.node, t.target, { tuning }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferError);
    expect((error as TransferError).reason).toBe("failed");
    expect((error as TransferError).message).toMatch(/broke at [\d.]+ (B|KiB|MiB) of [\d.]+ MiB: Failure/);
    const kept = statSync(t.part).size;
    expect(kept).toBeLessThanOrEqual(1024 * 1024);
    expect(readFileSync(t.part).equals(t.data.subarray(0, kept))).toBe(true);
  });

  it("an SFTP failure on a full file system is reported as no space, with how much is free and needed, and resumes once there is room", async () => {
    const t = setup();
    t.node.beforeWrite = (position) => {
      if (position >= 1024 * 1024) throw new RemoteFileError("n1", "failure", "cannot write to the upload: the node's SFTP server reports a failure");
    };
    // The node's df: 12 KiB free on the file system mounted at the store.
    t.node.answer = (command) => (command.includes("df -Pk") ? `${t.root}/store/.incoming\ntmpfs 51200 51188 12 100% ${t.root}/store\n` : undefined);
    const error = await transferArtifact(t.node, { ...t.target, label: "prefect-env" }, { tuning }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferError);
    expect((error as TransferError).reason).toBe("space");
    expect((error as TransferError).message).toMatch(new RegExp(`^node n1: no space left on the node for the upload of prefect-env: the file system mounted at ${t.root}/store has 12.0 KiB free, [\\d.]+ (KiB|MiB) more are needed \\(stopped at [\\d.]+ (KiB|MiB) of 2.0 MiB\\)$`));
    expect((error as TransferError).hint).toMatch(/^free space on .* or grow it; the upload resumes from [\d.]+ (KiB|MiB) once there is room \(unpacking it needs room too: `reconcile plan` says how much\)$/);
    // Not retried as if the connection had dropped.
    expect(isTransient(error)).toBe(false);
    t.node.beforeWrite = undefined;
    t.node.answer = undefined;
    const resumed = await transferArtifact(t.node, t.target, { tuning });
    expect(resumed.resumedFrom).toBeGreaterThan(0);
    expect(sha(readFileSync(t.final))).toBe(t.digest);
  });

  it("a command that fails for lack of space says so in words, with a hint", async () => {
    const t = setup();
    t.node.answer = (command) => (command.includes("mkdir -p") ? { code: 1, stderr: "mkdir: cannot create directory 'x': No space left on device\n" } : undefined);
    const error = await transferArtifact(t.node, { ...t.target, label: "prefect-env" }, { tuning }).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: "space" });
    expect((error as TransferError).message).toContain("cannot prepare the upload of prefect-env under");
    expect((error as TransferError).message).toContain("no space left on the node's disk (mkdir: cannot create directory 'x': No space left on device)");
    expect((error as TransferError).hint).toContain("free space on the node");
  });

  it("refuses a local file that is not the size staged", async () => {
    const t = setup();
    const error = await transferArtifact(t.node, { ...t.target, bytes: 5 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: "local" });
    expect(t.node.commands).toEqual([]);
  });

  it("an empty file is verified and renamed without any write", async () => {
    const t = setup(0);
    const r = await transferArtifact(t.node, t.target, { tuning });
    expect(r).toMatchObject({ skipped: false, sent: 0 });
    expect(existsSync(t.final)).toBe(true);
  });
});

describe("command builders", () => {
  const target: TransferTarget = { root: "/opt/my prefect", sha256: "c".repeat(64), localPath: "/x", bytes: 42 };

  it("quote paths and refuse what is not a digest", () => {
    expect(prepareCommand(target)).toContain(`'/opt/my prefect/store/.incoming/${"c".repeat(64)}.part'`);
    expect(verifyCommand(target)).toContain(`'/opt/my prefect/store/.incoming/${"c".repeat(64)}'`);
    expect(() => prepareCommand({ ...target, sha256: "../../etc" })).toThrow(/not a sha256/);
  });

  it("parse the answers", () => {
    expect(parsePrepare("complete\n")).toEqual({ state: "complete" });
    expect(parsePrepare("incoming\n")).toEqual({ state: "incoming" });
    expect(parsePrepare("part 1234\n")).toEqual({ state: "part", bytes: 1234 });
    expect(parsePrepare("what\n")).toBeNull();
    expect(parseVerify("ok\n")).toEqual({ ok: true });
    expect(parseVerify(`mismatch ${"d".repeat(64)}\n`)).toEqual({ ok: false, why: `it has sha256 ${"d".repeat(64)}` });
    expect(parseVerify("size 3\n")).toEqual({ ok: false, why: "it has 3 bytes" });
    expect(parseVerify("?")).toBeNull();
  });

  it("hash with openssl, or with sha256sum where openssl is missing or fails", () => {
    const dir = tempDir();
    const file = join(dir, "it's here");
    const data = randomBytes(100_000);
    writeFileSync(file, data);
    const bin = join(dir, "bin");
    mkdirSync(bin);
    // A PATH without openssl (sh, sha256sum and friends by symlink), and one whose openssl fails.
    for (const tool of ["sh", "sha256sum", "cat"]) symlinkSync(execFileSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).trim(), join(bin, tool));
    const broken = join(dir, "broken");
    mkdirSync(broken);
    writeFileSync(join(broken, "openssl"), "#!/bin/sh\necho 'openssl: FIPS says no' >&2\nexit 1\n", { mode: 0o755 });
    // And one whose openssl is the real one, noting that it was used.
    const noting = join(dir, "noting");
    mkdirSync(noting);
    const real = execFileSync("sh", ["-c", "command -v openssl"], { encoding: "utf8" }).trim();
    writeFileSync(join(noting, "openssl"), `#!/bin/sh\necho used > ${join(dir, "openssl-used")}\nexec ${real} "$@"\n`, { mode: 0o755 });
    const script = `${sha256Into("got", shellQuote(file))}\nprintf '%s' "$got"`;
    const path = process.env.PATH ?? "/usr/bin:/bin";
    for (const p of [`${noting}:${path}`, bin, `${broken}:${path}`]) {
      expect(execFileSync("/bin/sh", ["-c", script], { encoding: "utf8", env: { PATH: p } })).toBe(sha(data));
    }
    expect(readFileSync(join(dir, "openssl-used"), "utf8")).toBe("used\n");
  });
});
