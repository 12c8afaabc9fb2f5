/**
 * The database step: the PostgreSQL role and database the Prefect server uses, each created only
 * when missing (psql's `\gexec` pattern: PostgreSQL has no CREATE ROLE/DATABASE ... IF NOT EXISTS),
 * and the role's password set from its secret. The SQL, password included, reaches psql on its
 * stdin only, never on a command line or in a file.
 */

/** A PostgreSQL identifier, double-quoted (`"` doubled). */
const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
/** A PostgreSQL string literal (`'` doubled; standard_conforming_strings keeps `\` as is). */
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * The statements for role `user` owning database `name`, its password `password`. psql does not
 * expand `:variables` inside quoted literals, so nothing in the password is taken for one.
 *
 * @example
 * databaseSql("prefect", "prefect", "s3cret")
 * // SELECT 'CREATE ROLE "prefect" LOGIN' WHERE NOT EXISTS (...)\gexec ...
 */
export function databaseSql(name: string, user: string, password: string): string {
  return [
    // Errors without the statement's text (it holds the password), and never the text in the
    // server's log; quoting that holds whatever the server's defaults say.
    "\\set VERBOSITY terse",
    "\\set SHOW_CONTEXT never",
    "SET log_statement = 'none';",
    "SET log_min_error_statement = 'panic';",
    "SET standard_conforming_strings = on;",
    `SELECT ${literal(`CREATE ROLE ${ident(user)} LOGIN`)} WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = ${literal(user)})\\gexec`,
    `ALTER ROLE ${ident(user)} WITH LOGIN PASSWORD ${literal(password)};`,
    `SELECT ${literal(`CREATE DATABASE ${ident(name)} OWNER ${ident(user)}`)} WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = ${literal(name)})\\gexec`,
    "",
  ].join("\n");
}

/** Runs the SQL on stdin as the `postgres` superuser, stopping at the first error. */
export function databaseScript(): string {
  return [
    "set -e",
    `command -v psql >/dev/null 2>&1 || { echo 'psql is not installed: the PostgreSQL packages must be installed first' >&2; exit 1; }`,
    // From / so psql, run as postgres, does not complain about the caller's working directory.
    "cd /",
    "runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -d postgres",
  ].join("\n");
}
