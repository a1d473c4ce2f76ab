import { describe, expect, it } from "vitest";
import { checkerRegistry } from "../../harness/checkers/index.ts";
import type { JobState } from "../../harness/checkers/types.ts";
import { keyByName, runCheckers } from "../../harness/checkers/verdicts.ts";
import { attribute } from "../../harness/probe/attribution.ts";
import {
  type PrimitiveName,
  type PrimitiveVerdict,
  type ProbeResult,
  primitiveNames,
} from "../../harness/probe/probeTypes.ts";
import { HistoryBuilder, settings } from "../support/histories.ts";

/** A probe in which the named primitives had these verdicts, every other one held. */
function probeWith(verdicts: Partial<Record<PrimitiveName, PrimitiveVerdict>>): ProbeResult {
  return {
    size: "quick",
    startedAt: new Date(0).toISOString(),
    durationMs: 1,
    primitives: primitiveNames.map((name) => ({
      name,
      what: name,
      tried: 10,
      anomalies: verdicts[name] === "broken" ? 1 : 0,
      errors: 0,
      verdict: verdicts[name] ?? "holds",
      detail: "",
      ms: 1,
    })),
    broken: [],
  };
}

const finalState: JobState[] = [
  { id: "a", name: "email", status: "completed", priority: 5, attempts: 0, request: "r1" },
];

/** Job a run twice at once, by w1 and w2: each claim returned `versions`. */
function doubleExecution(versions: [number, number]) {
  const h = new HistoryBuilder()
    .ready("w1", 1, 0)
    .ready("w2", 1, 0)
    .accept("a", 0)
    .run("a", "w1", 1, 100, 700, { lockVersion: versions[0] })
    .run("a", "w2", 1, 200, 800, { lockVersion: versions[1], ack: null })
    .history();
  const checkers = keyByName(
    runCheckers([checkerRegistry["re-executions"]], { settings, history: h, finalState }),
  );
  expect(checkers["re-executions"]?.verdict).toBe("fail");
  return { h, checkers };
}

describe("whose promise broke: the server's or the scheduler's", () => {
  it("the server's, when two claims returned one lock version and the probe found this server's claim not atomic", () => {
    const { h, checkers } = doubleExecution([1, 1]);
    const a = attribute(checkers, h, probeWith({ claim: "broken", "scheduler-claim": "broken" }), true);
    expect(a.verdict).toBe("server");
    expect(a.counts.server).toBeGreaterThan(0);
    expect(a.examples[0]).toMatchObject({ jobId: "a", blame: "server" });
    expect(a.examples[0]?.why).toMatch(
      /returned lock version 1, and the probe found this server's findOneAndUpdate not atomic/,
    );
    expect(a.summary).toMatch(/^the server's promise broke/);
  });

  it("the scheduler's, when two claims returned one lock version on a server whose claim the probe found atomic", () => {
    const { h, checkers } = doubleExecution([1, 1]);
    const a = attribute(checkers, h, probeWith({}), true);
    expect(a.verdict).toBe("scheduler");
    expect(a.examples[0]?.why).toMatch(/the scheduler's claim is not one atomic operation/);
  });

  it("the scheduler's, when the claims returned different versions: a live lock taken over (a lease without fencing)", () => {
    const { h, checkers } = doubleExecution([1, 2]);
    expect(attribute(checkers, h, probeWith({ claim: "broken" }), true).verdict).toBe("scheduler");
    expect(attribute(checkers, h, probeWith({}), true).verdict).toBe("scheduler");
  });

  it("cannot tell, and says so: one version twice and no probe, or a scheduler whose claim carries no version on a broken server", () => {
    const { h, checkers } = doubleExecution([1, 1]);
    const noProbe = attribute(checkers, h, undefined, true);
    expect(noProbe.verdict).toBe("unknown");
    expect(noProbe.examples[0]?.why).toMatch(/without the probe the ledger cannot say whose/);
    const unversioned = attribute(checkers, h, probeWith({ claim: "broken" }), false);
    expect(unversioned.verdict).toBe("unknown");
    expect(unversioned.summary).toMatch(/cannot be told/);
  });

  it("says nothing broke for a run whose checkers passed", () => {
    const h = new HistoryBuilder().ready("w1", 1, 0).accept("a", 0).run("a", "w1", 1, 100, 700).history();
    const checkers = keyByName(
      runCheckers([checkerRegistry["re-executions"]], { settings, history: h, finalState }),
    );
    const a = attribute(checkers, h, probeWith({ claim: "broken" }), true);
    expect(a.counts).toEqual({ server: 0, scheduler: 0, service: 0, unknown: 0 });
    expect(a.summary).toBe("no promise broke");
  });
});
