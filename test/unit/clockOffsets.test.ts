import { describe, expect, it } from "vitest";
import { runCheckersOnClocks } from "../../harness/checkers/clockRobust.ts";
import { reexecutionsChecker } from "../../harness/checkers/reexecutions.ts";
import {
  estimateOffset,
  onServerClock,
  type RunClocks,
  runClocks,
} from "../../harness/ledger/clockOffsets.ts";
import { HistoryBuilder, instanceOf, settings } from "../support/histories.ts";

describe("a writer's clock offset from round trips to the server", () => {
  it("takes the shortest round trip, within half of it and the millisecond the clocks are read to", () => {
    // The writer is 500 ms behind the server; round trips of 40, 4 and 10 ms.
    const samples = [
      { sentAt: 1000, receivedAt: 1040, serverMs: 1520 },
      { sentAt: 2000, receivedAt: 2004, serverMs: 2502 },
      { sentAt: 3000, receivedAt: 3010, serverMs: 3505 },
    ];
    const e = estimateOffset("h/1", "h", samples);
    expect(e).toMatchObject({ offsetMs: 500, uncertaintyMs: 3, samples: 3, bestRoundTripMs: 4 });
  });

  it("widens the uncertainty by a sample that disagrees beyond its own bound (a clock that stepped)", () => {
    const samples = [
      { sentAt: 1000, receivedAt: 1002, serverMs: 1501 },
      { sentAt: 2000, receivedAt: 2002, serverMs: 2531 },
    ];
    const e = estimateOffset("h/1", "h", samples);
    // Both bounds are 2 ms; the second sample says 530, 30 ms away: 28 ms beyond its bound.
    expect(e?.offsetMs).toBe(500);
    expect(e?.uncertaintyMs).toBe(30);
  });

  it("has no estimate without a usable sample, and names the writers it could not measure", () => {
    expect(estimateOffset("h/1", "h", [])).toBeNull();
    const clocks = runClocks("harness", new Map(), ["w/1", "harness"]);
    expect(clocks.unmeasured).toEqual(["harness", "w/1"]);
  });

  it("puts a worker's records on the server's clock by its offset, the harness's by the harness's", () => {
    const b = new HistoryBuilder().accept("a", 100).run("a", "w1", 1, 200, 300);
    const clocks = {
      harness: "harness",
      writers: [
        { instance: "harness", host: "h", offsetMs: 10, uncertaintyMs: 1, samples: 1, bestRoundTripMs: 0 },
        {
          instance: instanceOf("w1", 1),
          host: "h",
          offsetMs: -100,
          uncertaintyMs: 1,
          samples: 1,
          bestRoundTripMs: 0,
        },
      ],
    };
    const moved = onServerClock(b.records, clocks);
    expect(moved.map((r) => [r.type, r.t])).toEqual([
      ["accept", 110],
      ["start", 100],
      ["end", 200],
      ["ack", 201],
    ]);
  });
});

describe("checkers on clocks known within an uncertainty", () => {
  const clocksOf = (uncertaintyMs: number): RunClocks => ({
    reference: "server",
    harness: "harness",
    writers: ["w1", "w2"].map((p) => ({
      instance: instanceOf(p, 1),
      host: p,
      offsetMs: 0,
      uncertaintyMs,
      samples: 3,
      bestRoundTripMs: 1,
    })),
    maxUncertaintyMs: uncertaintyMs,
    unmeasured: [],
  });
  // Job a runs on w1 until 300; w2 starts it at 303 (3 ms later) or at 400 (100 ms later). An ack
  // 'retry' lets the second run be a retry, not a run after success.
  const run = (secondAt: number) =>
    new HistoryBuilder()
      .accept("a", 0)
      .run("a", "w1", 1, 100, 300, { ack: "retry", outcome: "error", ackAfter: 0 })
      .run("a", "w2", 1, secondAt, secondAt + 100);
  const check = (b: HistoryBuilder, clocks?: RunClocks) =>
    runCheckersOnClocks([reexecutionsChecker], { settings, history: b.history(), finalState: [] }, clocks)[0];

  it("passes a retry 3 ms after the first run on one clock", () => {
    expect(check(run(303))?.verdict).toBe("pass");
  });

  it("says unknown when the 3 ms are within the writers' uncertainty (2 ms each): the order could be the other way", () => {
    const r = check(run(303), clocksOf(2));
    expect(r?.verdict).toBe("unknown");
    expect(r?.unknowns.at(-1)?.kind).toBe("clock-uncertainty");
  });

  it("keeps the pass when the gap is beyond the uncertainty (100 ms against 2 ms)", () => {
    expect(check(run(400), clocksOf(2))?.verdict).toBe("pass");
  });

  it("keeps a failure that no move within the uncertainty undoes (an overlap of 150 ms)", () => {
    const overlap = new HistoryBuilder().run("a", "w1", 1, 100, 400).run("a", "w2", 2, 250, 500);
    const clocks = clocksOf(2);
    clocks.writers.push({ ...(clocks.writers[1] as RunClocks["writers"][0]), instance: instanceOf("w2", 2) });
    expect(check(overlap, clocks)?.verdict).toBe("fail");
  });

  it("says unknown for every verdict when a writer's clock was never measured", () => {
    const r = check(run(400), { ...clocksOf(2), unmeasured: [instanceOf("w2", 1)] });
    expect(r?.verdict).toBe("unknown");
    expect(r?.summary).toMatch(/never measured/);
  });
});
