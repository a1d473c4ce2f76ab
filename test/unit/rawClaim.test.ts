import { MongoJobStore } from "mongo-job-scheduler";
import type { Db } from "mongodb";
import { describe, expect, it } from "vitest";
import { rawClaimCommand, rawCompleteCommand } from "../../harness/adapters/rawClaim.ts";

/** A collection that records the commands the installed store sends and answers with one job. */
function recordingDb() {
  const calls: { op: string; args: unknown[] }[] = [];
  const collection = {
    createIndex: async () => "ok",
    findOneAndUpdate: async (...args: unknown[]) => {
      calls.push({ op: "findOneAndUpdate", args });
      return { _id: "j1", name: "bench" };
    },
    updateOne: async (...args: unknown[]) => {
      calls.push({ op: "updateOne", args });
      return { matchedCount: 1 };
    },
  };
  return { db: { collection: () => collection } as unknown as Db, calls };
}

describe("the raw claim loop's commands", () => {
  it("claim with exactly the installed scheduler's filter, update and sort", async () => {
    const { db, calls } = recordingDb();
    const store = new MongoJobStore(db);
    const now = new Date(1_700_000_000_000);
    await store.findAndLockNext({ now, workerId: "w1", lockTimeoutMs: 30_000 });
    const raw = rawClaimCommand(now, "w1", 30_000);
    expect(calls[0]?.args).toEqual([raw.filter, raw.update, raw.options]);
  });

  it("complete with exactly the installed scheduler's markCompleted", async () => {
    const { db, calls } = recordingDb();
    await new MongoJobStore(db).markCompleted("j1" as never, "w1");
    const raw = rawCompleteCommand("j1", "w1");
    const [filter, update] = (calls[0] as { args: unknown[] }).args as [
      unknown,
      { $set: { updatedAt: Date } },
    ];
    expect(filter).toEqual(raw.filter);
    expect({ ...update, $set: { ...update.$set, updatedAt: 0 } }).toEqual({
      ...raw.update,
      $set: { ...raw.update.$set, updatedAt: 0 },
    });
  });
});
