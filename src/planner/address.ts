/**
 * Names of things in a plan, built and read back in one place: resource addresses
 * (`file:/etc/prefect/worker.env`), step ids (`worker-1/configure/file:/etc/prefect/worker.env`)
 * and fact keys (`unit:prefect-server.service`). Everything else builds them with the builders
 * here and reads them with the parsers here, never by slicing or matching the text.
 *
 * An address is `<kind>:<name>`; the name may hold anything (a path with spaces, colons), since
 * only the first colon separates. A kind is one word from a fixed list, so parsing is exact.
 */
import { STAGES, type Stage } from "./types.js";

/** Kinds of resources that live on a node. */
export const NODE_RESOURCE_KINDS = ["artifact", "link", "packages", "user", "file", "database", "migration", "service"] as const;
export type NodeResourceKind = (typeof NODE_RESOURCE_KINDS)[number];

/**
 * Kinds of cluster-wide resources: the Prefect objects on the server, reached through its API.
 * `work-pool:<pool>`, `work-queue:<pool>/<queue>`, `flow:<flow>`, `deployment:<flow>/<deployment>`
 * (Prefect's names hold no `/`, so the first one separates).
 */
export const API_RESOURCE_KINDS = ["work-pool", "work-queue", "flow", "deployment"] as const;
export type ApiResourceKind = (typeof API_RESOURCE_KINDS)[number];

/**
 * Kinds of address: node resources, `verify:<node>` (the check at the end of a node's run), and
 * the cluster-wide resources.
 */
export const ADDRESS_KINDS = [...NODE_RESOURCE_KINDS, "verify", ...API_RESOURCE_KINDS] as const;
export type AddressKind = (typeof ADDRESS_KINDS)[number];

/** A resource address as text, `<kind>:<name>`. */
export type Address = `${AddressKind}:${string}`;

/** An address taken apart. */
export interface ParsedAddress {
  kind: AddressKind;
  name: string;
}

const isKind = <K extends string>(kinds: readonly K[], text: string): text is K => (kinds as readonly string[]).includes(text);

/** The address of `name` of `kind`. */
export function addressOf(kind: AddressKind, name: string): Address {
  return `${kind}:${name}`;
}

/** Builders, one per kind. */
export const address = {
  artifact: (name: string) => addressOf("artifact", name),
  link: (path: string) => addressOf("link", path),
  packages: (artifact: string) => addressOf("packages", artifact),
  user: (name: string) => addressOf("user", name),
  file: (path: string) => addressOf("file", path),
  database: (name: string) => addressOf("database", name),
  /** The server's database migrated to its Prefect environment: `migration:<server unit without .service>`. */
  migration: (name: string) => addressOf("migration", name),
  service: (unit: string) => addressOf("service", unit),
  verify: (node: string) => addressOf("verify", node),
  workPool: (pool: string) => addressOf("work-pool", pool),
  workQueue: (pool: string, queue: string) => addressOf("work-queue", `${pool}/${queue}`),
  flow: (flow: string) => addressOf("flow", flow),
  deployment: (flow: string, deployment: string) => addressOf("deployment", `${flow}/${deployment}`),
} as const;

/** A cluster-wide address taken apart. */
export type ParsedApiAddress =
  | { kind: "work-pool"; pool: string }
  | { kind: "work-queue"; pool: string; queue: string }
  | { kind: "flow"; flow: string }
  | { kind: "deployment"; flow: string; deployment: string };

/** A cluster-wide address taken apart, or null when the text is not one (another kind, no `/` where one belongs). */
export function parseApiAddress(text: string): ParsedApiAddress | null {
  const parsed = parseAddress(text);
  if (parsed === null || parsed.name === "") return null;
  const slash = parsed.name.indexOf("/");
  const [first, second] = slash < 0 ? [parsed.name, ""] : [parsed.name.slice(0, slash), parsed.name.slice(slash + 1)];
  switch (parsed.kind) {
    case "work-pool":
      return slash < 0 ? { kind: "work-pool", pool: parsed.name } : null;
    case "flow":
      return slash < 0 ? { kind: "flow", flow: parsed.name } : null;
    case "work-queue":
      return first !== "" && second !== "" ? { kind: "work-queue", pool: first, queue: second } : null;
    case "deployment":
      return first !== "" && second !== "" ? { kind: "deployment", flow: first, deployment: second } : null;
    default:
      return null;
  }
}

/** `<kind>:<name>` taken apart, or null when the text is not an address (unknown kind, no colon). */
export function parseAddress(text: string): ParsedAddress | null {
  const colon = text.indexOf(":");
  if (colon < 0) return null;
  const kind = text.slice(0, colon);
  return isKind(ADDRESS_KINDS, kind) ? { kind, name: text.slice(colon + 1) } : null;
}

/** The name part of an address of a known kind (`file:/etc/x` → `/etc/x`), or null for another kind. */
export function nameIfKind(text: string, kind: AddressKind): string | null {
  const parsed = parseAddress(text);
  return parsed?.kind === kind ? parsed.name : null;
}

/** A step's id: `<node>/<stage>/<address>`, unique in a plan. */
export function stepId(node: string, stage: Stage, resource: Address): string {
  return `${node}/${stage}/${resource}`;
}

/** A step id taken apart, or null. Node names hold no `/` (the schema's name pattern). */
export function parseStepId(id: string): { node: string; stage: Stage; address: Address } | null {
  const [node, stage, ...rest] = id.split("/");
  const resource = rest.join("/");
  if (node === undefined || stage === undefined || !isKind(STAGES, stage) || parseAddress(resource) === null) return null;
  return { node, stage, address: resource as Address };
}

/**
 * Fact keys: the part of a node's facts one decision rests on (see fingerprint.ts).
 * `store:<sha256>`, `link:<path>`, `file:<path>`, `unit:<name>`, `package:<name>`,
 * `user:<name>`, `postgres-role:<name>`, `postgres-database:<name>` (the server's PostgreSQL,
 * when gathered), and `state` (the node's state record, no name).
 */
export const FACT_KEY_KINDS = ["store", "link", "file", "unit", "package", "user", "postgres-role", "postgres-database", "state"] as const;
export type FactKeyKind = (typeof FACT_KEY_KINDS)[number];
export type FactKey = "state" | `${Exclude<FactKeyKind, "state">}:${string}`;

export const factKey = {
  store: (sha256: string): FactKey => `store:${sha256}`,
  link: (path: string): FactKey => `link:${path}`,
  file: (path: string): FactKey => `file:${path}`,
  unit: (name: string): FactKey => `unit:${name}`,
  package: (name: string): FactKey => `package:${name}`,
  user: (name: string): FactKey => `user:${name}`,
  postgresRole: (name: string): FactKey => `postgres-role:${name}`,
  postgresDatabase: (name: string): FactKey => `postgres-database:${name}`,
  state: "state" as FactKey,
} as const;

/** A fact key taken apart, or null when it is not one. */
export function parseFactKey(text: string): { kind: FactKeyKind; name: string } | null {
  if (text === "state") return { kind: "state", name: "" };
  const colon = text.indexOf(":");
  if (colon < 0) return null;
  const kind = text.slice(0, colon);
  return isKind(FACT_KEY_KINDS, kind) && kind !== "state" ? { kind, name: text.slice(colon + 1) } : null;
}
