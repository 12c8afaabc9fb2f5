/**
 * Secret references (`{secret: NAME}`) and their resolution. Pure: the caller reads the environment
 * and the secrets file, this module decides. A resolved value lives only inside a {@link Sensitive},
 * which prints as `(sensitive)` everywhere: strings, JSON, util.inspect, template literals.
 */
import type { SecretRef } from "./cluster.generated.js";
import type { DocPath } from "./document.js";

export const REDACTED = "(sensitive)";

/** A secret value. Only {@link Sensitive.reveal} gives the text, at the last moment it is needed. */
export class Sensitive {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The secret itself: pass it straight to where it is used, never to a log or a message. */
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return REDACTED;
  }
}

export function isSecretRef(value: unknown): value is SecretRef {
  return typeof value === "object" && value !== null && !Array.isArray(value) && typeof (value as { secret?: unknown }).secret === "string" && Object.keys(value).length === 1;
}

/** The environment variable that provides secret `name`. */
export function secretEnvName(name: string): string {
  return `RECONCILE_SECRET_${name}`;
}

/** Every secret reference in a spec value, with where it stands. */
export function findSecretRefs(value: unknown, path: DocPath = []): { name: string; path: DocPath }[] {
  if (isSecretRef(value)) return [{ name: value.secret, path }];
  if (Array.isArray(value)) return value.flatMap((v, i) => findSecretRefs(v, [...path, i]));
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => findSecretRefs(v, [...path, k]));
  }
  return [];
}

export interface SecretSources {
  /** The process environment (only `RECONCILE_SECRET_*` is read). */
  env: Readonly<Record<string, string | undefined>>;
  /** Entries of the secrets file, when there is one. */
  file?: { path: string; entries: Readonly<Record<string, string>> };
}

export interface SecretResolution {
  values: ReadonlyMap<string, Sensitive>;
  missing: readonly string[];
}

/** Environment first, then the secrets file. Missing names are returned, never guessed. */
export function resolveSecrets(names: readonly string[], sources: SecretSources): SecretResolution {
  const values = new Map<string, Sensitive>();
  const missing: string[] = [];
  for (const name of [...new Set(names)].sort()) {
    const fromEnv = sources.env[secretEnvName(name)];
    const fromFile = sources.file?.entries[name];
    const value = fromEnv ?? fromFile;
    if (value === undefined) missing.push(name);
    else values.set(name, new Sensitive(value));
  }
  return { values, missing };
}

/** How to provide a missing secret, for messages. */
export function missingSecretHint(name: string, secretsFile: string | undefined): string {
  const env = `set ${secretEnvName(name)}`;
  return secretsFile === undefined ? `${env}, or add ${name}=... to a secrets file (secrets.file)` : `${env}, or add ${name}=... to ${secretsFile}`;
}

/**
 * Mode check for a secrets file: refused when group or others have any access.
 * Returns why, or undefined when the mode is safe.
 */
export function unsafeSecretsFileMode(mode: number): string | undefined {
  const perms = mode & 0o777;
  if ((perms & 0o077) === 0) return undefined;
  const octal = perms.toString(8).padStart(4, "0");
  return `it is readable or writable by group or others (mode ${octal}), so other users of this machine could read the secrets`;
}
