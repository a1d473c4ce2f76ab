import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import type { JobState } from "../checkers/types.ts";
import type { RunSettings, Scenario } from "../config/scenarioSchema.ts";
import { planFaults, runFaultSchedule } from "../faults/faultSchedule.ts";
import { FileLedger } from "../ledger/fileLedger.ts";
import { readLedgerDir, writeHistory } from "../ledger/history.ts";
import { LiveLedger } from "../ledger/liveLedger.ts";
import { runBulkLoad } from "../load/bulkLoad.ts";
import { type HttpLoadResult, runHttpLoad } from "../load/httpLoad.ts";
import { planJobs } from "../load/jobMix.ts";
import { sizeLongJobs } from "../load/longJobs.ts";
import { provisionMongo, redact } from "../mongo/provision.ts";
import type { ProviderChoice } from "../mongo/target.ts";
import { buildResult } from "../report/buildResult.ts";
import type { RunResult } from "../report/result.ts";
import { runDirFor, writeRunReport } from "../report/writeReport.ts";
import type { EffectiveSettings } from "../sut/adapter.ts";
import { createAdapter } from "../sut/adapters/index.ts";
import { Supervisor } from "../sut/supervisor.ts";
import { jobNamesOf, sutSpecOf } from "../sut/sutSpec.ts";
import type { WorkerConfig } from "../sut/workerMain.ts";
import { createRng, randomSeed } from "../util/rng.ts";
import { sleep, throttle, waitFor } from "../util/wait.ts";
import { describeEnvironment } from "./environment.ts";
import { dumpJobs, JOBS_SNAPSHOT } from "./jobsCollection.ts";
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
 * Runs one scenario end to end: provision MongoDB, start the trigger server and the workers, send
 * the load while the faults strike, wait for the jobs to drain, then check the ledger and the final
 * state and write the report. Every process it started is gone when it returns or throws.
 */
export async function runScenario(options: RunOptions): Promise<RunOutcome> {
  const { scenario, settings, reporter, signal } = options;
  const seed = settings.seed ?? randomSeed();
  const rng = createRng(seed);
  const startedAt = Date.now();
  const runDir = runDirFor(options.reportsDir, scenario.name, new Date(startedAt));
  const ledgerDir = join(runDir, "ledger");
  const dbName = `harness_${scenario.name.replace(/\W/g, "_")}_${randomBytes(4).toString("hex")}`;
  reporter.progress(`${scenario.name}: seed ${seed} (repeat the run with --seed ${seed})`);

  const target = await provisionMongo({
    choice: options.mongo.choice,
    mongoUri: options.mongo.uri,
    progress: reporter.progress,
  });
  reporter.progress(
    `MongoDB target: ${target.provider} ${target.version}${target.isMongoDB ? "" : " (the Java stand-in: its figures are not MongoDB figures)"}; database ${dbName}`,
  );
  const harnessLedger = new FileLedger(join(ledgerDir, "harness.jsonl"));
  const supervisor = new Supervisor({
    logDir: join(runDir, "logs"),
    runTag: `${scenario.name}-${startedAt}-${process.pid}`,
    onProcess: (record) => harnessLedger.append(record),
  });
  const client = new MongoClient(target.uri, { serverSelectionTimeoutMS: 10_000 });
  const phase = new AbortController();
  const abortPhase = () => phase.abort();
  signal.addEventListener("abort", abortPhase);
  let load: HttpLoadResult | null = null;
  let incomplete: string | null = null;
  let finalState: JobState[] = [];
  let runEndedAt = Date.now();
  const sutSpec = sutSpecOf(settings);
  const adapter = await createAdapter(sutSpec);
  let effective: EffectiveSettings | null = null;
  try {
    await client.connect();
    const { sut, load: loadSettings } = settings;
    const db = client.db(dbName);
    // Built once here before any process starts: a wiring that cannot build fails now, and the
    // timing checks use the settings read from the built scheduler.
    effective = await adapter.effective(db, sut.workersPerProcess);
    reporter.progress(describeSut(sutSpec.adapter, sutSpec.wiring, effective));
    await adapter.prepare(db);
    const timing = effective.timing;
    if (
      settings.faults.kills > 0 &&
      timing.lockTimeoutMs + timing.pollIntervalMs > settings.check.drainTimeoutMs
    ) {
      reporter.warn(
        `the recovery bound (${timing.lockTimeoutMs + timing.pollIntervalMs} ms: the Scheduler's lock timeout and poll interval) is longer than the drain timeout (${settings.check.drainTimeoutMs} ms): killed jobs will still be locked when the drain ends; --drain-timeout ${timing.lockTimeoutMs + timing.pollIntervalMs + 60_000} waits for them`,
      );
    }
    const jobs = planJobs(loadSettings, rng);
    const longJobMs = sizeLongJobs(jobs, loadSettings, timing, scenario.name);
    // Long jobs must be able to finish (and a killed one to be recovered) before the drain gives up.
    const drainTimeoutMs =
      longJobMs === null
        ? settings.check.drainTimeoutMs
        : Math.max(
            settings.check.drainTimeoutMs,
            longJobMs + timing.lockTimeoutMs + timing.pollIntervalMs + 60_000,
          );
    if (longJobMs !== null) {
      reporter.progress(
        `long jobs: ${jobs.filter((j) => j.long).length} of ${(longJobMs / 1000).toFixed(1)} s each (${loadSettings.lockTimeoutsPerLongJob} × the Scheduler's lock timeout of ${timing.lockTimeoutMs} ms); this run takes about ${Math.ceil((longJobMs + Math.min(timing.lockTimeoutMs, drainTimeoutMs) + 30_000) / 60_000)} min; the drain waits up to ${Math.round(drainTimeoutMs / 1000)} s`,
      );
    }
    if (loadSettings.mode === "bulk") {
      // A backlog due all at once, in the database before any worker polls.
      reporter.progress(`load: seeding ${jobs.length} jobs through the scheduler's own enqueue…`);
      await runBulkLoad(db, jobs, harnessLedger, adapter);
    }
    const http = loadSettings.mode === "http";
    // A user's wiring may run another number of workers per process than the scenario asks for.
    const slots =
      typeof effective.scheduler.workers === "number" ? effective.scheduler.workers : sut.workersPerProcess;
    reporter.progress(
      `starting ${http ? "the trigger server and " : ""}${sut.processes} worker processes × ${slots} workers…`,
    );
    const workerConfig = (proc: string): WorkerConfig => ({
      uri: target.uri,
      dbName,
      proc,
      slots,
      pollIntervalMs: sut.pollIntervalMs,
      lockTimeoutMs: sut.lockTimeoutMs,
      maxExecutionMs: sut.maxExecutionMs,
      ledgerDir,
      sut: sutSpec,
      jobNames: jobNamesOf(jobs),
    });
    const [port] = await Promise.all([
      http ? supervisor.startTrigger({ uri: target.uri, dbName, sut: sutSpec }) : Promise.resolve(0),
      ...Array.from({ length: sut.processes }, (_, i) =>
        supervisor.startWorker(`w${i + 1}`, { ...workerConfig(`w${i + 1}`) }, slots),
      ),
    ]);
    if (signal.aborted) throw new Interrupted();

    const live = new LiveLedger(ledgerDir);
    // A bulk load's jobs are in the ledger already: the first progress line must count them.
    live.poll();
    const ticker = setInterval(() => live.poll(), 50);
    // Settles, never rejects: an interrupted run waits for it (pending restarts called off) before
    // teardown, and a failure of it is rethrown only where the run goes on normally.
    let faultsDone = false;
    let faults: Promise<{ error?: unknown }> = Promise.resolve({});
    try {
      faults = runFaultSchedule(
        {
          faults: planFaults(settings.faults.kills, settings.faults.pauses, settings.faults.killAt),
          totalJobs: jobs.length,
          restartDelayMs: settings.faults.restartDelayMs,
          pauseMs: settings.faults.pauseMs,
        },
        { supervisor, live, ledger: harnessLedger, rng, progress: reporter.progress, signal: phase.signal },
      ).then(
        () => ({}),
        (error: unknown) => ({ error }),
      );
      void faults.then(() => {
        faultsDone = true;
      });
      if (http) {
        reporter.progress(
          `load: ${jobs.length} jobs over HTTP with ${loadSettings.connections} connections…`,
        );
        load = await runHttpLoad({
          url: `http://127.0.0.1:${port}`,
          connections: loadSettings.connections,
          jobs,
          ledger: harnessLedger,
          signal: phase.signal,
          onProgress: throttle(2000, (done) => reporter.progress(`load: ${done}/${jobs.length} responses`)),
        });
        reporter.progress(
          `load: ${load.accepted} accepted, ${load.rejected} rejected, ${load.errors} errors in ${(load.durationMs / 1000).toFixed(1)} s`,
        );
      }
      if (signal.aborted) throw new Interrupted();

      if (loadSettings.runForMs !== undefined) {
        const until = Date.now() + loadSettings.runForMs;
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
        const deadline = Date.now() + drainTimeoutMs;
        const reportDrain = throttle(2000, () =>
          reporter.progress(
            `drain: ${live.finishedCount()}/${live.accepted.size} jobs finished, ${Math.max(0, Math.round((deadline - Date.now()) / 1000))} s left`,
          ),
        );
        // The ledger's acknowledgements say when jobs finish; a kill can cut one off after the
        // database update, so once a second the database is asked too.
        let dbFinished = 0;
        const askDb = throttle(1000, () => {
          void adapter.countFinished(db, live.accepted).then(
            (n) => {
              dbFinished = n;
            },
            () => {},
          );
        });
        const drained = await waitFor(
          () => faultsDone && Math.max(live.finishedCount(), dbFinished) >= live.accepted.size,
          {
            everyMs: 100,
            timeoutMs: drainTimeoutMs,
            signal,
            onTick: () => {
              askDb();
              reportDrain();
            },
          },
        );
        if (signal.aborted) throw new Interrupted();
        if (!drained) {
          reporter.warn(
            `drain: ${live.accepted.size - live.finishedCount()} accepted jobs still unfinished after ${drainTimeoutMs / 1000} s; checking what there is`,
          );
        }
      }
      if (signal.aborted) throw new Interrupted();
      phase.abort();
      const { error: faultError } = await faults;
      if (faultError) throw faultError;
      // Watch one more lock timeout (the Scheduler's): a re-execution of a finished job would show
      // up now. Never longer than the drain timeout, and said so when that cuts it short.
      const fullSettleMs = timing.lockTimeoutMs + timing.pollIntervalMs + 500;
      const settleMs = Math.min(fullSettleMs, drainTimeoutMs);
      reporter.progress(
        `settle: watching ${(settleMs / 1000).toFixed(1)} s more for late re-executions${settleMs < fullSettleMs ? ` (one lock timeout would be ${(fullSettleMs / 1000).toFixed(1)} s; the drain timeout bounds it)` : ""}…`,
      );
      await sleep(settleMs, signal);
      if (signal.aborted) throw new Interrupted();
    } finally {
      clearInterval(ticker);
      phase.abort();
      const { error: lateError } = await faults;
      if (lateError && signal.aborted)
        reporter.warn(`a fault failed while the run was stopping: ${String(lateError)}`);
    }
    runEndedAt = Date.now();
    finalState = await adapter.readFinalState(db);
    await dumpJobs(db, join(runDir, JOBS_SNAPSHOT), effective.collection);
  } catch (error) {
    if (!(error instanceof Interrupted) && !signal.aborted) throw await teardownThen(error);
    incomplete = "interrupted";
    runEndedAt = Date.now();
    // Saved like a finished run, so analyze and the Scheduler UI can open it; the checkers count
    // what had not finished as unfinished, not lost.
    reporter.progress("interrupted: reading the jobs' state before teardown…");
    try {
      finalState = await adapter.readFinalState(client.db(dbName));
      await dumpJobs(client.db(dbName), join(runDir, JOBS_SNAPSHOT), effective?.collection);
    } catch (readError) {
      reporter.warn(`could not read the jobs' state after the interrupt: ${String(readError)}`);
    }
  } finally {
    signal.removeEventListener("abort", abortPhase);
  }
  await stopProcesses();

  const history = readLedgerDir(ledgerDir);
  writeHistory(join(runDir, "history.jsonl"), history);
  writeFileSync(join(runDir, "final-state.json"), `${JSON.stringify(finalState)}\n`);
  const result = buildResult(
    {
      scenario: scenario.name,
      description: scenario.description,
      seed,
      startedAt,
      runEndedAt,
      durationMs: Date.now() - startedAt,
      config: {
        ...settings,
        mongo: { choice: options.mongo.choice, uri: options.mongo.uri ? redact(options.mongo.uri) : null },
        reportsDir: options.reportsDir,
        keep: options.keep !== undefined,
      },
      environment: describeEnvironment(),
      server: { provider: target.provider, version: target.version, isMongoDB: target.isMongoDB },
      load,
      incomplete,
      sut: {
        adapter: sutSpec.adapter,
        version: adapter.version(),
        wiring: sutSpec.wiring,
        effective,
      },
    },
    history,
    finalState,
  );
  const resultPath = writeRunReport(options.reportsDir, runDir, result);
  try {
    if (options.keep && !signal.aborted) {
      await options.keep({ uri: target.uri, dbName, provider: target.provider, resultPath });
    }
  } finally {
    await releaseMongo();
  }
  return { result, runDir, resultPath };

  async function stopProcesses(): Promise<void> {
    reporter.progress("teardown: stopping workers and the trigger server…");
    await supervisor.stopAll();
    harnessLedger.close();
  }

  async function teardown(): Promise<void> {
    await stopProcesses();
    await releaseMongo();
  }

  async function releaseMongo(): Promise<void> {
    // Only the run's own database is dropped; nothing else on the server is touched.
    await client
      .db(dbName)
      .dropDatabase()
      .catch(() => {});
    await client.close().catch(() => {});
    await target.stop().catch((e) => reporter.warn(`could not stop the MongoDB target: ${e}`));
  }

  async function teardownThen(error: unknown): Promise<unknown> {
    await teardown().catch(() => {});
    return error;
  }
}

class Interrupted extends Error {}

/** One line on the scheduler under test and the settings read from it. */
function describeSut(adapter: string, wiring: string, e: EffectiveSettings): string {
  const kv = (o: Record<string, unknown>) =>
    Object.entries(o)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
  return `scheduler: ${adapter}, wiring ${wiring}; effective: ${kv(e.scheduler)}; store: ${kv(e.store)}`;
}
