import { sleep, throttle, waitFor } from "../util/wait.ts";
import { stopFaults } from "./faultPhase.ts";
import { checkInterrupt, type RunContext, required } from "./runContext.ts";

/**
 * Settle: observe for the scenario's time, or wait until every accepted job has finished and every
 * fault is healed (up to the drain timeout); then call the fault schedule off and watch one more
 * lock timeout, in which a re-execution of a finished job would show.
 */
export async function settlePhase(ctx: RunContext): Promise<void> {
  const { settings, reporter, signal } = ctx;
  const live = required(ctx.live, "the live ledger");
  if (settings.load.runForMs !== undefined) {
    ctx.stage = "observe";
    const until = Date.now() + settings.load.runForMs;
    await waitFor(() => Date.now() >= until, {
      everyMs: 100,
      signal,
      onTick: throttle(5000, () =>
        reporter.progress(
          `observing: ${Math.max(0, Math.round((until - Date.now()) / 1000))} s left, ${live.open.size} executing`,
        ),
      ),
    });
  } else {
    ctx.stage = "drain";
    await drain(ctx);
  }
  checkInterrupt(ctx);
  const { error } = await stopFaults(ctx);
  if (error) throw error;
  // Watch one more lock timeout (the Scheduler's): a re-execution of a finished job would show
  // up now. Never longer than the drain timeout, and said so when that cuts it short.
  const timing = required(ctx.effective, "the scheduler's effective settings").timing;
  const fullSettleMs = timing.lockTimeoutMs + timing.pollIntervalMs + 500;
  const settleMs = Math.min(fullSettleMs, ctx.drainTimeoutMs);
  ctx.stage = "settle";
  reporter.progress(
    `settle: watching ${(settleMs / 1000).toFixed(1)} s more for late re-executions${settleMs < fullSettleMs ? ` (one lock timeout would be ${(fullSettleMs / 1000).toFixed(1)} s; the drain timeout bounds it)` : ""}…`,
  );
  await sleep(settleMs, signal);
  checkInterrupt(ctx);
  ctx.runEndedAt = Date.now();
}

async function drain(ctx: RunContext): Promise<void> {
  const { reporter, signal } = ctx;
  const live = required(ctx.live, "the live ledger");
  const db = required(ctx.client, "the client").db(ctx.dbName);
  const deadline = Date.now() + ctx.drainTimeoutMs;
  const reportDrain = throttle(2000, () =>
    reporter.progress(
      `drain: ${live.finishedCount()}/${live.accepted.size} jobs finished, ${Math.max(0, Math.round((deadline - Date.now()) / 1000))} s left`,
    ),
  );
  // The ledger's acknowledgements say when jobs finish; a kill can cut one off after the
  // database update, so once a second the database is asked too.
  let dbFinished = 0;
  const askDb = throttle(1000, () => {
    void ctx.adapter
      .countFinished(db, live.accepted, required(ctx.effective, "the effective settings").collection)
      .then(
        (n) => {
          dbFinished = n;
        },
        () => {},
      );
  });
  const drained = await waitFor(
    () => ctx.faultsDone && Math.max(live.finishedCount(), dbFinished) >= live.accepted.size,
    {
      everyMs: 100,
      timeoutMs: ctx.drainTimeoutMs,
      signal,
      onTick: () => {
        askDb();
        reportDrain();
      },
    },
  );
  checkInterrupt(ctx);
  if (!drained) {
    reporter.warn(
      `drain: ${live.accepted.size - live.finishedCount()} accepted jobs still unfinished after ${ctx.drainTimeoutMs / 1000} s; checking what there is`,
    );
  }
}
