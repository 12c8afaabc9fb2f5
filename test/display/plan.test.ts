/** renderPlan: the plan as lines for people, over the fixture cases of test/fixtures/plans. */
import { describe, expect, it } from "vitest";
import { renderPlan } from "../../src/display/plan.js";
import type { Style } from "../../src/display/style.js";
import type { Plan } from "../../src/planner/types.js";
import { loadCase, planCase } from "../planner/cases.js";

const rendered = (name: string, options: Parameters<typeof renderPlan>[1] = {}) => renderPlan(planCase(loadCase(name)), options);
const planOf = (name: string): Plan => planCase(loadCase(name));

/** A change row: mark right-aligned in 3 columns, the label padded to the node's widest label, two spaces, the detail. */
const row = (mark: string, label: string, width: number, detail: string) => `${mark.padStart(3)} ${label.padEnd(width)}  ${detail}`;

/** Every line tagged with its tone, so tests see which style each part got. */
const tagged: Style = (tone, text) => `<${tone}>${text}</${tone}>`;

/** The lines after the one equal to `line`, up to the next change row or summary line. */
function followers(lines: string[], line: string): string[] {
  const i = lines.indexOf(line);
  expect(i, `no line ${JSON.stringify(line)}`).toBeGreaterThanOrEqual(0);
  const out: string[] = [];
  for (const l of lines.slice(i + 1)) {
    if (!l.startsWith("      ")) break;
    out.push(l);
  }
  return out;
}

const A1 = "a1".repeat(32);
const F1 = "f1".repeat(32);
const F2 = "f2".repeat(32);

describe("renderPlan: fresh cluster", () => {
  const lines = rendered("fresh-cluster");
  // The widest label on the server is "file /etc/postgresql/15/main/conf.d/reconcile.conf" (50).
  const server = (label: string, detail: string) => row("+", label, 50, detail);

  it("a heading per node with its address and roles", () => {
    expect(lines.filter((l) => l.startsWith("node "))).toEqual([
      "node server (198.51.100.11) [server]",
      "node worker-1 (198.51.100.12) [worker]",
      "node worker-2 (198.51.100.13) [worker]",
    ]);
  });

  it("`+` for every create, with its reason; a link shows its target", () => {
    expect(lines).toContain(server("user prefect", "no such user"));
    expect(lines).toContain(server("artifact pg-debs", "not in the node's store"));
    expect(lines).toContain(server("packages pg-debs", "not installed"));
    expect(lines).toContain(server("database prefect", "not created by reconcile yet"));
    expect(lines).toContain(server("service prefect-server.service", "new unit"));
    expect(lines).toContain(server("migration prefect-server", "prefect-env is new and database prefect is new: nothing to back up yet; migrate prefect"));
    expect(lines).toContain(server("link /opt/prefect/envs/prefect-env", `/opt/prefect/store/${A1}`));
    expect(lines.filter((l) => /^ {2}[+~-] |^-\/\+ /.test(l))).toHaveLength(43);
    expect(lines.filter((l) => /^ {2}[~-] |^-\/\+ /.test(l))).toEqual([]);
  });

  it("a new file's text is shown with --verbose only", () => {
    expect(followers(lines, server("file /etc/prefect/server.env", "no such file"))).toEqual([]);
  });

  it("with --verbose a new text file shows its whole text as added lines; a file with secrets shows none", () => {
    const lines = rendered("fresh-cluster", { verbose: true });
    expect(followers(lines, server("file /etc/prefect/server.env", "no such file"))).toEqual([
      "      --- /etc/prefect/server.env",
      "      +++ /etc/prefect/server.env",
      "      @@ -0,0 +1,10 @@",
      "      +# Managed by reconcile (cluster plant); local changes are overwritten.",
      '      +PREFECT_API_DATABASE_MIGRATE_ON_START="false"',
      '      +PREFECT_HOME="/var/lib/prefect"',
      '      +PREFECT_SERVER_ANALYTICS_ENABLED="false"',
      '      +PREFECT_SERVER_API_HOST="127.0.0.1"',
      '      +PREFECT_SERVER_API_PORT="4200"',
      '      +PREFECT_SERVER_DATABASE_MIGRATE_ON_START="false"',
      '      +PREFECT_SERVER_MEMO_STORE_PATH="/var/lib/prefect/memo_store.toml"',
      '      +PREFECT_UI_API_URL="/api"',
      '      +PREFECT_UI_STATIC_DIRECTORY="/var/lib/prefect/ui"',
    ]);
    expect(followers(lines, server("file /etc/prefect/server.secrets.env", "no such file"))).toEqual([]);
  });

  it("bytes to send and to unpack per node, then the summary line", () => {
    // server: 48 MB + 300 MB + 15 MB, unpacked to as much (debs, a plain tar); each worker: 300 MB
    // + 120 MB + 20 KiB of flow code, the 120 MB .tar.gz unpacking to 360 MB.
    expect(lines.filter((l) => l.includes("to send:"))).toEqual([
      "    to send: 346.2 MiB; to unpack: about 346.2 MiB",
      "    to send: 400.6 MiB; to unpack: about 629.4 MiB",
      "    to send: 400.6 MiB; to unpack: about 629.4 MiB",
    ]);
    expect(lines.at(-1)).toBe("Plan: 43 to add, 0 to change, 0 to destroy.");
    expect(lines.filter((l) => l.startsWith("Plan:") || l.startsWith("No changes"))).toHaveLength(1);
  });

  it("says when some bytes are known only after staging", () => {
    const c = loadCase("fresh-cluster");
    const local = structuredClone(c.local);
    const env = local.artifacts["prefect-env"];
    if (env === undefined) throw new Error("fixture changed");
    env.bytes = null;
    env.unpackedBytes = null;
    const text = renderPlan(planCase({ ...c, local }));
    // worker: 120 MB of flow-env + 20480 bytes of flow code are known, unpacked 360 MB + 20480.
    expect(text).toContain("    to send: 114.5 MiB plus sources not fetched yet; to unpack: about 343.3 MiB");
  });
});

describe("renderPlan: changes to a converged cluster", () => {
  it("a changed setting: `~` update with the env file's diff, `~` restart of that node's worker unit, the rest counted as unchanged", () => {
    const lines = rendered("worker-setting-changed");
    const width = "service prefect-worker@production.service".length;
    const update = row("~", "file /etc/prefect/worker.env", width, "content");
    expect(lines).toContain(update);
    expect(lines).toContain(row("~", "service prefect-worker@production.service", width, "restart"));
    expect(followers(lines, update)).toEqual([
      "      --- /etc/prefect/worker.env",
      "      +++ /etc/prefect/worker.env",
      "      @@ -2,4 +2,4 @@",
      '       PREFECT_API_SSL_CERT_FILE="/etc/prefect/proxy-ca.crt"',
      '       PREFECT_API_URL="https://prefect.internal/api"',
      '       PREFECT_HOME="/var/lib/prefect"',
      '      -PREFECT_WORKER_QUERY_SECONDS="5"',
      '      +PREFECT_WORKER_QUERY_SECONDS="10"',
    ]);
    expect(lines).toContain("    (11 unchanged)");
    expect(lines.filter((l) => l.startsWith("    no changes"))).toEqual(["    no changes (12 resources as declared)", "    no changes (15 resources as declared)"]);
    expect(lines.some((l) => l.includes("to send:"))).toBe(false);
    expect(lines.at(-1)).toBe("Plan: 0 to add, 2 to change, 0 to destroy.");
  });

  it("a changed unit file: the unified diff of the unit, then both instances restart", () => {
    const lines = rendered("unit-file-changed");
    const width = "file /etc/systemd/system/prefect-worker@.service".length;
    const update = row("~", "file /etc/systemd/system/prefect-worker@.service", width, "content");
    expect(followers(lines, update)).toEqual([
      "      --- /etc/systemd/system/prefect-worker@.service",
      "      +++ /etc/systemd/system/prefect-worker@.service",
      "      @@ -14,7 +14,8 @@",
      "       EnvironmentFile=/etc/prefect/worker-%i.env",
      "       ExecStart=/opt/prefect/envs/prefect-env/bin/prefect worker start --type process --pool ${RECONCILE_POOL} --name ${RECONCILE_WORKER_NAME} $RECONCILE_WORKER_ARGS",
      "       Restart=always",
      "      -RestartSec=10",
      "      +RestartSec=5",
      "      +KillMode=mixed",
      "       TimeoutStopSec=30",
      "       ",
      "       [Install]",
    ]);
    expect(lines).toContain(row("~", "service prefect-worker@production.1.service", width, "restart"));
    expect(lines).toContain(row("~", "service prefect-worker@production.2.service", width, "restart"));
    expect(lines.at(-1)).toBe("Plan: 0 to add, 3 to change, 0 to destroy.");
  });

  it("a link at an old version: `~` with before → after", () => {
    const lines = rendered("link-old-version");
    expect(lines).toContain(row("~", "link /opt/prefect/envs/flow-env", "link /opt/prefect/envs/flow-env".length, `/opt/prefect/store/${F1} → /opt/prefect/store/${F2}`));
    expect(lines.at(-1)).toBe("Plan: 1 to add, 2 to change, 0 to destroy.");
  });

  it("the wrong kind of thing: `-/+` replace, counted as an add and a destroy", () => {
    const lines = rendered("wrong-kind");
    const width = "service prefect-worker@production.service".length;
    const replace = row("-/+", "file /etc/prefect/worker.env", width, "a directory stands where the file goes");
    expect(lines).toContain(replace);
    expect(followers(lines, replace)).toEqual([]);
    expect(lines.at(-1)).toBe("Plan: 1 to add, 1 to change, 1 to destroy.");
  });

  it("a resumed upload says so", () => {
    const lines = rendered("partial-upload");
    expect(lines.some((l) => /^ {2}\+ artifact prefect-env\s+not in the store; 100000000 bytes already uploaded, the transfer resumes$/.test(l))).toBe(true);
    // The resumed upload sends less; what it unpacks is the same.
    expect(lines.filter((l) => l.includes("to send:"))).toEqual([
      "    to send: 286.1 MiB; to unpack: about 286.1 MiB",
      "    to send: 190.7 MiB; to unpack: about 286.1 MiB",
      "    to send: 286.1 MiB; to unpack: about 286.1 MiB",
    ]);
  });

  it("with --prune: `-` for each undeclared resource, counted as destroys", () => {
    const lines = rendered("prune");
    const width = "service prefect-worker@staging.service".length;
    expect(lines).toContain(row("-", "service prefect-worker@staging.service", width, "no longer declared (added by generation 2)"));
    expect(lines).toContain(row("-", "file /etc/prefect/worker-staging.env", width, "no longer declared (added by generation 2)"));
    expect(lines).toContain(row("-", "link /opt/prefect/flows/old-report", width, "no longer declared (added by generation 1)"));
    expect(lines.at(-1)).toBe("Plan: 0 to add, 0 to change, 3 to destroy.");
  });

  it("without --prune: the same `-` rows, kept, and a line saying how to delete them", () => {
    const lines = rendered("prune-kept");
    const width = "service prefect-worker@staging.service".length;
    expect(lines).toContain(row("-", "service prefect-worker@staging.service", width, "no longer declared; kept until apply --prune"));
    expect(lines.slice(-2)).toEqual(["3 resources no longer declared are kept; apply --prune deletes them.", "No changes. The nodes match cluster.yaml."]);
  });

  it("files with secrets: `(sensitive)` on an update, and never a diff", () => {
    const lines = rendered("secrets");
    const update = lines.find((l) => /^ {2}~ file \/etc\/prefect\/server\.secrets\.env\s+content \(sensitive\)$/.test(l));
    expect(update).toBeDefined();
    expect(followers(lines, update ?? "")).toEqual([]);
    const create = lines.find((l) => /^ {2}\+ file \/etc\/prefect\/worker\.secrets\.env\s+no such file$/.test(l));
    expect(followers(lines, create ?? "")).toEqual([]);
  });
});

describe("renderPlan: converged, unreachable, errored", () => {
  it("a converged cluster: one line per node and `No changes.`", () => {
    expect(rendered("converged")).toEqual([
      "node server (198.51.100.11) [server]",
      "    no changes (12 resources as declared)",
      "",
      "node worker-1 (198.51.100.12) [worker]",
      "    no changes (13 resources as declared)",
      "",
      "node worker-2 (198.51.100.13) [worker]",
      "    no changes (15 resources as declared)",
      "",
      "No changes. The nodes match cluster.yaml.",
    ]);
  });

  it("verbose: noops too, each with its reason", () => {
    const lines = rendered("converged", { verbose: true });
    const width = "file /etc/systemd/system/prefect-server.service".length;
    expect(lines).toContain(row(" ", "user prefect", width, "exists"));
    expect(lines).toContain(row(" ", "file /etc/prefect/server.secrets.env", width, "content, mode and owner as declared"));
    expect(lines).toContain(row(" ", "service caddy.service", width, "enabled and active; no input changed"));
    expect(lines.at(-1)).toBe("No changes. The nodes match cluster.yaml.");
  });

  it("an unreachable node: its error and hint, and a line naming the nodes not planned", () => {
    const lines = rendered("unreachable-node");
    const i = lines.indexOf("node worker-2 (198.51.100.13) [worker]");
    expect(lines.slice(i, i + 4)).toEqual([
      "node worker-2 (198.51.100.13) [worker]",
      "  ! unreachable: node worker-2: unknown host key: 198.51.100.13:22 offers ssh-ed25519 key SHA256:7q5dJ0GZZq0kKQeFqZyQ0uN8l1Hc0T8s3M5R0t1yK2w and /work/known_hosts has no key for it",
      "    hint: run `reconcile trust` to record it (it shows the fingerprint first)",
      "",
    ]);
    expect(lines).toContain("Not planned: worker-2 (unreachable).");
  });

  it("a node whose facts failed: its error, nothing planned for it", () => {
    const lines = rendered("fact-parse-error");
    const i = lines.indexOf("node worker-1 (198.51.100.12) [worker]");
    expect(lines.slice(i, i + 3)).toEqual(["node worker-1 (198.51.100.12) [worker]", "  ! facts: files: unexpected line \"stat: cannot statx '/etc/prefect/worker.env': Permission denied\"", ""]);
    expect(lines).toContain("Not planned: worker-1 (errored).");
  });

  // Regression test (found by the fixture review; fixed in src).
  it("does not claim the nodes match cluster.yaml when a node was not planned", () => {
    for (const name of ["unreachable-node", "fact-parse-error"]) {
      expect(planOf(name).errored).toBe(true);
      expect(rendered(name).at(-1)).not.toBe("No changes. The nodes match cluster.yaml.");
    }
  });
});

describe("renderPlan: style", () => {
  it("the style function colors headings, rows by action, diff lines, errors and hints", () => {
    const changed = renderPlan(planOf("worker-setting-changed"), { style: tagged });
    const width = "service prefect-worker@production.service".length;
    expect(changed).toContain("<heading>node worker-1 (198.51.100.12) [worker]</heading>");
    expect(changed).toContain(`<change>${"  ~ " + "file /etc/prefect/worker.env".padEnd(width)}  </change><muted>content</muted>`);
    expect(changed).toContain('      <destroy>-PREFECT_WORKER_QUERY_SECONDS="5"</destroy>');
    expect(changed).toContain('      <add>+PREFECT_WORKER_QUERY_SECONDS="10"</add>');
    expect(changed).toContain("      <muted>--- /etc/prefect/worker.env</muted>");
    expect(changed).toContain("      <heading>@@ -2,4 +2,4 @@</heading>");
    expect(changed).toContain("<muted>    no changes (12 resources as declared)</muted>");
    expect(changed.at(-1)).toBe("Plan: 0 to add, 2 to change, 0 to destroy.");

    const fresh = renderPlan(planOf("fresh-cluster"), { style: tagged });
    expect(fresh).toContain(`<add>${"  + " + "user prefect".padEnd(50)}  </add><muted>no such user</muted>`);
    expect(fresh).toContain("<muted>    to send: 346.2 MiB; to unpack: about 346.2 MiB</muted>");

    const replaced = renderPlan(planOf("wrong-kind"), { style: tagged });
    expect(replaced.some((l) => l.startsWith("<destroy>-/+ file /etc/prefect/worker.env"))).toBe(true);

    const unreachable = renderPlan(planOf("unreachable-node"), { style: tagged });
    expect(unreachable.some((l) => l.startsWith("<error>  ! unreachable: node worker-2:") && l.endsWith("</error>"))).toBe(true);
    expect(unreachable).toContain("<muted>    hint: run `reconcile trust` to record it (it shows the fingerprint first)</muted>");
    expect(unreachable).toContain("<error>Not planned: worker-2 (unreachable).</error>");
  });

  it("deletions are red with --prune and muted while they are kept", () => {
    const width = "service prefect-worker@staging.service".length;
    const label = `  - ${"service prefect-worker@staging.service".padEnd(width)}  `;
    expect(renderPlan(planOf("prune"), { style: tagged })).toContain(`<destroy>${label}</destroy><muted>no longer declared (added by generation 2)</muted>`);
    expect(renderPlan(planOf("prune-kept"), { style: tagged })).toContain(`<muted>${label}</muted><muted>no longer declared; kept until apply --prune</muted>`);
  });

  it("warnings use the warning tone", () => {
    const c = loadCase("converged");
    const facts = structuredClone(c.facts);
    const w1 = facts["worker-1"];
    if (w1?.reachable !== true) throw new Error("fixture changed");
    w1.facts.lock = { ok: true, value: { holder: "ops", host: "controller", pid: 7, startedAt: "2026-11-01T10:00:00.000Z", expiresAt: "2026-11-01T10:10:00.000Z" } };
    expect(renderPlan(planCase(c, facts), { style: tagged })).toContain(
      "<warning>  warning: locked by ops on controller (pid 7) since 2026-11-01T10:00:00.000Z, lease until 2026-11-01T10:10:00.000Z</warning>",
    );
  });
});

describe("renderPlan: not enough disk", () => {
  it("warns under the node's heading, in the warning tone, before its changes; the plan goes on", () => {
    const c = loadCase("small-store-mount");
    const text = renderPlan(planCase(c), { style: tagged });
    const heading = text.indexOf("<heading>node worker-2 (198.51.100.13) [worker]</heading>");
    expect(text[heading + 1]).toBe(
      "<warning>  warning: not enough disk: /opt/prefect/store (mounted at /opt/prefect/store) has 572.2 MiB free, about 629.4 MiB needed to receive and unpack (with a safety margin of 57.2 MiB)</warning>",
    );
    expect(text.filter((l) => l.includes("not enough disk"))).toHaveLength(1);
    expect(text.at(-1)).toBe("Plan: 3 to add, 8 to change, 0 to destroy.");
  });
});
