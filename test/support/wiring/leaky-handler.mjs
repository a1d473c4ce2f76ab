// A wiring whose handler keeps 1 MB of every job it runs, as a cache that is never evicted would:
// a leak a soak must find (at 5 jobs a second, about 9 GB an hour per process on paper).
import { MongoJobStore, Scheduler } from "mongo-job-scheduler";

const kept = [];

export function buildScheduler(db, handler, { workers, id }) {
  return new Scheduler({
    id,
    store: new MongoJobStore(db, { lockTimeoutMs: 5000 }),
    workers,
    pollIntervalMs: 250,
    lockTimeoutMs: 5000,
    handler: async (job) => {
      kept.push(new Array(125_000).fill(kept.length));
      await handler(job);
    },
  });
}
