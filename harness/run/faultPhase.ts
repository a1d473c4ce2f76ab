import { runFaults } from "../faults/runFaults.ts";
import { type RunContext, required } from "./runContext.ts";

/**
 * Faults: starts the schedule beside the load. It runs until its last fault is healed, or until
 * the phase signal aborts (end of the drain, Ctrl-C, a failure), which heals every open fault at
 * once. `ctx.faults` settles, never rejects; the run waits for it before any teardown.
 */
export function faultPhase(ctx: RunContext): void {
  const supervisor = required(ctx.supervisor, "the supervisor");
  const rig = required(ctx.rig, "the fault rig");
  ctx.faults = runFaults(
    { plan: ctx.plan, totalJobs: ctx.jobs.length, signal: ctx.phase.signal },
    {
      processes: supervisor,
      proxies: rig.proxies,
      clocks: rig.clocks,
      live: required(ctx.live, "the live ledger"),
      ledger: required(ctx.harnessLedger, "the harness ledger"),
      rng: ctx.rng,
      progress: ctx.reporter.progress,
      now: () => Date.now(),
      signal: ctx.phase.signal,
    },
  ).then(
    (summary) => ({ summary }),
    (error: unknown) => ({ error }),
  );
  void ctx.faults.then(() => {
    ctx.faultsDone = true;
  });
}

/** Calls the schedule off (open faults are healed) and waits until it has settled. */
export async function stopFaults(ctx: RunContext): Promise<{ error?: unknown }> {
  ctx.phase.abort();
  return (await ctx.faults) ?? {};
}
