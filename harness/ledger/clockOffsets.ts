/**
 * One reference clock for writers on many hosts. Each writer of a database ledger (a worker, the
 * harness) stamps its records with its own clock and, during the run, measures that clock against
 * the ledger server's: it reads its clock, asks the server for its time (`hello`/`isMaster`
 * `localTime`), and reads its clock again. The server's time lies between the two reads, so the
 * writer's offset to the server is `serverMs − midpoint`, within ± half the round trip (and the
 * millisecond both clocks are truncated to). The records are then put on the server's clock, and
 * every offset is reported with its uncertainty: an ordering finer than it is not known.
 */
import { z } from "zod";
import type { LedgerRecord } from "./records.ts";

/** One round trip of a writer to the server: its clock before and after, the server's time between. */
export interface ClockSample {
  /** The writer's clock (ms) just before the request and just after the reply. */
  sentAt: number;
  receivedAt: number;
  /** The server's `localTime` (ms since the epoch). */
  serverMs: number;
}

/** The offset of one writer's clock to the server's, and how well it is known. */
export interface ClockEstimate {
  /** The writer: a process instance id (`<host>/<hex>`), or the harness's. */
  instance: string;
  host: string;
  /** Add to the writer's times to get the server's (ms). */
  offsetMs: number;
  /** The true offset lies within offsetMs ± uncertaintyMs. */
  uncertaintyMs: number;
  samples: number;
  /** The shortest round trip (ms). */
  bestRoundTripMs: number;
}

/** Both clocks are read to the millisecond: each reading may be up to 1 ms below the true time. */
const TRUNCATION_MS = 1;

/**
 * The offset from a writer's samples: the sample with the shortest round trip gives the estimate
 * (its error bound is the smallest); the uncertainty is that bound, widened by how far any other
 * sample disagrees beyond its own bound (a clock that drifted or stepped during the run).
 */
export function estimateOffset(
  instance: string,
  host: string,
  samples: readonly ClockSample[],
): ClockEstimate | null {
  const usable = samples.filter((s) => s.receivedAt >= s.sentAt && Number.isFinite(s.serverMs));
  if (usable.length === 0) return null;
  const bound = (s: ClockSample) => (s.receivedAt - s.sentAt) / 2 + TRUNCATION_MS;
  const offsetOf = (s: ClockSample) => s.serverMs - (s.sentAt + s.receivedAt) / 2;
  let best = usable[0] as ClockSample;
  for (const s of usable) if (s.receivedAt - s.sentAt < best.receivedAt - best.sentAt) best = s;
  const offset = offsetOf(best);
  let widen = 0;
  for (const s of usable) widen = Math.max(widen, Math.abs(offsetOf(s) - offset) - bound(s));
  return {
    instance,
    host,
    offsetMs: Math.round(offset * 10) / 10,
    uncertaintyMs: Math.ceil((bound(best) + widen) * 10) / 10,
    samples: usable.length,
    bestRoundTripMs: best.receivedAt - best.sentAt,
  };
}

/**
 * Who wrote a record: a worker's own records (its executions, errors, stalls) name their instance;
 * everything else (accepts, process and fault records) is written by the harness.
 */
export function writerOf(record: LedgerRecord, harness: string): string {
  switch (record.type) {
    case "start":
    case "end":
    case "ack":
    case "worker-error":
    case "stalled":
      return record.instance;
    default:
      return harness;
  }
}

/** The run's clocks, as result.json reports them. */
export interface RunClocks {
  /** What the history's times are on. */
  reference: "server";
  /** The writer whose records are not a worker's own (see writerOf). */
  harness: string;
  writers: ClockEstimate[];
  /** The largest uncertainty of any writer (ms). */
  maxUncertaintyMs: number;
  /** Writers that wrote records but measured no offset: their records are left on their own clock. */
  unmeasured: string[];
}

/**
 * Puts every record on the server's clock: each record's time plus its writer's offset (rounded to
 * the millisecond). Returns new records; the originals are not changed.
 */
export function onServerClock(
  records: readonly LedgerRecord[],
  clocks: Pick<RunClocks, "harness" | "writers">,
  shift: (writer: string) => number = () => 0,
): LedgerRecord[] {
  const offsets = new Map(clocks.writers.map((w) => [w.instance, w.offsetMs]));
  return records.map((r) => {
    const writer = writerOf(r, clocks.harness);
    const offset = (offsets.get(writer) ?? 0) + shift(writer);
    return offset === 0 ? r : { ...r, t: Math.round(r.t + offset) };
  });
}

/** The clocks of a run from every writer's samples. */
export function runClocks(
  harness: string,
  samples: ReadonlyMap<string, { host: string; samples: ClockSample[] }>,
  writers: Iterable<string>,
): RunClocks {
  const estimates: ClockEstimate[] = [];
  for (const [instance, s] of samples) {
    const e = estimateOffset(instance, s.host, s.samples);
    if (e) estimates.push(e);
  }
  estimates.sort((a, b) => a.instance.localeCompare(b.instance));
  const measured = new Set(estimates.map((e) => e.instance));
  return {
    reference: "server",
    harness,
    writers: estimates,
    maxUncertaintyMs: Math.max(0, ...estimates.map((e) => e.uncertaintyMs)),
    unmeasured: [...new Set(writers)].filter((w) => !measured.has(w)).sort(),
  };
}

/** RunClocks as result.json holds it, for `analyze`. */
export const runClocksSchema = z.object({
  reference: z.literal("server"),
  harness: z.string(),
  writers: z.array(
    z.object({
      instance: z.string(),
      host: z.string(),
      offsetMs: z.number(),
      uncertaintyMs: z.number().min(0),
      samples: z.number().int(),
      bestRoundTripMs: z.number(),
    }),
  ),
  maxUncertaintyMs: z.number(),
  unmeasured: z.array(z.string()),
});
