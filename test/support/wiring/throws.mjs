// A wiring whose builder fails, as one reading configuration that is not there would.
export default function buildScheduler() {
  throw new Error("SCHEDULER_DB is not set");
}
