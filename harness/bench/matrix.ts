/** The job mixes a bench cell can use. */
export const benchMixes = ["plain", "priorities", "limited"] as const;
export type BenchMix = (typeof benchMixes)[number];

/** One (processes × workers per process) setup; every cell of it runs on the same worker processes. */
export interface BenchSetup {
  processes: number;
  workersPerProcess: number;
}

/** A drain cell: a backlog seeded in bulk, timed until empty. */
export interface DrainCell {
  shape: "drain";
  mix: BenchMix;
  backlog: number;
}

/** An open-loop cell: jobs arrive over HTTP at a constant rate for a duration. */
export interface OpenCell {
  shape: "open";
  mix: BenchMix;
  ratePerSec: number;
  durationMs: number;
}

export type BenchCell = DrainCell | OpenCell;

/** A declared matrix: every setup runs every cell, each repeated. */
export interface BenchMatrix {
  name: string;
  setups: BenchSetup[];
  cells: BenchCell[];
  repeats: number;
  pollIntervalMs: number;
  lockTimeoutMs: number;
  /** Simulated work per job: 0 measures the scheduler's own cost per job. */
  jobDurationMs: number;
}

/** About three minutes on a 2-core machine against the stand-in server. */
export const quickMatrix: BenchMatrix = {
  name: "quick",
  setups: [
    { processes: 1, workersPerProcess: 2 },
    { processes: 2, workersPerProcess: 2 },
  ],
  cells: [
    { shape: "drain", mix: "plain", backlog: 500 },
    { shape: "drain", mix: "priorities", backlog: 500 },
    { shape: "drain", mix: "limited", backlog: 500 },
    { shape: "open", mix: "plain", ratePerSec: 40, durationMs: 6000 },
  ],
  repeats: 3,
  pollIntervalMs: 100,
  lockTimeoutMs: 30_000,
  jobDurationMs: 0,
};

/** For a real MongoDB: more processes, larger backlogs, higher rates. Hours on the stand-in. */
export const fullMatrix: BenchMatrix = {
  name: "full",
  setups: [
    { processes: 1, workersPerProcess: 4 },
    { processes: 4, workersPerProcess: 4 },
    { processes: 8, workersPerProcess: 4 },
  ],
  cells: [
    ...(["plain", "priorities", "limited"] as const).flatMap((mix) =>
      [1000, 10_000].map((backlog) => ({ shape: "drain" as const, mix, backlog })),
    ),
    { shape: "open", mix: "plain", ratePerSec: 200, durationMs: 30_000 },
    { shape: "open", mix: "plain", ratePerSec: 1000, durationMs: 30_000 },
  ],
  repeats: 3,
  pollIntervalMs: 100,
  lockTimeoutMs: 30_000,
  jobDurationMs: 0,
};

/** A stable id for a cell in a setup, used to compare runs cell by cell. */
export function cellId(setup: BenchSetup, cell: BenchCell): string {
  const where = `${setup.processes}x${setup.workersPerProcess}`;
  return cell.shape === "drain"
    ? `drain/${cell.mix}/${cell.backlog}/${where}`
    : `open/${cell.mix}/${cell.ratePerSec}rps/${where}`;
}

/** The schedule options of job `i` of a mix (priorities spread 1–10; "limited" caps one name). */
export function benchJob(
  mix: BenchMix,
  i: number,
  durationMs: number,
  slots: number,
): Record<string, unknown> {
  const data = { durationMs, seq: i };
  if (mix === "priorities") return { name: "bench", priority: (i % 10) + 1, data };
  if (mix === "limited") {
    // Half the jobs share a name limited to half the slots; the rest are unlimited.
    return i % 2 === 0
      ? { name: "bench-limited", concurrency: Math.max(1, Math.floor(slots / 2)), data }
      : { name: "bench", data };
  }
  return { name: "bench", data };
}
