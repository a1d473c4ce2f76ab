import { z } from "zod";
import type { FaultType } from "../faultType.ts";
import { networkCommon } from "./common.ts";
import { withToxics } from "./toxics.ts";

export const resetPeerSpec = z.strictObject({ type: z.literal("reset-peer"), ...networkCommon });

/** Reset every connection a worker opens to MongoDB: Toxiproxy's reset_peer toxic. */
export const resetPeerFault: FaultType<"reset-peer"> = {
  kind: "reset-peer",
  spec: resetPeerSpec,
  summary: "reset every connection a worker opens to MongoDB (TCP RST) for forMs",
  effect: "unavailable",
  needs: ["toxiproxy"],
  inject: (fault, procs, env) =>
    withToxics(
      env,
      procs,
      () => [{ name: fault.id, type: "reset_peer", stream: "upstream", attributes: { timeout: 0 } }],
      `connection resets (${fault.id})`,
    ),
};
