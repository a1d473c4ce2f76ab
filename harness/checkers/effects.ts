import type { AcceptRecord, EffectRecord, InstanceRecord } from "../ledger/records.ts";
import type { EffectsFigures } from "./figures.ts";
import { claimsByJob, exitsOf, heldAtExits, notAnAppRun } from "./observations.ts";
import type { Checker, CheckerResult, JobState, Violation } from "./types.ts";
import { decide } from "./verdicts.ts";

/** The effects of each job id. */
function effectsByJob(effects: readonly EffectRecord[]): Map<string, EffectRecord[]> {
  const out = new Map<string, EffectRecord[]>();
  for (const e of effects) {
    const list = out.get(e.jobId);
    if (list) list.push(e);
    else out.set(e.jobId, [e]);
  }
  return out;
}

/** One accepted job's effects against its final state: what, if anything, is wrong. */
function judgeJob(
  accept: AcceptRecord,
  job: JobState | undefined,
  mine: readonly EffectRecord[],
  collection: string,
  crashedRuns: number,
): Violation | undefined {
  const evidence = { effects: mine.map((e) => ({ docId: e.docId, t: e.t })), status: job?.status ?? null };
  // A run whose instance died holding the job may have done its work before the death: its effect
  // and the recovery run's are two, as a lease promises (at least once), not the work done twice.
  if (mine.length > 1 + crashedRuns)
    return {
      kind: "duplicated-effect",
      jobId: accept.jobId,
      message: `job ${accept.jobId} (${accept.name}) left ${mine.length} documents in ${collection}: its work was done ${mine.length} times`,
      evidence,
    };
  if (mine.length === 0 && job?.status === "completed")
    return {
      kind: "completed-without-effect",
      jobId: accept.jobId,
      message: `job ${accept.jobId} (${accept.name}) is completed, but left no document in ${collection}`,
      evidence,
    };
  if (mine.length > 0 && (job?.status === "failed" || job?.status === "cancelled"))
    return {
      kind: "failed-with-effect",
      jobId: accept.jobId,
      message: `job ${accept.jobId} (${accept.name}) is ${job.status}, though its work was done (its document in ${collection})`,
      evidence,
    };
  return undefined;
}

/**
 * App mode: a job kind whose every execution leaves one document (an email log) is judged by those
 * documents, the one thing a black box shows of its handler. Each accepted job of such a kind
 * leaves exactly one: two mean its work was done twice, none beside a completed status means the
 * status lies, one beside a failed status means the final state contradicts the work. An effects
 * collection that received nothing at all while such jobs completed says the description is wrong
 * (or the service writes elsewhere): then nothing is judged, and the verdict is unknown.
 */
export const effectsChecker: Checker<"effects"> = {
  name: "effects",
  describe: {
    pass: "every accepted job of a kind that leaves a side effect (a document per execution) left exactly one, and its final state agrees with it",
    fail: "a job that left **two or more** effects (its work done twice), a **completed** job with none, or a **failed** job whose effect exists; no effect at all makes it unknown",
  },
  check({ history, finalState, settings }): CheckerResult<"effects"> {
    const empty: EffectsFigures = {
      judged: 0,
      effects: 0,
      duplicated: 0,
      extraEffects: 0,
      missing: 0,
      contradicted: 0,
      unexpected: 0,
      afterCrash: 0,
    };
    const app = settings.app;
    if (!app) return decide("effects", { summary: notAnAppRun, figures: empty, nothingToJudge: true });
    const where = new Map(app.effects.map((e) => [e.jobName, e.collection]));
    const accepts = new Map<string, AcceptRecord>();
    for (const r of history.records)
      if (r.type === "accept" && where.has(r.name) && !accepts.has(r.jobId)) accepts.set(r.jobId, r);
    const effects = history.records.filter((r): r is EffectRecord => r.type === "effect");
    const byJob = effectsByJob(effects);
    const state = new Map(finalState.map((j) => [j.id, j]));
    // The runs whose holder died with the job (an instance killed, or stopped, while it held it).
    const exits = exitsOf(history.records.filter((r): r is InstanceRecord => r.type === "instance"));
    const crashed = new Map<string, number>();
    for (const h of heldAtExits(claimsByJob(history), exits))
      crashed.set(h.claim.jobId, (crashed.get(h.claim.jobId) ?? 0) + 1);
    const figures: EffectsFigures = { ...empty, judged: accepts.size, effects: effects.length };
    const violations: Violation[] = [];
    const unknowns: Violation[] = [];
    for (const accept of accepts.values()) {
      const mine = byJob.get(accept.jobId) ?? [];
      const crashedRuns = crashed.get(accept.jobId) ?? 0;
      const v = judgeJob(
        accept,
        state.get(accept.jobId),
        mine,
        where.get(accept.name) as string,
        crashedRuns,
      );
      if (mine.length > 1 && mine.length <= 1 + crashedRuns) figures.afterCrash++;
      if (!v) continue;
      violations.push(v);
      if (v.kind === "duplicated-effect") {
        figures.duplicated++;
        figures.extraEffects += mine.length - 1;
      } else if (v.kind === "completed-without-effect") figures.missing++;
      else figures.contradicted++;
    }
    for (const [jobId, mine] of byJob)
      if (!accepts.has(jobId)) {
        figures.unexpected++;
        unknowns.push({
          kind: "effect-of-unknown-job",
          jobId,
          message: `${mine.length} document(s) in ${mine[0]?.collection} name job ${jobId}, which no accepted request was answered with (a request whose answer was lost may have made it)`,
        });
      }
    const completed = [...accepts.keys()].filter((id) => state.get(id)?.status === "completed").length;
    if (effects.length === 0 && completed > 0) {
      const collections = [...new Set(app.effects.map((e) => e.collection))].join(", ");
      return decide("effects", {
        summary: `${completed} jobs of kinds that leave an effect completed, but ${collections} received nothing: check the effects' collection and job-id field (--effects)`,
        unknowns: [
          {
            kind: "no-effects",
            message: `${collections} received no document while ${completed} such jobs completed`,
          },
        ],
        figures,
      });
    }
    return decide("effects", {
      summary:
        accepts.size === 0
          ? "no accepted job was of a kind that leaves an effect"
          : `${accepts.size} jobs that leave an effect: ${effects.length} effects, ${figures.duplicated} jobs with more than one, ${figures.missing} completed with none, ${figures.contradicted} failed with one${figures.afterCrash ? `; ${figures.afterCrash} run again after their holder died, one effect per run (at least once)` : ""}`,
      violations,
      unknowns,
      figures,
      nothingToJudge: accepts.size === 0,
    });
  },
};
