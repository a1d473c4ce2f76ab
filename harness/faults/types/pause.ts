import { z } from "zod";
import type { FaultType } from "../faultType.ts";
import { common, HOUR, int, target } from "./common.ts";
import { inFlight, inFlightText } from "./processes.ts";

export const pauseSpec = z.strictObject({
  type: z.literal("pause"),
  ...common,
  target: target.default("busy"),
  /** How long the process stays frozen (SIGSTOP) before SIGCONT. */
  forMs: int(1, HOUR).default(5000),
});

/** Freeze a worker process mid-job: a GC pause, a stalled event loop, a VM migration. */
export const pauseFault: FaultType<"pause"> = {
  kind: "pause",
  spec: pauseSpec,
  summary: "freeze a worker process (SIGSTOP) mid-job; continue it (SIGCONT) after forMs",
  effect: "unavailable",
  needs: [],
  oneProcess: true,
  async inject(fault, [proc], env) {
    const name = proc as string;
    const jobs = inFlight(env, name);
    const { pid } = env.processes.pause(name);
    env.progress(`froze ${name} (pid ${pid}) for ${fault.spec.forMs} ms${inFlightText(env, jobs)}`);
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
