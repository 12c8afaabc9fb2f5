/** Helpers for e2e tests: the test bed from globalSetup, and describe blocks that skip loudly without it. */
import { describe, inject, it } from "vitest";
import type { TestbedInfo } from "./testbed.mjs";

/**
 * describe() that gets the booted test bed; when there is none (globalSetup skipped it: not root,
 * tools missing) the block is reported as skipped with the reason in its title, never silently.
 */
export function describeE2E(name: string, body: (testbed: TestbedInfo) => void): void {
  const testbed = inject("testbed");
  if (testbed) {
    describe(name, () => body(testbed));
    return;
  }
  const reason = inject("testbedSkipReason") ?? "no test bed was provided (is test/testbed/global-setup.ts the globalSetup of this project?)";
  describe.skip(`${name} [SKIPPED: ${reason}]`, () => {
    it("needs the test bed", () => {});
  });
}
