/**
 * What a node looks like, as gathered in one round trip. Every value is JSON-serializable: facts are
 * printed by `reconcile facts --json`, fingerprinted into saved plans and read by the pure planner.
 */

/** One fact's outcome: its parsed value, or why the output could not be understood. */
export type Fact<T> = { ok: true; value: T } | { ok: false; error: string };

export interface OsFact {
  /** `ID` of /etc/os-release: debian, ubuntu... */
  id: string;
  versionId: string;
  prettyName: string;
  /** `uname -m`: x86_64, aarch64... */
  arch: string;
  hostname: string;
  /** The user commands run as (after `become`). */
  user: string;
  /** `VERSION_CODENAME` of /etc/os-release (bookworm, trixie); absent when the node has none. */
  codename?: string;
  /** `dpkg --print-architecture` (amd64, arm64); absent on a node without dpkg. */
  debArch?: string;
}

/**
 * Free space where apply writes: the file systems that hold `<root>/store` (unpacked artifacts),
 * `<root>/store/.incoming` (uploads), `<root>/envs` (the links) and `/var/lib/reconcile` (state and
 * rollback journals). A place that does not exist yet is measured at its nearest existing parent,
 * which is where it will be created. Places on one file system share one entry, so its free space
 * is counted once.
 */
export interface DiskFact {
  /** One entry per distinct mount point, in the order of the places (store first); never empty. */
  filesystems: FilesystemFact[];
}

export interface FilesystemFact {
  /** Where the file system is mounted (`df -P`'s "Mounted on"), e.g. `/` or `/opt/prefect/store`. */
  mount: string;
  /** Bytes an unprivileged writer may still use (df's "Available", which leaves out reserved blocks). */
  availableBytes: number;
  totalBytes: number;
  /** The measured places it holds (paths as above, in place order): at least one. */
  holds: string[];
}

export interface StoreFact {
  /**
   * Digests under store/ that carry their `.complete` marker, sorted. A deep gathering leaves out
   * the corrupt ones: a folder whose content no longer matches is not one to use.
   */
  complete: string[];
  /** Uploads in progress under store/.incoming, with the bytes already there. */
  partial: { sha256: string; bytes: number }[];
  /** Uploads finished and verified (store/.incoming/<sha>), waiting for install, sorted. */
  uploaded: string[];
  /**
   * Deep only (`FactsRequest.deep`): marked folders whose content, hashed again, is not the digest
   * their `.complete` records (a file changed, removed or added), sorted. Absent when not deep.
   */
  corrupt?: string[];
  /**
   * Deep only: marked folders whose `.complete` records no digest (installed before digests were
   * recorded), so their content cannot be checked; a warning, not corruption. Sorted.
   */
  unverified?: string[];
}

/**
 * The server node's PostgreSQL, asked through psql as the `postgres` superuser: its roles and
 * databases, or `not-running` when psql is not installed, there is no `postgres` user, or the
 * server does not accept connections (a value, not an error: before the first apply it is so).
 */
export type PostgresFact =
  | { state: "running"; roles: string[]; databases: string[] }
  | { state: "not-running"; reason: string };

/** A managed path: absent, something other than what we manage, or present. */
export type FileFact =
  | { state: "absent" }
  | { state: "other"; type: string }
  | {
      state: "file";
      mode: string;
      owner: string;
      group: string;
      bytes: number;
      sha256: string;
      /** The text, for files that hold no secrets and are small; null otherwise. */
      content: string | null;
    };

/** A symlink we switch (envs/<name>, flows/<flow>). */
export type LinkFact = { state: "absent" } | { state: "other"; type: string } | { state: "link"; target: string };

export interface UnitFact {
  /** loaded, not-found, masked... */
  load: string;
  /** active, inactive, failed, activating... */
  active: string;
  sub: string;
  /** enabled, disabled, static, "" when unknown. */
  unitFileState: string;
}

export interface PackageFact {
  version: string;
  /** dpkg's two-letter status; "ii" is installed. */
  status: string;
}

export interface UserFact {
  uid: number;
  gid: number;
  home: string;
}

/** A resource reconcile put on the node, as recorded in its state file. */
export interface StateResource {
  /** The resource address: `file:/etc/prefect/worker.env`, `service:prefect-worker@etl.service`... */
  id: string;
  /** The generation that last changed it. */
  generation: number;
}

/** /var/lib/reconcile/state.json: what the last apply left on the node. */
export interface NodeState {
  version: 1;
  generation: number;
  cluster: string;
  /** sha256 of the cluster.yaml bytes the apply converged to. */
  specDigest: string;
  appliedAt: string;
  /**
   * The git commit that cluster.yaml came from, when the apply knew it (`watch --git`); absent
   * otherwise and in state files written before it was recorded.
   */
  revision?: string;
  resources: StateResource[];
}

/** /var/lib/reconcile/lock.json: the lease of a running apply. */
export interface LockFact {
  holder: string;
  host: string;
  pid: number;
  startedAt: string;
  expiresAt: string;
}

/** Every fact of one node. A fact that failed to parse does not hide the others. */
export interface NodeFacts {
  os: Fact<OsFact>;
  disk: Fact<DiskFact>;
  store: Fact<StoreFact>;
  links: Fact<Record<string, LinkFact>>;
  files: Fact<Record<string, FileFact>>;
  units: Fact<Record<string, UnitFact>>;
  packages: Fact<Record<string, PackageFact | null>>;
  users: Fact<Record<string, UserFact | null>>;
  /** null: the node has never been applied to. */
  state: Fact<NodeState | null>;
  /** null: nobody holds the lock. */
  lock: Fact<LockFact | null>;
  /**
   * Gathered only when the request asks (`FactsRequest.postgres`: the server node of a cluster
   * whose database is PostgreSQL); absent otherwise. No plan requires it: without it the
   * database is decided from the state file alone.
   */
  postgres?: Fact<PostgresFact>;
}

/** Why a node gave no facts. `category` comes from the transport (ConnectError). */
export interface Unreachable {
  category: string;
  message: string;
  hint: string | null;
}

export type NodeFactsResult = { reachable: true; facts: NodeFacts } | { reachable: false; error: Unreachable };

/** Facts of every node, by node name. */
export type FactSet = Record<string, NodeFactsResult>;

/**
 * What to look at on one node: the paths, units, packages and users the spec manages there. The
 * fact script also lists what a previous apply may have left (prefect-* units, /etc/prefect files,
 * envs/ and flows/ links), so resources no longer declared are seen too.
 */
export interface FactsRequest {
  root: string;
  /** Managed files. `content: false` for files that hold secrets: only their hash is read. */
  files: { path: string; content: boolean }[];
  units: string[];
  packages: string[];
  users: string[];
  /** Re-hash every complete store folder's content against its recorded digest (`drift --deep`). */
  deep?: boolean;
  /** Ask PostgreSQL for its roles and databases (the server node, when the database is PostgreSQL). */
  postgres?: boolean;
}

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * What the Prefect API answered when the objects were gathered (issue 12), as it came: the parser
 * (facts/prefect.ts) makes {@link import("./prefect.js").ApiFacts} of it. One list per kind.
 */
export interface RawApiFacts {
  /** `GET /api/admin/version`: "3.4.25". */
  version: string;
  /** `POST /api/work_pools/filter`, every page. */
  pools: unknown[];
  /** `POST /api/work_queues/filter`, every page (queues of every pool, each with `work_pool_name`). */
  queues: unknown[];
  /** `POST /api/flows/filter`, every page. */
  flows: unknown[];
  /** `POST /api/deployments/filter`, every page. */
  deployments: unknown[];
}

/** One read of the API for `reconcile status`: what it answered, or why it did not (a failure is data there, never a crash). */
export type ApiRead<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * What `reconcile status` reads from the Prefect API besides {@link RawApiFacts}, as it came: the
 * server's health, and per managed pool its workers and its late runs. The pure status model
 * (planner/status.ts) reads it.
 */
export interface RawApiStatus {
  /** `GET /api/health`: `true` from a healthy server. */
  health: ApiRead<unknown>;
  /** By pool name. */
  pools: Record<string, RawPoolStatus>;
}

export interface RawPoolStatus {
  /** `POST /api/work_pools/{pool}/workers/filter`, every page: `{name, status, last_heartbeat_time, ...}`. */
  workers: ApiRead<unknown[]>;
  /**
   * `POST /api/flow_runs/filter` for the pool's runs in state Late, one page: `count` runs, `more`
   * when the page was full (there may be more than `count`).
   */
  lateRuns: ApiRead<{ count: number; more: boolean }>;
}
