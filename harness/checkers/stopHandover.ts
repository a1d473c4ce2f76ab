import { DEATH_SLACK_MS } from "../ledger/history.ts";
import type { OpStopRecord } from "../ledger/records.ts";
import { percentile, round } from "../util/stats.ts";
import type { Execution } from "./executions.ts";
import type { StopHandoverFigures } from "./figures.ts";
import {
  acceptsByJob,
  completionTimes,
  countIn,
  iso,
  opRecords,
  perSec,
  type WindowSpan,
  windowsOf,
} from "./operations.ts";
import { type RunIndex, runIndexOf } from "./runIndex.ts";
import type { Checker, CheckerResult, CheckSettings, Violation } from "./types.ts";
import { decide } from "./verdicts.ts";

/** The operations whose stops and cost this checker judges. */
const OPERATIONS = ["rolling-restart", "scale"];

/** At most this long before an operation is its "before" for the throughput dip. */
const BEFORE_MS = 30_000;

interface Tally {
  figures: Omit<StopHandoverFigures, "operations" | "stopMsP50" | "stopMsMax" | "longestWaitAfterExitMs">;
  violations: Violation[];
  unknowns: Violation[];
  stopMs: number[];
  waits: number[];
}

/**
 * Every graceful stop by an operation (a rolling restart, a scale-down): each job the stopping
 * process held when its stop began (running by the ledger, or locked by it in the database) is
 * accounted for: finished before the process exited, handed back (no longer locked by it once it
 * had exited), or still locked by a process that no longer exists. Asked of the database after the
 * exit, not only of the ledger: a job claimed and never started is only there. Also each
 * operation's cost: the throughput dip and the longest wait of a due job while it ran.
 */
export const stopHandoverChecker: Checker<"stop-handover"> = {
  name: "stop-handover",
  describe: {
    pass: "every job a gracefully stopped process held when its stop began (running by the ledger, or locked by it in the database) was finished before the process exited or handed back: the database no longer held it locked by that process once it had exited. The operation's cost is reported: throughput before and during it, and the longest wait of a due job",
    fail: "a job was still locked by a stopped process after it had exited (its handler outlived the stop timeout, or the job was claimed after the SIGTERM and never started): it waits for its lock to expire, a broken promise of graceful stop, named with how long it waited against the lock timeout; a stop whose database side could not be asked is **unknown**",
  },
  check({ history, settings }): CheckerResult<"stop-handover"> {
    const index = runIndexOf(history, settings.runEndedAt, settings.lockTimeoutMs);
    const { stops } = opRecords(history);
    const tally: Tally = {
      figures: {
        stops: stops.length,
        held: 0,
        finished: 0,
        handedBack: 0,
        heldAfterExit: 0,
        claimedDuringStop: 0,
        unknownStops: 0,
        killedAfterGrace: 0,
      },
      violations: [],
      unknowns: [],
      stopMs: [],
      waits: [],
    };
    const byInstance = new Map<string, Execution[]>();
    for (const e of index.executions) {
      const list = byInstance.get(e.instance);
      if (list) list.push(e);
      else byInstance.set(e.instance, [e]);
    }
    for (const stop of stops) judgeStop(stop, byInstance.get(stop.instance) ?? [], index, settings, tally);
    const operations = windowsOf(history, OPERATIONS, settings.runEndedAt).map((w) =>
      costOf(w, index, history, settings),
    );
    let longest: number | null = null;
    for (const w of tally.waits) longest = longest === null ? w : Math.max(longest, w);
    const figures: StopHandoverFigures = {
      ...tally.figures,
      stopMsP50: round(percentile(tally.stopMs, 50), 0),
      stopMsMax: tally.stopMs.length ? Math.max(...tally.stopMs) : null,
      longestWaitAfterExitMs: longest,
      operations,
    };
    return decide("stop-handover", {
      summary: summaryOf(figures, settings),
      violations: tally.violations,
      unknowns: tally.unknowns,
      figures,
      nothingToJudge: stops.length === 0,
    });
  },
};

/** Accounts for every job one stopped process held, adding its findings to the tally. */
function judgeStop(
  stop: OpStopRecord,
  runsOnInstance: readonly Execution[],
  index: RunIndex,
  settings: CheckSettings,
  tally: Tally,
): void {
  const f = tally.figures;
  tally.stopMs.push(stop.exitedAt - stop.t);
  if (stop.exit.killed) f.killedAfterGrace++;
  const runningAtSignal = runsOnInstance.filter(
    (e) => e.start <= stop.t && (e.end === undefined || e.end > stop.t),
  );
  const atSignal = new Set([
    ...runningAtSignal.map((e) => e.jobId),
    ...stop.inFlight.map((x) => x.jobId),
    ...(stop.heldAtSignal ?? []).map((h) => h.jobId),
  ]);
  const afterExit = new Map((stop.heldAfterExit ?? []).map((h) => [h.jobId, h]));
  const databaseKnown = stop.heldAtSignal !== null && stop.heldAfterExit !== null;
  if (!databaseKnown) {
    f.unknownStops++;
    tally.unknowns.push({
      kind: "database-not-asked",
      t: stop.t,
      message: `what ${stop.proc} (pid ${stop.pid}) held could not be asked of the database (${stop.heldError ?? "no answer"}): its jobs cannot be accounted for`,
      evidence: { instance: stop.instance },
    });
  }
  for (const jobId of new Set([...atSignal, ...afterExit.keys()])) {
    f.held++;
    const runs = runsOnInstance.filter((e) => e.jobId === jobId);
    // Its last run there decides: acknowledged (done, or a retry rescheduled) before the exit.
    const last = runs.filter((e) => e.start <= stop.exitedAt).at(-1);
    const finished = last?.ackT !== undefined && last.ackT <= stop.exitedAt + DEATH_SLACK_MS;
    const held = afterExit.get(jobId);
    if (held) {
      f.heldAfterExit++;
      const claimedLater = !atSignal.has(jobId);
      if (claimedLater) f.claimedDuringStop++;
      tally.violations.push(
        heldAfterExit(stop, jobId, runs, held.lockUntil, claimedLater, index, settings, tally),
      );
    } else if (finished) f.finished++;
    else if (databaseKnown) f.handedBack++;
  }
}

/** The finding of a job still locked by a process that had exited, with how long it waited. */
function heldAfterExit(
  stop: OpStopRecord,
  jobId: string,
  runs: readonly Execution[],
  lockUntil: number | null,
  claimedLater: boolean,
  index: RunIndex,
  settings: CheckSettings,
  tally: Tally,
): Violation {
  const next = (index.byJob.get(jobId) ?? []).find(
    (e) => e.instance !== stop.instance && e.start > stop.exitedAt,
  );
  const waitMs = next ? next.start - stop.exitedAt : null;
  if (waitMs !== null) tally.waits.push(waitMs);
  const last = runs.at(-1);
  const why =
    last === undefined
      ? `it was claimed${claimedLater ? " after its SIGTERM" : ""} and its handler never started there`
      : last.end === undefined || last.end > stop.exitedAt - DEATH_SLACK_MS
        ? `its handler was still running when the process exited ${stop.exitedAt - stop.t} ms after its SIGTERM (the stop timeout ran out)`
        : "its handler had ended, but the scheduler never recorded the outcome";
  const name = last?.name ?? next?.name ?? "?";
  const waited =
    next === undefined
      ? `no other process ran it before the run ended (${settings.runEndedAt - stop.exitedAt} ms after the exit)`
      : `another process ran it ${waitMs} ms after the exit, against a lock timeout of ${settings.lockTimeoutMs} ms`;
  return {
    kind: claimedLater ? "claimed-during-stop" : "held-after-exit",
    jobId,
    t: stop.exitedAt,
    message: `job ${jobId} (${name}) was still locked by ${stop.proc} (pid ${stop.pid}) after it exited at ${iso(stop.exitedAt)}: ${why}; ${waited}`,
    evidence: {
      proc: stop.proc,
      instance: stop.instance,
      signalAt: stop.t,
      exitedAt: stop.exitedAt,
      lockUntil,
      lockTimeoutMs: settings.lockTimeoutMs,
      waitMs,
      nextRun: next?.execId ?? null,
      runsOnStoppedProcess: runs.map((e) => e.execId),
    },
  };
}

/** An operation's cost: throughput before and during it, and the longest wait of a job due meanwhile. */
function costOf(
  w: WindowSpan,
  index: RunIndex,
  history: Parameters<typeof acceptsByJob>[0],
  settings: CheckSettings,
): StopHandoverFigures["operations"][number] {
  const done = completionTimes(history);
  const firstStart = index.executions[0]?.start ?? w.from;
  const beforeFrom = Math.max(firstStart, w.from - Math.min(BEFORE_MS, w.to - w.from));
  const throughputBefore = perSec(countIn(done, beforeFrom, w.from), beforeFrom, w.from);
  const throughputDuring = perSec(countIn(done, w.from, w.to), w.from, w.to);
  let longest: { ms: number; job: string } | null = null;
  for (const [jobId, accept] of acceptsByJob(history)) {
    const first = index.byJob.get(jobId)?.[0];
    const due = Math.max(accept.t, first?.nextRunAt ?? accept.t);
    const started = first?.start ?? settings.runEndedAt;
    if (started < w.from || due > w.to) continue;
    const ms = Math.max(0, started - due);
    if (!longest || ms > longest.ms) longest = { ms, job: jobId };
  }
  return {
    op: w.window,
    fault: w.fault,
    from: w.from,
    to: w.to,
    throughputBefore,
    throughputDuring,
    dipPct:
      throughputBefore && throughputDuring !== null
        ? Math.round((1 - throughputDuring / throughputBefore) * 1000) / 10
        : null,
    longestDueWaitMs: longest?.ms ?? null,
    longestDueWaitJob: longest?.job ?? null,
  };
}

function summaryOf(f: StopHandoverFigures, settings: CheckSettings): string {
  if (f.stops === 0) return "no process was stopped by an operation: nothing to account for";
  const held = `${f.stops} graceful stop(s) holding ${f.held} job(s): ${f.finished} finished before the exit, ${f.handedBack} handed back, ${f.heldAfterExit} still locked after the process exited${f.claimedDuringStop ? ` (${f.claimedDuringStop} claimed after the SIGTERM)` : ""}`;
  const wait =
    f.longestWaitAfterExitMs !== null
      ? `; the longest of them waited ${f.longestWaitAfterExitMs} ms (lock timeout ${settings.lockTimeoutMs} ms)`
      : "";
  const stopTime = f.stopMsMax !== null ? `; stops took p50 ${f.stopMsP50} ms, max ${f.stopMsMax} ms` : "";
  const cost = f.operations
    .map(
      (o) =>
        `${o.op}: ${o.throughputBefore ?? "n/a"} → ${o.throughputDuring ?? "n/a"} jobs/s${o.dipPct !== null ? ` (dip ${o.dipPct}%)` : ""}, longest due wait ${o.longestDueWaitMs ?? "n/a"} ms`,
    )
    .join("; ");
  return `${held}${wait}${stopTime}${f.unknownStops ? `; ${f.unknownStops} stop(s) not asked of the database` : ""}${cost ? `; ${cost}` : ""}`;
}
