/**
 * What the faults on a worker's wall clock share (libfaketime, see ../faketime.ts): the clocks of
 * the targets, what each worker reports against the reference clock, and the heal that sets it
 * right. Monotonic clocks, and with them timers, are left alone; the ledger keeps the harness's
 * reference clock (see util/referenceClock.ts).
 */
import type { ClockControl, FaultEnv, Injected } from "../faultType.ts";

export function clocksOf(env: FaultEnv, procs: string[]): ClockControl {
  const clocks = env.clocks;
  if (!clocks) throw new Error("clock faults need workers started under libfaketime");
  const missing = procs.filter((p) => !clocks.controls(p));
  if (missing.length) throw new Error(`${missing.join(", ")} was not started with a movable clock`);
  return clocks;
}

/** What a worker's clocks read against the harness's reference clock, per worker (null: no answer). */
export interface Observed {
  /** Its Date.now(): the moved wall clock, the fault's evidence. */
  wall: Record<string, number | null>;
  /** The clock its ledger records are stamped with: the reference clock, whatever the fault. */
  ledger: Record<string, number | null>;
}

/** Asks each worker for its Date.now() and its ledger's clock, and compares both with the reference clock. */
export async function observedOffsets(env: FaultEnv, procs: string[]): Promise<Observed> {
  const out: Observed = { wall: {}, ledger: {} };
  for (const proc of procs) {
    const before = env.now();
    const reply = (await env.processes.request(proc, { type: "clock" }).catch(() => undefined)) as
      | { wallMs?: number; referenceMs?: number }
      | undefined;
    const after = env.now();
    const offset = (v: unknown) => (typeof v === "number" ? Math.round(v - (before + after) / 2) : null);
    out.wall[proc] = offset(reply?.wallMs);
    out.ledger[proc] = offset(reply?.referenceMs);
  }
  return out;
}

/** The heal of a clock fault: every target's clock back to real time, and what it then reports. */
export function healTo0(env: FaultEnv, clocks: ClockControl, procs: string[]): Injected["heal"] {
  return async (early) => {
    for (const proc of procs) clocks.setOffset(proc, 0);
    env.progress(`reset the clock of ${procs.join(", ")}`);
    if (early) return undefined;
    const after = await observedOffsets(env, procs);
    return { observedAfterHealMs: after.wall, ledgerAfterHealMs: after.ledger };
  };
}
