import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Pids of every process whose environment carries the mark (the harness's children inherit it). */
export function marked(mark: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(join("/proc", entry, "environ"), "latin1").includes(`HARNESS_TEST_MARK=${mark}`))
        pids.push(Number(entry));
    } catch {
      // Gone already, or not ours to read.
    }
  }
  return pids;
}

/** SIGKILLs processes a failed test left behind, so they do not leak into the next test. */
export function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}
