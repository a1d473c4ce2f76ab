import { UNLIMITED_MIX } from "../harness/load/settings.ts";
import type { Scenario } from "../harness/scenario/schema.ts";

/**
 * 100 ± 30 ms of added latency on every reply from MongoDB to every worker for most of the run,
 * with one kill under it: throughput and recovery time on a slow network. The promise: nothing is
 * lost or run twice, and a killed job still recovers within the lock timeout. Needs Toxiproxy.
 */
export const slowNetwork: Scenario = {
  name: "slow-network",
  description:
    "100 ± 30 ms latency between every worker and MongoDB, one kill under it; throughput and recovery time",
  settings: {
    sut: { processes: 3, workersPerProcess: 2, lockTimeoutMs: 3000, pollIntervalMs: 250 },
    load: { jobs: 150, connections: 6, durationMs: [100, 500], mix: [...UNLIMITED_MIX] },
    faults: {
      kills: 1,
      killAt: [0.5],
      list: [{ type: "latency", target: "all", at: 0, forMs: 25_000, latencyMs: 100, jitterMs: 30 }],
    },
    check: { checkers: ["lost-jobs", "final-state", "re-executions", "recovery-time"] },
  },
};
