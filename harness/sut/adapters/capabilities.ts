import type { Capability } from "../adapter.ts";

// Each scheduler's capabilities, declared once: the registry reads them before an adapter is
// loaded (to refuse a scenario that does not apply), and the adapter reports the same list.

/** What mongo-job-scheduler offers. */
export const mongoJobSchedulerCapabilities: readonly Capability[] = [
  "priorities",
  "global-concurrency",
  "retries",
  "computed-backoff",
  "cron-timezone",
  "dedupe",
  "stall-detection",
  "lock-renewal",
];

/** What Agenda 6 offers (its concurrency limits are per process, not global). */
export const agendaCapabilities: readonly Capability[] = [
  "priorities",
  "retries",
  "computed-backoff",
  "cron-timezone",
  "dedupe",
];
