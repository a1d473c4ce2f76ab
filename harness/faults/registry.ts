/**
 * Every fault type by the name a scenario or `--fault` uses for it. A type lives in one file of
 * types/ (its spec, its behaviour, its short flag keys); adding one is writing that file and
 * listing it here, in the union and the registry.
 */
import { z } from "zod";
import type { FaultType } from "./faultType.ts";
import { bandwidthFault, bandwidthSpec } from "./types/bandwidth.ts";
import { blackholeFault, blackholeSpec } from "./types/blackhole.ts";
import { blockLoopFault, blockLoopSpec } from "./types/blockLoop.ts";
import { clockDriftFault, clockDriftSpec } from "./types/clockDrift.ts";
import { clockOffsetFault, clockOffsetSpec } from "./types/clockOffset.ts";
import { dbRestartFault, dbRestartSpec } from "./types/dbRestart.ts";
import { killFault, killSpec } from "./types/kill.ts";
import { latencyFault, latencySpec } from "./types/latency.ts";
import { outOfMemoryFault, outOfMemorySpec } from "./types/outOfMemory.ts";
import { partitionFault, partitionSpec } from "./types/partition.ts";
import { pauseFault, pauseSpec } from "./types/pause.ts";
import { resetPeerFault, resetPeerSpec } from "./types/resetPeer.ts";
import { rollingRestartFault, rollingRestartSpec } from "./types/rollingRestart.ts";
import { scaleFault, scaleSpec } from "./types/scale.ts";
import { terminateFault, terminateSpec } from "./types/terminate.ts";

/** Any one fault entry, as a scenario's `faults.list` or a `--fault` flag gives it. */
export const faultSpec = z.discriminatedUnion("type", [
  killSpec,
  pauseSpec,
  terminateSpec,
  outOfMemorySpec,
  blockLoopSpec,
  partitionSpec,
  blackholeSpec,
  resetPeerSpec,
  latencySpec,
  bandwidthSpec,
  clockOffsetSpec,
  clockDriftSpec,
  rollingRestartSpec,
  scaleSpec,
  dbRestartSpec,
]);
export type FaultSpec = z.output<typeof faultSpec>;
export type FaultKind = FaultSpec["type"];
export type FaultSpecOf<K extends FaultKind> = Extract<FaultSpec, { type: K }>;

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
  "rolling-restart": rollingRestartFault,
  scale: scaleFault,
  "db-restart": dbRestartFault,
};

/** The fault type of a kind. */
export function faultTypeOf<K extends FaultKind>(kind: K): FaultType<K> {
  return faultRegistry[kind] as FaultType<K>;
}
