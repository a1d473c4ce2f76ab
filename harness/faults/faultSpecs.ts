/**
 * The declarative form of every fault type: what a scenario's `faults.list` entry (or a `--fault`
 * flag) may say. One zod schema per type, joined on `type`, so a misspelt type or a negative amount
 * is reported with the other settings before anything starts.
 */
import { z } from "zod";

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const HOUR = 3_600_000;

/**
 * Which worker processes a fault hits. busy: one executing a job when the fault strikes (chosen by
 * the seeded generator among those); any: one chosen from the seed before the run; all: every
 * worker process; wN: that one.
 */
const target = z
  .string()
  .regex(/^(busy|any|all|w[1-9]\d*)$/, { message: 'give busy, any, all or a worker such as "w2"' });

/** Fields every fault has. */
const common = {
  /** When to strike, as the fraction of the jobs finished (0: as the load starts). */
  at: z.number().min(0).max(0.99).optional(),
  /** Faults of this entry, spread evenly over the run when `at` is not given. */
  count: int(1, 100).default(1),
};

export const killSpec = z.strictObject({
  type: z.literal("kill"),
  ...common,
  target: target.default("busy"),
  /** From the kill to the restart of that process. */
  forMs: int(0, HOUR).default(1000),
});
export const pauseSpec = z.strictObject({
  type: z.literal("pause"),
  ...common,
  target: target.default("busy"),
  /** How long the process stays frozen (SIGSTOP) before SIGCONT. */
  forMs: int(1, HOUR).default(5000),
});
export const terminateSpec = z.strictObject({
  type: z.literal("terminate"),
  ...common,
  target: target.default("busy"),
  /** From the SIGTERM to the restart of that process. */
  forMs: int(0, HOUR).default(1000),
});
export const outOfMemorySpec = z.strictObject({
  type: z.literal("out-of-memory"),
  ...common,
  target: target.default("busy"),
  /** From the process's death to its restart. */
  forMs: int(0, HOUR).default(1000),
  /** --max-old-space-size of every worker process of a run with this fault. */
  heapMb: int(32, 4096).default(96),
});
export const blockLoopSpec = z.strictObject({
  type: z.literal("block-loop"),
  ...common,
  target: target.default("busy"),
  /** How long the process's event loop is blocked (a synchronous job). */
  forMs: int(1, HOUR).default(5000),
});

const networkCommon = { ...common, target: target.default("busy"), forMs: int(1, HOUR).default(5000) };
export const partitionSpec = z.strictObject({ type: z.literal("partition"), ...networkCommon });
export const blackholeSpec = z.strictObject({ type: z.literal("blackhole"), ...networkCommon });
export const resetPeerSpec = z.strictObject({ type: z.literal("reset-peer"), ...networkCommon });
export const latencySpec = z.strictObject({
  type: z.literal("latency"),
  ...networkCommon,
  target: target.default("all"),
  /** Added to every reply from MongoDB, ± jitterMs. */
  latencyMs: int(0, 60_000).default(100),
  jitterMs: int(0, 60_000).default(0),
});
export const bandwidthSpec = z.strictObject({
  type: z.literal("bandwidth"),
  ...networkCommon,
  target: target.default("all"),
  /** KB per second, each way. */
  rateKBps: int(1, 1_000_000).default(64),
});

const clockTarget = target.refine((t) => t !== "busy", {
  message: "a clock fault needs its worker before the run starts: give any, all or a worker such as w2",
});
export const clockOffsetSpec = z.strictObject({
  type: z.literal("clock-offset"),
  ...common,
  target: clockTarget.default("any"),
  forMs: int(1, HOUR).default(10_000),
  /** Ahead (positive) or behind (negative), in ms. */
  offsetMs: z
    .number()
    .int()
    .min(-7 * 24 * HOUR)
    .max(7 * 24 * HOUR)
    .refine((v) => v !== 0, { message: "an offset of 0 is no fault" }),
});
export const clockDriftSpec = z.strictObject({
  type: z.literal("clock-drift"),
  ...common,
  target: clockTarget.default("any"),
  forMs: int(1, HOUR).default(10_000),
  /** Milliseconds the clock gains (positive) or loses (negative) per real second. */
  msPerSecond: z
    .number()
    .min(-999)
    .max(100_000)
    .refine((v) => v !== 0, { message: "a drift of 0 is no fault" }),
});

/** Any one fault entry. */
export const faultSpec = z.discriminatedUnion("type", [
  killSpec,
  pauseSpec,
  terminateSpec,
  outOfMemorySpec,
  blockLoopSpec,
  partitionSpec,
  blackholeSpec,
  resetPeerSpec,
  latencySpec,
  bandwidthSpec,
  clockOffsetSpec,
  clockDriftSpec,
]);
export type FaultSpec = z.output<typeof faultSpec>;
export type FaultKind = FaultSpec["type"];
export type FaultSpecOf<K extends FaultKind> = Extract<FaultSpec, { type: K }>;
