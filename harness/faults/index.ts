import { clockDriftFault, clockOffsetFault } from "./clockFaults.ts";
import type { FaultKind } from "./faultSpecs.ts";
import type { FaultType } from "./faultType.ts";
import {
  bandwidthFault,
  blackholeFault,
  latencyFault,
  partitionFault,
  resetPeerFault,
} from "./networkFaults.ts";
import { blockLoopFault, killFault, outOfMemoryFault, pauseFault, terminateFault } from "./processFaults.ts";

/** Every fault type by the name a scenario or `--fault` uses for it. */
export const faultRegistry: { [K in FaultKind]: FaultType<K> } = {
  kill: killFault,
  pause: pauseFault,
  terminate: terminateFault,
  "out-of-memory": outOfMemoryFault,
  "block-loop": blockLoopFault,
  partition: partitionFault,
  blackhole: blackholeFault,
  "reset-peer": resetPeerFault,
  latency: latencyFault,
  bandwidth: bandwidthFault,
  "clock-offset": clockOffsetFault,
  "clock-drift": clockDriftFault,
};

/** The fault type of a kind. */
export function faultTypeOf<K extends FaultKind>(kind: K): FaultType<K> {
  return faultRegistry[kind] as FaultType<K>;
}
