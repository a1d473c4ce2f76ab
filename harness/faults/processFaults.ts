/**
 * Faults that strike a worker process itself: SIGKILL, SIGSTOP, SIGTERM (the scheduler's graceful
 * stop), running out of heap, and an event loop blocked by a synchronous job.
 */
import type { FaultEnv, FaultType, Injected } from "./faultType.ts";

/** Executions a process is running now, from the live ledger. */
function inFlight(env: FaultEnv, proc: string): { execId: string; jobId: string }[] {
  const instance = env.processes.instanceOf(proc);
  return instance === undefined ? [] : env.live.inFlight(instance);
}

/** A heal that restarts a dead process, unless the run is ending. */
function restartHeal(env: FaultEnv, proc: string, kind: string): Injected["heal"] {
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

export const killFault: FaultType<"kill"> = {
  kind: "kill",
  summary: "SIGKILL a worker process mid-job; restart it after forMs",
  effect: "down",
  needs: [],
  ownRecords: true,
  async inject(_fault, [proc], env) {
    const name = proc as string;
    const jobs = inFlight(env, name);
    const { t, pid, instance } = await env.processes.kill(name);
    env.ledger.append({
      type: "fault",
      t,
      fault: "kill",
      action: "kill",
      proc: name,
      instance,
      pid,
      inFlight: jobs,
    });
    env.progress(`killed ${name} (pid ${pid}) with ${jobs.length} job(s) in flight`);
    return { detail: { pid, inFlight: jobs }, heal: restartHeal(env, name, "kill") };
  },
};

export const pauseFault: FaultType<"pause"> = {
  kind: "pause",
  summary: "freeze a worker process (SIGSTOP) mid-job; continue it (SIGCONT) after forMs",
  effect: "unavailable",
  needs: [],
  async inject(fault, [proc], env) {
    const name = proc as string;
    const jobs = inFlight(env, name);
    const { pid } = env.processes.pause(name);
    env.progress(
      `froze ${name} (pid ${pid}) for ${fault.spec.forMs} ms with ${jobs.length} job(s) in flight`,
    );
    return {
      detail: { pid, inFlight: jobs },
      // Continued even when the run is ending: a frozen process cannot stop gracefully.
      async heal() {
        env.processes.resume(name);
        env.progress(`continued ${name} (pid ${pid})`);
        return undefined;
      },
    };
  },
};

export const terminateFault: FaultType<"terminate"> = {
  kind: "terminate",
  summary: "SIGTERM a worker process mid-job (the scheduler's graceful stop); restart it after forMs",
  effect: "down",
  needs: [],
  async inject(_fault, [proc], env) {
    const name = proc as string;
    const jobs = inFlight(env, name);
    const pid = env.processes.pidOf(name);
    env.progress(`sent SIGTERM to ${name} (pid ${pid}) with ${jobs.length} job(s) in flight`);
    const { t, exitedAt } = await env.processes.terminate(name);
    // What the graceful stop did with each execution in flight: finished (its end is in the
    // ledger) or abandoned (the process exited with it running; its lock must expire first).
    env.live.poll();
    const open = new Set(env.live.inFlight(env.processes.instanceOf(name) ?? "").map((e) => e.execId));
    const finished = jobs.filter((e) => !open.has(e.execId)).map((e) => e.jobId);
    const abandoned = jobs.filter((e) => open.has(e.execId)).map((e) => e.jobId);
    env.progress(
      `${name} stopped ${exitedAt - t} ms after SIGTERM: ${finished.length} in-flight job(s) finished, ${abandoned.length} abandoned`,
    );
    return {
      detail: { pid, inFlight: jobs, signalAt: t, exitedAt, stopMs: exitedAt - t, finished, abandoned },
      heal: restartHeal(env, name, "terminate"),
    };
  },
};

export const outOfMemoryFault: FaultType<"out-of-memory"> = {
  kind: "out-of-memory",
  summary:
    "a worker process allocates until its heap (heapMb) is exhausted and it dies mid-job; restart it after forMs",
  effect: "down",
  needs: [],
  // Its death is written as a kill (fault "out-of-memory"): for the checkers, everything the process
  // was executing died with it, exactly as with SIGKILL.
  ownRecords: true,
  async inject(_fault, [proc], env) {
    const name = proc as string;
    const jobs = inFlight(env, name);
    const pid = env.processes.pidOf(name) as number;
    const instance = env.processes.instanceOf(name) as string;
    const t = env.now();
    // The worker never answers: it allocates on its event loop until V8 aborts the process.
    void env.processes.request(name, { type: "exhaust-heap" }).catch(() => {});
    // The kill is dated by the process's exit record, so that the checkers see one death, not two.
    const diedAt = await env.processes.exited(name);
    env.ledger.append({
      type: "fault",
      t: diedAt,
      fault: "out-of-memory",
      action: "kill",
      proc: name,
      instance,
      pid,
      inFlight: jobs,
    });
    env.progress(
      `${name} (pid ${pid}) ran out of heap ${diedAt - t} ms after it began allocating, with ${jobs.length} job(s) in flight`,
    );
    return {
      detail: { pid, inFlight: jobs, diedAt, dieMs: diedAt - t },
      heal: restartHeal(env, name, "out-of-memory"),
    };
  },
};

export const blockLoopFault: FaultType<"block-loop"> = {
  kind: "block-loop",
  summary: "block a worker process's event loop for forMs, as a synchronous job would (heartbeats stop)",
  effect: "unavailable",
  needs: [],
  async inject(fault, [proc], env) {
    const name = proc as string;
    const jobs = inFlight(env, name);
    const pid = env.processes.pidOf(name);
    const blocked = env.processes.request(name, { type: "block-loop", ms: fault.spec.forMs });
    env.progress(
      `blocked ${name}'s event loop for ${fault.spec.forMs} ms with ${jobs.length} job(s) in flight`,
    );
    return {
      detail: { pid, inFlight: jobs },
      // The block ends on its own; the heal waits for the process to answer again.
      async heal(early) {
        if (early) return undefined;
        const reply = (await blocked) as { blockedMs?: number } | undefined;
        return { blockedMs: reply?.blockedMs ?? null };
      },
    };
  },
};
