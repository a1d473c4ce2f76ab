// A valid wiring that touches the database before it builds: it creates an index of its own and
// waits for it, as an application that prepares its collection at startup would.
import { MongoJobStore, Scheduler } from "mongo-job-scheduler";

export default async function buildScheduler(db, handler, { workers }) {
  await db.collection("app_audit").createIndex({ at: 1 });
  return new Scheduler({ store: new MongoJobStore(db), handler, workers });
}
