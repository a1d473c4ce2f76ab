import { EmailLog } from "../models/EmailLog.js";

/** The job's name and the key that makes its registration idempotent across restarts and instances. */
export const CLEANUP_JOB = "cron-cleanup";

/** Every day at midnight UTC. */
export const CLEANUP_CRON = "0 0 * * *";

const RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

/** Deletes the email logs older than thirty days. */
export async function cronCleanup() {
  const { deletedCount } = await EmailLog.deleteMany({
    sentAt: { $lt: new Date(Date.now() - RETENTION_MS) },
  });
  console.log(`daily cleanup: deleted ${deletedCount} email logs older than 30 days`);
}
