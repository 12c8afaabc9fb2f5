/**
 * Quantities in words, for the text of messages and data: `formatBytes`. Imports nothing, pure.
 *
 * Apart from src/display on purpose: the pure planner (a disk shortfall's reason, which is data
 * in the plan) and the executors (a transfer error's message) put sizes into their own text, and
 * may not import src/display, a layer above them. Layout for the terminal (lines, marks, colors,
 * progress) belongs in src/display; a unit that a message of any layer may carry belongs here.
 */

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(bytes)} B` : `${value.toFixed(1)} ${units[unit]}`;
}
