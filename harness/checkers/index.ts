import { lostJobsChecker } from "./lostJobs.ts";
import { recoveryTimeChecker } from "./recoveryTime.ts";
import { reexecutionsChecker } from "./reexecutions.ts";
import type { Checker } from "./types.ts";

/** Every checker by the name a scenario uses for it. */
export const checkerRegistry: Record<string, Checker> = {
  [lostJobsChecker.name]: lostJobsChecker,
  [reexecutionsChecker.name]: reexecutionsChecker,
  [recoveryTimeChecker.name]: recoveryTimeChecker,
};
