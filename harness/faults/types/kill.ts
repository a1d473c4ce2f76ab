import { z } from "zod";
import type { FaultType } from "../faultType.ts";
import { common, HOUR, int, target } from "./common.ts";
import { inFlight, inFlightText, restartHeal } from "./processes.ts";

export const killSpec = z.strictObject({
  type: z.literal("kill"),
  ...common,
  target: target.default("busy"),
  /** From the kill to the restart of that process. */
  forMs: int(0, HOUR).default(1000),
});

/** SIGKILL a worker process mid-job; everything it was executing dies with it. */
export const killFault: FaultType<"kill"> = {
  kind: "kill",
  spec: killSpec,
  summary: "SIGKILL a worker process mid-job; restart it after forMs",
  effect: "down",
  needs: [],
  oneProcess: true,
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
    env.progress(`killed ${name} (pid ${pid})${inFlightText(env, jobs)}`);
    return { detail: { pid, inFlight: jobs }, heal: restartHeal(env, name, "kill") };
  },
};
