import { z } from "zod";
import type { FaultType } from "../faultType.ts";
import { rollout } from "../rollout.ts";
import { common, HOUR, int, target } from "./common.ts";
import { operationControl, recordedRollout } from "./operations.ts";

export const rollingRestartSpec = z.strictObject({
  type: z.literal("rolling-restart"),
  ...common,
  /** The processes it replaces: all of them (default), or one named. */
  target: target.default("all"),
  /** Times every process is replaced. */
  rounds: int(1, 20).default(1),
  /** New processes started (and ready) before as many old ones are stopped; 0: stop, then start. */
  surge: int(0, 64).default(0),
  /** An orchestrator's grace: SIGKILL for a process still there this long after its SIGTERM. */
  graceMs: int(0, HOUR).default(30_000),
  /** Pause after each step. */
  gapMs: int(0, HOUR).default(0),
  /** The window stays open this long after the last step. */
  forMs: int(0, HOUR).default(0),
});

/**
 * A rolling deploy: every worker process in turn stopped with SIGTERM (the scheduler's graceful
 * stop) and replaced, one at a time or with surge, for several rounds, while the load flows. Each
 * stop records what the process held (by the ledger and by the database) when the stop began and
 * what it still held once it had exited.
 */
export const rollingRestartFault: FaultType<"rolling-restart"> = {
  kind: "rolling-restart",
  spec: rollingRestartSpec,
  summary:
    "a rolling deploy: SIGTERM every worker process in turn and replace it (surge: start the new ones first), for rounds",
  effect: "down",
  needs: [],
  flagKeys: { grace: "graceMs", gap: "gapMs" },
  describe: (spec) => `${spec.rounds} round(s)${spec.surge ? `, surge ${spec.surge}` : ""}`,
  problems(spec, bounds, where) {
    const n = spec.target === "all" || spec.target === "busy" || spec.target === "any" ? bounds.processes : 1;
    if (spec.surge > 0 && n !== undefined && spec.surge > n)
      return [
        `${where}: a surge of ${spec.surge} is larger than the ${n} worker process(es) it replaces: give surge ≤ ${n}`,
      ];
    return [];
  },
  async inject(fault, procs, env) {
    operationControl(env);
    const op = fault.id;
    const stops = new AbortController();
    const onAbort = () => stops.abort();
    env.signal.addEventListener("abort", onAbort, { once: true });
    // Runs beside the schedule; the heal waits for it (or calls it off when the run ends).
    const done = rollout(procs, recordedRollout(env, op, fault.spec.graceMs), {
      rounds: fault.spec.rounds,
      surge: fault.spec.surge,
      gapMs: fault.spec.gapMs,
      signal: stops.signal,
      progress: env.progress,
      label: op,
    }).finally(() => env.signal.removeEventListener("abort", onAbort));
    done.catch(() => {});
    return {
      detail: { procs, rounds: fault.spec.rounds, surge: fault.spec.surge },
      async heal(early) {
        if (early) stops.abort();
        const outcome = await done;
        if (outcome.completed)
          env.progress(`${op}: done, ${outcome.steps} step(s); processes now ${outcome.procs.join(", ")}`);
        return { procsAfter: outcome.procs, steps: outcome.steps, completed: outcome.completed };
      },
    };
  },
};
