/**
 * The server node's PostgreSQL: the role and database names, so a role or database dropped after
 * reconcile created it is seen (the state file only says it was created). Asked only when the
 * request says so (`FactsRequest.postgres`), and bounded: psql gets 10 s, so a hung server
 * cannot hold the one round trip of the gathering.
 */
import { bad, failed, lines, ok, type FactDefinition } from "./define.js";
import type { PostgresFact } from "./types.js";

/** Longest psql may take, in seconds (`timeout` exits 124 past it). */
export const POSTGRES_TIMEOUT_SECONDS = 10;

/** One query, each name behind its kind: `R|<role>`, `D|<database>` (a name may hold `|`). */
const QUERY = "SELECT 'R|' || rolname FROM pg_catalog.pg_roles UNION ALL SELECT 'D|' || datname FROM pg_catalog.pg_database";

export const postgresFact: FactDefinition<PostgresFact> = {
  id: "postgres",
  requested: (r) => r.postgres === true,
  // psql exits 2 when it cannot connect (the server is stopped, or not set up yet): `N <why>`.
  // As the database step runs it: as the postgres superuser, from / (runuser keeps the cwd).
  command: () =>
    [
      `command -v psql >/dev/null 2>&1 || { echo 'N psql is not installed'; exit 0; }`,
      `id -u postgres >/dev/null 2>&1 || { echo 'N there is no postgres user'; exit 0; }`,
      `cd / || exit 1`,
      `out=$(timeout ${POSTGRES_TIMEOUT_SECONDS} runuser -u postgres -- psql -XAtq -d postgres -c "${QUERY}" 2>&1); rc=$?`,
      `case $rc in 0) printf '%s\\n' "$out";; 2) printf 'N %s\\n' "$(printf '%s\\n' "$out" | head -n 1)";; *) printf '%s\\n' "$out"; exit $rc;; esac`,
    ].join("\n"),
  parse(output, exitCode) {
    if (exitCode === 124) return bad(`postgres: psql did not answer within ${POSTGRES_TIMEOUT_SECONDS} s`);
    if (exitCode !== 0) return failed("postgres", exitCode, output);
    const all = lines(output);
    const first = all[0];
    if (first !== undefined && first.startsWith("N ")) return ok({ state: "not-running", reason: first.slice(2) });
    const roles: string[] = [];
    const databases: string[] = [];
    for (const line of all) {
      if (line.startsWith("R|")) roles.push(line.slice(2));
      else if (line.startsWith("D|")) databases.push(line.slice(2));
      else return bad(`postgres: unexpected line "${line.slice(0, 80)}"`);
    }
    // PostgreSQL always has its bootstrap superuser and template databases: none is no answer.
    if (roles.length === 0 || databases.length === 0) return bad("postgres: psql listed no roles or no databases");
    return ok({ state: "running", roles: roles.sort(), databases: databases.sort() });
  },
};
