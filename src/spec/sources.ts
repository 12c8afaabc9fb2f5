/** How paths and sources written in cluster.yaml are read. Pure. */
import { dirname, isAbsolute, join } from "node:path";

/** An artifact source the controller downloads rather than reads from disk (URL schemes ignore case). */
export function isUrlSource(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/**
 * A controller path from cluster.yaml: `~/` is the user's home, relative is beside cluster.yaml.
 * `specFile` is absolute (load.ts resolves it). `join`, not `resolve`, which reads the cwd when no
 * argument is absolute; the last "." drops a trailing slash as `resolve` did.
 */
export function localPath(path: string, where: { specFile: string; homeDir: string }): string {
  if (path === "~") return where.homeDir;
  if (path.startsWith("~/")) return join(where.homeDir, path.slice(2));
  return isAbsolute(path) ? path : join(dirname(where.specFile), path, ".");
}
