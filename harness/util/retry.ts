import { sleep } from "./wait.ts";

export interface RetryOptions {
  /** Give up once this much time has passed since the first attempt. */
  deadlineMs: number;
  /** Pause between attempts. */
  everyMs: number;
  /** Whether a failure is worth another attempt (a server not up yet), or final (a bad setting). */
  retryable(error: unknown): boolean;
  /** Told of each failure that will be retried, with the time left before giving up. */
  onRetry(error: unknown, leftMs: number): void;
  now?: () => number;
  wait?: (ms: number) => Promise<void>;
}

/**
 * Runs `attempt` until it succeeds, a failure is not retryable, or the deadline passes; then
 * rethrows the last failure. As a service does while what it depends on comes up.
 */
export async function retryUntil<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  const now = options.now ?? Date.now;
  const wait = options.wait ?? ((ms: number) => sleep(ms));
  const deadline = now() + options.deadlineMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      const left = deadline - now();
      if (!options.retryable(error) || left <= 0) throw error;
      options.onRetry(error, left);
      await wait(Math.min(options.everyMs, left));
    }
  }
}
