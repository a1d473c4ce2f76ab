/**
 * One bracket per resource, as Jepsen's `with-db` and `with-nemesis`: each acquire gives back its
 * value and pushes its release on one stack, and unwinding releases in the reverse order of
 * acquisition, every release even when another fails. The order of teardown follows from the order
 * of setup by construction, not from a list kept in step by hand.
 */

/** A resource as an acquire gives it: its value and how to let it go. */
export interface Acquired<T> {
  value: T;
  release(): Promise<void>;
}

export class TeardownStack {
  private readonly entries: { name: string; release: () => Promise<void> }[] = [];

  /** Acquires a resource and keeps its release for the unwinding. */
  async use<T>(name: string, acquire: () => Promise<Acquired<T>>): Promise<T> {
    const { value, release } = await acquire();
    this.entries.push({ name, release });
    return value;
  }

  /** Keeps the release of something set up in place. */
  defer(name: string, release: () => Promise<void>): void {
    this.entries.push({ name, release });
  }

  /** A point on the stack: `unwindTo` releases what was acquired after it. */
  mark(): number {
    return this.entries.length;
  }

  /** Releases, newest first, everything acquired after `mark`; a release that fails is reported and the rest still run. */
  async unwindTo(mark: number, onError: (name: string, error: unknown) => void): Promise<void> {
    while (this.entries.length > mark) {
      const entry = this.entries.pop() as { name: string; release: () => Promise<void> };
      try {
        await entry.release();
      } catch (error) {
        onError(entry.name, error);
      }
    }
  }

  /** Releases everything. */
  unwind(onError: (name: string, error: unknown) => void): Promise<void> {
    return this.unwindTo(0, onError);
  }
}
