/** gatherFacts with fake transports: unreachable nodes never hide the others; an abort is not "unreachable". */
import { describe, expect, it } from "vitest";
import { ConnectError, ReconcileError, RemoteCommandError } from "../../src/errors.js";
import { existsSync, readFileSync } from "node:fs";
import { gatherFacts, gatherFetchTargets } from "../../src/executors/gather-facts.js";
import { LocalTransport } from "../helpers/local-transport.js";
import type { FactsRequest } from "../../src/facts/types.js";
import type { Transport } from "../../src/executors/transport.js";
import type { ResolvedNode } from "../../src/spec/resolved.js";

const node = (name: string) => ({ name }) as ResolvedNode;
const request: FactsRequest = { root: "/opt/prefect", files: [], units: [], packages: [], users: [] };

/** A transport whose every command fails the way a cancelled command does. */
function cancelled(name: string): Transport {
  return {
    node: name,
    exec: () => Promise.reject(new RemoteCommandError(name, "aborted", "`sh -s` was cancelled and stopped")),
  } as unknown as Transport;
}

describe("gatherFacts", () => {
  it("an unreachable node becomes an entry and the others are still asked", async () => {
    const facts = await gatherFacts(
      [node("a"), node("b")],
      () => request,
      (n) => (n.name === "a" ? Promise.reject(new ConnectError("a", "refused", "connection refused")) : Promise.resolve(cancelled("b"))),
    );
    expect(facts["a"]).toMatchObject({ reachable: false, error: { category: "refused" } });
    expect(facts["b"]).toMatchObject({ reachable: false, error: { category: "command" } });
  });

  it("rejects with the signal's reason once the caller aborted, instead of reporting unreachable nodes", async () => {
    const controller = new AbortController();
    const reason = new ReconcileError("interrupted (SIGINT)", { exitCode: 130 });
    controller.abort(reason);
    await expect(gatherFacts([node("a"), node("b")], () => request, (n) => Promise.resolve(cancelled(n.name)), { signal: controller.signal })).rejects.toBe(reason);
  });
});

describe("gatherFetchTargets", () => {
  it.runIf(existsSync("/var/lib/dpkg/status"))("reads a node's release, dpkg architecture and status in one script; a node that cannot be reached says why", async () => {
    const targets = await gatherFetchTargets([{ name: "here", root: "/opt/prefect" } as ResolvedNode, node("gone")], (n) =>
      n.name === "here" ? Promise.resolve(new LocalTransport("here")) : Promise.reject(new ConnectError("gone", "refused", "connection refused")),
    );
    expect(targets["gone"]).toEqual({ ok: false, error: "unreachable: connection refused" });
    const here = targets["here"];
    expect(here?.ok).toBe(true);
    if (here?.ok === true) {
      expect(here.value.status).toBe(readFileSync("/var/lib/dpkg/status", "utf8"));
      expect(here.value.arch).toMatch(/^[a-z0-9-]+$/);
    }
  });
});
