import { runHttpLoad } from "../load/httpLoad.ts";
import { throttle } from "../util/wait.ts";
import { checkInterrupt, type RunContext, required } from "./runContext.ts";

/** Load: sends the planned jobs through the trigger server (a bulk backlog was seeded in deploy). */
export async function loadPhase(ctx: RunContext): Promise<void> {
  const { load } = ctx.settings;
  if (load.mode !== "http") return;
  ctx.stage = "load";
  const total = ctx.jobs.length;
  ctx.reporter.progress(`load: ${total} jobs over HTTP with ${load.connections} connections…`);
  const result = await runHttpLoad({
    url: `http://127.0.0.1:${required(ctx.port, "the trigger server")}`,
    connections: load.connections,
    jobs: ctx.jobs,
    ledger: required(ctx.harnessLedger, "the harness ledger"),
    signal: ctx.phase.signal,
    onProgress: throttle(2000, (done) => ctx.reporter.progress(`load: ${done}/${total} responses`)),
  });
  ctx.load = result;
  ctx.reporter.progress(
    `load: ${result.accepted} accepted, ${result.rejected} rejected, ${result.errors} errors in ${(result.durationMs / 1000).toFixed(1)} s`,
  );
  checkInterrupt(ctx);
}
