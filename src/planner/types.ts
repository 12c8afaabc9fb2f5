/**
 * The plan as data (STYLE.md §3.12, after terraform `internal/plans`): what would change on each
 * node, in which stage, after what, and which facts the decision rests on. A Plan is
 * JSON-serializable and deterministic: the same cluster, facts and local inputs give the same bytes.
 * Rendering lives in render.ts; nothing here prints.
 */
import type { ArtifactKind } from "../spec/resolved.js";
import type { Unreachable } from "../facts/types.js";

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
 * | noop    | current          | desired (equal)  |
 */
export type Action = "create" | "update" | "replace" | "delete" | "restart" | "noop";

/** The order of work on a node; a step never depends on a later stage of the same node. */
export const STAGES = ["stage", "transfer", "install", "configure", "verify"] as const;
export type Stage = (typeof STAGES)[number];

export type ResourceKind = "artifact" | "link" | "packages" | "user" | "file" | "database" | "service";

/** A JSON value, as kept in before/after. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One resource's change on one node. */
export interface Change {
  /** Unique on the node: `<kind>:<name>`, e.g. `file:/etc/prefect/worker.env`, `artifact:prefect-env`. */
  address: string;
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
}

/** A piece of work for the executors. Its `detail` says what, so apply needs nothing else. */
export interface Step {
  /** `<node>/<stage>/<address>`: unique in the plan. */
  id: string;
  node: string;
  stage: Stage;
  action: Exclude<Action, "noop">;
  /** The change this step carries out; verify steps use `verify:<node>`. */
  address: string;
  /** Step ids that must finish first (same node or, for workers, the server's verify). */
  dependsOn: string[];
  /** Fact keys this step was decided on; a saved plan refuses to apply when one has moved. */
  facts: string[];
  /** Bytes sent to the node by this step (transfer steps), null when unknown before staging. */
  bytes: number | null;
  detail: StepDetail;
}

export type StepDetail =
  | {
      kind: "artifact";
      artifact: string;
      artifactKind: ArtifactKind | "flow-code";
      sha256: string;
      source: string;
      /**
       * Set (true) when a link on the node points into this store folder now although it is not
       * complete: unpacking it again touches what the node runs, so it is not done ahead of the
       * rolling gate like other unpacks.
       */
      live?: true;
    }
  | { kind: "link"; path: string; target: string }
  | { kind: "packages"; artifact: string; sha256: string; packages: { name: string; version: string }[] | null }
  | { kind: "user"; name: string; home: string }
  | { kind: "file"; path: string; mode: string; owner: string; group: string; content: FileContent | null }
  | { kind: "database"; name: string; user: string; password: { secret: string } }
  | {
      kind: "service";
      unit: string;
      enable: boolean;
      start: boolean;
      restart: boolean;
      /** Stop and disable (a service no longer declared). */
      stop: boolean;
      /** A unit file it depends on changed: `systemctl daemon-reload` first. */
      daemonReload: boolean;
    }
  | { kind: "verify"; units: string[]; paths: string[] };

/**
 * A file's desired content. Files holding secrets are kept as entries whose secret values stay
 * references; the executor fills them in at the last moment.
 */
export type FileContent = { type: "text"; text: string } | { type: "env"; entries: [string, EnvValue][] };

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

export interface Plan {
  formatVersion: 1;
  cluster: string;
  specFile: string;
  /** sha256 of cluster.yaml when planned: apply refuses a saved plan for another spec. */
  specDigest: string;
  prune: boolean;
  nodes: NodePlan[];
  summary: PlanSummary;
  /** Something would change. */
  hasChanges: boolean;
  /** Every node was planned (none unreachable or errored). */
  complete: boolean;
  /** Some node could not be planned. */
  errored: boolean;
  /** Apply may run this plan: complete, no errors. */
  applyable: boolean;
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
}

/** A flow's code folder, packed deterministically: its digest names its store folder. */
export interface LocalFlowCode {
  sha256: string;
  bytes: number;
}

export interface LocalInputs {
  artifacts: Record<string, LocalArtifact>;
  flows: Record<string, LocalFlowCode>;
}

export interface PlanOptions {
  prune: boolean;
  /**
   * The lease the planning run itself holds (apply takes it before gathering facts): not warned
   * about as somebody else's lock.
   */
  ownLease?: { host: string; pid: number };
}

export type { Unreachable };
