import type { ObserveRecord } from "../ledger/records.ts";
import { plural } from "../util/plural.ts";
import type { OwnJobNameFigures, OwnJobsFigures } from "./figures.ts";
import { claimsOfJob, isOwnJob, notAnAppRun, observationsByJob } from "./observations.ts";
import { cronTicks } from "./repeatTicks.ts";
import type { AppCheckSettings, Checker, CheckerResult, Violation } from "./types.ts";
import { decide } from "./verdicts.ts";

/** The slots a repeat rule has from `from` to `to`, and the one it starts with. */
function slotsBetween(repeat: NonNullable<ObserveRecord["repeat"]>, from: number, to: number): number {
  if (repeat.every && repeat.every > 0) return Math.floor((to - from) / repeat.every) + 1;
  if (repeat.cron) {
    try {
      return cronTicks(repeat.cron, repeat.timezone, from, to).length + 1;
    } catch {
      return Number.POSITIVE_INFINITY;
    }
  }
  return 1;
}

/** One own job's failures: each distinct error it was seen with, or a failed status. */
function failuresOf(list: readonly ObserveRecord[]): string[] {
  const errors = new Set<string>();
  for (const o of list) {
    if (o.lastError) errors.add(o.lastError);
    else if (o.status === "failed") errors.add("(failed, no error recorded)");
  }
  return [...errors];
}

/** The violations of one own job name: failures, duplicated schedules, claims beyond its schedule. */
function judgeName(
  name: string,
  jobs: [string, ObserveRecord[]][],
  app: AppCheckSettings,
  runEndedAt: number,
  f: OwnJobNameFigures,
): Violation[] {
  const out: Violation[] = [];
  for (const [jobId, list] of jobs) {
    const errors = failuresOf(list);
    if (errors.length) {
      f.failures++;
      out.push({
        kind: "own-job-failed",
        jobId,
        message: `the service's own job ${jobId} (${name}) failed: ${errors[0]}${errors.length > 1 ? ` (and ${errors.length - 1} other errors)` : ""}`,
        evidence: { errors: errors.slice(0, 5) },
      });
    }
    const repeat = list.find((o) => o.repeat)?.repeat;
    const claims = claimsOfJob(list).length;
    f.claims += claims;
    if (!repeat) continue;
    const from = (list[0] as ObserveRecord).t;
    const allowed = slotsBetween(repeat, from, runEndedAt);
    if (claims > allowed + 1)
      out.push({
        kind: "own-job-over-claimed",
        jobId,
        message: `the service's own job ${jobId} (${name}, ${repeat.cron ? `cron ${repeat.cron}` : `every ${repeat.every} ms`}) was claimed at least ${claims} times in ${Math.round((runEndedAt - from) / 1000)} s; its schedule has ${allowed} slot(s) then`,
        evidence: { claims, allowed },
      });
  }
  const expected = app.ownJobs.find((o) => o.name === name)?.documents ?? (f.repeating ? 1 : undefined);
  if (expected !== undefined && jobs.length > expected)
    out.push({
      kind: "own-job-duplicated",
      jobId: jobs[0]?.[0],
      message: `the service keeps ${jobs.length} documents of its own ${f.repeating ? "repeating " : ""}job ${name} where ${expected} should be: ${jobs.map(([id]) => id).join(", ")}`,
      evidence: { documents: jobs.map(([id]) => id), expected },
    });
  return out;
}

/**
 * App mode: the jobs a service schedules for itself (a cron it registers at start, a repeat) are
 * judged from their documents: none fails, a repeating one is claimed no more often than its
 * schedule allows (a lock that is stale at once makes it run in a loop), and a restart does not
 * leave a second schedule of it beside the first (a registration without a dedupe key does).
 */
export const ownJobsChecker: Checker<"own-jobs"> = {
  name: "own-jobs",
  describe: {
    pass: "the jobs the service schedules for itself never failed, each repeating one was claimed no more often than its schedule allows, and each keeps one schedule (or the number its description declares)",
    fail: "an own job seen with an error or failed, claimed more often than its schedule has slots, or **duplicated** (more documents of one own job than declared, one per restart)",
  },
  check({ history, settings }): CheckerResult<"own-jobs"> {
    const figures: OwnJobsFigures = { jobs: 0, names: {}, failed: 0, duplicated: 0, overClaimed: 0 };
    const app = settings.app;
    if (!app) return decide("own-jobs", { summary: notAnAppRun, figures, nothingToJudge: true });
    const byName = new Map<string, [string, ObserveRecord[]][]>();
    for (const [jobId, list] of observationsByJob(history)) {
      const name = (list[0] as ObserveRecord).name;
      if (!isOwnJob(app, name)) continue;
      byName.set(name, [...(byName.get(name) ?? []), [jobId, list]]);
    }
    const violations: Violation[] = [];
    for (const [name, jobs] of byName) {
      const f: OwnJobNameFigures = {
        documents: jobs.length,
        claims: 0,
        failures: 0,
        repeating: jobs.some(([, list]) => list.some((o) => o.repeat)),
      };
      figures.names[name] = f;
      figures.jobs += jobs.length;
      const found = judgeName(name, jobs, app, settings.runEndedAt, f);
      figures.failed += found.filter((v) => v.kind === "own-job-failed").length;
      figures.duplicated += found.filter((v) => v.kind === "own-job-duplicated").length;
      figures.overClaimed += found.filter((v) => v.kind === "own-job-over-claimed").length;
      violations.push(...found);
    }
    const missing = app.ownJobs.filter((o) => !byName.has(o.name)).map((o) => o.name);
    return decide("own-jobs", {
      summary:
        byName.size === 0
          ? "the service scheduled no job of its own"
          : `${plural(figures.jobs, "own job")} of ${plural(byName.size, "name")}: ${figures.failed} failed, ${figures.duplicated} names duplicated, ${figures.overClaimed} claimed beyond their schedule`,
      violations,
      unknowns: missing.map((name) => ({
        kind: "own-job-missing",
        message: `the description declares the service's own job ${name}, but no such job was seen`,
      })),
      figures,
      nothingToJudge: byName.size === 0 && missing.length === 0,
    });
  },
};
