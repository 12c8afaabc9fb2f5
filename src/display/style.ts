/**
 * Tones and colors: every display function takes a `Style` that paints text by its tone. Pure:
 * whether the terminal gets colors is decided from what the caller passes in (is the stream a
 * terminal, the environment), and the painting itself is the caller's `paint` (the CLI passes
 * node:util's styleText), so nothing here reads the process or writes.
 */

export type Tone = "add" | "change" | "destroy" | "muted" | "heading" | "error" | "warning";
export type Style = (tone: Tone, text: string) => string;

/** No colors: the text as it is. */
export const plain: Style = (_tone, text) => text;

/** The colors a tone is painted with (names as node:util's styleText knows them). */
export type Color = "green" | "yellow" | "red" | "dim" | "bold";

const COLORS: Record<Tone, Color> = {
  add: "green",
  change: "yellow",
  destroy: "red",
  muted: "dim",
  heading: "bold",
  error: "red",
  warning: "yellow",
};

/**
 * Colors on a terminal, unless NO_COLOR is set (https://no-color.org); undefined means plain.
 *
 * @example
 * terminalStyle(io.stdout.isTTY, io.env, styleText)?.("add", "+ file") // "\x1b[32m+ file\x1b[39m" on a terminal
 */
export function terminalStyle(
  isTTY: boolean | undefined,
  env: Readonly<Record<string, string | undefined>>,
  paint: (color: Color, text: string) => string,
): Style | undefined {
  if (isTTY !== true || (env.NO_COLOR ?? "") !== "") return undefined;
  return (tone, text) => (text === "" ? text : paint(COLORS[tone], text));
}
