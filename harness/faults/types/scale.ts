import { z } from "zod";
import { formatDuration } from "../../util/duration.ts";
import { sleep } from "../../util/wait.ts";
import type { FaultEnv, FaultType } from "../faultType.ts";
import { common, HOUR, int } from "./common.ts";
import { addRecorded, operationControl, stopAccounted } from "./operations.ts";

export const scaleSpec = z.strictObject({
  type: z.literal("scale"),
  ...common,
  /** Scaling acts on the run's worker processes as a whole. */
  target: z.literal("all").default("all"),
  /**
   * The number of worker processes to run at each step, in order: a list ([1, 3, 1]), or in a
   * `--fault` flag numbers joined by dashes (`steps=1-3-1`).
   */
  steps: z.preprocess(
    (v) => (typeof v === "string" ? v.split("-").map((n) => (n.trim() === "" ? Number.NaN : Number(n))) : v),
    z.array(int(1, 64)).min(1).max(50),
  ),
  /** How long each step lasts. */
  stepMs: int(500, HOUR).default(8000),
  /** An orchestrator's grace: SIGKILL for a removed process still there this long after its SIGTERM. */
  graceMs: int(0, HOUR).default(30_000),
  /** The window stays open this long after the last step. */
  forMs: int(0, HOUR).default(0),
});

/** The worker processes running now, in name order (w1, w2, … w10). */
function running(env: FaultEnv): string[] {
  return env.processes.runningWorkers().sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
}

/**
 * Sets the number of running worker processes to `want`: new ones started like the first running
 * one, all at once; the newest removed first, each stopped gracefully and retired.
 */
async function scaleTo(env: FaultEnv, op: string, want: number, graceMs: number): Promise<void> {
  const now = running(env);
  env.ledger.append({ type: "op", action: "step", t: env.now(), op, processes: want });
  env.progress(`${op}: ${now.length} → ${want} worker process(es)`);
  if (want > now.length) {
    const template = now[0];
    if (!template) throw new Error("no worker process is running to start new ones like");
    await Promise.all(Array.from({ length: want - now.length }, () => addRecorded(env, op, template)));
  } else if (want < now.length) {
    const removed = now.slice(want).reverse();
    await Promise.all(removed.map((proc) => stopAccounted(env, op, proc, { graceMs, retire: true })));
  }
}

/**
 * Autoscaling under load: the worker processes added and removed by steps (1 → N → 1), each new one
 * started like the others, each removed one stopped gracefully (SIGTERM) with what it held
 * accounted for. Every step is recorded, so the scaling curve comes from the same run.
 */
export const scaleFault: FaultType<"scale"> = {
  kind: "scale",
  spec: scaleSpec,
  summary:
    "add and remove worker processes by steps under load (steps=1-3-1, each stepMs long); removed ones get SIGTERM",
  effect: "degraded",
  needs: [],
  flagKeys: { step: "stepMs", grace: "graceMs" },
  describe: (spec) => `to ${spec.steps.join(" → ")} processes, ${formatDuration(spec.stepMs)} each`,
  problems(spec, bounds, where) {
    const total = spec.steps.length * spec.stepMs;
    if (bounds.loadForMs !== undefined && total > bounds.loadForMs)
      return [
        `${where}: its ${spec.steps.length} steps of ${formatDuration(spec.stepMs)} take ${formatDuration(total)}, longer than the load (${formatDuration(bounds.loadForMs)}): give a shorter stepMs or a longer --duration`,
      ];
    return [];
  },
  async inject(fault, _procs, env) {
    operationControl(env);
    const op = fault.id;
    const calledOff = new AbortController();
    const onAbort = () => calledOff.abort();
    env.signal.addEventListener("abort", onAbort, { once: true });
    const before = running(env).length;
    const done = (async () => {
      let steps = 0;
      for (const want of fault.spec.steps) {
        if (calledOff.signal.aborted) break;
        await scaleTo(env, op, want, fault.spec.graceMs);
        steps++;
        await sleep(fault.spec.stepMs, calledOff.signal);
      }
      return steps;
    })().finally(() => env.signal.removeEventListener("abort", onAbort));
    done.catch(() => {});
    return {
      detail: { from: before, steps: fault.spec.steps, stepMs: fault.spec.stepMs },
      async heal(early) {
        if (early) calledOff.abort();
        const steps = await done;
        return { stepsDone: steps, processesAfter: running(env).length };
      },
    };
  },
};
