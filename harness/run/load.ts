import type { LedgerSink } from "../ledger/fileLedger.ts";
import { type HttpLoadResult, runHttpLoad } from "../load/httpLoad.ts";
import type { PlannedJob } from "../load/jobMix.ts";
import { runOpenLoad } from "../load/openLoad.ts";
import type { LoadSettings } from "../load/settings.ts";
import { formatDuration } from "../util/duration.ts";
import type { Reporter } from "../util/reporter.ts";
import { throttle } from "../util/wait.ts";

/**
 * Sends the planned jobs through the trigger server (a bulk backlog was seeded before the workers):
 * as fast as it answers (http), or at the load's rate whatever it does (open).
 */
export async function sendLoad(o: {
  /** The trigger server's address. */
  url: string;
  connections: number;
  jobs: readonly PlannedJob[];
  ledger: LedgerSink;
  signal: AbortSignal;
  reporter: Reporter;
  /** The open loop's settings, when the load is one. */
  open?: Pick<LoadSettings, "ratePerSec" | "arrivals"> & { seed: number };
}): Promise<HttpLoadResult> {
  const total = o.jobs.length;
  if (o.open) {
    const { ratePerSec } = o.open;
    const forMs = (total * 1000) / ratePerSec;
    o.reporter.progress(
      `load: ${total} jobs at ${ratePerSec}/s for ${formatDuration(forMs)} (open loop: sent on time whatever the server does)…`,
    );
    const started = Date.now();
    const result = await runOpenLoad({
      url: o.url,
      jobs: o.jobs,
      ratePerSec,
      arrivals: o.open.arrivals,
      seed: o.open.seed,
      ledger: o.ledger,
      signal: o.signal,
      onProgress: throttle(10_000, (sent, accepted) =>
        o.reporter.progress(
          `load: ${sent}/${total} sent, ${accepted} accepted, ${formatDuration(Math.max(0, forMs - (Date.now() - started)))} left`,
        ),
      ),
    });
    const answers = Object.entries(result.byStatus)
      .map(([status, n]) => `${n} × ${status}`)
      .join(", ");
    o.reporter.progress(
      `load: ${result.accepted} accepted, ${result.rejected} refused, ${result.errors} unanswered in ${(result.durationMs / 1000).toFixed(1)} s (${answers}); sent late by p99 ${result.lateness?.p99 ?? 0} ms`,
    );
    return result;
  }
  o.reporter.progress(`load: ${total} jobs over HTTP with ${o.connections} connections…`);
  const result = await runHttpLoad({
    url: o.url,
    connections: o.connections,
    jobs: o.jobs,
    ledger: o.ledger,
    signal: o.signal,
    onProgress: throttle(2000, (done) => o.reporter.progress(`load: ${done}/${total} responses`)),
  });
  o.reporter.progress(
    `load: ${result.accepted} accepted, ${result.rejected} rejected, ${result.errors} errors in ${(result.durationMs / 1000).toFixed(1)} s`,
  );
  return result;
}
