// A wiring with the README's trap in seconds: the Scheduler's lock timeout (4 s) sets the
// heartbeat to every 2 s, but the store, built without options as in the README, renews a lock
// for its own lockTimeoutMs, set here to 1 s. Between heartbeats a running job's lock lapses and
// an idle worker takes it while its first execution is still alive.
import { MongoJobStore, Scheduler } from "mongo-job-scheduler";

export function buildScheduler(db, handler, { workers }) {
  return new Scheduler({
    store: new MongoJobStore(db, { lockTimeoutMs: 1000 }),
    handler,
    workers,
    pollIntervalMs: 200,
    lockTimeoutMs: 4000,
  });
}
