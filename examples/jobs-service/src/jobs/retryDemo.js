/** How many attempts the retry demo gets in all. */
export const RETRY_DEMO_ATTEMPTS = 5;

/** The wait before each retry of the retry demo. */
export const RETRY_DEMO_DELAY_MS = 2000;

/**
 * Fails its first `succeedAfterAttempt` attempts, then succeeds on the next. The scheduler counts
 * the failed attempts in `job.attempts` (0 on the first run) and reschedules the job after each.
 */
export async function retryDemo(job) {
  const failures = job.data?.succeedAfterAttempt ?? 0;
  if (job.attempts < failures) {
    throw new Error(
      `retry demo: attempt ${job.attempts + 1} fails on purpose (${failures} failures asked for)`,
    );
  }
}
