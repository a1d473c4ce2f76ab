import { z } from "zod";
import type { FaultType } from "../faultType.ts";
import { common, HOUR, int, target } from "./common.ts";
import { inFlight, inFlightText, restartHeal } from "./processes.ts";

export const terminateSpec = z.strictObject({
  type: z.literal("terminate"),
  ...common,
  target: target.default("busy"),
  /** From the SIGTERM to the restart of that process. */
  forMs: int(0, HOUR).default(1000),
});

/** SIGTERM a worker process mid-job: the scheduler's graceful stop, and what it did with each job. */
export const terminateFault: FaultType<"terminate"> = {
  kind: "terminate",
  spec: terminateSpec,
  summary: "SIGTERM a worker process mid-job (the scheduler's graceful stop); restart it after forMs",
  effect: "down",
  needs: [],
  oneProcess: true,
  async inject(_fault, [proc], env) {
    const name = proc as string;
    const jobs = inFlight(env, name);
    const pid = env.processes.pidOf(name);
    env.progress(`sent SIGTERM to ${name} (pid ${pid})${inFlightText(env, jobs)}`);
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
