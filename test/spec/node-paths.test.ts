/** The node-path rule (schema `absolutePath`) and the message that explains a refusal. */
import { describe, expect, it } from "vitest";
import { NODE_PATH, nodePathProblem } from "../../src/spec/node-paths.js";

describe("node paths", () => {
  it.each(["/opt/prefect", "/opt/my prefect", "/srv/a+b@c,d:e=f~g.h_i-j", "/", "/opt/two  spaces/"])("accepts %j", (path) => {
    expect(NODE_PATH.test(path)).toBe(true);
  });

  it.each([
    ["/opt/$x", "'$' is not supported in a node path: the node's shell scripts and systemd units read quotes, $, backquotes and \\ specially"],
    ["/opt/`x`", "'`' is not supported in a node path:"],
    ["/opt/100%", "'%' is not supported in a node path: systemd reads % as a specifier in unit files"],
    ["/opt/a\u0001b", "the control character U+0001 is not supported in a node path: unit files, env files and the node's undo journal are read line by line"],
    ["/opt/a\rb", "a carriage return is not supported in a node path:"],
    ["/opt/[x]", "'[' and ']' are not supported in a node path yet"],
    ["/opt/$a%b\nc", "'$' is not supported in a node path: "],
  ])("refuses %j, naming the character and why", (path, message) => {
    expect(NODE_PATH.test(path)).toBe(false);
    const problem = nodePathProblem(path);
    expect(problem.startsWith(message)).toBe(true);
    expect(problem.endsWith("; use ASCII letters, digits, spaces and + @ , : = ~ . _ - between the /")).toBe(true);
  });

  it("several kinds of characters: each reason once, in the order the characters first appear", () => {
    expect(nodePathProblem("/opt/$a%b\nc$")).toBe(
      "'$' is not supported in a node path: the node's shell scripts and systemd units read quotes, $, backquotes and \\ specially, and the scripts that write scripts on the node cannot carry them yet; " +
        "'%' is not supported in a node path: systemd reads % as a specifier in unit files; " +
        "a newline is not supported in a node path: unit files, env files and the node's undo journal are read line by line; " +
        "use ASCII letters, digits, spaces and + @ , : = ~ . _ - between the /",
    );
  });

  it("a relative path: must start with /", () => {
    expect(nodePathProblem("opt/prefect")).toBe("must be an absolute path on the node, starting with /");
  });
});
