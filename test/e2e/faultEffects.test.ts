import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { LedgerRecord, WindowRecord } from "../../harness/ledger/records.ts";
import { faultWindow, historyOf, missingFaultTools } from "../support/faultRuns.ts";
import { runHarness, tempReports } from "../support/harnessCli.ts";

const missing = missingFaultTools();
if (missing) process.stderr.write(`fault effect end-to-end tests skipped: ${missing}\n`);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** One worker instance's executions: start, end and acknowledgement times (reference clock). */
function executionsOf(records: LedgerRecord[], instance: string) {
  const byExec = new Map<string, { start?: number; end?: number; ack?: number }>();
  const at = (execId: string) => {
    const e = byExec.get(execId) ?? {};
    byExec.set(execId, e);
    return e;
  };
  for (const r of records) {
    if (r.type === "start" && r.instance === instance) at(r.execId).start = r.t;
    else if (r.type === "end" && r.instance === instance) at(r.execId).end = r.t;
    else if (r.type === "ack" && r.instance === instance) at(r.execId).ack = r.t;
  }
  return [...byExec.values()];
}

const inside = (t: number | undefined, w: { from: number; to: number }) =>
  t !== undefined && t > w.from && t < w.to;

// The network faults cut, stall or slow one worker's MongoDB traffic; what the ledger can see of
// that is the database update after a handler ends (the acknowledgement) and the next claim.
describe.skipIf(missing !== null)(
  "each fault takes effect, inside its window only (Toxiproxy, libfaketime, the stand-in)",
  () => {
    it("blackhole and reset-peer stall a worker's MongoDB commands, bandwidth slows them, block-loop silences the worker, clock-drift moves its Date.now() but not its ledger", async () => {
      const reports = tempReports();
      // partition's settings (lock 2 s, poll 200 ms, jobs of 0.3–1.5 s), four workers, one fault per
      // target; w1 is hit twice, at points far apart. The bandwidth window is long enough that a job
      // claimed under the limit (a claim takes seconds at 1 KB/s) still ends inside it, so the test
      // does not depend on w1 having a job in flight at the moment the limit begins.
      const run = await runHarness([
        "scenario",
        "partition",
        "--no-scenario-faults",
        "--workers",
        "4",
        "--seed",
        "12",
        "--fault",
        "blackhole:target=w1,at=0.1,for=3000",
        "--fault",
        "reset-peer:target=w2,at=0.3,for=3000",
        "--fault",
        "clock-drift:target=w3,at=0,for=10000,drift=500",
        "--fault",
        "block-loop:target=w4,at=0.5,for=2500",
        "--fault",
        "bandwidth:target=w1,at=0.6,for=6000,rate=1",
        "--reports-dir",
        reports,
      ]);
      expect(run.all).toContain("black hole (blackhole-1) on w1");
      const dir = join(reports, "latest");
      const records = historyOf(dir);
      const result = JSON.parse(readFileSync(join(dir, "result.json"), "utf8"));
      expect(result.faults.failed).toEqual([]);
      const span = (fault: string) => {
        const begin = faultWindow(records, fault, "begin");
        const end = faultWindow(records, fault, "end");
        expect(end.error, fault).toBeUndefined();
        return { begin, end, instance: begin.instances[0] as string, from: begin.t, to: end.t };
      };

      // blackhole and reset-peer: the worker claims nothing while cut, though there is work (the
      // other workers claim jobs meanwhile, and its own jobs end well inside the window); a handler
      // that ends inside the window cannot have its outcome written until the heal; outside,
      // writes take moments. Whether a handler of the cut worker ends inside is chance (its jobs
      // in flight may all end in the first 200 ms, one run in a few dozen): the claims decide.
      const blackhole = span("blackhole");
      const bandwidth = span("bandwidth");
      const resetPeer = span("reset-peer");
      for (const w of [blackhole, resetPeer]) {
        const runs = executionsOf(records, w.instance);
        const quiet = { from: w.from + 500, to: w.to };
        const others = records.filter(
          (r) => r.type === "start" && r.instance !== w.instance && inside(r.t, quiet),
        ).length;
        expect(others, `${w.begin.fault}: claims of the other workers in the window`).toBeGreaterThanOrEqual(
          3,
        );
        expect(runs.filter((e) => inside(e.start, quiet))).toEqual([]);
        const cut = runs.filter((e) => inside(e.end, { from: w.from + 200, to: w.to }));
        for (const e of cut) if (e.ack !== undefined) expect(e.ack).toBeGreaterThanOrEqual(w.to - 50);
        expect(
          runs.filter((e) => (e.start ?? 0) > w.to).length,
          "claims again after the heal",
        ).toBeGreaterThan(0);
        const calm = runs.filter(
          (e) =>
            e.ack !== undefined &&
            e.end !== undefined &&
            [blackhole, bandwidth, resetPeer].every(
              (x) => x.instance !== w.instance || !inside(e.end, { from: x.from - 100, to: x.to + 500 }),
            ),
        );
        expect(calm.length).toBeGreaterThan(0);
        expect(median(calm.map((e) => (e.ack as number) - (e.end as number)))).toBeLessThan(500);
      }

      // bandwidth: 1 KB/s each way; the outcome write of a handler ending inside takes hundreds of ms.
      {
        const runs = executionsOf(records, bandwidth.instance).filter(
          (e) => e.end !== undefined && e.ack !== undefined,
        );
        const gap = (e: { end?: number; ack?: number }) => (e.ack as number) - (e.end as number);
        const slow = runs.filter((e) =>
          inside(e.end, { from: bandwidth.from + 300, to: bandwidth.to - 300 }),
        );
        const calm = runs.filter(
          (e) => ![blackhole, bandwidth].some((x) => inside(e.end, { from: x.from - 100, to: x.to + 500 })),
        );
        expect(slow.length, "executions ending under the bandwidth limit").toBeGreaterThan(0);
        expect(median(slow.map(gap))).toBeGreaterThanOrEqual(150);
        expect(median(calm.map(gap))).toBeLessThan(median(slow.map(gap)) / 3);
      }

      // block-loop: the worker writes nothing for the planned length (a handler's end, a claim, an
      // acknowledgement all wait), while the others go on; it says it was blocked that long.
      {
        const block = span("block-loop");
        const quiet = { from: block.from + 100, to: block.from + 2500 - 100 };
        const own = records.filter(
          (r) => "instance" in r && r.instance === block.instance && r.type !== "fault",
        );
        expect(own.filter((r) => inside(r.t, quiet))).toEqual([]);
        expect(own.some((r) => r.t >= quiet.to)).toBe(true);
        expect(
          records.filter((r) => r.type === "start" && r.instance !== block.instance && inside(r.t, quiet))
            .length,
        ).toBeGreaterThan(0);
        expect((block.begin.inFlight ?? []).length).toBeGreaterThan(0);
        expect(block.end.detail?.blockedMs as number).toBeGreaterThanOrEqual(2500);
      }

      // clock-drift: 500 ms per second for 10 s. The worker's Date.now() starts on time and is about
      // 5 s ahead at the heal, then right again; the clock its ledger is stamped with stays on the
      // harness's all along, and its records fall inside the run.
      {
        const drift = span("clock-drift");
        const d = drift.end.detail as Record<string, Record<string, number | null> | undefined>;
        const planned = (500 * 10_000) / 1000;
        expect(Math.abs(d.observedAtStartMs?.w3 as number)).toBeLessThan(300);
        expect(Math.abs((d.observedBeforeHealMs?.w3 as number) - planned)).toBeLessThan(planned * 0.15);
        expect(Math.abs(d.ledgerBeforeHealMs?.w3 as number)).toBeLessThan(100);
        expect(Math.abs(d.observedAfterHealMs?.w3 as number)).toBeLessThan(300);
        const w3 = records.filter(
          (r) => "instance" in r && r.instance === drift.instance && r.type !== "fault",
        );
        expect(w3.filter((r) => inside(r.t, drift)).length).toBeGreaterThan(0);
        const runStart = Date.parse(result.startedAt);
        for (const r of w3) {
          expect(r.t).toBeGreaterThanOrEqual(runStart);
          expect(r.t).toBeLessThanOrEqual(result.runEndedAt + 1000);
        }
      }
      const kinds = (result.faults.windows as WindowRecord[]).map((w) => w.fault).sort();
      expect(kinds).toEqual(["bandwidth", "blackhole", "block-loop", "clock-drift", "reset-peer"]);
    });
  },
);
