import type { Db } from "mongodb";
import type { SchedulerAdapter, TimingSettings } from "../adapters/adapter.ts";
import type { LiveLedger } from "../ledger/liveLedger.ts";
import type { Reporter } from "../util/reporter.ts";
import { sleep, throttle, waitFor } from "../util/wait.ts";
import type { RunControl } from "./control.ts";
import type { FaultSchedule } from "./faults.ts";

export interface SettleOptions {
  control: RunControl;
  live: LiveLedger;
  faults: FaultSchedule;
  /** Observe for this long instead of draining (repeating jobs). */
  runForMs?: number;
  drainTimeoutMs: number;
  /** When the drain timeout started counting (an open loop's first request), if not now. */
  drainFrom?: number;
  timing: TimingSettings;
  adapter: SchedulerAdapter;
  db: Db;
  collection: string;
  reporter: Reporter;
}

/**
 * Observes for the scenario's time, or waits until every accepted job has finished and every fault
 * is healed (up to the drain timeout); then calls the fault schedule off and watches one more lock
 * timeout, in which a re-execution of a finished job would show. Resolves with the time the
 * observation ended.
 */
export async function settle(o: SettleOptions): Promise<number> {
  const { control, reporter } = o;
  if (o.runForMs !== undefined) {
    control.stage = "observe";
    const until = Date.now() + o.runForMs;
    await waitFor(() => Date.now() >= until, {
      everyMs: 100,
      signal: control.signal,
      onTick: throttle(5000, () =>
        reporter.progress(
          `observing: ${Math.max(0, Math.round((until - Date.now()) / 1000))} s left, ${o.live.open.size} executing`,
        ),
      ),
    });
  } else {
    control.stage = "drain";
    await drain(o);
  }
  control.check();
  const { error } = await o.faults.stop();
  if (error) throw error;
  // Watch one more lock timeout (the Scheduler's): a re-execution of a finished job would show
  // up now. Never longer than the drain timeout, and said so when that cuts it short.
  const fullSettleMs = o.timing.lockTimeoutMs + o.timing.pollIntervalMs + 500;
  const settleMs = Math.min(fullSettleMs, o.drainTimeoutMs);
  control.stage = "settle";
  reporter.progress(
    `settle: watching ${(settleMs / 1000).toFixed(1)} s more for late re-executions${settleMs < fullSettleMs ? ` (one lock timeout would be ${(fullSettleMs / 1000).toFixed(1)} s; the drain timeout bounds it)` : ""}…`,
  );
  await sleep(settleMs, control.signal);
  control.check();
  return Date.now();
}

async function drain(o: SettleOptions): Promise<void> {
  const { control, reporter, live } = o;
  const deadline = (o.drainFrom ?? Date.now()) + o.drainTimeoutMs;
  const reportDrain = throttle(2000, () =>
    reporter.progress(
      `drain: ${live.finishedCount()}/${live.accepted.size} jobs finished, ${Math.max(0, Math.round((deadline - Date.now()) / 1000))} s left`,
    ),
  );
  // The ledger's acknowledgements say when jobs finish; a kill can cut one off after the
  // database update, so once a second the database is asked too.
  let dbFinished = 0;
  const askDb = throttle(1000, () => {
    void o.adapter.countFinished(o.db, live.accepted, o.collection).then(
      (n) => {
        dbFinished = n;
      },
      () => {},
    );
  });
  const drained = await waitFor(
    () => o.faults.done() && Math.max(live.finishedCount(), dbFinished) >= live.accepted.size,
    {
      everyMs: 100,
      timeoutMs: Math.max(0, deadline - Date.now()),
      signal: control.signal,
      onTick: () => {
        askDb();
        reportDrain();
      },
    },
  );
  control.check();
  if (!drained) {
    reporter.warn(
      `drain: ${live.accepted.size - live.finishedCount()} accepted jobs still unfinished after ${o.drainTimeoutMs / 1000} s${o.drainFrom !== undefined ? " from the first request" : ""}; checking what there is`,
    );
  }
}
