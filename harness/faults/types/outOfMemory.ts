import { z } from "zod";
import type { FaultType } from "../faultType.ts";
import { common, HOUR, int, target } from "./common.ts";
import { inFlight, restartHeal } from "./processes.ts";

export const outOfMemorySpec = z.strictObject({
  type: z.literal("out-of-memory"),
  ...common,
  target: target.default("busy"),
  /** From the process's death to its restart. */
  forMs: int(0, HOUR).default(1000),
  /** --max-old-space-size of every worker process of a run with this fault. */
  heapMb: int(32, 4096).default(96),
});

/** A worker process runs out of heap mid-job and V8 aborts it. */
export const outOfMemoryFault: FaultType<"out-of-memory"> = {
  kind: "out-of-memory",
  spec: outOfMemorySpec,
  summary:
    "a worker process allocates until its heap (heapMb) is exhausted and it dies mid-job; restart it after forMs",
  effect: "down",
  needs: [],
  oneProcess: true,
  flagKeys: { heap: "heapMb" },
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
