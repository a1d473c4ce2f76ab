import type { LedgerSink } from "../ledger/fileLedger.ts";
import { type HttpLoadResult, runHttpLoad } from "../load/httpLoad.ts";
import type { PlannedJob } from "../load/jobMix.ts";
import type { Reporter } from "../util/reporter.ts";
import { throttle } from "../util/wait.ts";

/** Sends the planned jobs through the trigger server (a bulk backlog was seeded before the workers). */
export async function sendLoad(o: {
  /** The trigger server's address. */
  url: string;
  connections: number;
  jobs: readonly PlannedJob[];
  ledger: LedgerSink;
  signal: AbortSignal;
  reporter: Reporter;
}): Promise<HttpLoadResult> {
  const total = o.jobs.length;
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
