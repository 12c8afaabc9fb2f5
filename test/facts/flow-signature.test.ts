/** A flow's parameters read from its Python code: a table of signatures, and the errors with line:col. */
import { describe, expect, it } from "vitest";
import { flowSignature, pythonString, type FlowParameter } from "../../src/facts/flow-signature.js";

/** Parameters without their parsed types: name, kind, default (absent: required; "?" a default that is not a literal). */
const brief = (ps: FlowParameter[]) => ps.map((p) => [p.name, p.kind, p.hasDefault ? (p.default === undefined ? "?" : p.default) : "required", p.annotation]);

const CASES: { name: string; source: string; func?: string; want: ReturnType<typeof brief> }[] = [
  {
    name: "a decorated def with annotations and literal defaults",
    source: `from prefect import flow\n\n@flow(name="etl", retries=2)\ndef main(n: int, rate: float = 0.5, name: str = "x", on: bool = False, tags: list[str] = ["a", 'b'], cfg: dict = {"k": [1, None]}):\n    return n\n`,
    want: [
      ["n", "positional", "required", "int"],
      ["rate", "positional", 0.5, "float"],
      ["name", "positional", "x", "str"],
      ["on", "positional", false, "bool"],
      ["tags", "positional", ["a", "b"], "list[str]"],
      ["cfg", "positional", { k: [1, null] }, "dict"],
    ],
  },
  {
    name: "async def, several decorators, a multi-line signature with a trailing comma",
    source: `@other\n@flow\nasync def main(\n    a,\n    b: Optional[int] = None,  # comment\n    c=-1,\n):\n    pass\n`,
    want: [
      ["a", "positional", "required", null],
      ["b", "positional", null, "Optional[int]"],
      ["c", "positional", -1, null],
    ],
  },
  {
    name: "*args, keyword-only and **kwargs",
    source: `def main(x, *args, y: int, z: str = "q", **kw): ...\n`,
    want: [
      ["x", "positional", "required", null],
      ["args", "var-positional", "required", null],
      ["y", "keyword", "required", "int"],
      ["z", "keyword", "q", "str"],
      ["kw", "var-keyword", "required", null],
    ],
  },
  {
    name: "a bare * and a positional-only /",
    source: `def main(a, /, b, *, c=1, d): pass\n`,
    want: [
      ["a", "positional", "required", null],
      ["b", "positional", "required", null],
      ["c", "keyword", 1, null],
      ["d", "keyword", "required", null],
    ],
  },
  {
    name: "defaults that are not literals have a default all the same",
    source: `import datetime\nLIMIT = 3\ndef main(when=datetime.datetime.now(), n=LIMIT, s=f"x{LIMIT}", t=(1, 2), u={1}, v=0x1F, w=1_000, z="a" "b"): pass\n`,
    want: [
      ["when", "positional", "?", null],
      ["n", "positional", "?", null],
      ["s", "positional", "?", null],
      ["t", "positional", [1, 2], null],
      ["u", "positional", [1], null],
      ["v", "positional", 31, null],
      ["w", "positional", 1000, null],
      ["z", "positional", "ab", null],
    ],
  },
  {
    name: "a method of the same name in a class is not it; the top-level def is",
    source: `class K:\n    def main(self, inner): pass\n\ndef main(outer: int): pass\n`,
    want: [["outer", "positional", "required", "int"]],
  },
  {
    name: "the last top-level def of the name is the one the module holds",
    source: `def main(old): pass\ndef main(new=1): pass\n`,
    want: [["new", "positional", 1, null]],
  },
  { name: "no parameters", source: `@flow\ndef main() -> None:\n    pass\n`, want: [] },
  {
    name: "the function is found past other code, and another function's syntax error is not its problem",
    source: `def helper(a b): pass\n\n@flow\ndef main(x: dict[str, list[int]] = {}): pass\n`,
    want: [["x", "positional", {}, "dict[str, list[int]]"]],
  },
];

describe("flowSignature", () => {
  it.each(CASES)("$name", ({ source, func, want }) => {
    const result = flowSignature(source, func ?? "main");
    expect(result.ok ? brief(result.parameters) : result.error).toEqual(want);
  });

  it("reads annotations as types: subscripts, dotted names, unions, Literal and string forward references", () => {
    const source = `def main(a: typing.Optional[List[int]], b: int | None, c: Literal["x", 2], d: "dict[str, float]", e: Tuple[int, ...], f: SomeClass, g: Callable[[int], str]): pass\n`;
    const result = flowSignature(source, "main");
    if (!result.ok) throw new Error(result.error.message);
    const t = (name: string, args: unknown[] = []) => ({ name, args });
    expect(result.parameters.map((p) => p.type)).toEqual([
      t("typing.Optional", [t("List", [t("int")])]),
      t("|", [t("int"), t("None")]),
      t("Literal", [{ literal: "x" }, { literal: 2 }]),
      t("dict", [t("str"), t("float")]),
      t("Tuple", [t("int"), t("...")]),
      t("SomeClass"),
      null, // a list inside a subscript is not understood: no type (any value)
    ]);
  });

  it.each([
    { name: "the function is missing", source: `def other(x): pass\n`, want: { line: 1, col: 1, message: "no top-level function main (def main(...) or async def main(...))" } },
    { name: "only a method has the name", source: `class K:\n    def main(self): pass\n`, want: { line: 1, col: 1, message: "no top-level function main (def main(...) or async def main(...))" } },
    { name: "a syntax error in its parameters", source: `import x\n\n@flow\ndef main(a, b c=1):\n    pass\n`, want: { line: 4, col: 15, message: "cannot parse the parameters of main (a syntax error?)" } },
  ])("an error with line:col when $name", ({ source, want }) => {
    expect(flowSignature(source, "main")).toEqual({ ok: false, error: want });
  });

  it("a syntax error that hides the function is reported where it is", () => {
    const result = flowSignature(`x = (\n\ndef main(a): pass\n`, "main");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/^cannot parse the file \(a syntax error\?\), and no function main was found before it$/);
  });
});

describe("pythonString", () => {
  it.each([
    [`"x"`, "x"],
    [`'it\\'s'`, "it's"],
    [`"a\\nb\\t\\\\"`, "a\nb\t\\"],
    [`r"\\d+"`, "\\d+"],
    [`b"q"`, "q"],
    [`"\\x41\\u00e9\\101"`, "Aé" + "A"],
    [`"""two\nlines"""`, "two\nlines"],
    [`"\\N{BULLET}"`, undefined],
    [`f"x"`, undefined],
  ])("%s", (literal, want) => {
    expect(pythonString(literal)).toBe(want);
  });
});
