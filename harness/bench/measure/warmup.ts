/**
 * Warm-up drains per variant: at least `min`; then until the last two agree on worker CPU per job
 * within `agree` (the way JMH runs warm-up iterations until a process is at steady state); at most
 * `max`. The minimum is high because CPU per job keeps falling over the first drains of a fresh
 * process, and two noisy drains that agree early would cut one side's warm-up short
 * (docs/findings/bench.md, forks and warm-up).
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
