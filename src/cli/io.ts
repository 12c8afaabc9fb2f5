import { createInterface } from "node:readline/promises";
import { styleText } from "node:util";
import { terminalStyle, type Style } from "../display/style.js";
import { formatDiagnostic, type Diagnostic } from "../errors.js";

/** What a command may touch of its process: its streams and environment. Tests pass fakes. */
export interface CliIO {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  /** For questions (`reconcile trust`); absent or not a terminal means nobody can answer. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
}

export function print(stream: CliIO["stdout"], line = ""): void {
  stream.write(`${line}\n`);
}

/** Colors for lines printed on `stream`: on a terminal, unless NO_COLOR is set (display/style.ts). */
export function streamStyle(io: CliIO, stream: CliIO["stdout"]): Style | undefined {
  return terminalStyle(stream.isTTY, io.env, styleText);
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** Spec problems, one line each (errors on stderr, warnings on stdout), then a count if any failed. */
export function printDiagnostics(io: CliIO, file: string, diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics) print(d.severity === "error" ? io.stderr : io.stdout, formatDiagnostic(d));
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  if (errors > 0) print(io.stderr, `${file}: ${plural(errors, "error")}${warnings > 0 ? `, ${plural(warnings, "warning")}` : ""}`);
}

/** Asks on the terminal (prompt on stderr) and returns the trimmed answer; null when nobody can answer. */
export async function ask(io: CliIO, question: string): Promise<string | null> {
  if (io.stdin === undefined) return null;
  const rl = createInterface({ input: io.stdin, output: io.stderr as NodeJS.WritableStream });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}
