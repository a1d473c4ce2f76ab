import type { AcceptRecord } from "../ledger/records.ts";
import type { Execution } from "./executions.ts";
import type { DedupeFigures } from "./figures.ts";
import { runIndexOf } from "./runIndex.ts";
import type { Checker, CheckerResult, JobState, Violation } from "./types.ts";
import { decide } from "./verdicts.ts";

function group<T>(items: readonly T[], key: (t: T) => string | undefined | null): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k == null) continue;
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/**
 * Dedupe: for every dedupeKey, however many requests scheduled it, exactly one job exists (every
 * accepted request got the same id, one document holds the key) and it ran exactly once.
 */
export const dedupeChecker: Checker<"dedupe"> = {
  name: "dedupe",
  describe: {
    pass: "all requests for a key got one id, one document holds it, one execution ran",
    fail: "more than one of any",
  },
  check({ history, settings, finalState }): CheckerResult<"dedupe"> {
    const accepts = history.records.filter(
      (r): r is AcceptRecord => r.type === "accept" && r.dedupeKey !== undefined,
    );
    const executions = runIndexOf(history, settings.runEndedAt, settings.lockTimeoutMs).executions;
    const acceptsByKey = group(accepts, (a) => a.dedupeKey);
    const docsByKey = group<JobState>(finalState, (j) => j.dedupeKey);
    const runsByKey = group<Execution>(
      executions.filter((e) => e.diedAt === undefined),
      (e) => e.dedupeKey,
    );
    const violations: Violation[] = [];
    let jobs = 0;
    let runs = 0;
    for (const [key, list] of acceptsByKey) {
      const ids = [...new Set(list.map((a) => a.jobId))];
      const docs = docsByKey.get(key) ?? [];
      const started = runsByKey.get(key) ?? [];
      jobs += docs.length;
      runs += started.length;
      if (ids.length !== 1 || docs.length !== 1 || started.length !== 1) {
        violations.push({
          kind: "duplicate",
          jobId: ids[0],
          message: `dedupeKey ${key}: requests got ${ids.length} distinct job ids, ${docs.length} documents hold it, ${started.length} executions ran`,
          evidence: { key, ids, documents: docs.map((d) => d.id), executions: started.map((e) => e.execId) },
        });
      }
    }
    const figures: DedupeFigures = {
      keys: acceptsByKey.size,
      requests: accepts.length,
      jobs,
      executions: runs,
    };
    return decide("dedupe", {
      summary:
        acceptsByKey.size === 0
          ? "no job was scheduled with a dedupeKey"
          : `${accepts.length} accepted requests for ${acceptsByKey.size} dedupe keys made ${jobs} jobs and ${runs} executions`,
      violations,
      figures,
      nothingToJudge: acceptsByKey.size === 0,
    });
  },
};
