/** `reconcile watch` options refused before anything is loaded or watched (src/cli/main.ts). */
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/main.js";

async function watch(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  let stdout = "";
  let stderr = "";
  const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env: {} };
  const code = await run(["watch", ...args], io);
  return { code, stderr, stdout };
}

describe("reconcile watch: usage", () => {
  const cases: { args: string[]; error: string }[] = [
    { args: ["--self-heal"], error: "error: --self-heal needs --interval: drift is looked for at each interval" },
    { args: ["--interval", "5m", "--self-heal", "--plan-only"], error: "error: --self-heal applies and --plan-only applies nothing: pick one" },
    { args: ["--ref", "main", "--poll", "30s"], error: "error: --ref, --poll go with --git" },
    { args: ["--metrics", "9464"], error: "error: --metrics 9464: not HOST:PORT" },
    { args: ["--interval", "5 minutes"], error: "error: --interval 5 minutes: not a duration" },
    { args: ["--interval", "10ms"], error: "error: --interval 10ms: must be at least 1000 ms" },
    { args: ["--concurrency", "0"], error: "error: --concurrency must be a whole number of at least 1, not '0'" },
  ];
  for (const c of cases) {
    it(`${c.args.join(" ")} → exit 64`, async () => {
      const r = await watch(c.args);
      expect(r.code).toBe(64);
      expect(r.stderr.split("\n")[0]).toBe(c.error);
    });
  }

  it("--help lists every option and the examples", async () => {
    const r = await watch(["--help"]);
    expect(r.code).toBe(0);
    for (const o of ["--plan-only", "--prune", "--interval", "--self-heal", "--debounce", "--git", "--ref", "--path", "--poll", "--metrics", "--on-drift", "--on-failure", "--json"]) expect(r.stdout).toContain(o);
    expect(r.stdout).toContain("$ reconcile watch --git /srv/git/cluster.git --ref main --path cluster.yaml --poll 30s --metrics 127.0.0.1:9464");
  });
});
