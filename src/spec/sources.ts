/** How paths and sources written in cluster.yaml are read. Pure. */
import { isAbsolute, join, resolve } from "node:path";

/** An artifact source the controller downloads rather than reads from disk (URL schemes ignore case). */
export function isUrlSource(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** A controller path from cluster.yaml: `~/` is the user's home, relative is beside cluster.yaml. */
export function localPath(path: string, where: { specFile: string; homeDir: string }): string {
  if (path === "~") return where.homeDir;
  if (path.startsWith("~/")) return join(where.homeDir, path.slice(2));
  return isAbsolute(path) ? path : resolve(where.specFile, "..", path);
}
