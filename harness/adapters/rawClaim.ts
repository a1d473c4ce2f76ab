/**
 * The claim of mongo-job-scheduler 1.2.4 (`MongoJobStore.findAndLockNext`, its fast path for jobs
 * without a concurrency limit), copied from its dist/ so the raw claim loop pays exactly what the
 * scheduler pays for a claim: the pending branch with the owner check, the stale-lock branch, the
 * no-concurrency condition, the same update and the same sort. A unit test drives the installed
 * store with a fake collection and fails when the two part ways.
 */
export function rawClaimCommand(now: Date, workerId: string, lockTimeoutMs: number) {
  return {
    filter: {
      $or: [
        {
          status: "pending",
          nextRunAt: { $lte: now },
          $or: [{ lockedBy: { $exists: false } }, { lockedBy: null }],
        },
        { status: "running", nextRunAt: { $lte: now }, lockUntil: { $lte: now } },
      ],
      $and: [{ $or: [{ concurrency: { $exists: false } }, { concurrency: null }] }],
    },
    update: {
      $set: {
        lockedAt: now,
        lockedBy: workerId,
        lockUntil: new Date(now.getTime() + lockTimeoutMs),
        status: "running",
        lastRunAt: now,
        updatedAt: now,
      },
      $inc: { lockVersion: 1 },
    },
    options: { sort: { priority: 1 as const, nextRunAt: 1 as const }, returnDocument: "after" as const },
  };
}

/** The scheduler's completion (`markCompleted`): only the owner of a running job completes it. */
export function rawCompleteCommand<Id>(id: Id, workerId: string) {
  return {
    filter: { _id: id, lockedBy: workerId, status: "running" },
    update: {
      $set: { status: "completed", updatedAt: new Date() },
      $unset: { lockedAt: "", lockedBy: "", lockUntil: "" },
    },
  };
}
