import { seededRandom, shuffled } from "./random.ts";

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
