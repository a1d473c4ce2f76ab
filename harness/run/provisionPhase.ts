import { join } from "node:path";
import { MongoClient } from "mongodb";
import type { EffectiveSettings } from "../adapters/adapter.ts";
import { ensureFaultTools, startFaultRig } from "../faults/faultRig.ts";
import { workerNames } from "../faults/planFaults.ts";
import { FileLedger } from "../ledger/fileLedger.ts";
import { sizeLongJobs } from "../load/longJobs.ts";
import { settingsText } from "../report/sutSettings.ts";
import { defaultCacheDir, provisionMongo } from "../servers/provision.ts";
import type { ProviderChoice } from "../servers/target.ts";
import type { RunContext } from "./runContext.ts";

/**
 * Provision: the fault tools first (a fault the machine or target cannot support stops the run
 * here, before anything starts), then the MongoDB target, the run's database, the harness's ledger,
 * and the fault rig (proxies, clock files) the workers will be started with.
 */
export async function provisionPhase(
  ctx: RunContext,
  mongo: { choice: ProviderChoice; uri?: string },
): Promise<void> {
  const tools = await ensureFaultTools(ctx.plan, {
    cacheDir: defaultCacheDir(),
    mongoUri: mongo.uri,
    progress: ctx.reporter.progress,
  });
  const target = await provisionMongo({
    choice: mongo.choice,
    mongoUri: mongo.uri,
    progress: ctx.reporter.progress,
    signal: ctx.signal,
  });
  ctx.target = target;
  ctx.reporter.progress(
    `MongoDB target: ${target.provider} ${target.version}${target.isMongoDB ? "" : " (the Java stand-in: its figures are not MongoDB figures)"}; database ${ctx.dbName}`,
  );
  ctx.harnessLedger = new FileLedger(join(ctx.ledgerDir, "harness.jsonl"));
  ctx.client = new MongoClient(target.uri, { serverSelectionTimeoutMS: 10_000 });
  await ctx.client.connect();
  const db = ctx.client.db(ctx.dbName);
  // Built once here before any process starts: a wiring that cannot build fails now, and the
  // timing checks use the settings read from the built scheduler.
  const effective = await ctx.adapter.effective(db, ctx.settings.sut.workersPerProcess);
  ctx.effective = effective;
  ctx.reporter.progress(describeSut(ctx.sutSpec.adapter, ctx.sutSpec.wiring, effective));
  await ctx.adapter.prepare(db);
  const timing = effective.timing;
  const longJobMs = sizeLongJobs(ctx.jobs, ctx.settings.load, timing, ctx.scenario.name);
  // Long jobs must be able to finish (and a killed one to be recovered) before the drain gives up.
  if (longJobMs !== null) {
    ctx.drainTimeoutMs = Math.max(
      ctx.settings.check.drainTimeoutMs,
      longJobMs + timing.lockTimeoutMs + timing.pollIntervalMs + 60_000,
    );
    ctx.reporter.progress(
      `long jobs: ${ctx.jobs.filter((j) => j.long).length} of ${(longJobMs / 1000).toFixed(1)} s each (${ctx.settings.load.lockTimeoutsPerLongJob} × the Scheduler's lock timeout of ${timing.lockTimeoutMs} ms); this run takes about ${Math.ceil((longJobMs + Math.min(timing.lockTimeoutMs, ctx.drainTimeoutMs) + 30_000) / 60_000)} min; the drain waits up to ${Math.round(ctx.drainTimeoutMs / 1000)} s`,
    );
  }
  const bound = timing.lockTimeoutMs + timing.pollIntervalMs;
  if (ctx.settings.faults.kills > 0 && bound > ctx.settings.check.drainTimeoutMs) {
    ctx.reporter.warn(
      `the recovery bound (${bound} ms: the Scheduler's lock timeout and poll interval) is longer than the drain timeout (${ctx.settings.check.drainTimeoutMs} ms): killed jobs will still be locked when the drain ends; --drain-timeout ${bound + 60_000} waits for them`,
    );
  }
  ctx.rig = await startFaultRig(ctx.plan, tools, {
    mongoUri: target.uri,
    workers: workerNames(ctx.settings.sut.processes),
    runDir: ctx.runDir,
  });
  if (ctx.rig.proxies)
    ctx.reporter.progress("network faults: each worker reaches MongoDB through its own proxy");
}

/** One line on the scheduler under test and the settings read from it. */
function describeSut(adapter: string, wiring: string, e: EffectiveSettings): string {
  return `scheduler: ${adapter}, wiring ${wiring}; effective: ${settingsText(e.scheduler)}; store: ${settingsText(e.store)}`;
}
