/**
 * The pull mode of `reconcile watch --git URL --ref main --path cluster.yaml`: the declared
 * commit fetched with the git CLI (no library: the user's git, its ssh and credential setup, the
 * protocols it speaks inside the air gap) into a bare repository in reconcile's cache, and each
 * fetched commit's files checked out in a folder of their own, `checkouts/<commit>`, that appears
 * whole or not at all. Nothing here decides whether a commit is applied: the watch loop validates
 * the spec in the checkout first.
 *
 * Every git command is an argument vector (never a shell string), bounded in time, with
 * `GIT_TERMINAL_PROMPT=0` and ssh in batch mode so a missing credential fails instead of waiting
 * for a prompt that nobody will answer.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { join, posix } from "node:path";
import { ReconcileError, ioReason } from "../errors.js";
import { SpawnFailure, runLocalProcess, type LocalProcessResult } from "./local-process.js";

export interface GitSourceOptions {
  url: string;
  ref: string;
  /** spec path inside the repository */
  path: string;
  /** cache folder owned by reconcile, e.g. <cache>/git/<sha256(url)> */
  cacheDir: string;
  signal?: AbortSignal;
  /** bound for each git command, default 120_000 */
  timeoutMs?: number;
  env?: Readonly<Record<string, string | undefined>>;
}

export interface GitRevision {
  commit: string;
  /** first line of the commit message */
  subject: string;
  /** folder holding exactly that commit's files (a checkout made for it) */
  dir: string;
  /** absolute path of the spec file in `dir` */
  specFile: string;
}

/**
 * A git command failed, timed out or could not run, or the fetched commit lacks the spec file.
 * `command` is the git command as typed (URL passwords shown as `(sensitive)`); `stderr` is git's own.
 */
export class GitSourceError extends ReconcileError {
  readonly command: string | null;
  readonly stderr: string;
  constructor(message: string, options: { command?: string; stderr?: string; hint?: string; cause?: unknown } = {}) {
    super(message, { ...(options.hint === undefined ? {} : { hint: options.hint }), ...(options.cause === undefined ? {} : { cause: options.cause }) });
    this.command = options.command ?? null;
    this.stderr = options.stderr ?? "";
  }
}

/** Default bound of one git command. */
export const GIT_TIMEOUT_MS = 120_000;
/** Where the fetched commit is kept in the cache's repository (never a branch of anyone's). */
export const FETCHED_REF = "refs/reconcile/fetched";
const HEX_COMMIT = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * The cache folder of one repository under `root`: `<root>/<sha256(url), 16 hex>`, so watches of
 * two repositories never share a bare repository (whose `origin` is the URL).
 */
export function gitCacheDir(root: string, url: string): string {
  return join(root, createHash("sha256").update(url).digest("hex").slice(0, 16));
}

/**
 * `url` with the password of its user part hidden: `https://bot:(sensitive)@git.lan/ops.git`.
 * What goes into messages, logs and metrics; the real URL goes to git only.
 */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, "$1:(sensitive)@");
}

/** The password in `url`'s user part, if any (to be hidden from git's own messages as well). */
function urlSecret(url: string): string | null {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/@:]*:([^/@]+)@/i.exec(url);
  return m?.[1] ?? null;
}

/**
 * The spec path as a clean path inside the repository, or the reason it is not one. Git's tree
 * paths are always POSIX.
 */
export function repoPath(path: string): { path: string } | { problem: string } {
  const clean = posix.normalize(path.replace(/\\/g, "/"));
  if (path.trim() === "" || clean === "." || clean.endsWith("/")) return { problem: `--path must name a file in the repository, not ${JSON.stringify(path)}` };
  if (posix.isAbsolute(clean) || clean === ".." || clean.startsWith("../")) return { problem: `--path must be relative to the repository's top folder and stay inside it, not ${JSON.stringify(path)}` };
  return { path: clean.replace(/^\.\//, "") };
}

/**
 * Variables that point git at another repository, index or object store (set when reconcile runs
 * from inside a git hook): the cache's own are given on each command line instead.
 */
const REPOSITORY_VARIABLES = new Set(["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE"]);

/** The environment every git command runs with: no prompt, ssh in batch mode, English messages. */
export function gitEnv(env: Readonly<Record<string, string | undefined>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env ?? {})) if (v !== undefined && !REPOSITORY_VARIABLES.has(k)) out[k] = v;
  out.GIT_TERMINAL_PROMPT = "0";
  out.LC_ALL = "C";
  // A key with a passphrase or an unknown host key fails at once instead of asking.
  if (out.GIT_SSH_COMMAND === undefined && out.GIT_SSH === undefined) out.GIT_SSH_COMMAND = "ssh -o BatchMode=yes";
  return out;
}

/**
 * One repository at one ref, fetched on demand. Calls of {@link GitSource.fetch} and
 * {@link GitSource.prune} are serialized: the second waits for the first (a poll and a
 * file-triggered run may overlap in the watch loop).
 *
 * Cache layout: `cacheDir/repo.git` (bare, made in a temp folder and renamed into place), and
 * `cacheDir/checkouts/<commit>` per fetched commit (checked out in `checkouts/.tmp-*` with an index
 * of its own, then renamed), so a folder named after a commit always holds all of its files.
 *
 * @example
 * const source = new GitSource({ url: "ssh://git@git.lan/ops.git", ref: "main", path: "cluster.yaml", cacheDir, env });
 * const rev = await source.fetch(); // { commit, subject, dir, specFile }
 * await source.prune([rev.commit, liveCommit]);
 */
export class GitSource {
  readonly #options: GitSourceOptions;
  readonly #path: string;
  readonly #repo: string;
  readonly #checkouts: string;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: GitSourceOptions) {
    const path = repoPath(options.path);
    if ("problem" in path) throw new GitSourceError(`git source ${redactUrl(options.url)}: ${path.problem}`);
    if (options.ref.trim() === "" || options.ref.startsWith("-")) throw new GitSourceError(`git source ${redactUrl(options.url)}: --ref must name a branch, tag or full ref, not ${JSON.stringify(options.ref)}`);
    if (options.url.startsWith("-")) throw new GitSourceError(`git source: the URL may not start with "-" (${JSON.stringify(redactUrl(options.url))})`);
    this.#options = options;
    this.#path = path.path;
    this.#repo = join(options.cacheDir, "repo.git");
    this.#checkouts = join(options.cacheDir, "checkouts");
  }

  /**
   * git fetch (clone --bare the first time) of `ref` into the cache, then a checkout of the fetched
   * commit in its own folder (reused when it exists); throws a ReconcileError (GitSourceError)
   * naming the git command and git's own stderr on failure or timeout.
   */
  fetch(): Promise<GitRevision> {
    return this.#serialized(() => this.#fetch());
  }

  /** removes checkouts of other commits than `keep` */
  prune(keep: readonly string[]): Promise<void> {
    return this.#serialized(() => this.#prune(new Set(keep)));
  }

  #serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work, work);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #fetch(): Promise<GitRevision> {
    const { ref } = this.#options;
    await this.#ensureRepo();
    // No --prune: with a command-line refspec it deletes FETCHED_REF itself (no ref of that name
    // exists upstream) and the update then fails on a second fetch. --no-tags: only `ref` is wanted.
    await this.#git(["fetch", "--no-tags", "origin", `+${ref}:${FETCHED_REF}`], `fetch ref ${ref}`, {
      hint: "check the URL, that the ref exists there, and that this machine can reach it without a prompt (ssh keys without a passphrase or an agent, a credential helper for http)",
    });
    const commit = (await this.#git(["rev-parse", "--verify", "--quiet", `${FETCHED_REF}^{commit}`], `read the commit of ref ${ref}`)).stdout.trim();
    if (!HEX_COMMIT.test(commit)) throw new GitSourceError(`git source ${this.#where()}: ref ${ref} does not point at a commit (git rev-parse said ${JSON.stringify(commit)})`);
    const subject = (await this.#git(["show", "-s", "--format=%s", commit], `read commit ${commit.slice(0, 12)}`)).stdout.replace(/\n$/, "");
    await this.#checkSpecPath(commit);
    const dir = await this.#checkout(commit);
    return { commit, subject, dir, specFile: join(dir, ...this.#path.split("/")) };
  }

  /** The spec file must be a file (or a link) in that commit, not missing and not a folder. */
  async #checkSpecPath(commit: string): Promise<void> {
    const args = ["--git-dir", this.#repo, "cat-file", "-t", `${commit}:${this.#path}`];
    const r = await this.#run(args);
    const type = r.stdout.trim();
    if (r.exitCode === 0 && type === "blob") return;
    throw new GitSourceError(
      r.exitCode === 0
        ? `git source ${this.#where()}: ${this.#path} is a ${type === "tree" ? "folder" : type} in commit ${commit}, not a file`
        : `git source ${this.#where()}: commit ${commit} has no file ${this.#path}`,
      { command: this.#shown(args), stderr: this.#hide(r.stderr), hint: "check --path (relative to the repository's top folder) and what the commit holds" },
    );
  }

  /** The bare repository, made whole in a temp folder the first time. */
  async #ensureRepo(): Promise<void> {
    if (await exists(join(this.#repo, "HEAD"))) return;
    await this.#mkdir(this.#options.cacheDir);
    const temp = join(this.#options.cacheDir, `.repo-${randomBytes(6).toString("hex")}.git`);
    try {
      await this.#git(["init", "--quiet", "--bare", temp], "create the cache repository", { bare: false });
      await this.#git(["--git-dir", temp, "config", "remote.origin.url", this.#options.url], "set the cache repository's origin", { bare: false });
      try {
        await rename(temp, this.#repo);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
        // Another process made it first: theirs is as good. A folder without HEAD is a broken leftover.
        if (await exists(join(this.#repo, "HEAD"))) return await rm(temp, { recursive: true, force: true });
        await rm(this.#repo, { recursive: true, force: true });
        await rename(temp, this.#repo);
      }
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      if (error instanceof ReconcileError) throw error;
      throw new GitSourceError(`git source ${this.#where()}: cannot create the cache repository in ${this.#options.cacheDir}: ${ioReason(error)}`, { cause: error });
    }
  }

  /** `checkouts/<commit>`, reused when there, else checked out beside it and renamed into place. */
  async #checkout(commit: string): Promise<string> {
    const dir = join(this.#checkouts, commit);
    if (await exists(dir)) return dir;
    await this.#mkdir(this.#checkouts);
    const temp = join(this.#checkouts, `.tmp-${commit.slice(0, 12)}-${randomBytes(6).toString("hex")}`);
    const index = `${temp}.index`;
    try {
      await this.#mkdir(temp);
      // An index of its own: the cache repository's is never touched, and two checkouts cannot mix.
      await this.#git(["--work-tree", temp, "read-tree", "--reset", "-u", commit], `check out commit ${commit.slice(0, 12)}`, { extraEnv: { GIT_INDEX_FILE: index } });
      await rename(temp, dir);
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      if (error instanceof ReconcileError) throw error;
      // Another process made the same checkout first: theirs is as good.
      if (await exists(dir)) return dir;
      throw new GitSourceError(`git source ${this.#where()}: cannot place the checkout of ${commit} in ${this.#checkouts}: ${ioReason(error)}`, { cause: error });
    } finally {
      await rm(index, { force: true });
    }
    return dir;
  }

  async #prune(keep: ReadonlySet<string>): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.#checkouts);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw new GitSourceError(`git source ${this.#where()}: cannot list ${this.#checkouts}: ${ioReason(error)}`, { cause: error });
    }
    // Leftovers of an interrupted checkout (.tmp-*) go too: calls are serialized, so none is under way.
    for (const name of names.filter((n) => !keep.has(n))) {
      try {
        await rm(join(this.#checkouts, name), { recursive: true, force: true });
      } catch (error) {
        throw new GitSourceError(`git source ${this.#where()}: cannot remove the old checkout ${join(this.#checkouts, name)}: ${ioReason(error)}`, { cause: error });
      }
    }
  }

  async #mkdir(dir: string): Promise<void> {
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      throw new GitSourceError(`git source ${this.#where()}: cannot create ${dir}: ${ioReason(error)}`, { cause: error });
    }
  }

  /** Runs git against the cache repository (unless `bare: false`); a non-zero exit is a GitSourceError. */
  async #git(args: readonly string[], what: string, options: { bare?: boolean; hint?: string; extraEnv?: Record<string, string> } = {}): Promise<LocalProcessResult> {
    const full = options.bare === false ? args : ["--git-dir", this.#repo, ...args];
    const r = await this.#run(full, options.extraEnv);
    if (r.exitCode === 0 && !r.timedOut) return r;
    const how = r.timedOut ? `did not finish within ${this.#timeout() < 1000 ? `${this.#timeout()} ms` : `${this.#timeout() / 1000} s`} and was stopped` : r.exitCode === null ? `was killed (${r.signal})` : `exited with ${r.exitCode}`;
    const said = this.#hide(r.stderr).trim();
    throw new GitSourceError(`git source ${this.#where()}: cannot ${what}: \`${this.#shown(full)}\` ${how}${said === "" ? "" : `: ${gitSaid(said)}`}`, {
      command: this.#shown(full),
      stderr: said,
      ...(options.hint === undefined ? {} : { hint: options.hint }),
    });
  }

  /** Runs git with `full` as its arguments; rejects only when it cannot start or the run was cancelled. */
  async #run(full: readonly string[], extraEnv: Record<string, string> = {}): Promise<LocalProcessResult> {
    try {
      return await runLocalProcess("git", full, {
        timeoutMs: this.#timeout(),
        env: { ...gitEnv(this.#options.env ?? process.env), ...extraEnv },
        ...(this.#options.signal === undefined ? {} : { signal: this.#options.signal }),
      });
    } catch (error) {
      if (!(error instanceof SpawnFailure)) throw error; // the cancellation's reason, as it came
      throw new GitSourceError(
        error.code === "ENOENT" ? `git source ${this.#where()}: git is not installed on this machine (\`${this.#shown(full)}\`)` : `git source ${this.#where()}: cannot run \`${this.#shown(full)}\`: ${error.code ?? error.message}`,
        { command: this.#shown(full), ...(error.code === "ENOENT" ? { hint: "install it (`apt-get install git`); watch --git uses the git command line" } : {}) },
      );
    }
  }

  #timeout(): number {
    return this.#options.timeoutMs ?? GIT_TIMEOUT_MS;
  }

  #where(): string {
    return `${redactUrl(this.#options.url)} (ref ${this.#options.ref})`;
  }

  /** The command as a person would type it, secrets hidden. */
  #shown(args: readonly string[]): string {
    return this.#hide(["git", ...args].map((a) => (/^[\w@%+=:,./^{}-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" "));
  }

  #hide(text: string): string {
    const secret = urlSecret(this.#options.url);
    return redactUrl(secret === null ? text : text.split(secret).join("(sensitive)"));
  }
}

/** What git said that matters: its `fatal:`/`error:` lines, else its last few lines. */
export function gitSaid(stderr: string): string {
  const lines = stderr.split("\n").filter((l) => l.trim() !== "");
  const errors = lines.filter((l) => /^(fatal|error):/.test(l));
  return (errors.length > 0 ? errors : lines.slice(-3)).join("; ").slice(0, 1000);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
