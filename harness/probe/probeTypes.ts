/**
 * What the probe measures and what it found: each primitive a scheduler relies on gets a figure
 * (operations tried, anomalies seen, errors) and a verdict, and names the scheduler features that
 * break where it is broken. Kept in result.json (`probe`) and read by the attribution of verdicts.
 */
import { z } from "zod";

/** The primitives the probe measures. */
export const primitiveNames = [
  "claim",
  "scheduler-claim",
  "compare-and-set",
  "unique-index",
  "upsert",
  "read-your-writes",
  "server-clock",
  "now-variable",
  "transactions",
] as const;
export type PrimitiveName = (typeof primitiveNames)[number];

/**
 * holds: measured, no anomaly; broken: an anomaly seen (the primitive does not keep its promise
 * here); unavailable: the server does not offer it (an error says so); unknown: errors kept the
 * probe from telling.
 */
export type PrimitiveVerdict = "holds" | "broken" | "unavailable" | "unknown";

export interface PrimitiveResult {
  name: PrimitiveName;
  /** What was measured, in a line. */
  what: string;
  tried: number;
  anomalies: number;
  errors: number;
  verdict: PrimitiveVerdict;
  /** The figures behind the verdict, in a line ("20 documents, 36 claims: 0 claimed twice"). */
  detail: string;
  ms: number;
}

/** A scheduler feature that rests on a primitive. */
export interface Reliance {
  scheduler: "mongo-job-scheduler" | "agenda";
  feature: string;
}

/** Which scheduler features rest on each primitive, read from the schedulers' code. */
export const reliedOn: Readonly<Record<PrimitiveName, readonly Reliance[]>> = {
  claim: [
    { scheduler: "mongo-job-scheduler", feature: "one execution per job: its claim is a findOneAndUpdate" },
    { scheduler: "agenda", feature: "one execution per job: its lock is a findOneAndUpdate" },
  ],
  "scheduler-claim": [
    {
      scheduler: "mongo-job-scheduler",
      feature: "one execution per job: its own claim (pending or stale lock, by priority and due time)",
    },
  ],
  "compare-and-set": [
    {
      scheduler: "mongo-job-scheduler",
      feature:
        "ownership: a worker that lost its lock cannot complete the job (markCompleted filters on lockedBy)",
    },
    { scheduler: "mongo-job-scheduler", feature: "heartbeats renew only the owner's lock (renewLock)" },
  ],
  "unique-index": [
    { scheduler: "mongo-job-scheduler", feature: "dedupe keys (a unique index on dedupeKey)" },
    { scheduler: "agenda", feature: "unique jobs (job.unique)" },
  ],
  upsert: [
    { scheduler: "mongo-job-scheduler", feature: "dedupe keys (an upsert on the unique dedupeKey)" },
    { scheduler: "agenda", feature: "unique jobs (an upsert on the unique fields)" },
  ],
  "read-your-writes": [
    {
      scheduler: "mongo-job-scheduler",
      feature: "per-name concurrency limits (it counts the name's running jobs right after claiming)",
    },
  ],
  // Both schedulers take every time from the worker's own clock, and use no transaction.
  "server-clock": [],
  "now-variable": [],
  transactions: [],
};

/** A saved probe, as analyze reads it back from result.json. */
export const probeResultSchema = z.object({
  size: z.enum(["quick", "full"]),
  startedAt: z.string(),
  durationMs: z.number(),
  primitives: z.array(
    z.object({
      name: z.enum(primitiveNames),
      what: z.string(),
      tried: z.number(),
      anomalies: z.number(),
      errors: z.number(),
      verdict: z.enum(["holds", "broken", "unavailable", "unknown"]),
      detail: z.string(),
      ms: z.number(),
    }),
  ),
  broken: z.array(z.string()),
});

/** A probe's whole finding. */
export interface ProbeResult {
  /** quick: the few seconds at the start of every run; full: `harness probe`. */
  size: "quick" | "full";
  startedAt: string;
  durationMs: number;
  primitives: PrimitiveResult[];
  /** Every scheduler feature a broken primitive breaks, one line each. */
  broken: string[];
}

/** The features a probe found broken, one line each: "mongo-job-scheduler: one execution per job… (claim broken)". */
export function brokenFeatures(primitives: readonly PrimitiveResult[]): string[] {
  return primitives
    .filter((p) => p.verdict === "broken")
    .flatMap((p) => reliedOn[p.name].map((r) => `${r.scheduler}: ${r.feature} (${p.name} is broken here)`));
}

/** Whether a probe found the claim (the generic one, or the scheduler's own) broken: double executions come from the server. */
export function claimBrokenIn(probe: ProbeResult | undefined): boolean {
  return (
    probe?.primitives.some(
      (p) => (p.name === "claim" || p.name === "scheduler-claim") && p.verdict === "broken",
    ) ?? false
  );
}

/** The verdict of a primitive from its figures. */
export function verdictOf(f: { tried: number; anomalies: number; errors: number }): PrimitiveVerdict {
  if (f.anomalies > 0) return "broken";
  if (f.errors > 0 && f.errors * 2 >= f.tried) return "unknown";
  return f.tried > 0 ? "holds" : "unknown";
}
