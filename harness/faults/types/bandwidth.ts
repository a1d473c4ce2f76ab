import { z } from "zod";
import type { FaultType } from "../faultType.ts";
import { int, networkCommon, target } from "./common.ts";
import { bothWays, withToxics } from "./toxics.ts";

export const bandwidthSpec = z.strictObject({
  type: z.literal("bandwidth"),
  ...networkCommon,
  target: target.default("all"),
  /** KB per second, each way. */
  rateKBps: int(1, 1_000_000).default(64),
});

/** Limit a worker's traffic to MongoDB: Toxiproxy's bandwidth toxic, both ways. */
export const bandwidthFault: FaultType<"bandwidth"> = {
  kind: "bandwidth",
  spec: bandwidthSpec,
  summary: "limit a worker's traffic to MongoDB to rateKBps each way for forMs",
  effect: "degraded",
  needs: ["toxiproxy"],
  flagKeys: { rate: "rateKBps" },
  inject: (fault, procs, env) =>
    withToxics(
      env,
      procs,
      () => bothWays(fault.id, "bandwidth", { rate: fault.spec.rateKBps }),
      `bandwidth ${fault.spec.rateKBps} KB/s (${fault.id})`,
    ),
  describe: (spec) => `${spec.rateKBps} KB/s`,
};
