/** Resolves after ms, or early (without throwing) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Polls `condition` every `everyMs` until it holds (true), the deadline passes or the signal aborts (false). */
export async function waitFor(
  condition: () => boolean,
  options: { everyMs?: number; timeoutMs?: number; signal?: AbortSignal; onTick?: () => void } = {},
): Promise<boolean> {
  const deadline = Date.now() + (options.timeoutMs ?? Number.POSITIVE_INFINITY);
  while (!options.signal?.aborted) {
    options.onTick?.();
    if (condition()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(options.everyMs ?? 50, options.signal);
  }
  return false;
}

/** Wraps fn so that it runs at most once per `everyMs` (the first call runs at once). */
export function throttle<A extends unknown[]>(
  everyMs: number,
  fn: (...args: A) => void,
): (...args: A) => void {
  let last = Number.NEGATIVE_INFINITY;
  return (...args) => {
    const now = Date.now();
    if (now - last < everyMs) return;
    last = now;
    fn(...args);
  };
}
