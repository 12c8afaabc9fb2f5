/**
 * The manifest that pins a `deb` set: `SHA256SUMS` in the set's folder, in `sha256sum` format
 * (`<64 hex>  <file name>`, one line per .deb, sorted by name). The artifact's own sha256 is the
 * manifest's, so one digest in cluster.yaml pins every package. Pure.
 */

export const DEB_MANIFEST = "SHA256SUMS";

export interface ManifestEntry {
  sha256: string;
  file: string;
}

/** Canonical manifest text: sorted, one line each, trailing newline. Same set, same bytes. */
export function formatManifest(entries: readonly ManifestEntry[]): string {
  return [...entries]
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
    .map((e) => `${e.sha256}  ${e.file}\n`)
    .join("");
}

/** Entries of a manifest; lines that are not `<hex>  <name>.deb` are returned as problems. */
export function parseManifest(text: string): { entries: ManifestEntry[]; problems: string[] } {
  const entries: ManifestEntry[] = [];
  const problems: string[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const m = /^([a-f0-9]{64}) [ *]([^/\s][^/]*\.deb)$/.exec(line);
    if (m === null) problems.push(`line ${i + 1}: expected '<sha256>  <name>.deb'`);
    else entries.push({ sha256: m[1] ?? "", file: m[2] ?? "" });
  });
  return { entries, problems };
}
