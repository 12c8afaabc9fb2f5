import { describe, expect, it } from "vitest";
import { createActor, fromPromise, SimulatedClock, toPromise } from "xstate";
import { ConnectError, RemoteCommandError, type ConnectCategory } from "../../src/errors.js";
import type { Stage } from "../../src/planner/types.js";
import { isTransient, type RollbackInput, type RollbackReport, type StageInput } from "../../src/state-machine/actors.js";
import { createNodeMachine, defineNodeMachine, nodeMachine, retryDelayMs, type NodeMachineEmitted } from "../../src/state-machine/node-machine.js";
import { outcomeLines } from "../../src/display/events.js";
import { deferred, FakeExecutors, flush, FULL, nodePlan } from "./helpers.js";

const closed = () => new ConnectError("n1", "closed", "connection closed");

describe("node machine", () => {
  it("runs the stages in order through the actors named in setup()", async () => {
    const seen: { stage: string; input: StageInput }[] = [];
    const record = (stage: string) => fromPromise<void, StageInput>(async ({ input }) => void seen.push({ stage, input }));
    const machine = nodeMachine.provide({
      actors: {
        stage: record("stage"),
        transfer: record("transfer"),
        install: record("install"),
        configure: record("configure"),
        verify: record("verify"),
        rollback: fromPromise<RollbackReport, RollbackInput>(async () => {
          seen.push({ stage: "rollback", input: { node: "?", steps: [] } });
          return { notes: [] };
        }),
      },
    });
    const plan = nodePlan("n1", { stage: 1, transfer: 2, install: 1, configure: 3, verify: 1 });
    const result = await toPromise(createActor(machine, { input: { plan, generation: 1 } }).start());
    expect(result).toEqual({ node: "n1", status: "converged", stages: ["stage", "transfer", "install", "configure", "verify"], message: "converged" });
    expect(seen.map((s) => s.stage)).toEqual(["stage", "transfer", "install", "configure", "verify"]);
    expect(seen.map((s) => s.input.steps.length)).toEqual([1, 2, 1, 3, 1]);
    expect(seen.every((s) => s.input.node === "n1")).toBe(true);
    expect(seen[3]!.input.steps.every((s) => s.stage === "configure")).toBe(true);
  });

  it("skips a stage without steps: its actor is never called", async () => {
    const fake = new FakeExecutors();
    const result = await toPromise(createActor(createNodeMachine(fake), { input: { plan: nodePlan("n1", { stage: 1, configure: 1, verify: 1 }), generation: 1 } }).start());
    expect(fake.stagesOf("n1")).toEqual(["stage", "configure", "verify"]);
    expect(result).toMatchObject({ status: "converged", stages: ["stage", "configure", "verify"] });
  });

  it("converges at once when the plan has no steps", async () => {
    const fake = new FakeExecutors();
    const result = await toPromise(createActor(createNodeMachine(fake), { input: { plan: nodePlan("n1", {}), generation: null } }).start());
    expect(fake.calls).toEqual([]);
    expect(result).toEqual({ node: "n1", status: "converged", stages: [], message: "converged (nothing to do)" });
  });

  it("fails loudly when no actors were provided", async () => {
    const result = await toPromise(createActor(nodeMachine, { input: { plan: nodePlan("n1", FULL), generation: 1 } }).start());
    expect(result).toMatchObject({ status: "failed", stage: "stage" });
    expect(result.message).toContain("'stage' actor was not provided");
  });

  describe("retries", () => {
    it("retries a transient error after 1 s, 2 s, 4 s (SimulatedClock)", async () => {
      const clock = new SimulatedClock();
      const fake = new FakeExecutors((_node, stage, attempt) => (stage === "transfer" && attempt < 4 ? Promise.reject(closed()) : undefined));
      const actor = createActor(createNodeMachine(fake), { input: { plan: nodePlan("n1", FULL), generation: 1 }, clock });
      const retries: NodeMachineEmitted[] = [];
      actor.on("retry.scheduled", (e) => retries.push(e));
      const done = toPromise(actor.start());
      const transfers = () => fake.calls.filter((c) => c.stage === "transfer").length;

      await flush();
      expect(transfers()).toBe(1);
      for (const [wait, expected] of [[1000, 2], [2000, 3], [4000, 4]] as const) {
        clock.increment(wait - 1);
        await flush();
        expect(transfers()).toBe(expected - 1);
        clock.increment(1);
        await flush();
        expect(transfers()).toBe(expected);
      }
      const result = await done;
      expect(result).toMatchObject({ status: "converged" });
      expect(retries.map((e) => (e.type === "retry.scheduled" ? [e.stage, e.retry, e.delayMs] : null))).toEqual([
        ["transfer", 1, 1000],
        ["transfer", 2, 2000],
        ["transfer", 3, 4000],
      ]);
    });

    it("gives up after `attempts` tries and says so", async () => {
      const clock = new SimulatedClock();
      const fake = new FakeExecutors((_n, stage) => (stage === "stage" ? Promise.reject(new RemoteCommandError("n1", "stalled", "timed out after 30s")) : undefined));
      const actor = createActor(createNodeMachine(fake, { retry: { attempts: 3, baseDelayMs: 100 } }), { input: { plan: nodePlan("n1", FULL), generation: 1 }, clock });
      const done = toPromise(actor.start());
      for (let i = 0; i < 5; i++) {
        await flush();
        clock.increment(400);
      }
      const result = await done;
      expect(fake.stagesOf("n1")).toEqual(["stage", "stage", "stage"]);
      expect(result).toMatchObject({ status: "failed", stage: "stage", attempts: 3, rollback: null });
      expect(result.message).toBe("failed at stage after 3 attempts: node n1: timed out after 30s");
    });

    it.each([
      ["auth", new ConnectError("n1", "auth", "permission denied")],
      ["host-key-changed", new ConnectError("n1", "host-key-changed", "host key changed")],
      ["a non-zero exit", new RemoteCommandError("n1", "exit", "exit 1")],
      ["an aborted command", new RemoteCommandError("n1", "aborted", "aborted")],
      ["a plain Error whose message says timeout", new Error("ETIMEDOUT connection timeout")],
    ])("does not retry %s", async (_name, error) => {
      const clock = new SimulatedClock();
      const fake = new FakeExecutors((_n, stage) => (stage === "transfer" ? Promise.reject(error) : undefined));
      const result = await toPromise(createActor(createNodeMachine(fake), { input: { plan: nodePlan("n1", FULL), generation: 1 }, clock }).start());
      expect(fake.stagesOf("n1")).toEqual(["stage", "transfer"]);
      expect(result).toMatchObject({ status: "failed", stage: "transfer", attempts: 1, error });
    });

    it("classifies errors by class and category, never by message", () => {
      const categories: [ConnectCategory, boolean][] = [
        ["closed", true], ["timeout", true], ["refused", true], ["unreachable", true],
        ["auth", false], ["host-key-unknown", false], ["host-key-changed", false], ["dns", false], ["protocol", false],
      ];
      for (const [category, transient] of categories) expect([category, isTransient(new ConnectError("n", category, "x"))]).toEqual([category, transient]);
      // An upload without progress is retried (it resumes); a command that used its whole timeout is not.
      expect(isTransient(new RemoteCommandError("n", "stalled", "x"))).toBe(true);
      expect(isTransient(new RemoteCommandError("n", "timeout", "x"))).toBe(false);
      expect(isTransient(new RemoteCommandError("n", "exit", "timeout"))).toBe(false);
      expect(isTransient(new RemoteCommandError("n", "aborted", "x"))).toBe(false);
      expect(isTransient(Object.assign(new Error("x"), { category: "closed" }))).toBe(false);
      expect(isTransient(undefined)).toBe(false);
    });

    it("computes the backoff as base · 2^(retry−1)", () => {
      expect([1, 2, 3, 4].map((r) => retryDelayMs({ attempts: 5, baseDelayMs: 1000 }, r))).toEqual([1000, 2000, 4000, 8000]);
    });

    it("refuses a retry policy that makes no sense", () => {
      expect(() => defineNodeMachine({ retry: { attempts: 0 } })).toThrow(RangeError);
      expect(() => defineNodeMachine({ retry: { baseDelayMs: -1 } })).toThrow(RangeError);
    });
  });

  describe("failures and rollback", () => {
    const failAt = (at: Stage | "rollback", error: unknown = new RemoteCommandError("n1", "exit", "exit 3"), also?: Stage | "rollback") =>
      new FakeExecutors((_n, stage) => (stage === at || stage === also ? Promise.reject(error) : undefined));

    it("rolls back a failed verify to the generation from the input", async () => {
      const fake = failAt("verify", new RemoteCommandError("n1", "exit", "prefect-server.service is not active"));
      const result = await toPromise(createActor(createNodeMachine(fake), { input: { plan: nodePlan("n1", FULL), generation: 7 } }).start());
      expect(fake.stagesOf("n1")).toEqual(["stage", "transfer", "install", "configure", "verify", "rollback"]);
      expect(result).toMatchObject({ node: "n1", status: "rolledBack", stage: "verify", generation: 7, attempts: 1 });
      expect(result.message).toBe("rolled back to generation 7 after verify failed: node n1: prefect-server.service is not active");
    });

    it("says what the rollback restored besides links and files (a database from its backup)", async () => {
      const fake = failAt("verify", new RemoteCommandError("n1", "exit", "prefect-server.service is not active"));
      const backup = "/var/backups/reconcile/plant-prefect-20261206T124400Z-g8.dump";
      const machine = createNodeMachine({ ...fake, rollback: async () => ({ notes: [`database prefect restored from ${backup}`] }) });
      const result = await toPromise(createActor(machine, { input: { plan: nodePlan("n1", FULL), generation: 7 } }).start());
      expect(result).toMatchObject({ status: "rolledBack", generation: 7, restored: [`database prefect restored from ${backup}`] });
      expect(result.message).toBe(`rolled back to generation 7 (database prefect restored from ${backup}) after verify failed: node n1: prefect-server.service is not active`);
      expect(outcomeLines(result)).toEqual([`node n1: ${result.message}`]);
    });

    it.each(["install", "configure"] as const)("rolls back a failed %s", async (stage) => {
      const fake = failAt(stage);
      const result = await toPromise(createActor(createNodeMachine(fake), { input: { plan: nodePlan("n1", FULL), generation: 2 } }).start());
      expect(fake.stagesOf("n1").at(-1)).toBe("rollback");
      expect(result).toMatchObject({ status: "rolledBack", stage, generation: 2 });
    });

    it.each(["stage", "transfer"] as const)("does not roll back a failed %s (nothing on the node changed)", async (stage) => {
      const fake = failAt(stage);
      const result = await toPromise(createActor(createNodeMachine(fake), { input: { plan: nodePlan("n1", FULL), generation: 2 } }).start());
      expect(fake.stagesOf("n1")).not.toContain("rollback");
      expect(fake.stagesOf("n1").at(-1)).toBe(stage);
      expect(result).toMatchObject({ status: "failed", stage, rollback: null });
      expect(result.message).toBe(`failed at ${stage}: node n1: exit 3`);
    });

    it("does not roll back a verify failure when nothing was switched (no install or configure steps)", async () => {
      const fake = failAt("verify");
      const result = await toPromise(createActor(createNodeMachine(fake), { input: { plan: nodePlan("n1", { transfer: 1, verify: 1 }), generation: 2 } }).start());
      expect(fake.stagesOf("n1")).toEqual(["transfer", "verify"]);
      expect(result).toMatchObject({ status: "failed", stage: "verify", rollback: null });
    });

    it("fails without rollback when the node has no earlier generation, and says why", async () => {
      const fake = failAt("configure");
      const result = await toPromise(createActor(createNodeMachine(fake), { input: { plan: nodePlan("n1", FULL), generation: null } }).start());
      expect(fake.stagesOf("n1")).not.toContain("rollback");
      expect(result.message).toBe("failed at configure: node n1: exit 3 (no earlier generation to roll back to)");
    });

    it("reports both errors when the rollback fails too", async () => {
      const fake = failAt("verify", new RemoteCommandError("n1", "exit", "exit 3"), "rollback");
      const result = await toPromise(createActor(createNodeMachine(fake), { input: { plan: nodePlan("n1", FULL), generation: 4 } }).start());
      expect(result).toMatchObject({ status: "failed", stage: "verify", rollback: { generation: 4 } });
      expect(result.message).toBe("failed at verify: node n1: exit 3; rolling back to generation 4 failed too: node n1: exit 3");
    });

    it("retries a rollback that hit a transient error", async () => {
      const clock = new SimulatedClock();
      const fake = new FakeExecutors((_n, stage, attempt) =>
        stage === "verify" ? Promise.reject(new RemoteCommandError("n1", "exit", "bad")) : stage === "rollback" && attempt === 1 ? Promise.reject(closed()) : undefined,
      );
      const done = toPromise(createActor(createNodeMachine(fake), { input: { plan: nodePlan("n1", FULL), generation: 4 }, clock }).start());
      await flush();
      expect(fake.stagesOf("n1").filter((s) => s === "rollback")).toHaveLength(1);
      clock.increment(1000);
      const result = await done;
      expect(fake.stagesOf("n1").filter((s) => s === "rollback")).toHaveLength(2);
      expect(result).toMatchObject({ status: "rolledBack", generation: 4 });
    });
  });

  describe("cancellation and the rolling gate", () => {
    it("stopping the actor aborts the running stage's signal", async () => {
      const running = deferred<AbortSignal>();
      const fake = new FakeExecutors((_n, stage, _a, signal) => {
        if (stage !== "install") return undefined;
        running.resolve(signal);
        return new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(new RemoteCommandError("n1", "aborted", "aborted"))));
      });
      const actor = createActor(createNodeMachine(fake), { input: { plan: nodePlan("n1", FULL), generation: 1 } }).start();
      const signal = await running.promise;
      expect(signal.aborted).toBe(false);
      actor.stop();
      expect(signal.aborted).toBe(true);
      await flush();
      expect(fake.stagesOf("n1")).toEqual(["stage", "transfer", "install"]);
    });

    it("with gated, waits for slot.granted before install and emits slot.requested", async () => {
      const fake = new FakeExecutors();
      const actor = createActor(createNodeMachine(fake), { input: { plan: nodePlan("n1", FULL), generation: 1, gated: true } });
      const requested: string[] = [];
      actor.on("slot.requested", (e) => requested.push(e.type === "slot.requested" ? e.node : "?"));
      const done = toPromise(actor.start());
      await flush();
      expect(fake.stagesOf("n1")).toEqual(["stage", "transfer"]);
      expect(actor.getSnapshot().value).toBe("waitingForSlot");
      expect(requested).toEqual(["n1"]);
      actor.send({ type: "slot.granted" });
      expect(await done).toMatchObject({ status: "converged" });
      expect(fake.stagesOf("n1")).toEqual(["stage", "transfer", "install", "configure", "verify"]);
    });

    it("with gated, unpacks artifacts into the store first; the switch waits for slot.granted", async () => {
      const fake = new FakeExecutors();
      const actor = createActor(createNodeMachine(fake), { input: { plan: nodePlan("n1", FULL, { unpacks: 2 }), generation: 1, gated: true } });
      const started: string[] = [];
      actor.on("stage.started", (e) => started.push(e.type === "stage.started" ? `${e.stage}${e.phase === e.stage ? "" : `/${e.phase}`}` : "?"));
      const done = toPromise(actor.start());
      await flush();
      expect(actor.getSnapshot().value).toBe("waitingForSlot");
      expect(fake.calls.map((c) => [c.stage, c.steps])).toEqual([
        ["stage", 1],
        ["transfer", 1],
        ["install", 2],
      ]);
      actor.send({ type: "slot.granted" });
      expect(await done).toMatchObject({ status: "converged", stages: ["stage", "transfer", "install", "configure", "verify"] });
      expect(fake.calls.slice(3).map((c) => [c.stage, c.steps])).toEqual([
        ["install", 1],
        ["configure", 1],
        ["verify", 1],
      ]);
      expect(started).toEqual(["stage", "transfer", "install/unpack", "install", "configure", "verify"]);
    });

    it("with gated, an unpack into a folder a link points at already (live) waits for the gate", async () => {
      const fake = new FakeExecutors();
      const plan = nodePlan("n1", FULL, { unpacks: 2 });
      const second = plan.steps.find((s) => s.detail.kind === "artifact" && s.detail.artifact === "env1");
      if (second?.detail.kind !== "artifact") throw new Error("helper changed");
      second.detail.live = true;
      const actor = createActor(createNodeMachine(fake), { input: { plan, generation: 1, gated: true } });
      const done = toPromise(actor.start());
      await flush();
      expect(actor.getSnapshot().value).toBe("waitingForSlot");
      expect(fake.calls.map((c) => [c.stage, c.steps])).toEqual([
        ["stage", 1],
        ["transfer", 1],
        ["install", 1],
      ]);
      actor.send({ type: "slot.granted" });
      await done;
      expect(fake.calls[3]).toMatchObject({ stage: "install", steps: 2 });
    });

    it("a failed unpack ends in failed without a rollback: nothing was switched", async () => {
      const fake = new FakeExecutors((_n, stage, attempt) => (stage === "install" && attempt === 1 ? Promise.reject(new RemoteCommandError("n1", "exit", "tar: short read")) : undefined));
      const result = await toPromise(createActor(createNodeMachine(fake), { input: { plan: nodePlan("n1", FULL, { unpacks: 1 }), generation: 4 } }).start());
      expect(result).toMatchObject({ status: "failed", stage: "install", rollback: null });
      expect(result.message).toBe("failed at install: node n1: tar: short read");
      expect(fake.stagesOf("n1")).toEqual(["stage", "transfer", "install"]);
    });

    it("with gated, does not wait when only stage and transfer have steps", async () => {
      const fake = new FakeExecutors();
      const result = await toPromise(createActor(createNodeMachine(fake), { input: { plan: nodePlan("n1", { stage: 1, transfer: 1 }), generation: 1, gated: true } }).start());
      expect(result).toMatchObject({ status: "converged", stages: ["stage", "transfer"] });
    });

    it("emits stage.started with the attempt number", async () => {
      const clock = new SimulatedClock();
      const fake = new FakeExecutors((_n, stage, attempt) => (stage === "install" && attempt === 1 ? Promise.reject(closed()) : undefined));
      const actor = createActor(createNodeMachine(fake, { retry: { baseDelayMs: 10 } }), { input: { plan: nodePlan("n1", { install: 1, verify: 1 }), generation: 1 }, clock });
      const started: string[] = [];
      actor.on("stage.started", (e) => started.push(e.type === "stage.started" ? `${e.stage}#${e.attempt}` : "?"));
      const done = toPromise(actor.start());
      await flush();
      clock.increment(10);
      await done;
      expect(started).toEqual(["install#1", "install#2", "verify#1"]);
    });
  });
});

describe("record: the node's state, its own step after verify", () => {
  /** Fake executors that also record, scripted per attempt. */
  class Recording extends FakeExecutors {
    readonly recorded: { node: string; after: (Stage | "rollback")[] }[] = [];
    constructor(private readonly onRecord: (attempt: number) => Promise<void> | undefined = () => undefined) {
      super();
    }
    record = (node: string) => {
      this.recorded.push({ node, after: this.stagesOf(node) });
      return this.onRecord(this.recorded.length) ?? Promise.resolve();
    };
  }

  it("runs once verify passed, after every stage, and not when the node had nothing to verify", async () => {
    const fake = new Recording();
    const started: string[] = [];
    const actor = createActor(createNodeMachine(fake), { input: { plan: nodePlan("n1", FULL), generation: 1 } });
    actor.on("stage.started", (e) => started.push(e.type === "stage.started" ? e.stage : ""));
    const result = await toPromise(actor.start());
    expect(result).toMatchObject({ status: "converged", stages: ["stage", "transfer", "install", "configure", "verify"] });
    expect(fake.recorded).toEqual([{ node: "n1", after: ["stage", "transfer", "install", "configure", "verify"] }]);
    // Not announced as a stage of its own: people see the stages of the plan.
    expect(started).toEqual(["stage", "transfer", "install", "configure", "verify"]);

    const idle = new Recording();
    await toPromise(createActor(createNodeMachine(idle), { input: { plan: nodePlan("n1", { stage: 1 }), generation: 1 } }).start());
    expect(idle.recorded).toEqual([]);
  });

  it("a transient failure retries the record alone (verify does not run again)", async () => {
    const clock = new SimulatedClock();
    const fake = new Recording((attempt) => (attempt === 1 ? Promise.reject(closed()) : undefined));
    const actor = createActor(createNodeMachine(fake), { input: { plan: nodePlan("n1", FULL), generation: 1 }, clock });
    const retries: NodeMachineEmitted[] = [];
    actor.on("retry.scheduled", (e) => retries.push(e));
    const done = toPromise(actor.start());
    await flush();
    clock.increment(1000);
    await flush();
    expect(await done).toMatchObject({ status: "converged" });
    expect(fake.recorded).toHaveLength(2);
    expect(fake.calls.filter((c) => c.stage === "verify")).toHaveLength(1);
    expect(retries).toMatchObject([{ type: "retry.scheduled", stage: "verify", retry: 1, delayMs: 1000 }]);
  });

  it("a failure rolls the node back, reported as verify's", async () => {
    const fake = new Recording(() => Promise.reject(new RemoteCommandError("n1", "exit", "record state: no space left")));
    const result = await toPromise(createActor(createNodeMachine(fake), { input: { plan: nodePlan("n1", FULL), generation: 3 } }).start());
    expect(result).toMatchObject({ status: "rolledBack", stage: "verify", generation: 3 });
    expect(result.message).toBe("rolled back to generation 3 after verify failed: node n1: record state: no space left");
    expect(fake.stagesOf("n1").at(-1)).toBe("rollback");
  });
});
