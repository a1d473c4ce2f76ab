import { seededRandom, shuffled } from "../../util/rng.ts";

/**
 * The order in which the variants' repetitions run: blocks of one repetition of every variant, each
 * pair of blocks a seeded permutation followed by its reverse (A B | B A, B A C | C A B, …). Every
 * variant runs `repeats` times, no variant runs all its repetitions first, and a slow drift of the
 * machine's load weighs on every variant alike. Repetition k of each variant falls in block k, so
 * block k's results can be paired across variants.
 */
export function interleavedOrder(
  variants: readonly string[],
  repeats: number,
  seed: number,
): { variant: string; repetition: number }[] {
  if (variants.length === 0 || repeats <= 0) return [];
  const random = seededRandom(seed);
  const order: { variant: string; repetition: number }[] = [];
  let permutation: string[] = [];
  for (let k = 0; k < repeats; k++) {
    permutation = k % 2 === 0 ? shuffled(variants, random) : [...permutation].reverse();
    for (const variant of permutation) order.push({ variant, repetition: k });
  }
  return order;
}

/**
 * The drain order of a forked bench: fork by fork, each fork's repetitions interleaved as above
 * (seed + fork), numbered on from the forks before it (repetition k of every variant is in fork
 * ⌊k / repeats⌋, so the pairs of a fork stay together).
 */
export function forkedOrder(
  variants: readonly string[],
  forks: number,
  repeats: number,
  seed: number,
): { variant: string; repetition: number; fork: number }[] {
  const order: { variant: string; repetition: number; fork: number }[] = [];
  for (let fork = 0; fork < forks; fork++)
    for (const o of interleavedOrder(variants, repeats, seed + fork))
      order.push({ variant: o.variant, repetition: fork * repeats + o.repetition, fork });
  return order;
}
