/**
 * Which characters a path on a node may hold (the cluster's and a node's `root`, the SQLite file),
 * and why the others are refused. The schema's `absolutePath` pattern is the rule; this module
 * explains a refusal, character by character. Pure.
 *
 * The allowed set is what every place a node path lands handles and the tests prove: systemd
 * units (quoted per systemd.syntax(7)), env files, the Caddyfile, the node's shell scripts and the
 * undo journal that replays them. Spaces are among them.
 */
import schemaJson from "../../schema/cluster.schema.json" with { type: "json" };

const definition = (schemaJson as { definitions: { absolutePath: { pattern: string } } }).definitions.absolutePath;

/** The schema's pattern for a node path. */
export const NODE_PATH = new RegExp(definition.pattern, "u");

/** The characters a node path may hold besides letters, digits and `/`, as the messages list them. */
export const NODE_PATH_PUNCTUATION = "+ @ , : = ~ . _ -";

/** How a refused character reads in a message: itself in quotes, or a name for control characters. */
function show(c: string): string {
  const named: Record<string, string> = { "\n": "a newline", "\t": "a tab", "\r": "a carriage return" };
  const code = c.codePointAt(0) ?? 0;
  if (named[c] !== undefined) return named[c];
  if (code < 0x20 || code === 0x7f) return `the control character U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  return c === "'" ? `"'"` : `'${c}'`;
}

/** Why a character is refused, one reason per class ("" when it is simply not supported yet). */
function reasonFor(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return "unit files, env files and the node's undo journal are read line by line";
  if ("$`\"'\\".includes(c)) return "the node's shell scripts and systemd units read quotes, $, backquotes and \\ specially, and the scripts that write scripts on the node cannot carry them yet";
  if (c === "%") return "systemd reads % as a specifier in unit files";
  return "";
}

/**
 * The message for a node path the schema refused: what is missing (a leading `/`), or which
 * characters are not supported and why, then what is allowed.
 *
 * @example
 * nodePathProblem("/opt/my$prefect")
 * // "'$' is not supported in a node path: the node's shell scripts … cannot carry them yet; use ASCII letters, digits, spaces and + @ , : = ~ . _ - between the /"
 */
export function nodePathProblem(path: string): string {
  const allowed = `use ASCII letters, digits, spaces and ${NODE_PATH_PUNCTUATION} between the /`;
  if (!path.startsWith("/")) return "must be an absolute path on the node, starting with /";
  const bad = [...new Set([...path.slice(1)].filter((c) => !NODE_PATH.test(`/${c}`)))];
  if (bad.length === 0) return `must be an absolute path on the node; ${allowed}`;
  const byReason = new Map<string, string[]>();
  for (const c of bad) byReason.set(reasonFor(c), [...(byReason.get(reasonFor(c)) ?? []), show(c)]);
  const parts = [...byReason].map(([reason, chars]) => {
    const what = `${joinAnd(chars)} ${chars.length === 1 ? "is" : "are"} not supported in a node path`;
    return reason === "" ? `${what} yet` : `${what}: ${reason}`;
  });
  return `${parts.join("; ")}; ${allowed}`;
}

function joinAnd(items: string[]): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}
