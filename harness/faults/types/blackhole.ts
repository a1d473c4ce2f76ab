import { z } from "zod";
import type { FaultType } from "../faultType.ts";
import { networkCommon } from "./common.ts";
import { bothWays, withToxics } from "./toxics.ts";

export const blackholeSpec = z.strictObject({ type: z.literal("blackhole"), ...networkCommon });

/** Black-hole a worker's traffic: Toxiproxy's timeout toxic with timeout 0, both ways. */
export const blackholeFault: FaultType<"blackhole"> = {
  kind: "blackhole",
  spec: blackholeSpec,
  summary: "black-hole a worker's traffic to MongoDB (connections stay open, nothing passes) for forMs",
  effect: "unavailable",
  needs: ["toxiproxy"],
  inject: (fault, procs, env) =>
    withToxics(env, procs, () => bothWays(fault.id, "timeout", { timeout: 0 }), `black hole (${fault.id})`),
};
