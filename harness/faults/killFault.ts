import type { LedgerSink } from "../ledger/fileLedger.ts";
import type { LiveLedger } from "../ledger/liveLedger.ts";
import type { Supervisor } from "../sut/supervisor.ts";
import type { Rng } from "../util/rng.ts";
import { sleep, waitFor } from "../util/wait.ts";

/** Evenly spread kill points: 2 kills → after 1/3 and 2/3 of the jobs have finished. */
export function evenKillPoints(kills: number): number[] {
  return Array.from({ length: kills }, (_, i) => (i + 1) / (kills + 1));
}

export interface KillScheduleOptions {
  /** Fractions of `totalJobs` finished at which to kill, ascending. */
  points: readonly number[];
  totalJobs: number;
  restartDelayMs: number;
}

export interface FaultContext {
  supervisor: Supervisor;
  live: LiveLedger;
  ledger: LedgerSink;
  rng: Rng;
  progress(message: string): void;
  signal: AbortSignal;
}

/**
 * The kill fault: at each point, SIGKILL one worker process that is executing a job (a start
 * without an end in its ledger), then restart it after a delay. Inject and heal in one: the returned
 * promise settles when every restart it scheduled has happened, or at once when the run is aborted.
 */
export async function runKillSchedule(
  options: KillScheduleOptions,
  ctx: FaultContext,
): Promise<{ kills: number; missed: number }> {
  const restarts: Promise<void>[] = [];
  let kills = 0;
  let missed = 0;
  for (const point of [...options.points].sort((a, b) => a - b)) {
    const target = Math.ceil(point * options.totalJobs);
    const reached = await waitFor(() => ctx.live.finishedCount() >= target, { signal: ctx.signal });
    if (!reached) break;
    let victim: { proc: string; pid: number } | undefined;
    await waitFor(
      () => {
        const busy = ctx.supervisor
          .runningWorkers()
          .map((proc) => ({ proc, pid: ctx.supervisor.pidOf(proc) as number }))
          .filter((p) => ctx.live.inFlight(p.pid).length > 0);
        if (busy.length) victim = ctx.rng.pick(busy);
        return victim !== undefined;
      },
      { timeoutMs: 10_000, signal: ctx.signal },
    );
    if (!victim) {
      missed++;
      ctx.progress(`kill at ${Math.round(point * 100)}%: no worker was executing a job; skipped`);
      continue;
    }
    const inFlight = ctx.live.inFlight(victim.pid);
    const { t, pid } = await ctx.supervisor.kill(victim.proc);
    kills++;
    ctx.ledger.append({ type: "fault", t, fault: "kill", action: "kill", proc: victim.proc, pid, inFlight });
    ctx.progress(
      `killed ${victim.proc} (pid ${pid}) at ${Math.round(point * 100)}% with ${inFlight.length} job(s) in flight`,
    );
    const proc = victim.proc;
    restarts.push(
      (async () => {
        await sleep(options.restartDelayMs, ctx.signal);
        if (ctx.signal.aborted) return;
        const newPid = await ctx.supervisor.restart(proc);
        ctx.ledger.append({
          type: "fault",
          t: Date.now(),
          fault: "kill",
          action: "restart",
          proc,
          pid: newPid,
        });
        ctx.progress(`restarted ${proc} (pid ${newPid})`);
      })(),
    );
  }
  await Promise.all(restarts);
  return { kills, missed };
}
