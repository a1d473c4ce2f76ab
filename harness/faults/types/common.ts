/**
 * The pieces every fault type's spec is made of: the target (which worker processes it hits),
 * `at` and `count` (when), and the window's length, so that each type's own file states only what
 * is its own.
 */
import { z } from "zod";

export const int = (min: number, max: number) => z.number().int().min(min).max(max);
export const HOUR = 3_600_000;

/**
 * Which worker processes a fault hits. busy: one executing a job when the fault strikes (chosen by
 * the seeded generator among those); running:NAME or running:KIND: one executing a job of that
 * name or kind (limited, retrying, repeating, long, deduped, plain); running:*: a kind drawn from
 * the seed; any: one chosen from the seed before the run; all: every worker process; wN: that one.
 */
export const target = z.string().regex(/^(busy|any|all|w[1-9]\d*|running:(\*|[\w.-]+))$/, {
  message: 'give busy, running:NAME (a job name or kind), any, all or a worker such as "w2"',
});

/** Fields every fault has. */
export const common = {
  /** When to strike, as the fraction of the jobs finished (0: as the load starts). */
  at: z.number().min(0).max(0.99).optional(),
  /** Faults of this entry, spread evenly over the run when `at` is not given. */
  count: int(1, 100).default(1),
};

/** The fields of a fault on a worker's network: a busy worker by default, for 5 s. */
export const networkCommon = { ...common, target: target.default("busy"), forMs: int(1, HOUR).default(5000) };

/** A clock fault's target: its worker must start under libfaketime, so it is known before the run. */
export const clockTarget = target.refine((t) => t !== "busy" && !t.startsWith("running:"), {
  message: "a clock fault needs its worker before the run starts: give any, all or a worker such as w2",
});
