/**
 * trust, facts and plan through the real binary against local fakes: a TCP port that accepts and
 * never answers (a hung node), and the fake sshd of the transport tests (real SSH protocol).
 * Run `npm run build` first.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BIN, tempDir, type CliResult } from "../helpers/cli.js";
import { FakeSshd, hostKeyOf, keyPair, type KeyPair } from "../executors/fake-sshd.js";

const sha = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const ENV_TAR = "pretend this is a tar of an environment\n";
/** The controller's login key, written into every project. */
export const CLIENT_KEY: KeyPair = keyPair();

/** A one-node project whose node is 127.0.0.1:`port`; valid under --strict. */
export function project(port: number, extraSsh = ""): string {
  const dir = tempDir();
  mkdirSync(join(dir, "artifacts"));
  writeFileSync(join(dir, "artifacts", "prefect.tar"), ENV_TAR);
  writeFileSync(join(dir, "id_ed25519"), CLIENT_KEY.private, { mode: 0o600 });
  writeFileSync(
    join(dir, "cluster.yaml"),
    `apiVersion: reconcile/v1
kind: PrefectCluster
metadata: {name: remote-test}
ssh:
  identityFile: id_ed25519
  connectTimeout: 30s${extraSsh}
nodes:
  - name: node-1
    address: 127.0.0.1
    ssh: {port: ${port}}
artifacts:
  prefect-env: {kind: tar, source: artifacts/prefect.tar, sha256: ${sha(ENV_TAR)}}
server:
  node: node-1
  prefect: {env: prefect-env}
  database: {type: sqlite}
`,
  );
  return dir;
}

interface Running {
  done: Promise<CliResult>;
  interrupt(): void;
}

/** The binary, asynchronously (the fakes live in this process, so spawnSync would starve them). */
export function start(args: string[], cwd: string, stdin: "ignore" | "pipe" = "ignore"): Running {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("RECONCILE_") && k !== "SSH_AUTH_SOCK") env[k] = v;
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: [stdin, "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  return { done, interrupt: () => child.kill("SIGINT") };
}

/** A "node" that accepts TCP connections and never says a word. */
async function silentNode(): Promise<{ server: Server; port: number; connected: Promise<void> }> {
  const sockets: Socket[] = [];
  let onConnect = () => {};
  const connected = new Promise<void>((resolve) => (onConnect = resolve));
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on("error", () => {});
    onConnect();
  });
  server.on("close", () => sockets.forEach((s) => s.destroy()));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port, connected };
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe("Ctrl-C", () => {
  it.each([
    ["plan", ["plan", "--json", "--out", "plan.json"]],
    ["facts", ["facts", "--json"]],
  ])("an interrupted %s prints no result, saves nothing and exits 130", async (_name, args) => {
    const node = await silentNode();
    cleanups.push(() => {
      node.server.close();
    });
    const dir = project(node.port);
    const run = start(args, dir);
    await node.connected;
    run.interrupt();
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("error: interrupted (SIGINT)\n");
    expect(existsSync(join(dir, "plan.json"))).toBe(false);
  });
});

describe("reconcile trust", () => {
  const hostKey = keyPair();
  const startSshd = async () => {
    const sshd = await FakeSshd.start({ hostKeys: [hostKey], user: "root", authorizedKeys: [CLIENT_KEY.public] });
    cleanups.push(() => void sshd.stop());
    return sshd;
  };

  it("keeps the comments, the other lines and the mode of an existing known_hosts", async () => {
    const sshd = await startSshd();
    const dir = project(sshd.port);
    const file = join(dir, "known_hosts");
    const before = "# cluster hosts, audited 2026-01\nother.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n";
    writeFileSync(file, before);
    chmodSync(file, 0o600);
    const r = await start(["trust", "--yes"], dir).done;
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const key = hostKeyOf(hostKey.public);
    expect(r.stdout).toContain(`${key.fingerprint}  new`);
    expect(readFileSync(file, "utf8")).toBe(`${before}[127.0.0.1]:${sshd.port} ${key.type} ${key.base64}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("a new known_hosts is 0644", async () => {
    const sshd = await startSshd();
    const dir = project(sshd.port);
    expect((await start(["trust", "--yes"], dir).done).code).toBe(0);
    expect(statSync(join(dir, "known_hosts")).mode & 0o777).toBe(0o644);
  });

  it("never records a key that known_hosts marks @revoked", async () => {
    const sshd = await startSshd();
    const dir = project(sshd.port);
    const file = join(dir, "known_hosts");
    const key = hostKeyOf(hostKey.public);
    const before = `@revoked [127.0.0.1]:${sshd.port} ${key.type} ${key.base64}\n`;
    writeFileSync(file, before);
    const r = await start(["trust", "--yes"], dir).done;
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${key.fingerprint}  REVOKED\n`);
    expect(r.stdout).toContain(`marked @revoked at ${file}:1`);
    expect(r.stdout).toContain("Nothing recorded.");
    expect(r.stderr).toContain("warning: node node-1: its host key is marked @revoked");
    expect(readFileSync(file, "utf8")).toBe(before);
  });
});
