/** Spelling suggestions for names and keys. Pure. */
import { closest, distance } from "fastest-levenshtein";

/** "did you mean 'x'?" when a candidate is close: at most a third of the word differs (two edits at least). */
export function didYouMean(value: unknown, candidates: readonly string[]): string | undefined {
  if (typeof value !== "string" || candidates.length === 0) return undefined;
  const best = closest(value, [...candidates]);
  const limit = Math.max(2, Math.floor(Math.max(value.length, best.length) / 3));
  return distance(value, best) <= limit ? `did you mean '${best}'?` : undefined;
}
