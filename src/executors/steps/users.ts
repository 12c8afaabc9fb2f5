/** The script of the user step: a system user (with its group and home) made unless it exists. */
import { shellQuote as q } from "../../facts/shell.js";

export function createUserScript(name: string, home: string): string {
  return `getent passwd ${q(name)} >/dev/null || useradd --system --user-group --home-dir ${q(home)} --create-home --shell /usr/sbin/nologin ${q(name)}`;
}
