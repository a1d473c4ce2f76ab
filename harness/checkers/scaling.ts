import type { ScalingFigures } from "./figures.ts";
import {
  backlogSteps,
  completionTimes,
  countIn,
  iso,
  opRecords,
  perSec,
  positiveMs,
  windowsOf,
} from "./operations.ts";
import { runIndexOf } from "./runIndex.ts";
import type { Steps } from "./steps.ts";
import type { Checker, CheckerResult, CheckSettings, Violation } from "./types.ts";
import { decide } from "./verdicts.ts";

/** A step's saturated throughput counts once jobs waited this long in it, and a quarter of it. */
const MIN_SATURATED_MS = 2000;

/**
 * Scaling under load, from one run's scale steps: the completions per second of each step, and
 * while jobs were waiting (the step's capacity), against its number of worker processes; how soon
 * each process an operation started took its first job. The removed processes' jobs are the
 * stop-handover checker's.
 */
export const scalingChecker: Checker<"scaling"> = {
  name: "scaling",
  describe: {
    pass: "every process an operation started took a job within `pollIntervalMs` + tolerance of being ready while jobs waited, and the step with the most processes completed more jobs per second while jobs waited than the step with the fewest (the scaling curve is in the figures)",
    fail: "a new process stood idle past that bound while jobs waited, or more processes completed no more jobs per second than fewer did while jobs waited; **unknown** when no two steps with different numbers of processes had jobs waiting long enough to measure",
  },
  check({ history, settings }): CheckerResult<"scaling"> {
    const index = runIndexOf(history, settings.runEndedAt, settings.lockTimeoutMs);
    const { steps, starts } = opRecords(history);
    const backlog = backlogSteps(history, index.byJob);
    const done = completionTimes(history);
    const windows = windowsOf(history, ["scale"], settings.runEndedAt);
    const violations: Violation[] = [];
    const unknowns: Violation[] = [];
    const curve: ScalingFigures["steps"] = steps.map((s, i) => {
      const to =
        steps[i + 1]?.op === s.op
          ? (steps[i + 1]?.t as number)
          : (windows.find((w) => w.window === s.op)?.to ?? settings.runEndedAt);
      const count = countIn(done, s.t, to);
      const saturatedMs = positiveMs(backlog, s.t, to);
      const long = saturatedMs >= Math.max(MIN_SATURATED_MS, (to - s.t) / 4);
      return {
        processes: s.processes,
        from: s.t,
        to,
        completionsPerSec: perSec(count, s.t, to) ?? 0,
        saturatedMs,
        saturatedPerSec: long ? saturatedRate(backlog, done, s.t, to, saturatedMs) : null,
      };
    });
    const added = starts.map((s) => judgeAdded(s, index.executions, backlog, settings, violations));
    const judged = curve.filter((c) => c.saturatedPerSec !== null);
    const fewest = judged.reduce<(typeof judged)[number] | undefined>(
      (a, c) => (!a || c.processes < a.processes ? c : a),
      undefined,
    );
    const most = judged.reduce<(typeof judged)[number] | undefined>(
      (a, c) => (!a || c.processes > a.processes ? c : a),
      undefined,
    );
    let scalingRatio: number | null = null;
    if (fewest && most && most.processes > fewest.processes) {
      scalingRatio =
        Math.round(((most.saturatedPerSec as number) / (fewest.saturatedPerSec as number)) * 100) / 100;
      if ((most.saturatedPerSec as number) <= (fewest.saturatedPerSec as number))
        violations.push({
          kind: "no-scaling",
          t: most.from,
          message: `with ${most.processes} worker processes the run completed ${most.saturatedPerSec} jobs/s while jobs waited (from ${iso(most.from)}), no more than the ${fewest.saturatedPerSec} jobs/s of ${fewest.processes} process(es) (from ${iso(fewest.from)})`,
          evidence: { most, fewest },
        });
    } else if (steps.length > 0) {
      unknowns.push({
        kind: "scaling-not-measured",
        message: `no two steps with different numbers of processes had jobs waiting for ${MIN_SATURATED_MS / 1000} s and a quarter of the step: the scaling curve cannot be judged (offer a higher --rate)`,
      });
    }
    const figures: ScalingFigures = { steps: curve, added, scalingRatio };
    const summary =
      steps.length === 0
        ? "no scale step happened: nothing to judge"
        : `${curve.map((c) => `${c.processes} proc: ${c.completionsPerSec} jobs/s${c.saturatedPerSec !== null ? ` (${c.saturatedPerSec} while jobs waited)` : ""}`).join(", ")}; scaling ${fewest?.processes ?? "?"} → ${most?.processes ?? "?"} processes: × ${scalingRatio ?? "n/a"}; ${added.length} process(es) started, first job p50 ${median(added.flatMap((a) => (a.readyToFirstJobMs === null ? [] : [a.readyToFirstJobMs]))) ?? "n/a"} ms after ready`;
    return decide("scaling", { summary, violations, unknowns, figures, nothingToJudge: steps.length === 0 });
  },
};

/** Completions per second inside the stretches of [from, to) in which jobs waited. */
function saturatedRate(
  backlog: Steps,
  done: readonly number[],
  from: number,
  to: number,
  ms: number,
): number | null {
  let count = 0;
  let at = from;
  for (const t of [...backlog.changesIn(from, to), to]) {
    if (backlog.at(at) > 0) count += countIn(done, at, t);
    at = t;
  }
  return perSec(count, 0, ms);
}

/** How soon a started process took its first job; a violation when it stood idle while jobs waited. */
function judgeAdded(
  s: { t: number; readyAt: number; proc: string; instance: string; pid: number },
  executions: readonly { instance: string; start: number; jobId: string }[],
  backlog: Steps,
  settings: CheckSettings,
  violations: Violation[],
): ScalingFigures["added"][number] {
  const first = executions.find((e) => e.instance === s.instance);
  const bound = settings.pollIntervalMs + settings.recoveryToleranceMs;
  const readyToFirstJobMs = first ? first.start - s.readyAt : null;
  const late = first ? first.start - s.readyAt > bound : settings.runEndedAt - s.readyAt > bound;
  // Idle only if jobs waited without a break for the whole bound after it was ready.
  const waitedThroughout = positiveMs(backlog, s.readyAt, s.readyAt + bound) >= bound;
  if (late && waitedThroughout)
    violations.push({
      kind: "idle-new-process",
      t: s.readyAt,
      message: `${s.proc} (pid ${s.pid}) was ready at ${iso(s.readyAt)} while jobs waited, and ${first ? `took its first job only ${readyToFirstJobMs} ms later` : "took no job before the run ended"} (bound ${bound} ms: the poll interval and tolerance)`,
      evidence: { instance: s.instance, readyAt: s.readyAt, firstJob: first?.jobId ?? null, boundMs: bound },
    });
  return { proc: s.proc, startToReadyMs: s.readyAt - s.t, readyToFirstJobMs };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] as number;
}
