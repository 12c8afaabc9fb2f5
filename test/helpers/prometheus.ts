/** The Prometheus text exposition read back into samples, for tests that assert values and labels. */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Every sample line of `body` (comments skipped); throws on a line that is neither. */
export function parseExposition(body: string): Sample[] {
  return body
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((line) => {
      const m = SAMPLE.exec(line);
      if (m === null) throw new Error(`not a sample line: ${line}`);
      const labels: Record<string, string> = {};
      for (const l of (m[2] ?? "").matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
}

/** The samples of one metric name, as `labels → value` rows sorted for stable comparisons. */
export function samplesOf(body: string, name: string): { labels: Record<string, string>; value: number }[] {
  return parseExposition(body)
    .filter((s) => s.name === name)
    .map(({ labels, value }) => ({ labels, value }))
    .sort((a, b) => JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)));
}
