/**
 * The fault schedule as a bracket: it runs beside the load until its last fault is healed, or
 * until the run's window closes (the end of the drain, a stop), which heals every open fault at
 * once. Its release calls it off and waits until every fault is healed, before anything else goes.
 */

import type {
  ClockControl,
  JobsView,
  LiveView,
  PlannedFault,
  ProcessControl,
  ProxyControl,
} from "../faults/faultType.ts";
import { type FaultRunSummary, type NotStruck, runFaults } from "../faults/runFaults.ts";
import type { LedgerSink } from "../ledger/fileLedger.ts";
import type { ServerControl } from "../servers/target.ts";
import type { Reporter } from "../util/reporter.ts";
import type { Rng } from "../util/rng.ts";
import type { Acquired } from "./teardown.ts";

/** A running schedule. */
export interface FaultSchedule {
  /** True once every planned fault has struck and been healed. */
  done(): boolean;
  /** Calls the schedule off (open faults are healed) and waits until it has settled. */
  stop(): Promise<{ summary?: FaultRunSummary; error?: unknown }>;
  /** Once settled: the planned faults that never struck (no target, or their point never came). */
  notStruck(): NotStruck | undefined;
}

export function startFaultSchedule(o: {
  plan: readonly PlannedFault[];
  totalJobs: number;
  window: AbortController;
  processes: ProcessControl;
  proxies: ProxyControl | null;
  clocks: ClockControl | null;
  live: LiveView;
  ledger: LedgerSink;
  rng: Rng;
  reporter: Reporter;
  /** Whether the run is being cut short: a fault failing then is said, not thrown. */
  stopping(): boolean;
  /** The run's jobs in the database, for the operations' accounts of what a process held. */
  jobs?: JobsView;
  /** The MongoDB target's restart, when it keeps its data across one. */
  database?: ServerControl | null;
  /** How long a busy-target fault looks for a worker executing a job (default 10 s). */
  busyWaitMs?: number;
}): Acquired<FaultSchedule> {
  let done = false;
  let notStruck: NotStruck | undefined;
  const settled = runFaults(
    {
      plan: o.plan,
      totalJobs: o.totalJobs,
      signal: o.window.signal,
      ...(o.busyWaitMs !== undefined ? { busyWaitMs: o.busyWaitMs } : {}),
    },
    {
      processes: o.processes,
      proxies: o.proxies,
      clocks: o.clocks,
      live: o.live,
      ledger: o.ledger,
      rng: o.rng,
      progress: o.reporter.progress,
      now: () => Date.now(),
      signal: o.window.signal,
      jobs: o.jobs ?? null,
      database: o.database ?? null,
    },
  ).then(
    (summary): { summary?: FaultRunSummary; error?: unknown } => ({ summary }),
    (error: unknown) => ({ error }),
  );
  void settled.then((r) => {
    done = true;
    if ("summary" in r && r.summary) notStruck = { missed: r.summary.missed, unstruck: r.summary.unstruck };
  });
  let said = false;
  const stop = async () => {
    o.window.abort();
    const result: { summary?: FaultRunSummary; error?: unknown } = await settled;
    // A planned fault whose point never came is said, once: a verdict without it tested less.
    const unstruck = result.summary?.unstruck ?? [];
    if (unstruck.length && !said && !o.stopping()) {
      said = true;
      o.reporter.warn(
        `${unstruck.length} planned fault(s) never struck: ${unstruck.join(", ")} (the run ended with ${o.live.finishedCount()} of ${o.totalJobs} jobs finished; a fault strikes at a share of them)`,
      );
    }
    return result;
  };
  return {
    value: { done: () => done, stop, notStruck: () => notStruck },
    async release() {
      const { error } = await stop();
      if (error && o.stopping())
        o.reporter.warn(`a fault failed while the run was stopping: ${String(error)}`);
    },
  };
}
