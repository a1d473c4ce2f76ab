import { z } from "zod";
import { faultSpec } from "./registry.ts";

const int = (min: number, max: number) => z.number().int().min(min).max(max);

/** The fault part of a run's settings, with its one default each (the scenario schema composes it). */
export const faultSettingsSchema = z.strictObject({
  /** SIGKILLs of a worker process in the middle of a job. */
  kills: int(0, 100).default(2),
  /** When to kill, as fractions of the accepted jobs finished; default: evenly spread. */
  killAt: z.array(z.number().gt(0).lt(1)).optional(),
  /** Delay from a kill to the restart of that process. */
  restartDelayMs: int(0, 600_000).default(1000),
  /** SIGSTOPs of a worker process in the middle of a job, each continued after pauseMs. */
  pauses: int(0, 100).default(0),
  pauseMs: int(1, 600_000).default(5000),
  /**
   * Faults of any type (see `harness list`), each planned from the seed, injected at its point
   * and healed after its window. The kills and pauses above are shorthands for entries here.
   */
  list: z.array(faultSpec).default([]),
  /**
   * Where the entries of `list` without `at` strike: evenly spread (even), or at points drawn from
   * the seed between 5% and 85% of the jobs finished (seeded: each seed a different schedule, the
   * same seed the same one).
   */
  points: z.enum(["even", "seeded"]).default("even"),
  /**
   * What a scenario's fault needing a tool this machine lacks (Toxiproxy, libfaketime) does: refuse
   * the run (refuse), or leave that fault out with one printed line (skip). `--fault` entries are
   * always refused.
   */
  unsupported: z.enum(["refuse", "skip"]).default("refuse"),
});

export type FaultSettings = z.output<typeof faultSettingsSchema>;
