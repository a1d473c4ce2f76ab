import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { createAdapter } from "../adapters/registry.ts";
import type { JobState } from "../checkers/types.ts";
import { ensureFaultTools, startFaultRig } from "../faults/faultRig.ts";
import { planFaults, workerNames } from "../faults/planFaults.ts";
import { FileLedger } from "../ledger/fileLedger.ts";
import { LiveLedger } from "../ledger/liveLedger.ts";
import { runBulkLoad } from "../load/bulkLoad.ts";
import type { HttpLoadResult } from "../load/httpLoad.ts";
import { planJobs } from "../load/jobMix.ts";
import type { RunResult } from "../report/result.ts";
import { runDirFor } from "../report/writeReport.ts";
import type { RunSettings, Scenario } from "../scenario/schema.ts";
import { sutSpecOf } from "../scenario/sutSpec.ts";
import type { MongoTarget } from "../servers/provision.ts";
import type { ProviderChoice } from "../servers/target.ts";
import { defaultCacheDir } from "../util/cacheDir.ts";
import { ExitCode, HarnessError } from "../util/exitCodes.ts";
import type { Reporter } from "../util/reporter.ts";
import { createRng, randomSeed } from "../util/rng.ts";
import { collectRun, readFinalState } from "./collect.ts";
import { Interrupted, RunControl } from "./control.ts";
import { deployProcesses } from "./deploy.ts";
import { startFaultSchedule } from "./faults.ts";
import { sendLoad } from "./load.ts";
import { acquireServer, openDatabase, type PreparedScheduler, prepareScheduler } from "./provision.ts";
import { settle } from "./settle.ts";
import { TeardownStack } from "./teardown.ts";

export interface RunOptions {
  scenario: Scenario;
  settings: RunSettings;
  /** The folder of the mongo-job-scheduler build under test (--scheduler), if not the installed one. */
  build?: string;
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

/** How long a worker may take to stop: graceful at the end of a run, short when it was cut short. */
const STOP_GRACE_MS = 5000;
const STOP_GRACE_ON_INTERRUPT_MS = 3000;

/**
 * Runs one scenario end to end. Each resource is a bracket on one teardown stack (teardown.ts):
 * the server, the run's database, the ledger, the fault rig, the processes, the fault schedule;
 * then the load, and the settle (drain, heal every fault, watch for late re-executions). Unwinding
 * in reverse heals every fault, stops every process, then the final state is read while the
 * database is still up, the run is collected (history, checkers, report), and the rest goes. A run
 * cut short (Ctrl-C, or a process it depends on dying) is saved like a finished one, with the
 * verdict unknown and the reason.
 */
export async function runScenario(options: RunOptions): Promise<RunOutcome> {
  const { scenario, settings, reporter } = options;
  const seed = settings.seed ?? randomSeed();
  const startedAt = Date.now();
  const runDir = runDirFor(options.reportsDir, scenario.name, new Date(startedAt));
  const ledgerDir = join(runDir, "ledger");
  const dbName = `harness_${scenario.name.replace(/\W/g, "_")}_${randomBytes(4).toString("hex")}`;
  const rng = createRng(seed);
  const spec = sutSpecOf(settings, options.build);
  const adapter = await createAdapter(spec);
  const plan = planFaults(settings, seed);
  const jobs = planJobs(settings.load, rng);
  let live: LiveLedger | undefined;
  const control = new RunControl(reporter, () => ({
    planned: jobs.length,
    accepted: live?.accepted.size ?? 0,
    finished: live?.finishedCount() ?? 0,
  }));
  const unfollow = control.follow(options.signal);
  reporter.progress(`${scenario.name}: seed ${seed} (repeat the run with --seed ${seed})`);
  const stack = new TeardownStack();
  const onReleaseError = (name: string, error: unknown) =>
    reporter.warn(`could not release ${name}: ${firstLine(error)}`);
  let target: MongoTarget | undefined;
  let database: Awaited<ReturnType<typeof openDatabase>>["value"] | undefined;
  let prepared: PreparedScheduler | undefined;
  let load: HttpLoadResult | null = null;
  let runEndedAt = startedAt;
  // What is acquired after this mark (rig, processes, faults) goes before the final state is read.
  let beforeProcesses = 0;
  try {
    // The fault tools first: a fault the machine or target cannot support stops the run here.
    const tools = await ensureFaultTools(plan, {
      cacheDir: defaultCacheDir(),
      mongoUri: options.mongo.uri,
      progress: reporter.progress,
    });
    const server = await stack.use("the MongoDB target", () =>
      acquireServer(options.mongo, reporter, control.signal),
    );
    target = server;
    for (const p of server.processes ?? []) control.watch(p, true);
    reporter.progress(
      `MongoDB target: ${server.provider} ${server.version}${server.isMongoDB ? "" : " (the Java stand-in: its figures are not MongoDB figures)"}; database ${dbName}`,
    );
    const opened = await stack.use("the run's database", () =>
      openDatabase(server.uri, dbName, () => control.stopped?.serverGone === true),
    );
    database = opened;
    const ledger = await stack.use("the harness ledger", async () => {
      const file = new FileLedger(join(ledgerDir, "harness.jsonl"));
      return { value: file, release: async () => file.close() };
    });
    const ready = await prepareScheduler(
      adapter,
      spec,
      opened.db,
      { settings, jobs, scenario: scenario.name },
      reporter,
    );
    prepared = ready;
    beforeProcesses = stack.mark();
    const rig = await stack.use("the fault rig", async () => {
      const r = await startFaultRig(plan, tools, {
        mongoUri: server.uri,
        workers: workerNames(settings.sut.processes),
        runDir,
      });
      return { value: r, release: () => r.stop() };
    });
    if (rig.proxies) reporter.progress("network faults: each worker reaches MongoDB through its own proxy");
    control.watch(rig.proxies?.process, false);
    control.check();
    if (settings.load.mode === "bulk") {
      reporter.progress(`load: seeding ${jobs.length} jobs through the scheduler's own enqueue…`);
      await runBulkLoad(opened.db, jobs, ledger, adapter);
    }
    const { supervisor, port } = await stack.use("the workers and the trigger server", () =>
      deployProcesses({
        settings,
        spec,
        effective: ready.effective,
        jobs,
        serverUri: server.uri,
        dbName,
        runDir,
        ledgerDir,
        runTag: `${scenario.name}-${startedAt}-${process.pid}`,
        rig,
        ledger,
        reporter,
        onTriggerExit: (exit) => control.died({ name: "trigger server", pid: exit.pid }, exit, false),
        stopGraceMs: () => (control.stopped ? STOP_GRACE_ON_INTERRUPT_MS : STOP_GRACE_MS),
      }),
    );
    control.check();
    const following = new LiveLedger(ledgerDir);
    live = following;
    // A bulk load's jobs are in the ledger already: the first progress line must count them.
    following.poll();
    const ticker = setInterval(() => following.poll(), 50);
    stack.defer("the live ledger", async () => clearInterval(ticker));
    const faults = await stack.use("the fault schedule", async () =>
      startFaultSchedule({
        plan,
        totalJobs: jobs.length,
        window: control.window,
        processes: supervisor,
        proxies: rig.proxies,
        clocks: rig.clocks,
        live: following,
        ledger,
        rng,
        reporter,
        stopping: () => control.stopped !== undefined,
      }),
    );
    if (settings.load.mode === "http") {
      control.stage = "load";
      load = await sendLoad({
        port,
        connections: settings.load.connections,
        jobs,
        ledger,
        signal: control.window.signal,
        reporter,
      });
      control.check();
    }
    runEndedAt = await settle({
      control,
      live: following,
      faults,
      ...(settings.load.runForMs !== undefined ? { runForMs: settings.load.runForMs } : {}),
      drainTimeoutMs: ready.drainTimeoutMs,
      timing: ready.effective.timing,
      adapter,
      db: opened.db,
      collection: ready.effective.collection,
      reporter,
    });
    control.stage = "teardown";
  } catch (error) {
    const cutShort = error instanceof Interrupted || control.stopped !== undefined;
    if (!cutShort || !target) {
      unfollow();
      await stack.unwind(onReleaseError);
      const stopped = control.stopped;
      if (cutShort && stopped)
        throw new HarnessError(
          `${stopped.reason} ${control.where}: nothing ran, nothing was saved`,
          ExitCode.Unknown,
        );
      throw error;
    }
  }
  // Every fault healed, every process stopped, every proxy and clock set back: nothing may change
  // the jobs while they are read, and the database stays up until they are.
  await stack.unwindTo(beforeProcesses, onReleaseError);
  if (control.stopped) runEndedAt = Date.now();
  let finalState: JobState[] = [];
  if (control.stopped?.serverGone) {
    reporter.warn("the database server is gone: the jobs' final state cannot be read");
  } else if (database && prepared) {
    if (control.stopped) reporter.progress("reading the jobs' state before the database goes…");
    try {
      finalState = await readFinalState(adapter, database.db, prepared.effective.collection, runDir);
    } catch (error) {
      if (!control.stopped) {
        unfollow();
        await stack.unwind(onReleaseError);
        throw error;
      }
      reporter.warn(`could not read the jobs' state: ${firstLine(error)}`);
    }
  }
  // Saved like a finished run, so analyze and the Scheduler UI can open it; the checkers count
  // what had not finished as unfinished, not lost. A stop during teardown still cuts the run short.
  const incomplete = control.stopped?.reason ?? null;
  const server = target as MongoTarget;
  const { result, resultPath } = collectRun({
    scenario,
    settings,
    seed,
    startedAt,
    runEndedAt,
    runDir,
    ledgerDir,
    reportsDir: options.reportsDir,
    mongo: options.mongo,
    keep: options.keep !== undefined,
    target: server,
    spec,
    adapter,
    effective: prepared?.effective ?? null,
    load,
    incomplete,
    finalState,
  });
  try {
    if (options.keep && !control.stopped)
      await options.keep({ uri: server.uri, dbName, provider: server.provider, resultPath });
  } finally {
    unfollow();
    await stack.unwind(onReleaseError);
  }
  return {
    result,
    runDir,
    resultPath,
    ...(incomplete ? { stopped: { reason: incomplete, where: control.where } } : {}),
  };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}
