// A builder that forgets to return the Scheduler it built.
import { MongoJobStore, Scheduler } from "mongo-job-scheduler";

export function buildScheduler(db, handler) {
  new Scheduler({ store: new MongoJobStore(db), handler });
}
