/**
 * Faults on a worker process's wall clock (libfaketime, see faketime.ts): an offset ahead or behind,
 * or a drift that grows the offset while the window lasts. Monotonic clocks, and with them timers,
 * are left alone; the ledger keeps the harness's reference clock (see referenceClock.ts).
 */
import type { ClockControl, FaultEnv, FaultType, Injected } from "./faultType.ts";

/** How often a drifting clock's offset is moved on. */
const DRIFT_STEP_MS = 100;

function clocksOf(env: FaultEnv, procs: string[]): ClockControl {
  const clocks = env.clocks;
  if (!clocks) throw new Error("clock faults need workers started under libfaketime");
  const missing = procs.filter((p) => !clocks.controls(p));
  if (missing.length) throw new Error(`${missing.join(", ")} was not started with a movable clock`);
  return clocks;
}

/** What a worker's clocks read against the harness's reference clock, per worker (null: no answer). */
interface Observed {
  /** Its Date.now(): the moved wall clock, the fault's evidence. */
  wall: Record<string, number | null>;
  /** The clock its ledger records are stamped with: the reference clock, whatever the fault. */
  ledger: Record<string, number | null>;
}

/** Asks each worker for its Date.now() and its ledger's clock, and compares both with the reference clock. */
async function observedOffsets(env: FaultEnv, procs: string[]): Promise<Observed> {
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

function healTo0(env: FaultEnv, clocks: ClockControl, procs: string[], stop?: () => void): Injected["heal"] {
  return async (early) => {
    stop?.();
    for (const proc of procs) clocks.setOffset(proc, 0);
    env.progress(`reset the clock of ${procs.join(", ")}`);
    if (early) return undefined;
    const after = await observedOffsets(env, procs);
    return { observedAfterHealMs: after.wall, ledgerAfterHealMs: after.ledger };
  };
}

export const clockOffsetFault: FaultType<"clock-offset"> = {
  kind: "clock-offset",
  summary: "set a worker's wall clock offsetMs ahead (positive) or behind (negative) for forMs",
  effect: "clock",
  needs: ["libfaketime"],
  async inject(fault, procs, env) {
    const clocks = clocksOf(env, procs);
    for (const proc of procs) clocks.setOffset(proc, fault.spec.offsetMs);
    // libfaketime rereads its offset on the next clock read; give the worker a moment to make one.
    await new Promise((r) => setTimeout(r, 50));
    const observed = await observedOffsets(env, procs);
    env.progress(
      `set the clock of ${procs.join(", ")} ${Math.abs(fault.spec.offsetMs)} ms ${fault.spec.offsetMs > 0 ? "ahead" : "behind"} (observed ${Object.values(observed.wall).join(", ")} ms)`,
    );
    return {
      offsetMs: fault.spec.offsetMs,
      detail: {
        plannedOffsetMs: fault.spec.offsetMs,
        observedOffsetMs: observed.wall,
        ledgerOffsetMs: observed.ledger,
      },
      heal: healTo0(env, clocks, procs),
    };
  },
};

export const clockDriftFault: FaultType<"clock-drift"> = {
  kind: "clock-drift",
  summary: "make a worker's wall clock gain (or lose) msPerSecond for forMs, then set it right",
  effect: "clock",
  needs: ["libfaketime"],
  async inject(fault, procs, env) {
    const clocks = clocksOf(env, procs);
    const from = env.now();
    const step = () => {
      const offset = Math.round(((env.now() - from) / 1000) * fault.spec.msPerSecond);
      for (const proc of procs) clocks.setOffset(proc, offset);
    };
    const timer = setInterval(step, DRIFT_STEP_MS);
    // The drift's evidence: the offset the worker reports as it starts, and again before the heal.
    const atStart = await observedOffsets(env, procs);
    env.progress(`${procs.join(", ")}: clock drifting ${fault.spec.msPerSecond} ms per second`);
    return {
      detail: { msPerSecond: fault.spec.msPerSecond },
      heal: async (early) => {
        clearInterval(timer);
        const before = early ? undefined : await observedOffsets(env, procs);
        const result = await healTo0(env, clocks, procs)(early);
        return {
          observedAtStartMs: atStart.wall,
          observedBeforeHealMs: before?.wall ?? null,
          ledgerBeforeHealMs: before?.ledger ?? null,
          ...(result ?? {}),
        };
      },
    };
  },
};
