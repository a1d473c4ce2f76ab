/** What the faults on a worker process itself share: its executions in flight, and the restart that heals a death. */
import type { FaultEnv, Injected } from "../faultType.ts";

/** Executions a process is running now, from the live ledger. */
export function inFlight(env: FaultEnv, proc: string): { execId: string; jobId: string }[] {
  const instance = env.processes.instanceOf(proc);
  return instance === undefined ? [] : env.live.inFlight(instance);
}

/** " with N job(s) in flight", or nothing where the run cannot see executions (a service as a black box). */
export function inFlightText(env: FaultEnv, jobs: readonly unknown[]): string {
  return env.live.seesExecutions === false ? "" : ` with ${jobs.length} job(s) in flight`;
}

/** A heal that restarts a dead process, unless the run is ending. */
export function restartHeal(env: FaultEnv, proc: string, kind: string): Injected["heal"] {
  return async (early) => {
    if (early) return { restarted: false };
    let fresh: { pid: number; instance: string };
    try {
      fresh = await env.processes.restart(proc, env.signal);
    } catch (error) {
      // The run is stopping: the restart is called off, not failed.
      if (env.signal.aborted) return { restarted: false };
      throw error;
    }
    if (kind === "kill" || kind === "out-of-memory") {
      const { pid, instance } = fresh;
      env.ledger.append({ type: "fault", t: env.now(), fault: kind, action: "restart", proc, instance, pid });
    }
    env.progress(`restarted ${proc} (pid ${fresh.pid})`);
    return { restarted: true, newPid: fresh.pid, newInstance: fresh.instance };
  };
}
