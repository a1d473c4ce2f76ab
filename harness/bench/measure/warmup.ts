/**
 * Warm-up drains per variant: at least `min`; then until the last two agree on worker CPU per job
 * within `agree` (the way JMH runs warm-up iterations until a process is at steady state); at most
 * `max`. Measured here (quick bench, 400-job drains): CPU per job still fell from about 2.0 to 1.2 ms
 * over the five repetitions that followed two warm-up drains, and fell from 3–4.5 ms to a steady
 * 1.0–1.6 ms over the first 7–8 drains; with a minimum of 3, two noisy drains agreeing early stopped
 * one side's warm-up at 2.0 ms while the other went on to 1.5.
 */
export const WARMUP = { min: 8, max: 12, agree: 0.05 };

/** Whether the last two warm-up drains agree on CPU per job. */
export function settled(cpu: readonly number[]): boolean {
  if (cpu.length < 2) return false;
  const [a, b] = [cpu[cpu.length - 2] as number, cpu[cpu.length - 1] as number];
  return a > 0 && Math.abs(b / a - 1) <= WARMUP.agree;
}

/** Whether a variant has had warm-up enough (see WARMUP). */
export function warmedUp(cpu: readonly number[]): boolean {
  return cpu.length >= WARMUP.max || (cpu.length >= WARMUP.min && settled(cpu));
}
