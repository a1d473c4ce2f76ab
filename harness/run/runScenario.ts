import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { createAdapter } from "../adapters/registry.ts";
import { planFaults } from "../faults/planFaults.ts";
import { planJobs } from "../load/jobMix.ts";
import type { RunResult } from "../report/result.ts";
import { runDirFor } from "../report/writeReport.ts";
import type { RunSettings, Scenario } from "../scenario/schema.ts";
import { sutSpecOf } from "../scenario/sutSpec.ts";
import type { ProviderChoice } from "../servers/target.ts";
import { ExitCode, HarnessError } from "../util/exitCodes.ts";
import { type ChildExit, describeExit, type WatchedProcess } from "../util/ownedChild.ts";
import type { Reporter } from "../util/reporter.ts";
import { createRng, randomSeed } from "../util/rng.ts";
import { collectPhase, readJobsPhase } from "./collectPhase.ts";
import { deployPhase } from "./deployPhase.ts";
import { faultPhase, stopFaults } from "./faultPhase.ts";
import { loadPhase } from "./loadPhase.ts";
import { provisionPhase } from "./provisionPhase.ts";
import { checkInterrupt, Interrupted, type RunContext, RunStopped, required } from "./runContext.ts";
import { settlePhase } from "./settlePhase.ts";

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
  /** When the run stopped early: why, and where it was ("at 41 % of the drain"). */
  stopped?: { reason: string; where: string };
}

/** How long a worker may take to stop when the run is cut short (then it is SIGKILLed). */
const STOP_GRACE_ON_INTERRUPT_MS = 3000;

/**
 * Runs one scenario end to end, as a sequence of phases (see ./phases): provision (fault tools,
 * MongoDB, the fault rig), deploy (trigger server and workers), load and faults side by side,
 * settle (drain, heal every fault, watch for late re-executions), collect (final state, checkers,
 * report). Every fault is healed and every process it started is gone when it returns or throws.
 * A run cut short (Ctrl-C, or a process it depends on dying: the database server, the trigger
 * server, the proxy) is saved like a finished one, with the verdict unknown and the reason.
 */
export async function runScenario(options: RunOptions): Promise<RunOutcome> {
  const { scenario, settings, reporter } = options;
  const seed = settings.seed ?? randomSeed();
  const startedAt = Date.now();
  const runDir = runDirFor(options.reportsDir, scenario.name, new Date(startedAt));
  const rng = createRng(seed);
  const sutSpec = sutSpecOf(settings);
  // The run's own stop: the user's signal, or a dependency's death (watchDependencies).
  const stop = new AbortController();
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
    signal: stop.signal,
    stage: "starting",
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
  let where = "";
  const stopRun = (reason: RunStopped) => {
    if (stop.signal.aborted) return;
    where = whereIs(ctx);
    stop.abort(reason);
    ctx.phase.abort();
  };
  const onUser = () => stopRun(new RunStopped("interrupted"));
  if (options.signal.aborted) onUser();
  options.signal.addEventListener("abort", onUser);
  const died = (process: { name: string; pid: number }, exit: ChildExit, serverGone: boolean) => {
    if (stop.signal.aborted) return;
    const line = `${withPid(process)} ${describeExit(exit)} ${whereIs(ctx)}`;
    reporter.warn(`${line}: stopping the run`);
    stopRun(new RunStopped(line, serverGone));
  };
  const watch = (process: WatchedProcess | undefined, serverGone: boolean) => {
    void process?.exited.then((exit) => {
      if (!process.stopping) died(process, exit, serverGone);
    });
  };
  let incomplete: string | null = null;
  let stopping: Promise<void> | undefined;
  try {
    await provisionPhase(ctx, options.mongo);
    for (const p of ctx.target?.processes ?? []) watch(p, true);
    watch(ctx.rig?.proxies?.process, false);
    checkInterrupt(ctx);
    await deployPhase(ctx, (exit) => died({ name: "trigger server", pid: exit.pid }, exit, false));
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
      if (error && stop.signal.aborted)
        reporter.warn(`a fault failed while the run was stopping: ${String(error)}`);
    }
    ctx.stage = "teardown";
    checkInterrupt(ctx);
    await readJobsPhase(ctx);
    checkInterrupt(ctx);
  } catch (error) {
    options.signal.removeEventListener("abort", onUser);
    if (!ctx.target && stop.signal.aborted) {
      await teardown().catch(() => {});
      throw new HarnessError(
        `${(stop.signal.reason as RunStopped).reason} ${where}: nothing ran, nothing was saved`,
        ExitCode.Unknown,
      );
    }
    if (!ctx.target || (!(error instanceof Interrupted) && !stop.signal.aborted)) {
      await teardown().catch(() => {});
      throw error;
    }
    const why = stop.signal.reason as RunStopped;
    incomplete = why.reason;
    // Nothing may change the jobs while they are read: the trigger server may still be creating
    // the job of a request the interrupt cut off, and a worker may run it. So the processes stop
    // first; the database stays up until the state is read.
    await stopProcesses(STOP_GRACE_ON_INTERRUPT_MS);
    ctx.runEndedAt = Date.now();
    // Saved like a finished run, so analyze and the Scheduler UI can open it; the checkers count
    // what had not finished as unfinished, not lost.
    if (why.serverGone) {
      reporter.warn("the database server is gone: the jobs' final state cannot be read");
    } else {
      reporter.progress("reading the jobs' state before the database goes…");
      try {
        await readJobsPhase(ctx);
      } catch (readError) {
        reporter.warn(`could not read the jobs' state: ${firstLine(readError)}`);
      }
    }
  }
  await stopProcesses();
  // A stop during teardown still cuts the run short: the user asked for it before the result.
  if (incomplete === null && stop.signal.aborted) incomplete = (stop.signal.reason as RunStopped).reason;
  const { result, resultPath } = collectPhase(ctx, incomplete, {
    reportsDir: options.reportsDir,
    mongo: options.mongo,
    keep: options.keep !== undefined,
  });
  try {
    const target = required(ctx.target, "the MongoDB target");
    if (options.keep && !stop.signal.aborted) {
      await options.keep({ uri: target.uri, dbName: ctx.dbName, provider: target.provider, resultPath });
    }
  } finally {
    options.signal.removeEventListener("abort", onUser);
    await releaseMongo();
  }
  return {
    result,
    runDir,
    resultPath,
    ...(incomplete ? { stopped: { reason: incomplete, where } } : {}),
  };

  function stopProcesses(graceMs?: number): Promise<void> {
    stopping ??= stopEveryProcess(graceMs);
    return stopping;
  }

  async function stopEveryProcess(graceMs?: number): Promise<void> {
    // Said only when something was started: a run refused before its first process has nothing to stop.
    if (ctx.supervisor || ctx.rig) reporter.progress("teardown: stopping workers and the trigger server…");
    await ctx.supervisor?.stopAll(graceMs);
    await ctx.rig?.stop().catch((e) => reporter.warn(`could not stop the fault rig: ${String(e)}`));
    ctx.harnessLedger?.close();
  }

  async function teardown(): Promise<void> {
    await stopFaults(ctx);
    await stopProcesses();
    await releaseMongo();
  }

  async function releaseMongo(): Promise<void> {
    const gone = (stop.signal.reason as RunStopped | undefined)?.serverGone;
    // Only the run's own database is dropped; nothing else on the server is touched.
    if (!gone)
      await ctx.client
        ?.db(ctx.dbName)
        .dropDatabase()
        .catch(() => {});
    await ctx.client?.close(true).catch(() => {});
    await ctx.target?.stop().catch((e) => reporter.warn(`could not stop the MongoDB target: ${e}`));
  }
}

/** Where a run is now, for the line that says where it stopped: "at 41 % of the drain". */
function whereIs(ctx: RunContext): string {
  const live = ctx.live;
  const share = () => {
    const accepted = live?.accepted.size ?? 0;
    return accepted ? Math.round((100 * (live?.finishedCount() ?? 0)) / accepted) : 0;
  };
  switch (ctx.stage) {
    case "starting":
      return "while the run was starting";
    case "load":
      return `during the load (${live?.accepted.size ?? 0} of ${ctx.jobs.length} jobs accepted)`;
    case "drain":
      return `at ${share()} % of the drain`;
    case "observe":
      return `at ${share()} % of the observation`;
    case "settle":
      return "while watching for late re-executions";
    case "teardown":
      return "during teardown";
  }
}

/** "mongo server (standin, pid 123)", "trigger server (pid 456)". */
function withPid(p: { name: string; pid: number }): string {
  const m = /^(.*) \((.*)\)$/.exec(p.name);
  return m ? `${m[1]} (${m[2]}, pid ${p.pid})` : `${p.name} (pid ${p.pid})`;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}
