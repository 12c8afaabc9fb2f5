import type { Fact, FactsRequest } from "./types.js";

/**
 * A fact: a shell snippet that prints it and a parser that reads what the snippet printed. Both
 * are pure; `test/fixtures/facts/<id>/*.json` pins them down (request + output → command, value).
 * The parser gets the exit status of the snippet too and never throws: output it cannot read is
 * an `{ ok: false }` with the reason.
 */
export interface FactDefinition<T> {
  id: string;
  /**
   * Only for facts gathered on request (`postgres`): whether this request asks for it. Absent:
   * always gathered. A fact not asked for is left out of the script and of the node's facts.
   */
  requested?(request: FactsRequest): boolean;
  command(request: FactsRequest): string;
  parse(output: string, exitCode: number, request: FactsRequest): Fact<T>;
}

export const ok = <T>(value: T): Fact<T> => ({ ok: true, value });
export const bad = <T>(error: string): Fact<T> => ({ ok: false, error });

/** Lines without the empty ones. */
export const lines = (text: string) => text.split("\n").filter((l) => l !== "");

/** A snippet's failure, in one line: its exit code and the first line it printed. */
export function failed<T>(what: string, exitCode: number, output: string): Fact<T> {
  const first = lines(output)[0];
  return bad(`${what} exited with ${exitCode}${first === undefined ? "" : `: ${first.slice(0, 200)}`}`);
}

/** A non-negative integer written in decimal, or undefined. */
export function count(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}
