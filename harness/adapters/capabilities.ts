import type { ClaimOrder } from "../checkers/claimOrder.ts";
import type { Capability } from "./adapter.ts";

// Each scheduler's capabilities and claim order, declared once: the registry reads them before an
// adapter is loaded (to refuse a scenario that does not apply), and the adapter reports the same.

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

/** mongo-job-scheduler 1.x claims in one global order (findAndLockNext): see claimOrder.ts. */
export const mongoJobSchedulerClaimOrder: ClaimOrder = "global-priority";

/** Agenda 6 claims name by name (one query per defined name, each poll): see claimOrder.ts. */
export const agendaClaimOrder: ClaimOrder = "per-name";
