import { z } from "zod";
import type { FaultType } from "../faultType.ts";
import { common, HOUR, int, target } from "./common.ts";
import { inFlight } from "./processes.ts";

export const blockLoopSpec = z.strictObject({
  type: z.literal("block-loop"),
  ...common,
  target: target.default("busy"),
  /** How long the process's event loop is blocked (a synchronous job). */
  forMs: int(1, HOUR).default(5000),
});

/** Block a worker process's event loop, as a synchronous job would: timers and heartbeats stop. */
export const blockLoopFault: FaultType<"block-loop"> = {
  kind: "block-loop",
  spec: blockLoopSpec,
  summary: "block a worker process's event loop for forMs, as a synchronous job would (heartbeats stop)",
  effect: "unavailable",
  needs: [],
  oneProcess: true,
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
