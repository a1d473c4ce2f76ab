import { describe, expect, it } from "vitest";
import { measurePrimitives } from "../../harness/probe/probe.ts";
import type { PrimitiveName, ProbeResult } from "../../harness/probe/probeTypes.ts";
import { fakeProbeServer } from "../support/fakeProbeServer.ts";

const verdicts = (r: ProbeResult) =>
  Object.fromEntries(r.primitives.map((p) => [p.name, p.verdict])) as Record<PrimitiveName, string>;

describe("the probe of a server's primitives", () => {
  it("finds every primitive holding on a server where each is atomic, and names nothing broken", async () => {
    const r = await measurePrimitives(fakeProbeServer(), "full");
    expect(verdicts(r)).toEqual({
      claim: "holds",
      "scheduler-claim": "holds",
      "compare-and-set": "holds",
      "unique-index": "holds",
      upsert: "holds",
      "read-your-writes": "holds",
      "server-clock": "holds",
      "now-variable": "holds",
      transactions: "holds",
    });
    expect(r.broken).toEqual([]);
    for (const p of r.primitives) expect(p.tried).toBeGreaterThan(0);
  });

  it("finds the claim, the scheduler's claim and compare-and-set broken where updates read, yield and write back (FerretDB 1.24's way)", async () => {
    const r = await measurePrimitives(fakeProbeServer({ racyUpdates: true }), "quick");
    const v = verdicts(r);
    expect(v.claim).toBe("broken");
    expect(v["scheduler-claim"]).toBe("broken");
    expect(v["compare-and-set"]).toBe("broken");
    expect(v["unique-index"]).toBe("holds");
    expect(r.primitives.find((p) => p.name === "claim")?.detail).toMatch(/[1-9]\d* claimed more than once/);
    // Named with the scheduler features that rest on them.
    expect(r.broken).toContainEqual(
      expect.stringMatching(/^mongo-job-scheduler: one execution per job.*\(claim is broken here\)$/),
    );
    expect(r.broken).toContainEqual(expect.stringMatching(/^agenda: one execution per job/));
    expect(r.broken).toContainEqual(
      expect.stringMatching(/^mongo-job-scheduler: ownership.*\(compare-and-set is broken here\)$/),
    );
  });

  it("finds the unique index and the upsert broken where the index enforces nothing (dedupe keys break)", async () => {
    const r = await measurePrimitives(fakeProbeServer({ uniqueIgnored: true }), "quick");
    expect(verdicts(r)["unique-index"]).toBe("broken");
    expect(verdicts(r).claim).toBe("holds");
    expect(r.broken).toContainEqual(expect.stringMatching(/dedupe keys/));
  });

  it("finds read-your-writes broken where a count lags the write just made (concurrency limits break)", async () => {
    const r = await measurePrimitives(fakeProbeServer({ staleCounts: true }), "quick");
    expect(verdicts(r)["read-your-writes"]).toBe("broken");
    expect(r.broken).toContainEqual(expect.stringMatching(/per-name concurrency limits/));
  });

  it("calls $$NOW broken where it comes back as a string, and transactions unavailable where refused; neither breaks a scheduler", async () => {
    const r = await measurePrimitives(fakeProbeServer({ nowLiteral: true, noTransactions: true }), "quick");
    expect(verdicts(r)["now-variable"]).toBe("broken");
    expect(verdicts(r).transactions).toBe("unavailable");
    expect(r.broken).toEqual([]);
  });
});
