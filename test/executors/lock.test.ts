/** The apply lock: the lease swap script run for real with `sh` (flock), and the local lock file. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConnectError } from "../../src/errors.js";
import { LocalLock, LockedError, RemoteLease, forceUnlock } from "../../src/executors/lock.js";
import { LocalTransport } from "../helpers/local-transport.js";

const T0 = Date.parse("2026-11-21T10:00:00Z");
const lockFile = () => join(mkdtempSync(join(tmpdir(), "reconcile-lock-")), "state", "lock.json");
const options = (file: string, over: Partial<Parameters<typeof RemoteLease.acquire>[1]> = {}) => ({
  holder: "alice",
  host: "controller-1",
  pid: 4242,
  ttlMs: 60_000,
  now: () => T0,
  file,
  ...over,
});
const t = new LocalTransport("server");

describe("RemoteLease", () => {
  it("takes a free lease and writes who holds it until when", async () => {
    const file = lockFile();
    const { lease, tookOver } = await RemoteLease.acquire(t, options(file));
    expect(tookOver).toBeNull();
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ holder: "alice", host: "controller-1", pid: 4242, startedAt: "2026-11-21T10:00:00.000Z", expiresAt: "2026-11-21T10:01:00.000Z" });
    await lease.release();
    expect(() => readFileSync(file)).toThrow();
  });

  it("refuses a second holder, naming the first", async () => {
    const file = lockFile();
    await RemoteLease.acquire(t, options(file));
    const error = await RemoteLease.acquire(t, options(file, { holder: "bob", host: "controller-2", pid: 7 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockedError);
    expect((error as LockedError).message).toBe(
      "the cluster (node server) is locked by alice on controller-1 (pid 4242) since 2026-11-21T10:00:00.000Z; the lease runs until 2026-11-21T10:01:00.000Z",
    );
    expect((error as LockedError).hint).toContain("reconcile unlock");
  });

  it("takes over an expired lease and says whose it was", async () => {
    const file = lockFile();
    await RemoteLease.acquire(t, options(file));
    const { tookOver } = await RemoteLease.acquire(t, options(file, { holder: "bob", now: () => T0 + 61_000 }));
    expect(tookOver?.holder).toBe("alice");
    expect(JSON.parse(readFileSync(file, "utf8")).holder).toBe("bob");
  });

  it("of two runs racing for an expired lease, exactly one wins", async () => {
    const file = lockFile();
    await RemoteLease.acquire(t, options(file));
    const late = T0 + 120_000;
    const results = await Promise.allSettled(["bob", "carol", "dave"].map((holder) => RemoteLease.acquire(t, options(file, { holder, now: () => late }))));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(LockedError);
  });

  it("renews its own lease, and a lease taken over cannot be renewed or released by the old holder", async () => {
    const file = lockFile();
    let now = T0;
    const { lease } = await RemoteLease.acquire(t, options(file, { now: () => now }));
    now += 30_000;
    await lease.renew();
    expect(JSON.parse(readFileSync(file, "utf8")).expiresAt).toBe("2026-11-21T10:01:30.000Z");
    await RemoteLease.acquire(t, options(file, { holder: "bob", now: () => now + 120_000 }));
    await expect(lease.renew()).rejects.toThrow("lost the apply lock to another run");
    await lease.release();
    expect(JSON.parse(readFileSync(file, "utf8")).holder).toBe("bob");
  });

  it("a renewal whose answer was lost (the node wrote it, the connection dropped) is adopted, not taken for another run's", async () => {
    const file = lockFile();
    let now = T0;
    const { lease } = await RemoteLease.acquire(t, options(file, { now: () => now }));
    // What the lost renewal left on the node: our own lease, with a later end.
    const ours = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    writeFileSync(file, `${JSON.stringify({ ...ours, expiresAt: "2026-11-21T10:01:20.000Z" })}\n`);
    now += 40_000;
    await lease.renew();
    expect(JSON.parse(readFileSync(file, "utf8")).expiresAt).toBe("2026-11-21T10:01:40.000Z");
    writeFileSync(file, `${JSON.stringify({ ...ours, expiresAt: "2026-11-21T10:01:50.000Z" })}\n`);
    await lease.release();
    expect(() => readFileSync(file)).toThrow();
  });

  it("a renewal that cannot reach the node is tried again, and reported only once the lease has run out", async () => {
    const file = lockFile();
    let now = T0;
    let reachable = true;
    const node = () => (reachable ? Promise.resolve(t) : Promise.reject(new ConnectError("server", "refused", "connection refused")));
    const { lease } = await RemoteLease.acquire(node, options(file, { now: () => now, ttlMs: 60_000 }));
    const errors: unknown[] = [];
    reachable = false;
    lease.keepAlive(20, (error) => errors.push(error));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(errors).toEqual([]);
    now += 61_000;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(String(errors[0])).toContain("the apply lock ran out: it could not be renewed for 60 s");
    reachable = true;
    await lease.release();
  });

  it("an unreadable lock file is never overwritten silently", async () => {
    const file = lockFile();
    await RemoteLease.acquire(t, options(file)).then(({ lease }) => lease.release());
    writeFileSync(file, "garbage\n");
    await expect(RemoteLease.acquire(t, options(file))).rejects.toThrow("is not readable as a lease");
    // Read as the lock fact reads it (plan warns about the same file): a pid must be a whole number above 0.
    writeFileSync(file, JSON.stringify({ holder: "x", host: "h", pid: 0, startedAt: "2026-01-01T00:00:00Z", expiresAt: "2026-01-01T00:01:00Z" }));
    await expect(RemoteLease.acquire(t, options(file))).rejects.toThrow("is not readable as a lease");
  });

  it("unlock removes whatever lease is there and reports it", async () => {
    const file = lockFile();
    await RemoteLease.acquire(t, options(file));
    expect((await forceUnlock(t, file))?.holder).toBe("alice");
    expect(await forceUnlock(t, file)).toBeNull();
  });
});

describe("LocalLock", () => {
  it("one holder at a time; a lock left by a dead process is taken over", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "reconcile-lock-")), "locks", "c.lock");
    const lock = await LocalLock.acquire(path);
    await expect(LocalLock.acquire(path)).rejects.toThrow(`another reconcile (pid ${process.pid}) is applying this cluster from this machine`);
    await lock.release();
    writeFileSync(path, "999999999\n");
    const again = await LocalLock.acquire(path);
    expect(readFileSync(path, "utf8")).toBe(`${process.pid}\n`);
    await again.release();
  });
});
