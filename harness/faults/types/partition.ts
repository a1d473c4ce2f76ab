import { z } from "zod";
import type { FaultType } from "../faultType.ts";
import { networkCommon } from "./common.ts";
import { proxiesOf } from "./toxics.ts";

export const partitionSpec = z.strictObject({ type: z.literal("partition"), ...networkCommon });

/** Cut a worker off from MongoDB: its proxy closes every connection and refuses new ones. */
export const partitionFault: FaultType<"partition"> = {
  kind: "partition",
  spec: partitionSpec,
  summary: "cut a worker process off from MongoDB (its proxy refuses and closes every connection) for forMs",
  effect: "unavailable",
  needs: ["toxiproxy"],
  async inject(fault, procs, env) {
    const proxies = proxiesOf(env);
    const cut: string[] = [];
    const heal = async () => {
      const errors: string[] = [];
      for (const proc of cut)
        await proxies.setEnabled(proc, true).catch((e: unknown) => errors.push(`${proc}: ${String(e)}`));
      if (errors.length) throw new Error(`could not reconnect: ${errors.join("; ")}`);
      env.progress(`healed the partition of ${procs.join(", ")}`);
      return undefined;
    };
    const jobs = Object.fromEntries(
      procs.map(
        (p) => [p, env.live.inFlight(env.processes.instanceOf(p) ?? "").map((e) => e.jobId)] as const,
      ),
    );
    try {
      for (const proc of procs) {
        await proxies.setEnabled(proc, false);
        cut.push(proc);
      }
    } catch (error) {
      await heal().catch(() => {});
      throw error;
    }
    env.progress(`partitioned ${procs.join(", ")} from MongoDB for ${fault.spec.forMs} ms`);
    return { detail: { inFlight: jobs }, heal };
  },
};
