/** Shell quoting for command builders: every argument that reaches a remote shell goes through here. */

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * One POSIX shell word that stands for exactly `value`.
 *
 * @example shellQuote("it's") // 'it'\''s'
 */
export function shellQuote(value: string): string {
  if (value !== "" && SAFE.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Words joined by spaces, each quoted. */
export function shellJoin(words: readonly string[]): string {
  return words.map(shellQuote).join(" ");
}
