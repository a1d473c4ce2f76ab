/**
 * A step function of time built from +/- events in O(n log n), queried by binary search: the
 * value on [times[i], times[i + 1]) is values[i]; before times[0] it is `initial`.
 */
export class Steps {
  readonly times: number[] = [];
  readonly values: number[] = [];

  constructor(
    events: readonly { t: number; d: number }[],
    readonly initial = 0,
  ) {
    const sorted = [...events].sort((a, b) => a.t - b.t);
    let value = initial;
    for (let i = 0; i < sorted.length; ) {
      const t = (sorted[i] as { t: number }).t;
      while (i < sorted.length && (sorted[i] as { t: number }).t === t)
        value += (sorted[i++] as { d: number }).d;
      if (this.values.length && this.values[this.values.length - 1] === value) continue;
      this.times.push(t);
      this.values.push(value);
    }
  }

  /** The value at time t. */
  at(t: number): number {
    let lo = 0;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.times[mid] as number) <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? this.initial : (this.values[lo - 1] as number);
  }

  /** The times in (from, to) at which the value changes, in order. */
  changesIn(from: number, to: number): number[] {
    let lo = 0;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.times[mid] as number) <= from) lo = mid + 1;
      else hi = mid;
    }
    const out: number[] = [];
    for (let i = lo; i < this.times.length && (this.times[i] as number) < to; i++)
      out.push(this.times[i] as number);
    return out;
  }
}
