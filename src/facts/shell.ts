/** Shell quoting for command builders: every argument that reaches a remote shell goes through here. */

/** Characters that never need quoting in a POSIX shell word. */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Quotes one argument for a POSIX shell (dash, bash): safe words stay as they are, anything else
 * is wrapped in single quotes with each `'` written as `'\''`. Throws on a NUL byte, which no
 * shell argument can carry.
 *
 * @example
 * `rm -f -- ${shellQuote(path)}`      // shellQuote("it's here") → 'it'\''s here'
 */
export function shellQuote(arg: string): string {
  if (arg.includes("\0")) throw new Error("a shell argument cannot contain a NUL byte");
  if (SAFE_WORD.test(arg)) return arg;
  return `'${arg.replace(/'/g, "'\\''")}'`;
}
