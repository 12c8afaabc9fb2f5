/**
 * The pure readings behind the fault messages: what a failed command's stderr means, what `df`
 * says about free space, what an SFTP status means. Fixture tables; the free-space command also
 * runs for real with `sh`.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConnectError, RemoteFileError } from "../../src/errors.js";
import { explainRemoteFailure } from "../../src/executors/remote-failure.js";
import { mapSftpError } from "../../src/executors/ssh-errors.js";
import { parseSpace, spaceCommand } from "../../src/executors/transfer-protocol.js";
import { tempDir } from "../helpers/cli.js";

describe("explainRemoteFailure", () => {
  it.each([
    ["tar: ./lib/x.so: Cannot write: No space left on device", "no-space"],
    ["cp: error writing 'x': Disk quota exceeded", "no-space"],
    ["mkdir: cannot create directory '/opt/p': Read-only file system", "read-only"],
    ["dpkg: error: error reading x: Input/output error", "io-error"],
    ["mv: cannot move 'a' to 'b': Permission denied", "permission-denied"],
    ["sh: 1: cannot open /x: No such file or directory", "no-such-file"],
    // psql on Debian 13, PostgreSQL stopped (seen on the test bed): the socket is missing, the database is the cause.
    ['psql: error: connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: No such file or directory | \tIs the server running locally and accepting connections on that socket?', "database-down"],
    ['psql: error: connection to server at "127.0.0.1", port 5432 failed: Connection refused', "database-down"],
    ['psql: error: connection to server at "127.0.0.1", port 5432 failed: FATAL:  password authentication failed for user "prefect"', "database-auth"],
    // A full disk makes later commands miss files too: the full disk is the cause.
    ["tar: x: Cannot write: No space left on device\nmv: cannot stat 'x': No such file or directory", "no-space"],
  ])("%j → %s", (stderr, status) => {
    expect(explainRemoteFailure(stderr)?.status).toBe(status);
  });

  it("knows nothing of other failures", () => {
    expect(explainRemoteFailure("Job for prefect-server.service failed because the control process exited")).toBeNull();
    expect(explainRemoteFailure("")).toBeNull();
  });
});

describe("free space on the node", () => {
  it.each([
    ["/opt/prefect/store/.incoming\ntmpfs 51200 51188 12 100% /opt/prefect/store\n", { availableBytes: 12 * 1024, mount: "/opt/prefect/store" }],
    ["/opt/my prefect/store\n/dev/sda1 41152736 12000000 27039084 31% /\n", { availableBytes: 27039084 * 1024, mount: "/" }],
    // A file system name and a mount point holding spaces.
    ["/mnt/big disk/store\nmy nas:/export 1000 10 990 1% /mnt/big disk\n", { availableBytes: 990 * 1024, mount: "/mnt/big disk" }],
  ])("reads %j", (stdout, expected) => {
    expect(parseSpace(stdout)).toEqual(expected);
  });

  it("gives null for output it cannot read", () => {
    expect(parseSpace("")).toBeNull();
    expect(parseSpace("/x\ndf: /x: No such file or directory\n")).toBeNull();
  });

  it("measures the nearest existing folder of a path that does not exist yet", () => {
    const dir = tempDir();
    const r = spawnSync("sh", ["-c", spaceCommand(join(dir, "not yet", "store", ".incoming"))], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe(dir);
    expect(parseSpace(r.stdout)?.availableBytes).toBeGreaterThan(0);
  });
});

describe("mapSftpError", () => {
  it.each([
    [2, "no-such-file", "cannot open /x: no such file or folder"],
    [3, "permission-denied", "cannot open /x: permission denied"],
    [4, "failure", "cannot open /x: the node's SFTP server reports a failure (a full disk, a read-only or failing file system)"],
    [8, "unsupported", "cannot open /x: the node's SFTP server does not support it"],
    [99, "other", "cannot open /x: an unknown SFTP error"],
  ])("status %i is %s", (code, status, message) => {
    const error = mapSftpError("n2", "open /x", Object.assign(new Error(""), { code }));
    expect(error).toBeInstanceOf(RemoteFileError);
    expect((error as RemoteFileError).status).toBe(status);
    expect(error.message).toBe(`node n2: ${message}`);
  });

  it("keeps what the node said when it says more than the status", () => {
    expect(mapSftpError("n2", "open /x", Object.assign(new Error("Quota exceeded for user"), { code: 4 })).message).toContain("(the node says: Quota exceeded for user)");
  });

  it("a session that ended under a pending request is a lost connection (retried), not a refusal", () => {
    const error = mapSftpError("n2", "write to the upload at 0", new Error("No response from server"));
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).category).toBe("closed");
  });
});
