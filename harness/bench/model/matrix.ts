import type { Arrivals } from "../../load/openLoop.ts";

/** A declared bench: what runs, how often, and with which settings. */
export interface BenchMatrix {
  name: string;
  /** Worker processes × workers per process of the compared variants. */
  processes: number;
  workersPerProcess: number;
  /**
   * Plain jobs per drain trial: the most, when drains are sized by time (each system's backlog is
   * what it drains in about `drainTargetMs`), or exactly this many with `--backlog`.
   */
  backlog: number;
  /** How long a drain should take: a slow system gets a smaller backlog, so a bench ends in time. */
  drainTargetMs: number;
  /** False when --backlog fixed the backlog for every system. */
  sizeByTime: boolean;
  /**
   * Forks: fresh sets of worker processes per variant, each warmed up and measured in turn (JMH's
   * forks). Two Node processes running the same code settle at steady states a few percent apart
   * (compiled code, heap, memory layout), so one process per variant cannot tell that apart from
   * the build; the intervals resample forks.
   */
  forks: number;
  /** Repetitions per fork of every gated figure per variant (interleaved); forks × repeats ≥ 5 for a gate. */
  repeats: number;
  /**
   * Node flags of every bench worker process, the same for every variant. A fixed young generation
   * (like JMH's -Xms = -Xmx) keeps V8 from sizing it per process from early allocation, which
   * moves a process's steady-state CPU per job (docs/findings/bench.md, forks and warm-up).
   */
  workerNodeArgs: string[];
  /** The open loop of every variant with a trigger server. */
  openLoop: { ratePerSec: number; durationMs: number; graceMs: number; repeats: number };
  /** --sweep: offered rates as fractions of the measured drain rate, each step this long. */
  sweep: { factors: number[]; durationMs: number; graceMs: number };
  /** --scaling: worker process counts, each drain repeated, and the claim-cost backlog sizes. */
  scaling: { processes: number[]; repeats: number; backlogs: number[] };
  /** Idle window for the idle-load figure (and the commands of an empty poll). */
  idleMs: number;
  pollIntervalMs: number;
  lockTimeoutMs: number;
  /** Simulated work per job: 0 measures the scheduler's own cost per job. */
  jobDurationMs: number;
  /** The sustainable-throughput bound on p99 enqueue-to-start, ms. */
  startBoundMs: number;
}

/** Run-time choices beside the matrix. */
export interface BenchPlan {
  matrix: BenchMatrix;
  seed: number;
  arrivals: Arrivals;
  sweep: boolean;
  scaling: boolean;
}

/**
 * A few minutes against the stand-in server. 3 forks × 8 pairs: the fewest that let an A/B interval
 * tell a build 15% slower per job beyond a 5% gate most of the time, with the noise measured in
 * docs/findings/bench.md (the regression gate, simulated coverage).
 */
export const quickMatrix: BenchMatrix = {
  name: "quick",
  processes: 1,
  workersPerProcess: 2,
  backlog: 400,
  drainTargetMs: 1000,
  sizeByTime: true,
  forks: 3,
  repeats: 8,
  workerNodeArgs: ["--min-semi-space-size=16", "--max-semi-space-size=16"],
  openLoop: { ratePerSec: 40, durationMs: 5000, graceMs: 2000, repeats: 1 },
  sweep: { factors: [0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.25], durationMs: 5000, graceMs: 2000 },
  scaling: { processes: [1, 2, 4], repeats: 3, backlogs: [100, 1000, 10_000] },
  idleMs: 1500,
  pollIntervalMs: 100,
  lockTimeoutMs: 30_000,
  jobDurationMs: 0,
  startBoundMs: 1000,
};

/** For a real MongoDB: more workers, larger backlogs, longer windows. Hours on the stand-in. */
export const fullMatrix: BenchMatrix = {
  name: "full",
  processes: 4,
  workersPerProcess: 4,
  backlog: 10_000,
  drainTargetMs: 15_000,
  sizeByTime: true,
  forks: 3,
  repeats: 5,
  workerNodeArgs: ["--min-semi-space-size=16", "--max-semi-space-size=16"],
  openLoop: { ratePerSec: 200, durationMs: 30_000, graceMs: 5000, repeats: 3 },
  sweep: { factors: [0.1, 0.25, 0.5, 0.75, 0.9, 1, 1.1, 1.25, 1.5, 2], durationMs: 30_000, graceMs: 5000 },
  scaling: { processes: [1, 2, 4, 8, 16], repeats: 5, backlogs: [100, 1000, 10_000, 100_000, 1_000_000] },
  idleMs: 10_000,
  pollIntervalMs: 100,
  lockTimeoutMs: 30_000,
  jobDurationMs: 0,
  startBoundMs: 1000,
};
