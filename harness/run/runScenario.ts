import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Db, MongoClient } from "mongodb";
import type { SchedulerAdapter } from "../adapters/adapter.ts";
import { createAdapter } from "../adapters/registry.ts";
import type { SutSpec } from "../adapters/wiring.ts";
import { LocalAgent } from "../agents/localAgent.ts";
import type { JobState } from "../checkers/types.ts";
import { ensureFaultTools, type FaultTools, startFaultRig } from "../faults/faultRig.ts";
import type { PlannedFault } from "../faults/faultType.ts";
import { faultNeeds, planFaults, workerNames } from "../faults/planFaults.ts";
import { historyOf } from "../ledger/history.ts";
import type { LiveLedger } from "../ledger/liveLedger.ts";
import { runBulkLoad } from "../load/bulkLoad.ts";
import type { HttpLoadResult } from "../load/httpLoad.ts";
import { finishableJobs, type PlannedJob, planJobs } from "../load/jobMix.ts";
import { plannedJobCount } from "../load/settings.ts";
import type { ProbeResult } from "../probe/probeTypes.ts";
import type { RunResult } from "../report/result.ts";
import { describeServer, serverInfoOf } from "../report/serverText.ts";
import { runDirFor } from "../report/writeReport.ts";
import type { RunSettings, Scenario } from "../scenario/schema.ts";
import { sutSpecOf } from "../scenario/sutSpec.ts";
import type { MongoTarget } from "../servers/provision.ts";
import type { ProviderChoice, ServerControl } from "../servers/target.ts";
import { defaultCacheDir } from "../util/cacheDir.ts";
import { ExitCode, HarnessError } from "../util/exitCodes.ts";
import { firstLine } from "../util/firstLine.ts";
import type { Reporter } from "../util/reporter.ts";
import { createRng, type Rng, randomSeed } from "../util/rng.ts";
import { collectRun, readFinalState } from "./collect.ts";
import { Interrupted, RunControl } from "./control.ts";
import { type ClusterRun, deployProcesses } from "./deploy.ts";
import { type FaultSchedule, startFaultSchedule } from "./faults.ts";
import { sendLoad } from "./load.ts";
import {
  acquireServer,
  openDatabase,
  type PreparedScheduler,
  prepareScheduler,
  probeServer,
} from "./provision.ts";
import { type LedgerMode, openRunLedger, type RunLedger } from "./runLedger.ts";
import { startSampler } from "./sampler.ts";
import { settle } from "./settle.ts";
import { TeardownStack } from "./teardown.ts";

export interface RunOptions {
  scenario: Scenario;
  settings: RunSettings;
  /** The folder of the mongo-job-scheduler build under test (--scheduler), if not the installed one. */
  build?: string;
  /** Where MongoDB comes from; `dbControl`: the command that restarts a server at `uri` (db-restart). */
  mongo: { choice: ProviderChoice; uri?: string; dbControl?: string };
  reportsDir: string;
  reporter: Reporter;
  /** Aborting it (Ctrl-C) ends the run early; teardown still runs and the result says incomplete. */
  signal: AbortSignal;
  /**
   * Called after the report is written, with the run's database still there and its server still
   * up (the workers are stopped); the database is dropped and the server stopped when it returns.
   */
  keep?: (kept: KeptRun) => Promise<void>;
  /** Where the ledger goes (default files; db: a database of the run's own, see runLedger.ts). */
  ledger?: LedgerMode;
  /** The processes are a Kubernetes cluster's pods, not children of the harness (`--agent k8s`). */
  cluster?: ClusterRun;
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

/** What a run is, decided before anything starts. */
interface RunPlan {
  options: RunOptions;
  seed: number;
  startedAt: number;
  runDir: string;
  ledgerDir: string;
  /** The run's own database: the only one it drops. */
  dbName: string;
  rng: Rng;
  spec: SutSpec;
  adapter: SchedulerAdapter;
  plan: PlannedFault[];
  jobs: PlannedJob[];
}

/** What observing leaves for the end of the run, filled in as far as the run got. */
interface Observed {
  target?: MongoTarget;
  database?: { client: MongoClient; db: Db };
  prepared?: PreparedScheduler;
  live?: LiveLedger;
  ledger?: RunLedger;
  /** The quick probe of the server's primitives. */
  probe?: ProbeResult;
  /** The fault schedule, once started: what of it never struck. */
  faults?: FaultSchedule;
  load: HttpLoadResult | null;
  runEndedAt: number;
  /** What is acquired after this mark (rig, processes, faults) goes before the final state is read. */
  beforeProcesses: number;
}

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
  const run = await planRun(options);
  const observed: Observed = { load: null, runEndedAt: run.startedAt, beforeProcesses: 0 };
  const control = new RunControl(options.reporter, () => ({
    planned: run.jobs.length,
    accepted: observed.live?.accepted.size ?? 0,
    finished: observed.live?.finishedCount() ?? 0,
  }));
  const unfollow = control.follow(options.signal);
  options.reporter.progress(
    `${options.scenario.name}: seed ${run.seed} (repeat the run with --seed ${run.seed})`,
  );
  const stack = new TeardownStack();
  const onReleaseError = (name: string, error: unknown) =>
    options.reporter.warn(`could not release ${name}: ${firstLine(error)}`);
  try {
    await observe(run, observed, control, stack);
  } catch (error) {
    const cutShort = error instanceof Interrupted || control.stopped !== undefined;
    if (!cutShort || !observed.target) {
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
  try {
    return await finish(run, observed, control, stack, onReleaseError);
  } finally {
    unfollow();
    await stack.unwind(onReleaseError);
  }
}

/** The seed, the run's folders and database, the scheduler's adapter, the fault plan and the jobs. */
async function planRun(options: RunOptions): Promise<RunPlan> {
  const { scenario, settings } = options;
  const seed = settings.seed ?? randomSeed();
  const startedAt = Date.now();
  const runDir = runDirFor(options.reportsDir, scenario.name, new Date(startedAt));
  const rng = createRng(seed);
  const spec = sutSpecOf(settings, options.build);
  return {
    options,
    seed,
    startedAt,
    runDir,
    ledgerDir: join(runDir, "ledger"),
    dbName:
      options.cluster?.dbName ??
      `harness_${scenario.name.replace(/\W/g, "_")}_${randomBytes(4).toString("hex")}`,
    rng,
    spec,
    adapter: await createAdapter(spec),
    plan: planFaults(settings, seed),
    jobs: planJobs({ ...settings.load, jobs: plannedJobCount(settings.load) }, rng),
  };
}

/**
 * Acquires every resource of the run on the stack, runs the load and the faults, and settles.
 * Throws when the run fails or is stopped; what it acquired stays on the stack for the caller.
 */
async function observe(run: RunPlan, o: Observed, control: RunControl, stack: TeardownStack): Promise<void> {
  const provisioned = await provision(run, o, control, stack);
  o.beforeProcesses = stack.mark();
  await operate(run, o, control, stack, provisioned);
  control.stage = "teardown";
}

/** What the processes run on: the server, the harness's ledger, the tools the faults need. */
interface Provisioned {
  server: MongoTarget;
  db: Db;
  ledger: RunLedger;
  prepared: PreparedScheduler;
  tools: FaultTools;
}

/** The fault tools, the server, the run's database, the harness's ledger and the prepared scheduler. */
async function provision(
  run: RunPlan,
  o: Observed,
  control: RunControl,
  stack: TeardownStack,
): Promise<Provisioned> {
  const { options, plan, jobs } = run;
  const { settings, reporter } = options;
  // The fault tools first: a fault the machine or target cannot support stops the run here.
  // On a cluster the faults are Chaos Mesh's: nothing to install here.
  const tools = options.cluster
    ? {}
    : await ensureFaultTools(plan, {
        cacheDir: defaultCacheDir(),
        mongoUri: options.mongo.uri,
        progress: reporter.progress,
      });
  const server = await stack.use("the MongoDB target", () =>
    acquireServer(options.mongo, reporter, control.signal, {
      runDir: run.runDir,
      keep: options.keep !== undefined,
    }),
  );
  o.target = server;
  if (faultNeeds(plan).has("restartable-db") && !server.control)
    throw new HarnessError(
      `db-restart: the MongoDB target (${server.provider}) cannot restart its database keeping the data; give --mongo ferretdb, --mongo ferretdb-pg, or --mongo-uri with --db-control CMD`,
    );
  for (const p of server.processes ?? []) control.watch(p, true);
  reporter.progress(
    `MongoDB target: ${server.provider}: ${describeServer(serverInfoOf(server))}; database ${run.dbName}`,
  );
  o.probe = await probeServer(server.uri, reporter);
  control.check();
  const database = await stack.use("the run's database", () =>
    openDatabase(server.uri, run.dbName, () => control.stopped?.serverGone === true),
  );
  o.database = database;
  const ledger = await stack.use("the ledger", () =>
    openRunLedger(options.ledger ?? "files", {
      ledgerDir: run.ledgerDir,
      client: database.client,
      uri: server.uri,
      dbName: run.dbName,
      serverGone: () => control.stopped?.serverGone === true,
      ...(options.cluster?.ledgerUri ? { ledgerUri: options.cluster.ledgerUri } : {}),
    }),
  );
  o.ledger = ledger;
  const prepared = await prepareScheduler(
    run.adapter,
    run.spec,
    database.db,
    { settings, jobs, scenario: options.scenario.name },
    reporter,
  );
  o.prepared = prepared;
  return { server, db: database.db, ledger, prepared, tools };
}

/**
 * The fault rig, the processes, the live ledger and the fault schedule; then the load and the
 * settle. Resolves when the run has observed all it will.
 */
async function operate(
  run: RunPlan,
  o: Observed,
  control: RunControl,
  stack: TeardownStack,
  { server, db, ledger, prepared, tools }: Provisioned,
): Promise<void> {
  const { options, plan, jobs } = run;
  const { settings, reporter } = options;
  const rig = await stack.use("the fault rig", async () => {
    const r = await startFaultRig(plan, tools, {
      mongoUri: server.uri,
      workers: workerNames(settings.sut.processes),
      runDir: run.runDir,
    });
    return { value: r, release: () => r.stop() };
  });
  if (rig.proxies) reporter.progress("network faults: each worker reaches MongoDB through its own proxy");
  control.watch(rig.proxies?.process, false);
  control.check();
  if (settings.load.mode === "bulk") {
    reporter.progress(`load: seeding ${jobs.length} jobs through the scheduler's own enqueue…`);
    await runBulkLoad(db, jobs, ledger.sink, run.adapter);
  }
  const { agent, triggerUrl } = await stack.use("the workers and the trigger server", () =>
    deployProcesses({
      settings,
      spec: run.spec,
      effective: prepared.effective,
      jobs,
      serverUri: server.uri,
      dbName: run.dbName,
      runDir: run.runDir,
      runTag: `${options.scenario.name}-${run.startedAt}-${process.pid}`,
      rig,
      ledger,
      reporter,
      onTriggerExit: (exit) => control.died({ name: "trigger server", pid: exit.pid }, exit, false),
      stopGraceMs: () => (control.stopped ? STOP_GRACE_ON_INTERRUPT_MS : STOP_GRACE_MS),
      ...(options.cluster ? { cluster: options.cluster } : {}),
    }),
  );
  control.check();
  const live = ledger.live;
  o.live = live;
  // A bulk load's jobs are in the ledger already: the first progress line must count them.
  if (ledger.sink.flush) await ledger.sink.flush();
  await ledger.follow();
  const ticker = setInterval(() => void ledger.follow().catch(() => {}), 50);
  stack.defer("the live ledger", async () => clearInterval(ticker));
  const sampleEveryMs = settings.check.sampleEveryMs;
  if (sampleEveryMs !== undefined) {
    reporter.progress(
      `sampling every worker's memory, event-loop delay and connections every ${sampleEveryMs / 1000} s`,
    );
    if (!(agent instanceof LocalAgent))
      throw new HarnessError(
        `sampling the workers (the scenario's check.sampleEveryMs) asks each worker process over its IPC channel, which ${agent.kind} do not offer`,
        ExitCode.Invalid,
      );
    const sampled = agent;
    await stack.use("the sampler", async () =>
      startSampler({ supervisor: sampled, ledger: ledger.sink, everyMs: sampleEveryMs, reporter }),
    );
  }
  const faults = await stack.use("the fault schedule", async () =>
    startFaultSchedule({
      plan,
      totalJobs: finishableJobs(jobs),
      window: control.window,
      processes: agent,
      proxies: agent.network,
      clocks: agent.clocks,
      live,
      ledger: ledger.sink,
      rng: run.rng,
      reporter,
      stopping: () => control.stopped !== undefined,
      jobs: {
        heldBy: (owner) => run.adapter.heldBy(db, owner, prepared.effective.collection),
      },
      database: watchedRestarts(server.control, control),
    }),
  );
  o.faults = faults;
  // An open loop's drain timeout bounds the whole run from its first request (the queue drains
  // while the load flows); every other load drains after it.
  const loadStartedAt = Date.now();
  if (settings.load.mode !== "bulk") {
    control.stage = "load";
    o.load = await sendLoad({
      url: triggerUrl,
      connections: settings.load.connections,
      jobs,
      ledger: ledger.sink,
      signal: control.window.signal,
      reporter,
      ...(settings.load.mode === "open"
        ? { open: { ratePerSec: settings.load.ratePerSec, arrivals: settings.load.arrivals, seed: run.seed } }
        : {}),
    });
    control.check();
  }
  o.runEndedAt = await settle({
    control,
    live,
    faults,
    ...(settings.load.runForMs !== undefined ? { runForMs: settings.load.runForMs } : {}),
    drainTimeoutMs: prepared.drainTimeoutMs,
    ...(settings.load.mode === "open" ? { drainFrom: loadStartedAt } : {}),
    timing: prepared.effective.timing,
    adapter: run.adapter,
    db,
    collection: prepared.effective.collection,
    reporter,
  });
}

/**
 * Releases the processes (faults healed, processes stopped, proxies and clocks set back: nothing
 * may change the jobs while they are read), reads the final state while the database is still up,
 * collects the run, and keeps its database for a look when asked. A run stopped at any moment
 * before its result was written is saved as incomplete, with the reason.
 */
async function finish(
  run: RunPlan,
  o: Observed,
  control: RunControl,
  stack: TeardownStack,
  onReleaseError: (name: string, error: unknown) => void,
): Promise<RunOutcome> {
  const { options } = run;
  await stack.unwindTo(o.beforeProcesses, onReleaseError);
  if (control.stopped) o.runEndedAt = Date.now();
  let finalState: JobState[] = [];
  if (control.stopped?.serverGone) {
    options.reporter.warn("the database server is gone: the jobs' final state cannot be read");
  } else if (o.database && o.prepared) {
    if (control.stopped) options.reporter.progress("reading the jobs' state before the database goes…");
    try {
      finalState = await readFinalState(
        run.adapter,
        o.database.db,
        o.prepared.effective.collection,
        run.runDir,
      );
    } catch (error) {
      if (!control.stopped) throw error;
      options.reporter.warn(`could not read the jobs' state: ${firstLine(error)}`);
    }
  }
  // Saved like a finished run, so analyze and the Scheduler UI can open it; the checkers count
  // what had not finished as unfinished, not lost.
  const incomplete = control.stopped?.reason ?? null;
  const server = o.target as MongoTarget;
  const read = await readHistory(o, options.reporter);
  const { result, resultPath } = collectRun({
    scenario: options.scenario,
    settings: options.settings,
    seed: run.seed,
    startedAt: run.startedAt,
    runEndedAt: o.runEndedAt,
    runDir: run.runDir,
    ...read,
    reportsDir: options.reportsDir,
    mongo: options.mongo,
    keep: options.keep !== undefined,
    target: server,
    spec: run.spec,
    adapter: run.adapter,
    effective: o.prepared?.effective ?? null,
    load: o.load,
    incomplete,
    finalState,
    ...(o.probe ? { probe: o.probe } : {}),
    ...(o.faults?.notStruck() ? { notStruck: o.faults.notStruck() } : {}),
  });
  if (options.keep && !control.stopped)
    await options.keep({ uri: server.uri, dbName: run.dbName, provider: server.provider, resultPath });
  return {
    result,
    runDir: run.runDir,
    resultPath,
    ...(incomplete ? { stopped: { reason: incomplete, where: control.where } } : {}),
  };
}

/** The run's history from its ledger; an empty one (verdict unknown) when the ledger cannot be read. */
async function readHistory(o: Observed, reporter: RunOptions["reporter"]) {
  try {
    if (o.ledger) return await o.ledger.read();
  } catch (error) {
    reporter.warn(`could not read the ledger: ${firstLine(error)}`);
  }
  return { history: historyOf([]) };
}

/**
 * The target's restart as the faults use it: a server process it starts again is watched like the
 * first one, so that one dying later still stops the run in one line.
 */
function watchedRestarts(target: ServerControl | undefined, control: RunControl): ServerControl | null {
  if (!target) return null;
  return {
    parts: target.parts,
    stop: (part, how) => target.stop(part, how),
    async start(part) {
      const up = await target.start(part);
      control.watch(up.process, true);
      return up;
    },
  };
}
