import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { RunSettings, Scenario } from "../config/scenarioSchema.ts";
import { planFaults } from "../faults/planFaults.ts";
import { planJobs } from "../load/jobMix.ts";
import type { ProviderChoice } from "../mongo/target.ts";
import type { RunResult } from "../report/result.ts";
import { runDirFor } from "../report/writeReport.ts";
import { createAdapter } from "../sut/adapters/index.ts";
import { sutSpecOf } from "../sut/sutSpec.ts";
import { createRng, randomSeed } from "../util/rng.ts";
import { collectPhase, readJobsPhase } from "./phases/collectPhase.ts";
import { deployPhase } from "./phases/deployPhase.ts";
import { faultPhase, stopFaults } from "./phases/faultPhase.ts";
import { loadPhase } from "./phases/loadPhase.ts";
import { provisionPhase } from "./phases/provisionPhase.ts";
import { checkInterrupt, Interrupted, type RunContext, required } from "./phases/runContext.ts";
import { settlePhase } from "./phases/settlePhase.ts";
import type { Reporter } from "./reporter.ts";

export interface RunOptions {
  scenario: Scenario;
  settings: RunSettings;
  mongo: { choice: ProviderChoice; uri?: string };
  reportsDir: string;
  reporter: Reporter;
  /** Aborting it (Ctrl-C) ends the run early; teardown still runs and the result says incomplete. */
  signal: AbortSignal;
  /**
   * Called after the report is written, with the run's database still there and its server still
   * up (the workers are stopped); the database is dropped and the server stopped when it returns.
   */
  keep?: (kept: KeptRun) => Promise<void>;
}

/** A finished run's database, kept alive for a look (e.g. in the Scheduler UI). */
export interface KeptRun {
  uri: string;
  dbName: string;
  provider: string;
  resultPath: string;
}

export interface RunOutcome {
  result: RunResult;
  runDir: string;
  resultPath: string;
}

/**
 * Runs one scenario end to end, as a sequence of phases (see ./phases): provision (fault tools,
 * MongoDB, the fault rig), deploy (trigger server and workers), load and faults side by side,
 * settle (drain, heal every fault, watch for late re-executions), collect (final state, checkers,
 * report). Every fault is healed and every process it started is gone when it returns or throws;
 * an interrupted run is saved like a finished one, with the verdict unknown.
 */
export async function runScenario(options: RunOptions): Promise<RunOutcome> {
  const { scenario, settings, reporter, signal } = options;
  const seed = settings.seed ?? randomSeed();
  const startedAt = Date.now();
  const runDir = runDirFor(options.reportsDir, scenario.name, new Date(startedAt));
  const rng = createRng(seed);
  const sutSpec = sutSpecOf(settings);
  const ctx: RunContext = {
    sutSpec,
    adapter: await createAdapter(sutSpec),
    scenario,
    settings,
    seed,
    rng,
    startedAt,
    runDir,
    ledgerDir: join(runDir, "ledger"),
    dbName: `harness_${scenario.name.replace(/\W/g, "_")}_${randomBytes(4).toString("hex")}`,
    reporter,
    signal,
    phase: new AbortController(),
    plan: planFaults(settings, seed),
    jobs: planJobs(settings.load, rng),
    load: null,
    faultsDone: false,
    drainTimeoutMs: settings.check.drainTimeoutMs,
    runEndedAt: startedAt,
    finalState: [],
  };
  reporter.progress(`${scenario.name}: seed ${seed} (repeat the run with --seed ${seed})`);
  const abortPhase = () => ctx.phase.abort();
  signal.addEventListener("abort", abortPhase);
  let incomplete: string | null = null;
  let stopping: Promise<void> | undefined;
  try {
    await provisionPhase(ctx, options.mongo);
    checkInterrupt(ctx);
    await deployPhase(ctx);
    const live = required(ctx.live, "the live ledger");
    const ticker = setInterval(() => live.poll(), 50);
    try {
      faultPhase(ctx);
      await loadPhase(ctx);
      await settlePhase(ctx);
    } finally {
      clearInterval(ticker);
      // Every open fault is healed before anything is torn down.
      const { error } = await stopFaults(ctx);
      if (error && signal.aborted)
        reporter.warn(`a fault failed while the run was stopping: ${String(error)}`);
    }
    await readJobsPhase(ctx);
  } catch (error) {
    if (!ctx.target || (!(error instanceof Interrupted) && !signal.aborted)) {
      await teardown().catch(() => {});
      throw error;
    }
    incomplete = "interrupted";
    // Nothing may change the jobs while they are read: the trigger server may still be creating
    // the job of a request the interrupt cut off, and a worker may run it. So the processes stop
    // first; the database stays up until the state is read.
    await stopProcesses();
    ctx.runEndedAt = Date.now();
    // Saved like a finished run, so analyze and the Scheduler UI can open it; the checkers count
    // what had not finished as unfinished, not lost.
    reporter.progress("interrupted: reading the jobs' state before the database goes…");
    try {
      await readJobsPhase(ctx);
    } catch (readError) {
      reporter.warn(`could not read the jobs' state after the interrupt: ${String(readError)}`);
    }
  } finally {
    signal.removeEventListener("abort", abortPhase);
  }
  await stopProcesses();
  const { result, resultPath } = collectPhase(ctx, incomplete, {
    reportsDir: options.reportsDir,
    mongo: options.mongo,
    keep: options.keep !== undefined,
  });
  try {
    const target = required(ctx.target, "the MongoDB target");
    if (options.keep && !signal.aborted) {
      await options.keep({ uri: target.uri, dbName: ctx.dbName, provider: target.provider, resultPath });
    }
  } finally {
    await releaseMongo();
  }
  return { result, runDir, resultPath };

  function stopProcesses(): Promise<void> {
    stopping ??= stopEveryProcess();
    return stopping;
  }

  async function stopEveryProcess(): Promise<void> {
    // Said only when something was started: a run refused before its first process has nothing to stop.
    if (ctx.supervisor || ctx.rig) reporter.progress("teardown: stopping workers and the trigger server…");
    await ctx.supervisor?.stopAll();
    await ctx.rig?.stop().catch((e) => reporter.warn(`could not stop the fault rig: ${String(e)}`));
    ctx.harnessLedger?.close();
  }

  async function teardown(): Promise<void> {
    await stopFaults(ctx);
    await stopProcesses();
    await releaseMongo();
  }

  async function releaseMongo(): Promise<void> {
    // Only the run's own database is dropped; nothing else on the server is touched.
    await ctx.client
      ?.db(ctx.dbName)
      .dropDatabase()
      .catch(() => {});
    await ctx.client?.close().catch(() => {});
    await ctx.target?.stop().catch((e) => reporter.warn(`could not stop the MongoDB target: ${e}`));
  }
}
