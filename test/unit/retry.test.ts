import { describe, expect, it } from "vitest";
import { retryUntil } from "../../harness/util/retry.ts";

/** A clock that moves only when the code under test waits (or an attempt takes time). */
function fakeTime(attemptMs: number) {
  let t = 0;
  return {
    now: () => t,
    wait: async (ms: number) => {
      t += ms;
    },
    spend: () => {
      t += attemptMs;
    },
  };
}

describe("retryUntil", () => {
  it("retries a retryable failure until the attempt succeeds, telling each retry", async () => {
    const time = fakeTime(100);
    const told: number[] = [];
    let calls = 0;
    const value = await retryUntil(
      async () => {
        time.spend();
        if (++calls < 3) throw new Error("not up yet");
        return "up";
      },
      {
        deadlineMs: 10_000,
        everyMs: 1000,
        retryable: () => true,
        onRetry: (_e, left) => told.push(left),
        ...time,
      },
    );
    expect(value).toBe("up");
    expect(calls).toBe(3);
    expect(told).toEqual([9900, 8800]);
  });

  it("gives up at the deadline with the last failure", async () => {
    const time = fakeTime(1000);
    let calls = 0;
    const outcome = retryUntil(
      async () => {
        time.spend();
        calls++;
        throw new Error(`down ${calls}`);
      },
      { deadlineMs: 5000, everyMs: 1000, retryable: () => true, onRetry: () => {}, ...time },
    );
    await expect(outcome).rejects.toThrow("down 3");
  });

  it("does not retry a failure that is final", async () => {
    let calls = 0;
    const outcome = retryUntil(
      async () => {
        calls++;
        throw new Error("port in use");
      },
      { deadlineMs: 60_000, everyMs: 10, retryable: () => false, onRetry: () => {} },
    );
    await expect(outcome).rejects.toThrow("port in use");
    expect(calls).toBe(1);
  });
});
