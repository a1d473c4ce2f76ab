import type { Rng } from "../util/rng.ts";

/** One kind of job in a load mix. */
export interface MixEntry {
  /** Trigger server route that schedules it, e.g. "/trigger/email" or "/jobs". */
  route: string;
  /** Relative share of the load. */
  weight: number;
  /** Extra body fields for generic routes (e.g. { name, concurrency } for /jobs). */
  body?: Record<string, unknown>;
  /** Simulated work merged into each job's data (e.g. { failUntilAttempt: 2 }). */
  data?: Record<string, unknown>;
  /** How the job should end when the scheduler keeps its promises. */
  expect: "completed" | "failed";
}

/** One job of the load, fully decided before the run (so a seed reproduces it). */
export interface PlannedJob {
  seq: number;
  route: string;
  body: Record<string, unknown>;
  expect: MixEntry["expect"];
}

export interface MixOptions {
  jobs: number;
  mix: readonly MixEntry[];
  priorities: readonly [number, number];
  durationMs: readonly [number, number];
}

/** The mix entry a roll in [0, total weight) falls on. */
function pickWeighted(mix: readonly MixEntry[], roll: number): MixEntry {
  let left = roll;
  for (const m of mix) {
    left -= m.weight;
    if (left < 0) return m;
  }
  return mix[mix.length - 1] as MixEntry;
}

/** Plans every job of the load from the seeded generator: route, priority and duration. */
export function planJobs(options: MixOptions, rng: Rng): PlannedJob[] {
  const total = options.mix.reduce((s, m) => s + m.weight, 0);
  const jobs: PlannedJob[] = [];
  for (let seq = 0; seq < options.jobs; seq++) {
    const entry = pickWeighted(options.mix, rng.next() * total);
    const priority = rng.int(options.priorities[0], options.priorities[1]);
    const durationMs = rng.int(options.durationMs[0], options.durationMs[1]);
    jobs.push({
      seq,
      route: entry.route,
      expect: entry.expect,
      body: { ...entry.body, priority, data: { seq, durationMs, ...entry.data } },
    });
  }
  return jobs;
}
