import { runs } from "../ledger/jobKinds.ts";
import type { WindowRecord } from "../ledger/records.ts";
import { firstLine } from "../util/firstLine.ts";
import { sleep, waitFor } from "../util/wait.ts";
import type { FaultEnv, Injected, PlannedFault } from "./faultType.ts";
import { faultRegistry } from "./registry.ts";

/** What a fault schedule did. */
export interface FaultRunSummary {
  injected: number;
  /** Faults whose point came but found no target (no worker executing a job), as "id at N%". */
  missed: string[];
  /** Faults that could not be injected or healed, with why: each makes the verdict unknown. */
  failed: { id: string; error: string }[];
  /** Faults whose point never came before the schedule ended (too few jobs finished), as "id at N%". */
  unstruck: string[];
}

/** The planned faults that never struck: no target at their point, or the point never came. */
export type NotStruck = Pick<FaultRunSummary, "missed" | "unstruck">;

export interface FaultRunOptions {
  plan: readonly PlannedFault[];
  /** The jobs of the run: a fault at 0.5 strikes once half of them have finished. */
  totalJobs: number;
  /** Aborting ends the schedule: faults not yet struck are dropped, open ones healed at once. */
  signal: AbortSignal;
  /** How long to look for a worker executing a job before a busy-target fault is missed. */
  busyWaitMs?: number;
}

/**
 * Runs a fault schedule: at each fault's point, resolves its targets, injects it, and heals it
 * after its window, or at once when the signal aborts. Each fault's window goes to the ledger as a
 * begin record when it is injected and an end record when it is healed (with the error, if either
 * failed). Resolves once every injected fault is healed (or its heal has failed, which is reported).
 * While a worker is down or unavailable by one fault, no busy-target fault picks it.
 */
export async function runFaults(options: FaultRunOptions, env: FaultEnv): Promise<FaultRunSummary> {
  const summary: FaultRunSummary = { injected: 0, missed: [], failed: [], unstruck: [] };
  const held = new Set<string>();
  const heals: Promise<void>[] = [];
  const { signal } = options;
  for (const [i, fault] of options.plan.entries()) {
    const target = Math.ceil(fault.at * options.totalJobs);
    if (!(await waitFor(() => env.live.finishedCount() >= target, { signal }))) {
      summary.unstruck = options.plan.slice(i).map(placeOf);
      break;
    }
    const procs = await resolveTargets(fault, env, held, signal, options.busyWaitMs ?? 10_000);
    const type = faultRegistry[fault.spec.type];
    const where = placeOf(fault);
    if (!procs) {
      summary.missed.push(where);
      if (!signal.aborted)
        env.progress(
          `${where}: no worker was executing ${fault.running && !fault.running.drawn ? `a ${fault.running.selector} job` : "a job"}; skipped`,
        );
      continue;
    }
    // A worker that is down or unavailable is no target for another fault; a slow or skewed one is.
    const holds = type.effect === "down" || type.effect === "unavailable";
    if (holds) for (const p of procs) held.add(p);
    const instances = procs.map((p) => env.processes.instanceOf(p) ?? "");
    const inFlight = instances.flatMap((i) => env.live.inFlight(i));
    const start = env.now();
    const window = { fault, procs, instances };
    let injected: Injected;
    try {
      injected = await type.inject(fault as never, procs, env);
    } catch (error) {
      const message = `inject: ${firstLine(error)}`;
      summary.failed.push({ id: fault.id, error: message });
      env.progress(`${where}: could not inject: ${firstLine(error)}`);
      // A begin and an end, so the failure is in the history and names the fault.
      writeWindow(env, window, "begin", start, { inFlight });
      writeWindow(env, window, "end", env.now(), { error: message });
      if (holds) for (const p of procs) held.delete(p);
      continue;
    }
    summary.injected++;
    if (!type.ownRecords) {
      writeWindow(env, window, "begin", start, {
        inFlight,
        ...(injected.offsetMs !== undefined ? { offsetMs: injected.offsetMs } : {}),
      });
    }
    heals.push(
      (async () => {
        await sleep(fault.spec.forMs, signal);
        let error: string | undefined;
        let detail = injected.detail;
        try {
          const after = await injected.heal(signal.aborted);
          if (after) detail = { ...(detail ?? {}), ...after };
        } catch (e) {
          error = `heal: ${firstLine(e)}`;
          summary.failed.push({ id: fault.id, error });
          env.progress(`${fault.id}: could not heal: ${firstLine(e)}`);
        }
        // A kill's own records carry its story; a failed heal of it still gets a window that says so.
        if (!type.ownRecords || error) {
          if (type.ownRecords) writeWindow(env, window, "begin", start, { inFlight });
          writeWindow(env, window, "end", env.now(), {
            ...(error ? { error } : {}),
            ...(detail ? { detail } : {}),
          });
        }
        if (holds) for (const p of procs) held.delete(p);
      })(),
    );
  }
  await Promise.all(heals);
  return summary;
}

function writeWindow(
  env: FaultEnv,
  w: { fault: PlannedFault; procs: string[]; instances: string[] },
  action: "begin" | "end",
  t: number,
  extra: Pick<WindowRecord, "inFlight" | "offsetMs" | "error" | "detail">,
): void {
  env.ledger.append({
    type: "fault",
    t,
    fault: w.fault.spec.type,
    action,
    window: w.fault.id,
    effect: faultRegistry[w.fault.spec.type].effect,
    instances: w.instances,
    procs: w.procs,
    ...extra,
  });
}

/** A fault as the schedule names it: its id and its point, "kill-1 at 50%". */
function placeOf(fault: PlannedFault): string {
  return `${fault.id} at ${Math.round(fault.at * 100)}%`;
}

/** How long a `running:*` fault looks for a worker running the kind it drew before any busy one. */
const DRAWN_KIND_WAIT_MS = 2000;

/** The workers a fault hits now; undefined when a busy target found none. */
async function resolveTargets(
  fault: PlannedFault,
  env: FaultEnv,
  held: ReadonlySet<string>,
  signal: AbortSignal,
  busyWaitMs: number,
): Promise<string[] | undefined> {
  if (fault.targets !== "busy") {
    const procs = fault.targets === "all" ? env.processes.workerNames() : [...fault.targets];
    // One fault at a time on a process: a named target still down or frozen by an earlier fault
    // is struck once that fault has healed (a restart of it is under way), never in the middle.
    await waitFor(() => procs.every((p) => !held.has(p)), { signal });
    return procs;
  }
  // Where executions cannot be seen (a service as a black box), busy is any instance up.
  const blind = env.live.seesExecutions === false;
  const running = fault.running;
  const pick = (match: (proc: string) => boolean, timeoutMs = busyWaitMs) => {
    let victim: string | undefined;
    return waitFor(
      () => {
        const busy = env.processes
          .runningWorkers()
          .filter((proc) => !held.has(proc))
          .filter(match)
          .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
        if (busy.length) victim = env.rng.pick(busy);
        return victim !== undefined;
      },
      { timeoutMs, signal },
    ).then(() => victim);
  };
  const instanceOf = (proc: string) => env.processes.instanceOf(proc) ?? "";
  const anyBusy = (proc: string) => blind || env.live.inFlight(instanceOf(proc)).length > 0;
  let victim: string | undefined;
  if (running) {
    // A drawn kind is looked for briefly: the load may have few such jobs, or none in flight now.
    victim = await pick(
      (proc) => (env.live.running?.(instanceOf(proc)) ?? []).some((job) => runs(running.selector, job)),
      running.drawn ? Math.min(DRAWN_KIND_WAIT_MS, busyWaitMs) : busyWaitMs,
    );
    // A kind drawn from the seed that no worker runs now: the fault strikes a busy worker anyway.
    if (victim === undefined && running.drawn && !signal.aborted) {
      env.progress(`${fault.id}: no worker was running a ${running.selector} job; striking a busy one`);
      victim = await pick(anyBusy);
    }
  } else victim = await pick(anyBusy);
  return victim === undefined ? undefined : [victim];
}
