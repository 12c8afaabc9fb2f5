/**
 * Where things live on a node (DESIGN.md "Node layout"). Facts read these places, the planner
 * names them, executors write them; all three take the paths from here.
 */
import { posix } from "node:path";

export const STATE_DIR = "/var/lib/reconcile";
export const STATE_FILE = `${STATE_DIR}/state.json`;
export const LOCK_FILE = `${STATE_DIR}/lock.json`;
/**
 * What the server's database was last migrated for (`database …` and `environment <link target>`
 * lines), written by the migration step: `pending` first, then without it once the upgrade
 * succeeded. A plan that finds it pending, or naming another environment, migrates again.
 */
export const MIGRATION_MARKER = `${STATE_DIR}/migration`;
/**
 * On the server node: the Prefect objects reconcile created, `{"version": 1, "objects":
 * {"<address>": "<id or name>"}}` (addresses as planner/address.ts builds them). Only these are
 * ever deleted (prune).
 */
export const MANAGED_OBJECTS_FILE = `${STATE_DIR}/prefect-objects.json`;
export const CONFIG_DIR = "/etc/prefect";
/** Backups of the server's database made before a migration: root's, 0700, files 0600. */
export const BACKUP_DIR = "/var/backups/reconcile";
export const UNIT_DIR = "/etc/systemd/system";
/** Units reconcile writes are named so a listing finds them all. */
export const UNIT_PREFIX = "prefect-";
/** The system user Prefect's processes run as. */
export const SERVICE_USER = "prefect";

export const storeDir = (root: string) => posix.join(root, "store");
export const storePath = (root: string, sha256: string) => posix.join(root, "store", sha256);
export const incomingDir = (root: string) => posix.join(root, "store", ".incoming");
/** A finished, verified upload waiting to be installed. */
export const incomingFile = (root: string, sha256: string) => posix.join(incomingDir(root), sha256);
/** An upload under way (resumed from its size). */
export const partFile = (root: string, sha256: string) => posix.join(incomingDir(root), `${sha256}.part`);
/** Written last into a store folder: without it the folder is never used. */
export const COMPLETE_MARKER = ".complete";
export const completeMarker = (root: string, sha256: string) => posix.join(storePath(root, sha256), COMPLETE_MARKER);
/** Where a `file` artifact lands: inside its store folder, under the artifact's name. */
export const storeFile = (root: string, sha256: string, name: string) => posix.join(root, "store", sha256, name);
export const envLink = (root: string, name: string) => posix.join(root, "envs", name);
export const flowLink = (root: string, flow: string) => posix.join(root, "flows", flow);

/** A sha256 in lowercase hex, the only names the store holds. */
export const SHA256 = /^[0-9a-f]{64}$/;
