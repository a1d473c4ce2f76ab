import type { Scenario } from "../harness/scenario/schema.ts";
import { clockSkew } from "./clock-skew.ts";
import { concurrencyLimit } from "./concurrency-limit.ts";
import { crashRecovery } from "./crash-recovery.ts";
import { dbRestart } from "./db-restart.ts";
import { dedupe } from "./dedupe.ts";
import { gracefulStop } from "./graceful-stop.ts";
import { longJobs, longJobsRealtime } from "./long-jobs.ts";
import { mixed } from "./mixed.ts";
import { outOfMemory } from "./out-of-memory.ts";
import { partition } from "./partition.ts";
import { priorityOrdering, priorityOrderingMixed } from "./priority-ordering.ts";
import { repeat } from "./repeat.ts";
import { retryBackoff } from "./retry-backoff.ts";
import { rollingDeploy } from "./rolling-deploy.ts";
import { scale } from "./scale.ts";
import { slowNetwork } from "./slow-network.ts";
import { soak } from "./soak.ts";
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
    partition,
    slowNetwork,
    clockSkew,
    gracefulStop,
    outOfMemory,
    rollingDeploy,
    scale,
    dbRestart,
    soak,
    mixed,
  ].map((s) => [s.name, s]),
);
