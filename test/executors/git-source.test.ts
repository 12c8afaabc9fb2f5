/**
 * The git pull source against real git and local temp repositories (no network): the first fetch,
 * a new commit seen, errors naming the command and git's words, checkouts reused and pruned.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { ReconcileError } from "../../src/errors.js";
import { GitSource, GitSourceError, gitCacheDir, gitEnv, redactUrl, repoPath, type GitSourceOptions } from "../../src/executors/git-source.js";
import { tempDir } from "../helpers/cli.js";

const ENV = { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: "/nonexistent", GIT_CONFIG_NOSYSTEM: "1" };
let dir: string;
let upstream: string;

/** git in the upstream work tree, as a person would run it. */
function git(...args: string[]): string {
  return execFileSync("git", args, { cwd: upstream, env: { ...ENV, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" }, encoding: "utf8" }).trim();
}

function commit(files: Record<string, string>, message: string): string {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(upstream, path, ".."), { recursive: true });
    writeFileSync(join(upstream, path), text);
  }
  git("add", "--all");
  git("commit", "--quiet", "-m", message);
  return git("rev-parse", "HEAD");
}

function source(over: Partial<GitSourceOptions> = {}): GitSource {
  return new GitSource({ url: upstream, ref: "main", path: "cluster.yaml", cacheDir: join(dir, "cache"), env: ENV, ...over });
}

beforeEach(() => {
  dir = tempDir("reconcile-git-");
  upstream = join(dir, "upstream");
  mkdirSync(upstream);
  git("init", "--quiet", "--initial-branch=main");
});

describe("GitSource.fetch", () => {
  it("clones the ref into a bare cache and checks the commit out in its own folder", async () => {
    const c1 = commit({ "cluster.yaml": "one\n", "flows/etl/main.py": "x = 1\n" }, "first version\n\nwith a body");
    const rev = await source().fetch();
    expect(rev).toEqual({ commit: c1, subject: "first version", dir: join(dir, "cache", "checkouts", c1), specFile: join(dir, "cache", "checkouts", c1, "cluster.yaml") });
    expect(readFileSync(rev.specFile, "utf8")).toBe("one\n");
    expect(readFileSync(join(rev.dir, "flows/etl/main.py"), "utf8")).toBe("x = 1\n");
    expect(existsSync(join(dir, "cache", "repo.git", "HEAD"))).toBe(true);
    // Exactly the commit's files: no .git, no temp folder or index left beside it.
    expect(readdirSync(rev.dir).sort()).toEqual(["cluster.yaml", "flows"]);
    expect(readdirSync(join(dir, "cache", "checkouts"))).toEqual([c1]);
    expect(readdirSync(join(dir, "cache")).sort()).toEqual(["checkouts", "repo.git"]);
  });

  it("sees a new commit pushed to the ref, and keeps the old checkout as it was", async () => {
    const s = source();
    const c1 = commit({ "cluster.yaml": "one\n" }, "one");
    const first = await s.fetch();
    const c2 = commit({ "cluster.yaml": "two\n" }, "two");
    const second = await s.fetch();
    expect(second.commit).toBe(c2);
    expect(second.subject).toBe("two");
    expect(readFileSync(second.specFile, "utf8")).toBe("two\n");
    expect(readFileSync(first.specFile, "utf8")).toBe("one\n");
    expect(first.commit).toBe(c1);
  });

  it("follows a tag, a full ref and a file:// URL", async () => {
    const c1 = commit({ "cluster.yaml": "one\n" }, "one");
    git("tag", "-a", "-m", "release", "v1");
    commit({ "cluster.yaml": "two\n" }, "two");
    expect((await source({ ref: "v1", cacheDir: join(dir, "a") }).fetch()).commit).toBe(c1);
    expect((await source({ ref: "refs/tags/v1", cacheDir: join(dir, "b") }).fetch()).commit).toBe(c1);
    expect((await source({ url: `file://${upstream}`, ref: "refs/heads/main", cacheDir: join(dir, "c") }).fetch()).subject).toBe("two");
  });

  it("a ref that does not exist: a GitSourceError naming the command and git's words", async () => {
    commit({ "cluster.yaml": "one\n" }, "one");
    const error = await source({ ref: "nosuch" }).fetch().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitSourceError);
    const e = error as GitSourceError;
    expect(e.message).toContain(`git source ${upstream} (ref nosuch): cannot fetch ref nosuch:`);
    expect(e.message).toContain("git --git-dir");
    expect(e.message).toContain("fetch --no-tags origin +nosuch:refs/reconcile/fetched` exited with 128");
    expect(e.message).toContain("couldn't find remote ref nosuch");
    expect(e.stderr).toContain("fatal: couldn't find remote ref nosuch");
    expect(e.hint).toMatch(/the ref exists/);
  });

  it("a repository that is not there fails the same way", async () => {
    const s = source({ url: join(dir, "missing") });
    const error = await s.fetch().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitSourceError);
    expect((error as Error).message).toMatch(/does not appear to be a git repository|not a git repository|No such file/i);
  });

  it("a commit without the spec file: the error names the commit and the path; a folder is not a file either", async () => {
    const c1 = commit({ "other.yaml": "x\n" }, "no spec");
    const error = await source().fetch().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitSourceError);
    expect((error as Error).message).toBe(`git source ${upstream} (ref main): commit ${c1} has no file cluster.yaml`);
    // Nothing checked out for a commit that cannot be used.
    expect(existsSync(join(dir, "cache", "checkouts", c1))).toBe(false);
    commit({ "deploy/cluster.yaml/x": "x\n" }, "a folder");
    const folder = await source({ path: "deploy/cluster.yaml" }).fetch().catch((e: unknown) => e);
    expect((folder as Error).message).toMatch(/deploy\/cluster\.yaml is a folder in commit [0-9a-f]{40}, not a file/);
  });

  it("reuses the checkout of a commit it has already (a file changed in it stays: the folder is not made again)", async () => {
    commit({ "cluster.yaml": "one\n" }, "one");
    const s = source();
    const first = await s.fetch();
    writeFileSync(join(first.dir, "marker"), "kept");
    const again = await s.fetch();
    expect(again).toEqual(first);
    expect(readFileSync(join(again.dir, "marker"), "utf8")).toBe("kept");
  });

  it("serializes concurrent calls: both fetches see one consistent checkout", async () => {
    const c1 = commit({ "cluster.yaml": "one\n" }, "one");
    const s = source();
    const [a, b] = await Promise.all([s.fetch(), s.fetch()]);
    expect(a.commit).toBe(c1);
    expect(b).toEqual(a);
    expect(readdirSync(join(dir, "cache", "checkouts"))).toEqual([c1]);
  });

  it("a git command past its bound is stopped and named", async () => {
    commit({ "cluster.yaml": "one\n" }, "one");
    // An ssh URL whose "ssh" sleeps: the fetch hangs until the bound stops it.
    const error = await source({ url: "ssh://git.invalid/repo.git", timeoutMs: 300, env: { ...ENV, GIT_SSH_COMMAND: "sleep 5 #" } })
      .fetch()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitSourceError);
    expect((error as Error).message).toContain("fetch --no-tags origin +main:refs/reconcile/fetched` did not finish within 300 ms and was stopped");
  });

  it("an aborted fetch rejects with the signal's reason", async () => {
    commit({ "cluster.yaml": "one\n" }, "one");
    const controller = new AbortController();
    const reason = new Error("stop");
    const fetching = source({ url: "ssh://git.invalid/repo.git", signal: controller.signal, env: { ...ENV, GIT_SSH_COMMAND: "sleep 5 #" } }).fetch();
    setTimeout(() => controller.abort(reason), 200);
    await expect(fetching).rejects.toBe(reason);
  });
});

describe("GitSource.prune", () => {
  it("removes the checkouts of other commits and leftovers, keeps the named ones", async () => {
    const s = source();
    const c1 = commit({ "cluster.yaml": "one\n" }, "one");
    await s.fetch();
    const c2 = commit({ "cluster.yaml": "two\n" }, "two");
    await s.fetch();
    const c3 = commit({ "cluster.yaml": "three\n" }, "three");
    await s.fetch();
    mkdirSync(join(dir, "cache", "checkouts", ".tmp-abandoned"));
    await s.prune([c3, c1]);
    expect(readdirSync(join(dir, "cache", "checkouts")).sort()).toEqual([c1, c3].sort());
    expect(c2).not.toBe(c3);
    // A pruned commit is checked out again when it is fetched again.
    await s.prune([]);
    expect(readdirSync(join(dir, "cache", "checkouts"))).toEqual([]);
    expect(readFileSync((await s.fetch()).specFile, "utf8")).toBe("three\n");
  });

  it("does nothing before the first fetch", async () => {
    await expect(source().prune([])).resolves.toBeUndefined();
  });
});

describe("options and helpers", () => {
  it.each([
    ["cluster.yaml", "cluster.yaml"],
    ["./deploy/cluster.yaml", "deploy/cluster.yaml"],
    ["deploy//x/../cluster.yaml", "deploy/cluster.yaml"],
  ])("repoPath(%j) is %j", (given, clean) => {
    expect(repoPath(given)).toEqual({ path: clean });
  });

  it.each(["", ".", "/etc/passwd", "../x.yaml", "deploy/"])("repoPath(%j) is refused, and so is a GitSource with it", (given) => {
    expect(repoPath(given)).toHaveProperty("problem");
    expect(() => source({ path: given })).toThrow(GitSourceError);
  });

  it("refuses a ref or a URL that git would read as an option", () => {
    expect(() => source({ ref: "--upload-pack=x" })).toThrow(/--ref must name a branch/);
    expect(() => source({ url: "--upload-pack=x" })).toThrow(ReconcileError);
  });

  it("hides a URL's password", () => {
    expect(redactUrl("https://bot:s3cret@git.lan/ops.git")).toBe("https://bot:(sensitive)@git.lan/ops.git");
    expect(redactUrl("ssh://git@git.lan/ops.git")).toBe("ssh://git@git.lan/ops.git");
    expect(redactUrl("/srv/git/ops")).toBe("/srv/git/ops");
  });

  it("an error never shows the password of the URL", async () => {
    const error = await source({ url: "http://bot:s3cret@127.0.0.1:1/ops.git", timeoutMs: 10_000 }).fetch().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitSourceError);
    expect(`${(error as Error).message} ${(error as GitSourceError).stderr} ${(error as GitSourceError).command}`).not.toContain("s3cret");
    expect((error as Error).message).toContain("http://bot:(sensitive)@127.0.0.1:1/ops.git");
  });

  it("gitEnv: no prompts, ssh in batch mode unless the user set their own ssh, no other repository's variables", () => {
    expect(gitEnv({ PATH: "/bin", X: undefined, GIT_DIR: "/elsewhere/.git", GIT_INDEX_FILE: "/elsewhere/index" })).toEqual({ PATH: "/bin", GIT_TERMINAL_PROMPT: "0", LC_ALL: "C", GIT_SSH_COMMAND: "ssh -o BatchMode=yes" });
    expect(gitEnv({ GIT_SSH_COMMAND: "ssh -i k", GIT_TERMINAL_PROMPT: "1" })).toEqual({ GIT_SSH_COMMAND: "ssh -i k", GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" });
  });
});

describe("the cache", () => {
  it("replaces a broken leftover repository (a folder without HEAD) on the first fetch", async () => {
    const c1 = commit({ "cluster.yaml": "one\n" }, "one");
    mkdirSync(join(dir, "cache", "repo.git", "objects"), { recursive: true });
    expect((await source().fetch()).commit).toBe(c1);
    expect(existsSync(join(dir, "cache", "repo.git", "HEAD"))).toBe(true);
  });
});

describe("gitCacheDir", () => {
  it("one folder per repository URL, stable", () => {
    const a = gitCacheDir("/c/git", "file:///srv/a.git");
    expect(a).toMatch(/^\/c\/git\/[0-9a-f]{16}$/);
    expect(gitCacheDir("/c/git", "file:///srv/a.git")).toBe(a);
    expect(gitCacheDir("/c/git", "file:///srv/b.git")).not.toBe(a);
  });
});
