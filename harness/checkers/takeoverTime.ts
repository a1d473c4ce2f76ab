import type { InstanceRecord } from "../ledger/records.ts";
import { percentile } from "../util/stats.ts";
import type { TakeoverFigures } from "./figures.ts";
import { claimsByJob, exitsOf, heldAtExits, notAnAppRun, type ObservedClaim } from "./observations.ts";
import type { Checker, CheckerResult, Violation } from "./types.ts";
import { decide } from "./verdicts.ts";

/** The lock expiry read last before `t` (renewals move it later), or the claim's own. */
function lockBefore(c: ObservedClaim, t: number): number | null {
  let lock = c.lockUntil;
  for (const l of c.locks) if (l.t <= t && l.lockUntil !== null) lock = l.lockUntil;
  return lock;
}

/** What happened to one claim that an exited instance may have held. */
/**
 * App mode: the jobs an instance held when it exited (killed, or stopped) are taken over by
 * another worker once their lock expires, as the documents show it: a new claim (lastRunAt, by
 * another lockedBy) no later than the held lock's expiry plus a slack. A holder that completed its
 * job after the exit, or claimed another, was not the one that exited. A job held through the end
 * of the run with its lock long expired was never taken over; one whose holder cannot be told
 * dead or alive (no claim at all after the exit) is unknown. An instance that exited after SIGTERM
 * while still holding a job broke graceful stop's promise to finish or hand back what it holds.
 */
export const takeoverTimeChecker: Checker<"takeover-time"> = {
  name: "takeover-time",
  describe: {
    pass: "every job an exited instance held was claimed by another worker within its lock's expiry plus the slack, and no instance stopped with SIGTERM exited holding one",
    fail: "a held job **taken over late** (after its lock expired plus the slack), **never** taken over while its lock had long expired, or **held after a graceful stop**",
  },
  check({ history, settings }): CheckerResult<"takeover-time"> {
    const figures: TakeoverFigures = {
      exits: 0,
      held: 0,
      takenOver: 0,
      p50Ms: null,
      maxMs: null,
      late: 0,
      never: 0,
      heldAfterStop: 0,
      undecided: 0,
    };
    const app = settings.app;
    if (!app) return decide("takeover-time", { summary: notAnAppRun, figures, nothingToJudge: true });
    const exits = exitsOf(history.records.filter((r): r is InstanceRecord => r.type === "instance")).filter(
      (e) => e.t <= settings.runEndedAt,
    );
    figures.exits = exits.length;
    const byJob = claimsByJob(history);
    const anyClaimAfter = (t: number) => [...byJob.values()].some((cs) => cs.some((c) => c.at > t));
    const violations: Violation[] = [];
    const unknowns: Violation[] = [];
    const waits: number[] = [];
    for (const h of heldAtExits(byJob, exits)) {
      const { claim: c, exit, next } = h;
      if (!next && !anyClaimAfter(exit.t)) {
        figures.undecided++;
        unknowns.push({
          kind: "holder-unknown",
          jobId: c.jobId,
          message: `job ${c.jobId} was held by ${c.lockedBy} when ${exit.proc} exited, and no claim at all came after: whether its holder lived cannot be told`,
        });
        continue;
      }
      figures.held++;
      if (exit.graceful) {
        figures.heldAfterStop++;
        violations.push({
          kind: "held-after-stop",
          jobId: c.jobId,
          message: `${exit.proc} exited after SIGTERM still holding job ${c.jobId} (${c.name}, locked by ${c.lockedBy})${next ? `; another worker took it ${next.at - exit.t} ms later` : "; no one took it before the end"}`,
          evidence: { exitAt: exit.t, lockedBy: c.lockedBy },
        });
      }
      const lock = lockBefore(c, next ? next.at : settings.runEndedAt);
      const bound = lock === null ? null : lock + app.takeoverSlackMs;
      if (!next) {
        if (bound !== null && bound < settings.runEndedAt) {
          figures.never++;
          violations.push({
            kind: "never-taken-over",
            jobId: c.jobId,
            message: `job ${c.jobId} (${c.name}) was held by ${c.lockedBy} when ${exit.proc} exited, and no one took it before the end, ${settings.runEndedAt - (lock as number)} ms after its lock expired`,
          });
        }
        continue;
      }
      figures.takenOver++;
      waits.push(next.at - exit.t);
      if (bound !== null && next.at > bound) {
        figures.late++;
        violations.push({
          kind: "taken-over-late",
          jobId: c.jobId,
          message: `job ${c.jobId} (${c.name}) held by ${c.lockedBy} when ${exit.proc} exited was claimed again ${next.at - (lock as number)} ms after its lock expired (slack ${app.takeoverSlackMs} ms)`,
          evidence: { exitAt: exit.t, lockUntil: lock, nextClaimAt: next.at },
        });
      }
    }
    waits.sort((a, b) => a - b);
    figures.p50Ms = percentile(waits, 50) ?? null;
    figures.maxMs = waits.at(-1) ?? null;
    return decide("takeover-time", {
      summary:
        exits.length === 0
          ? "no instance exited during the run"
          : `${exits.length} exits held ${figures.held} jobs: ${figures.takenOver} taken over (median ${figures.p50Ms ?? "–"} ms after the exit, max ${figures.maxMs ?? "–"}), ${figures.late} late, ${figures.never} never, ${figures.heldAfterStop} held after a graceful stop`,
      violations,
      unknowns,
      figures,
      nothingToJudge: exits.length === 0,
    });
  },
};
