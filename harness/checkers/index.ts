import { concurrencyLimitChecker } from "./concurrencyLimit.ts";
import { dbReconnectChecker } from "./dbReconnect.ts";
import { dedupeChecker } from "./dedupe.ts";
import { effectsChecker } from "./effects.ts";
import type { CheckerName } from "./figures.ts";
import { finalStateChecker } from "./finalState.ts";
import { growthChecker } from "./growth.ts";
import { instanceStopChecker } from "./instanceStop.ts";
import { lockLeaseChecker } from "./lockLease.ts";
import { lostJobsChecker } from "./lostJobs.ts";
import { observedConcurrencyChecker } from "./observedConcurrency.ts";
import { observedPriorityChecker } from "./observedPriority.ts";
import { ownershipChecker } from "./ownership.ts";
import { ownJobsChecker } from "./ownJobs.ts";
import { priorityOrderChecker } from "./priorityOrder.ts";
import { recoveryTimeChecker } from "./recoveryTime.ts";
import { reexecutionsChecker } from "./reexecutions.ts";
import { repeatTicksChecker } from "./repeatTicks.ts";
import { retryComputedDelayChecker, retryTimingChecker } from "./retryTiming.ts";
import { scalingChecker } from "./scaling.ts";
import { stalledEventsChecker } from "./stalledEvents.ts";
import { stopHandoverChecker } from "./stopHandover.ts";
import { takeoverTimeChecker } from "./takeoverTime.ts";
import type { Checker } from "./types.ts";

/** Every checker by the name a scenario uses for it. */
export const checkerRegistry: { [K in CheckerName]: Checker<K> } = {
  "lost-jobs": lostJobsChecker,
  "final-state": finalStateChecker,
  "re-executions": reexecutionsChecker,
  "recovery-time": recoveryTimeChecker,
  "priority-order": priorityOrderChecker,
  "concurrency-limit": concurrencyLimitChecker,
  "retry-timing": retryTimingChecker,
  "retry-computed-delay": retryComputedDelayChecker,
  ownership: ownershipChecker,
  "stalled-events": stalledEventsChecker,
  "repeat-ticks": repeatTicksChecker,
  dedupe: dedupeChecker,
  effects: effectsChecker,
  "own-jobs": ownJobsChecker,
  "lock-lease": lockLeaseChecker,
  "takeover-time": takeoverTimeChecker,
  "observed-concurrency": observedConcurrencyChecker,
  "observed-priority": observedPriorityChecker,
  "instance-stop": instanceStopChecker,
  "stop-handover": stopHandoverChecker,
  scaling: scalingChecker,
  "db-reconnect": dbReconnectChecker,
  growth: growthChecker,
};

/** Whether `name` is a checker's name. */
export function isCheckerName(name: string): name is CheckerName {
  return Object.hasOwn(checkerRegistry, name);
}
