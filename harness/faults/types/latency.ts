import { z } from "zod";
import type { FaultType } from "../faultType.ts";
import { int, networkCommon, target } from "./common.ts";
import { withToxics } from "./toxics.ts";

export const latencySpec = z.strictObject({
  type: z.literal("latency"),
  ...networkCommon,
  target: target.default("all"),
  /** Added to every reply from MongoDB, ± jitterMs. */
  latencyMs: int(0, 60_000).default(100),
  jitterMs: int(0, 60_000).default(0),
});

/** Slow every reply from MongoDB: Toxiproxy's latency toxic, downstream. */
export const latencyFault: FaultType<"latency"> = {
  kind: "latency",
  spec: latencySpec,
  summary: "add latencyMs ± jitterMs to every reply from MongoDB for forMs",
  effect: "degraded",
  needs: ["toxiproxy"],
  flagKeys: { latency: "latencyMs", jitter: "jitterMs" },
  inject: (fault, procs, env) =>
    withToxics(
      env,
      procs,
      () => [
        {
          name: fault.id,
          type: "latency",
          stream: "downstream",
          attributes: { latency: fault.spec.latencyMs, jitter: fault.spec.jitterMs },
        },
      ],
      `latency ${fault.spec.latencyMs} ± ${fault.spec.jitterMs} ms (${fault.id})`,
    ),
  describe: (spec) => `${spec.latencyMs}±${spec.jitterMs} ms`,
};
