// A wiring module as an application would write one: it builds the application's own Scheduler
// from a database and a handler. Run any scenario against it with
//   npm run scenario crash-recovery -- --wiring examples/wiring.mjs
// The harness passes the database of the run and its own handler (which records every execution);
// the third argument says how many workers the scenario asks for, which this application ignores.
import { MongoJobStore, Scheduler } from "mongo-job-scheduler";

export default function buildScheduler(db, handler) {
  return new Scheduler({
    store: new MongoJobStore(db, { collectionName: "app_jobs", lockTimeoutMs: 20_000 }),
    handler,
    workers: 3,
    pollIntervalMs: 500,
    lockTimeoutMs: 20_000,
  });
}
