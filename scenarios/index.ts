import type { Scenario } from "../harness/config/scenarioSchema.ts";
import { concurrencyLimit } from "./concurrency-limit.ts";
import { crashRecovery } from "./crash-recovery.ts";
import { dedupe } from "./dedupe.ts";
import { longJobs, longJobsRealtime } from "./long-jobs.ts";
import { priorityOrdering, priorityOrderingMixed } from "./priority-ordering.ts";
import { repeat } from "./repeat.ts";
import { retryBackoff } from "./retry-backoff.ts";
import { stall } from "./stall.ts";

/** Every scenario by name. The engine looks scenarios up here and never imports one by name. */
export const scenarios: Record<string, Scenario> = Object.fromEntries(
  [
    crashRecovery,
    priorityOrdering,
    priorityOrderingMixed,
    concurrencyLimit,
    retryBackoff,
    stall,
    repeat,
    dedupe,
    longJobs,
    longJobsRealtime,
  ].map((s) => [s.name, s]),
);
