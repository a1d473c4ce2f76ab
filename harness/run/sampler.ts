/**
 * Samples every running worker process's resources while a run goes on (a soak): memory, event-loop
 * delay, open connections, asked over IPC (processes/workerStats.ts) every few seconds and written
 * to the ledger as sample records, which the growth checker judges and the report plots. A bracket:
 * its release stops the sampling before the processes go.
 */
import type { LedgerSink } from "../ledger/fileLedger.ts";
import type { Supervisor } from "../processes/supervisor.ts";
import type { Reporter } from "../util/reporter.ts";
import { throttle } from "../util/wait.ts";
import type { Acquired } from "./teardown.ts";

const MB = 1024 * 1024;

/** Starts sampling every `everyMs`; one progress line a minute says what the last round saw. */
export function startSampler(o: {
  supervisor: Pick<Supervisor, "runningWorkers" | "instanceOf" | "stats">;
  ledger: LedgerSink;
  everyMs: number;
  reporter: Reporter;
}): Acquired<{ rounds(): number }> {
  let rounds = 0;
  let busy = false;
  let last: Promise<void> = Promise.resolve();
  const say = throttle(60_000, (line: string) => o.reporter.progress(line));
  const round = async () => {
    // A round that outlasts the interval (a worker slow to answer) is not overlapped by the next.
    busy = true;
    try {
      const procs = o.supervisor.runningWorkers();
      const timeoutMs = Math.min(o.everyMs, 5000);
      const seen = await Promise.all(
        procs.map(async (proc) => {
          const instance = o.supervisor.instanceOf(proc);
          const stats = await o.supervisor.stats(proc, timeoutMs).catch(() => null);
          if (!stats || !instance) return null;
          const t = Date.now();
          o.ledger.append({
            type: "sample",
            t,
            proc,
            instance,
            pid: stats.pid,
            rssBytes: stats.rssBytes,
            heapUsedBytes: stats.heapUsedBytes,
            loopDelayMs: stats.loopDelayMs,
            connections: stats.connections,
          });
          return stats;
        }),
      );
      rounds++;
      const got = seen.filter((s) => s !== null);
      if (got.length) {
        const range = (values: number[]) => {
          const lo = Math.min(...values);
          const hi = Math.max(...values);
          return lo === hi ? `${lo}` : `${lo}–${hi}`;
        };
        say(
          `samples: ${got.length} worker(s): rss ${range(got.map((s) => Math.round(s.rssBytes / MB)))} MB, heap ${range(got.map((s) => Math.round(s.heapUsedBytes / MB)))} MB, loop delay p99 ${range(got.map((s) => Math.round(s.loopDelayMs.p99)))} ms, connections ${range(got.map((s) => s.connections))}`,
        );
      }
    } finally {
      busy = false;
    }
  };
  const tick = () => {
    if (!busy) last = round().catch((error) => o.reporter.warn(`a sample failed: ${String(error)}`));
  };
  const timer = setInterval(tick, o.everyMs);
  tick();
  return {
    value: { rounds: () => rounds },
    async release() {
      clearInterval(timer);
      // A round under way writes to the ledger: it ends before the ledger may close.
      await last;
    },
  };
}
