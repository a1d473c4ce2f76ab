import type { AcceptRecord } from "../ledger/records.ts";
import { buildExecutions } from "./executions.ts";
import type { Checker, CheckerResult, Violation } from "./types.ts";
import { judged, undecided } from "./verdicts.ts";

/**
 * Dedupe: for every dedupeKey, however many requests scheduled it, exactly one job exists (every
 * accepted request got the same id, one document holds the key) and it ran exactly once.
 */
export const dedupeChecker: Checker = {
  name: "dedupe",
  check({ history, settings, finalState }): CheckerResult {
    const accepts = history.records.filter(
      (r): r is AcceptRecord => r.type === "accept" && r.dedupeKey !== undefined,
    );
    const executions = buildExecutions(history, settings.runEndedAt);
    const keys = [...new Set(accepts.map((a) => a.dedupeKey as string))];
    const violations: Violation[] = [];
    let jobs = 0;
    let runs = 0;
    for (const key of keys) {
      const ids = [...new Set(accepts.filter((a) => a.dedupeKey === key).map((a) => a.jobId))];
      const docs = finalState.filter((j) => j.dedupeKey === key);
      const started = executions.filter((e) => e.dedupeKey === key && e.diedAt === undefined);
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
    const figures = { keys: keys.length, requests: accepts.length, jobs, executions: runs };
    if (keys.length === 0)
      return undecided(this.name, "no job was scheduled with a dedupeKey", figures, violations);
    return judged(
      this.name,
      violations,
      `${accepts.length} accepted requests for ${keys.length} dedupe keys made ${jobs} jobs and ${runs} executions`,
      figures,
    );
  },
};
