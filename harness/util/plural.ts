/** "1 instance", "2 instances": a count with its noun (a regular plural: an added "s"). */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
