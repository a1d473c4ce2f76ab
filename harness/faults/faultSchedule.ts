import type { LedgerSink } from "../ledger/fileLedger.ts";
import type { LiveLedger } from "../ledger/liveLedger.ts";
import { StartCancelled, type Supervisor } from "../sut/supervisor.ts";
import type { Rng } from "../util/rng.ts";
import { sleep, waitFor } from "../util/wait.ts";

/** Evenly spread fault points: 2 faults → after 1/3 and 2/3 of the jobs have finished. */
export function evenPoints(count: number): number[] {
  return Array.from({ length: count }, (_, i) => (i + 1) / (count + 1));
}

/** One fault of the schedule: where it strikes and what it does. */
export interface PlannedFault {
  /** Fraction of `totalJobs` finished at which to strike (0–1); 0 strikes at once. */
  at: number;
  kind: "kill" | "pause";
}

export interface FaultScheduleOptions {
  faults: readonly PlannedFault[];
  totalJobs: number;
  /** Kill: delay from the kill to the restart. */
  restartDelayMs: number;
  /** Pause: how long the process stays frozen before SIGCONT. */
  pauseMs: number;
}

export interface FaultContext {
  supervisor: Supervisor;
  live: LiveLedger;
  ledger: LedgerSink;
  rng: Rng;
  progress(message: string): void;
  signal: AbortSignal;
}

/** Merges kill and pause counts into one schedule ordered by point. */
export function planFaults(kills: number, pauses: number, killAt?: readonly number[]): PlannedFault[] {
  const killPoints = killAt ?? evenPoints(kills);
  return [
    ...killPoints.map((at) => ({ at, kind: "kill" as const })),
    ...evenPoints(pauses).map((at) => ({ at, kind: "pause" as const })),
  ].sort((a, b) => a.at - b.at);
}

/**
 * Runs the faults: at each point, picks a worker process that is executing a job (a start without
 * an end in its ledger) and SIGKILLs it (restarting it after a delay) or SIGSTOPs it (continuing it
 * after pauseMs). Inject and heal in one: the promise settles once every heal has happened; on
 * abort, pending heals are called off (a restart waiting for its worker's "ready" kills it) and
 * left to the supervisor's teardown, which continues or kills every child.
 */
export async function runFaultSchedule(
  options: FaultScheduleOptions,
  ctx: FaultContext,
): Promise<{ injected: number; missed: number }> {
  const heals: Promise<void>[] = [];
  let injected = 0;
  let missed = 0;
  for (const fault of options.faults) {
    const target = Math.ceil(fault.at * options.totalJobs);
    if (!(await waitFor(() => ctx.live.finishedCount() >= target, { signal: ctx.signal }))) break;
    const victim = await pickBusyWorker(ctx);
    const where = `${fault.kind} at ${Math.round(fault.at * 100)}%`;
    if (!victim) {
      missed++;
      if (!ctx.signal.aborted) ctx.progress(`${where}: no worker was executing a job; skipped`);
      continue;
    }
    const inFlight = ctx.live.inFlight(victim.instance);
    injected++;
    const { proc } = victim;
    if (fault.kind === "kill") {
      const { t, pid, instance } = await ctx.supervisor.kill(proc);
      ctx.ledger.append({ type: "fault", t, fault: "kill", action: "kill", proc, instance, pid, inFlight });
      ctx.progress(
        `killed ${proc} (pid ${pid}) at ${Math.round(fault.at * 100)}% with ${inFlight.length} job(s) in flight`,
      );
      heals.push(
        (async () => {
          await sleep(options.restartDelayMs, ctx.signal);
          if (ctx.signal.aborted) return;
          let fresh: { pid: number; instance: string };
          try {
            fresh = await ctx.supervisor.restart(proc, ctx.signal);
          } catch (error) {
            // The run is stopping: the restart is called off, not failed.
            if (error instanceof StartCancelled) return ctx.progress(`restart of ${proc} cancelled`);
            throw error;
          }
          ctx.ledger.append({
            type: "fault",
            t: Date.now(),
            fault: "kill",
            action: "restart",
            proc,
            instance: fresh.instance,
            pid: fresh.pid,
          });
          ctx.progress(`restarted ${proc} (pid ${fresh.pid})`);
        })(),
      );
    } else {
      const { t, pid, instance } = ctx.supervisor.pause(proc);
      // A freeze is a fault window: the process is unavailable (not idle) until it is continued.
      const window = `pause-${injected}-${instance}`;
      const affected = { window, effect: "unavailable" as const, instances: [instance], procs: [proc] };
      ctx.ledger.append({ type: "fault", t, fault: "pause", action: "begin", ...affected, inFlight });
      ctx.progress(
        `froze ${proc} (pid ${pid}) for ${options.pauseMs} ms with ${inFlight.length} job(s) in flight`,
      );
      heals.push(
        (async () => {
          await sleep(options.pauseMs, ctx.signal);
          if (ctx.signal.aborted) return;
          const resumed = ctx.supervisor.resume(proc);
          ctx.ledger.append({ type: "fault", t: resumed.t, fault: "pause", action: "end", ...affected });
          ctx.progress(`continued ${proc} (pid ${pid})`);
        })(),
      );
    }
  }
  await Promise.all(heals);
  return { injected, missed };
}

/** A running, unpaused worker process with a job in flight, chosen by the seeded generator. */
async function pickBusyWorker(ctx: FaultContext): Promise<{ proc: string; instance: string } | undefined> {
  let victim: { proc: string; instance: string } | undefined;
  await waitFor(
    () => {
      const busy = ctx.supervisor
        .runningWorkers()
        .map((proc) => ({ proc, instance: ctx.supervisor.instanceOf(proc) as string }))
        .filter((p) => ctx.live.inFlight(p.instance).length > 0);
      if (busy.length) victim = ctx.rng.pick(busy);
      return victim !== undefined;
    },
    { timeoutMs: 10_000, signal: ctx.signal },
  );
  return victim;
}
