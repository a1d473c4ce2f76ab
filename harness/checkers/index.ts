import { concurrencyLimitChecker } from "./concurrencyLimit.ts";
import { dedupeChecker } from "./dedupe.ts";
import { lostJobsChecker } from "./lostJobs.ts";
import { ownershipChecker } from "./ownership.ts";
import { priorityOrderChecker } from "./priorityOrder.ts";
import { recoveryTimeChecker } from "./recoveryTime.ts";
import { reexecutionsChecker } from "./reexecutions.ts";
import { repeatTicksChecker } from "./repeatTicks.ts";
import { retryComputedDelayChecker, retryTimingChecker } from "./retryTiming.ts";
import { stalledEventsChecker } from "./stalledEvents.ts";
import type { Checker } from "./types.ts";

/** Every checker by the name a scenario uses for it. */
export const checkerRegistry: Record<string, Checker> = Object.fromEntries(
  [
    lostJobsChecker,
    reexecutionsChecker,
    recoveryTimeChecker,
    priorityOrderChecker,
    concurrencyLimitChecker,
    retryTimingChecker,
    retryComputedDelayChecker,
    ownershipChecker,
    stalledEventsChecker,
    repeatTicksChecker,
    dedupeChecker,
  ].map((c) => [c.name, c]),
);
