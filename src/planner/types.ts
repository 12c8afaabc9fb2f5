/**
 * The plan as data (STYLE.md §3.12, after terraform `internal/plans`): what would change on each
 * node, in which stage, after what, and which facts the decision rests on. A Plan is
 * JSON-serializable and deterministic: the same cluster, facts and local inputs give the same bytes.
 * Rendering lives in src/display/plan.ts; nothing here prints.
 */
import type { ArtifactKind } from "../spec/resolved.js";
import type { Json, Unreachable } from "../facts/types.js";
import type { FlowParameter } from "../facts/flow-signature.js";
import type { Address, ApiResourceKind } from "./address.js";

/**
 * What happens to one resource.
 *
 * | action  | before           | after            |
 * |---------|------------------|------------------|
 * | create  | null (absent)    | desired          |
 * | update  | current          | desired          |
 * | replace | current (wrong kind, or immutable and different) | desired |
 * | delete  | current/recorded | null             |
 * | restart | current          | current (a service whose inputs changed) |
 * | reload  | current          | current (a service that reads its changed config again without a restart) |
 * | noop    | current          | desired (equal)  |
 */
export type Action = "create" | "update" | "replace" | "delete" | "restart" | "reload" | "noop";

/** The order of work on a node; a step never depends on a later stage of the same node. */
export const STAGES = ["stage", "transfer", "install", "configure", "verify"] as const;
export type Stage = (typeof STAGES)[number];

export type ResourceKind = "artifact" | "link" | "packages" | "user" | "file" | "database" | "migration" | "service" | ApiResourceKind;

/** A JSON value, as kept in before/after (facts/types.ts). */
export type { Json };

/** One resource's change on one node. */
export interface Change {
  /** Unique on the node: `<kind>:<name>`, e.g. `file:/etc/prefect/worker.env`, `artifact:prefect-env` (address.ts). */
  address: Address;
  kind: ResourceKind;
  action: Action;
  /** null when the resource is absent. Secret values never appear: they read `(sensitive)`. */
  before: Json;
  /** null when the resource goes away. */
  after: Json;
  /** Why this action, for people only: apply never reads it. */
  reason: string;
  /** Content holds secrets: before/after show `(sensitive)` and no diff is made. */
  sensitive: boolean;
  /** For text files: a unified diff of before → after; null otherwise. */
  diff: string | null;
  /** Deletions of resources no longer declared: applied only with `--prune`. */
  prune: boolean;
  /**
   * The fields that differ, when the planner names them (the Prefect objects' managed fields);
   * absent: drift.ts compares `before` and `after` itself.
   */
  fields?: string[];
  /**
   * Set when a drift policy (`drift.policies`) holds this difference back: the resource differs
   * (`before` ≠ `after`) but the action is `noop` and nothing is done; `warn` is reported by drift,
   * `ignore` is not.
   */
  held?: { policy: "warn" | "ignore"; reason: string | null };
  /** Differing fields that `drift.ignore` rules silence: neither changed nor reported. */
  ignored?: { field: string; reason: string }[];
  /** A Prefect object in a managed pool that reconcile neither declares nor created: deleted only with `--prune`. */
  outOfBand?: true;
}

interface StepBase {
  /** `<node>/<stage>/<address>`: unique in the plan (address.ts `stepId`). */
  id: string;
  node: string;
  stage: Stage;
  /** The change this step carries out; verify steps use `verify:<node>`. */
  address: Address;
  /**
   * Step ids that must finish first. On the same node they are in this or an earlier stage, and the
   * node's steps are listed in an order that honours them (the node machine runs them as listed;
   * a saved plan that breaks it is refused, order.ts `stepOrderProblem`); a step of a node of an
   * earlier wave (a worker's services wait for the server node's verify) holds this node at its
   * gate until that node has converged.
   */
  dependsOn: string[];
  /** Fact keys this step was decided on; a saved plan refuses to apply when one has moved. */
  facts: string[];
  /** Bytes sent to the node by this step (transfer steps), null when unknown before staging. */
  bytes: number | null;
}

/**
 * A piece of work for the executors: `action` says what happens and `detail` carries what the
 * executor needs for it, so apply needs nothing else. A delete carries only what names the
 * resource; every other action carries the resource as desired.
 */
export type Step = StepBase & ({ action: Exclude<Action, "noop" | "delete">; detail: StepDetail } | { action: "delete"; detail: DeleteDetail });

/**
 * What a delete names: a file or link to remove, a service to stop and disable, or a store folder
 * (`<root>/store/<sha256>`) that nothing references any more.
 */
export type DeleteDetail = { kind: "file"; path: string } | { kind: "link"; path: string } | { kind: "service"; unit: string } | { kind: "store"; path: string };

/** The kinds of step, as `detail.kind`. */
export type StepKind = StepDetail["kind"];

export type StepDetail =
  | {
      kind: "artifact";
      artifact: string;
      artifactKind: ArtifactKind | "flow-code";
      sha256: string;
      source: string;
      /** tar and conda-pack: the folder inside the archive that is the environment (it must be there once extracted). */
      path?: string;
      /**
       * Set (true) when a link on the node points into this store folder now although it is not
       * complete: unpacking it again touches what the node runs, so it is not done ahead of the
       * rolling gate like other unpacks.
       */
      live?: true;
      /**
       * Set (true) when the folder carries its `.complete` marker but a deep gathering found its
       * content changed (`drift --deep`): the transfer sends the artifact although the marker is
       * there, and install removes the marker first and unpacks it again.
       */
      repair?: true;
    }
  | { kind: "link"; path: string; target: string }
  | { kind: "packages"; artifact: string; sha256: string; packages: { name: string; version: string }[] | null }
  | { kind: "user"; name: string; home: string }
  | {
      kind: "file";
      path: string;
      mode: string;
      owner: string;
      group: string;
      content: FileContent;
      /**
       * Checked on the node before it replaces the file: the new content is written beside the
       * target and `caddy validate` (as the caddy user) must accept it, else the old file stays and
       * the step fails with Caddy's words. Absent: written as it is.
       */
      validate?: FileValidator;
    }
  | { kind: "database"; name: string; user: string; password: { secret: string } }
  | MigrationDetail
  | {
      kind: "service";
      unit: string;
      enable: boolean;
      start: boolean;
      restart: boolean;
      /** A unit file it depends on changed: `systemctl daemon-reload` first. */
      daemonReload: boolean;
      /**
       * Only configuration it reads again by itself changed and it is active: `systemctl reload`
       * (and a rollback reloads it again once the old files are back). Never with `restart`.
       */
      reload?: true;
    }
  | ({ kind: "verify"; units: string[]; paths: string[] } & VerifyChecks);

/**
 * An HTTP check a verify step makes on the node: `health` wants 200 `true`, `version` 200 with
 * the Prefect version of the probing environment itself, `ok` any 200, `unauthorized` a 401,
 * `worker-online` the worker `worker.name` listed with status ONLINE by `url`, the pool's
 * `POST .../work_pools/<pool>/workers/filter` (read page by page: Prefect 3.4 has no filter by
 * worker name).
 */
export interface Probe {
  /** In words, for messages: "the API through the proxy". */
  what: string;
  url: string;
  /** CA certificates to verify TLS with; null for the node's system trust. */
  caFile: string | null;
  /** Basic credentials from a secret holding `user:password` (Prefect's auth string). */
  auth: { secret: string } | null;
  expect: "health" | "version" | "ok" | "unauthorized" | "worker-online";
  /** For `worker-online` only: the worker (its `--name`) and its pool. */
  worker?: { pool: string; name: string };
}

/** What verify proves besides units and links (planner/verify.ts). */
export interface VerifyChecks {
  /** The interpreter that runs the probes (a Prefect environment's); null when there are none. */
  python: string | null;
  probes: Probe[];
  /** TCP ports whose listening sockets must all be on loopback. */
  loopbackOnly: { what: string; port: number }[];
}

/** The database a migration backs up and migrates: a PostgreSQL database and its owner role, or a SQLite file. */
export type MigrationDatabase = { type: "postgresql"; name: string; owner: string } | { type: "sqlite"; path: string };

/**
 * The server's database migrated to the Prefect environment `env` (a link), in order: `unit`
 * stopped when it runs (journaled, so a rollback restarts it), the database backed up (unless
 * `backup` is null: a PostgreSQL database created in the same plan holds nothing yet; a SQLite
 * file that does not exist yet is skipped on the node), then `prefect server database upgrade -y`
 * run as the service user with exactly the unit's env files. The backup is journaled as
 * `restore-db`, so a rollback restores it before the services restart.
 */
export interface MigrationDetail {
  kind: "migration";
  unit: string;
  /** The environment link whose `bin/prefect` migrates (the new environment). */
  env: string;
  /** The unit's env files: `envFile` must exist; `secretsFile` is read when it exists. */
  envFile: string;
  secretsFile: string;
  database: MigrationDatabase;
  /**
   * Backups go to `dir` as `<name>-<UTC stamp>-g<generation>.dump` (PostgreSQL, `pg_dump -Fc`) or
   * `.sqlite`; the newest `keep` of them stay.
   */
  backup: { dir: string; name: string; keep: number } | null;
  /**
   * The marker (layout.ts MIGRATION_MARKER) the step writes, journaled: `pending` + `text` before
   * the upgrade, `text` after it succeeded. `text` names the database and the environment's link target.
   */
  marker: { path: string; text: string };
}

/**
 * A file's desired content. Files holding secrets are kept as entries whose secret values stay
 * references; the executor fills them in at the last moment.
 */
export type FileContent =
  | { type: "text"; text: string }
  | { type: "env"; entries: [string, EnvValue][] }
  /** A `file` artifact's bytes, copied from the node's store (its digest is the artifact's). */
  | { type: "artifact"; artifact: string; sha256: string }
  /**
   * What `path` on another node holds at apply time, not known when the plan was made (Caddy's
   * root certificate before Caddy first ran): read over that node's connection when the step
   * runs, which waits for that node to converge. `what` names it for people; `missing` is the
   * hint when the file is not there.
   */
  | { type: "remote"; node: string; path: string; what: string; missing: string };

/** How a file's new content is checked on the node before it replaces the old one. */
export type FileValidator = "caddy";

/**
 * An env file value: text, or a secret (optionally placed inside text, such as a password inside a
 * database URL, URL-encoded when `urlEncode`).
 */
export type EnvValue = string | { secret: string; prefix?: string; suffix?: string; urlEncode?: boolean };

export type NodeStatus = "planned" | "unreachable" | "errored";

/** Everything about one node. */
export interface NodePlan {
  name: string;
  address: string;
  roles: ("server" | "worker")[];
  status: NodeStatus;
  /** Why the node could not be planned (unreachable, or facts that failed to parse). */
  errors: string[];
  /** The hint that goes with an unreachable node (`run reconcile trust`...). */
  hint: string | null;
  /** One entry per declared or recorded resource, noops included (each with its reason). */
  changes: Change[];
  steps: Step[];
  /** Bytes the transfer steps send; `bytesUnknown` when some source's size is known only after staging. */
  bytesToSend: number;
  bytesUnknown: boolean;
  /**
   * Room the apply needs on the node, per place the disk fact measures (see disk.ts `diskNeeds`):
   * `<root>/store/.incoming` what is still to receive (uploads already there are not counted
   * again), `<root>/store` the unpacked size of each artifact whose store folder is not complete,
   * `<root>/envs` the links, `/var/lib/reconcile` the state and journal. Without any margin; only
   * places that need something; `[]` when nothing changes. Sources of unknown size are left out
   * (`bytesUnknown`). Apply checks these against facts gathered again (`diskShortfalls`).
   */
  disk: DiskNeed[];
  /** Things worth knowing that do not stop the plan (not enough disk, a lock held). */
  warnings: string[];
}

/** Bytes an apply writes in one place on a node. */
export interface DiskNeed {
  /** A place of the disk fact: `<root>/store`, `<root>/store/.incoming`, `<root>/envs` or `/var/lib/reconcile`. */
  path: string;
  /** Bytes, > 0. */
  bytes: number;
}

export interface PlanSummary {
  add: number;
  change: number;
  destroy: number;
  /** Deletions held back because `--prune` was not given. */
  kept: number;
}

/**
 * Resources that belong to no node: work pools, queues, flows and deployments live on the Prefect
 * server and are written through its API (reached over the server node's connection) after the
 * server node verified and before the workers switch (the `cluster-wide` wave). Planned by
 * cluster-wide.ts from the objects the API listed and the record of what reconcile created.
 *
 * `status`: `planned`; `not-gathered` when the caller did not gather the objects (nothing is
 * planned for them, not even an error); `errored` when they could not be planned (`errors` say
 * why; the plan is then not applyable).
 */
export interface ClusterWidePlan {
  status: "planned" | "not-gathered" | "errored";
  /** The server node, whose connection reaches the API. */
  server: string;
  /** The Prefect version the bodies were built for (the API's, else the server environment's); null when unknown (3.x bodies). */
  version: string | null;
  errors: string[];
  warnings: string[];
  /** One entry per declared or recorded object, noops included; addresses as in address.ts (`work-pool:etl`). */
  changes: Change[];
  /** In an order that honours `dependsOn`: pools, queues, flows, deployments; deletions of deployments before their queue, pool and flow. */
  steps: ApiStep[];
  /**
   * The digest of what it was planned from (the objects the API listed, or why there were none,
   * and the record of those reconcile created): a saved plan is stale when it moved. Absent in
   * plans that did not gather the objects.
   */
  factsDigest?: string;
}

/**
 * One write through the Prefect API. `id` is the address (one step per object); `dependsOn` names
 * other cluster-wide steps. create: POST `create` (a deployment's without `flow_id`: the executor
 * resolves the flow's id by name); update: PATCH `update`, which holds only the fields that differ
 * (explicit nulls clear); delete: DELETE by name (pools, queues) or id (flows, deployments).
 */
export type ApiStep = { id: Address; address: Address; dependsOn: Address[] } & (
  | { action: "create" | "update"; detail: ApiDetail }
  | { action: "delete"; detail: ApiDeleteDetail }
);

/**
 * Bodies are built for the server's version, with only fields it accepts. A body's secret values
 * stay `{secret: NAME}` (a deployment's `job_variables.env`): the executor fills them in.
 */
export type ApiDetail =
  | { kind: "work-pool"; name: string; create: Json; update: Json }
  | { kind: "work-queue"; pool: string; name: string; create: Json; update: Json }
  | { kind: "flow"; name: string; create: Json }
  | { kind: "deployment"; flow: string; name: string; id: string | null; create: Json; update: Json };

export type ApiDeleteDetail =
  | { kind: "work-pool"; name: string }
  | { kind: "work-queue"; pool: string; name: string }
  | { kind: "deployment"; flow: string; name: string; id: string }
  | { kind: "flow"; name: string; id: string };

/**
 * One wave of the cluster run. Every wave starts at once: its nodes stage, transfer and unpack
 * into their store (which changes nothing they run) while earlier waves work; past that point (the
 * gate) a node waits until every earlier wave has succeeded, and is skipped when one did not.
 */
export type Wave =
  | { name: "server"; nodes: string[] }
  | { name: "cluster-wide"; addresses: Address[] }
  | { name: "workers"; nodes: string[] };

/** At most `limit` of the `nodes` that serve `pool` are past their gate at once. */
export interface RollingGroup {
  pool: string;
  /** The nodes that serve the pool now (a worker being created serves nobody yet). */
  nodes: string[];
  /** 1 ≤ limit ≤ max(1, nodes − 1): a pool of two or more never loses all its workers at once. */
  limit: number;
}

/** The order of work: waves, then the rolling limit inside them. The cluster run reads only this. */
export interface PlanOrder {
  waves: Wave[];
  rolling: RollingGroup[];
}

/** Something that keeps a plan from being applied: a node that could not be planned, or a step the executors cannot carry out. */
export interface Blocker {
  node: string;
  /** The step's id, or null when the whole node is the problem. */
  step: string | null;
  reason: string;
}

/** The plan format this version writes and applies. */
export const PLAN_FORMAT = 2;

export interface Plan {
  formatVersion: typeof PLAN_FORMAT;
  cluster: string;
  specFile: string;
  /** sha256 of cluster.yaml when planned: apply refuses a saved plan for another spec. */
  specDigest: string;
  prune: boolean;
  nodes: NodePlan[];
  clusterWide: ClusterWidePlan;
  order: PlanOrder;
  summary: PlanSummary;
  /** Something would change. */
  hasChanges: boolean;
  /** Some node could not be planned (unreachable, or facts or secrets missing). */
  errored: boolean;
  /** Apply may run this plan: the one flag apply reads. False with `blockers` saying why. */
  applyable: boolean;
  /** Why the plan cannot be applied; empty when it can. */
  blockers: Blocker[];
  /** For each node, the digest of every fact a step depends on (see fingerprint.ts). */
  facts: Record<string, Record<string, string>>;
}

/** What the controller knows about an artifact before planning (sizes, deb contents). */
export interface LocalArtifact {
  /** Bytes to send; null when the source is a URL not fetched yet. */
  bytes: number | null;
  /**
   * Bytes it takes in the node's store once installed, estimated from its size and a few of its
   * bytes (disk.ts `estimateUnpackedBytes`); null when `bytes` is.
   */
  unpackedBytes: number | null;
  /** For deb sets: the packages in it (from the manifest's file names); null otherwise or when unknown. */
  debs: { name: string; version: string; arch: string }[] | null;
  /**
   * For environment archives (tar, conda-pack, pixi-pack): the Prefect version in it (`3.4.25`),
   * from its `prefect-X.Y.Z.dist-info` folder or its `prefect-X.Y.Z-<build>.conda` package; null
   * when unknown (no Prefect found, a URL not fetched yet, another kind). Read it with
   * versions.ts `prefectVersionOf`.
   */
  prefectVersion: string | null;
}

/** A flow's code folder, packed deterministically: its digest names its store folder. */
export interface LocalFlowCode {
  sha256: string;
  bytes: number;
  /** The entrypoint function's parameters (facts/flow-signature.ts); null when they could not be read (`parameterError` says why). */
  parameters: FlowParameter[] | null;
  /** Why the parameters could not be read: `flow.py:12:5: ...` (file relative to the flow's source); null when they were. */
  parameterError: string | null;
}

/**
 * What a node's plan reads from the server node's facts (gathered before planning, passed in
 * explicitly): Caddy's internal root, which the workers copy.
 */
export interface ServerFacts {
  /** The text of Caddy's root certificate on the server node (templates.ts CADDY_ROOT_CERT); null when not there yet or not read. */
  caddyRoot: string | null;
}

export interface LocalInputs {
  artifacts: Record<string, LocalArtifact>;
  flows: Record<string, LocalFlowCode>;
}

export interface PlanOptions {
  prune: boolean;
  /**
   * Step kinds the executors cannot carry out, each with why: a plan with such a step is not
   * applyable (the reason is among its blockers) rather than failing mid-apply.
   */
  unsupported?: Readonly<Partial<Record<StepKind, string>>>;
  /** Nodes of a pool of `poolSize` that may be past their gate at once; default ceil(n/2), clamped (see RollingGroup). */
  rollingLimit?: (poolSize: number) => number;
  /**
   * The lease the planning run itself holds (apply takes it before gathering facts): not warned
   * about as somebody else's lock.
   */
  ownLease?: { host: string; pid: number };
}

export type { Unreachable };

export type { FlowParameter, PyType } from "../facts/flow-signature.js";
