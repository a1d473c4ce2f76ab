/**
 * App mode: the user's own service, unmodified, tested as a black box. Its instances are started
 * from its own command with a port and the run's MongoDB URL each (or attached to, when they run
 * elsewhere); the load goes through its own API; its job documents are watched through the run and
 * its side effects read at the end; faults strike its processes. The verdict rests on what a black
 * box shows: the HTTP answers, the documents, the effects, the instances' lives.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Db } from "mongodb";
import { readJobStates } from "../adapters/mongoJobScheduler.ts";
import { observerOf } from "../checkers/observations.ts";
import type { JobState } from "../checkers/types.ts";
import { planFaults } from "../faults/planFaults.ts";
import { FileLedger } from "../ledger/fileLedger.ts";
import { readLedgerDir, writeHistory } from "../ledger/history.ts";
import type { HttpLoadResult } from "../load/httpLoad.ts";
import type { ProbeResult } from "../probe/probeTypes.ts";
import { buildResult } from "../report/buildResult.ts";
import { describeEnvironment } from "../report/environment.ts";
import type { AppRunInfo, RunResult } from "../report/result.ts";
import { describeServer, serverInfoOf } from "../report/serverText.ts";
import { runDirFor, writeRunReport } from "../report/writeReport.ts";
import { Interrupted, RunControl } from "../run/control.ts";
import { type FaultSchedule, startFaultSchedule } from "../run/faults.ts";
import { acquireServer, openDatabase, probeServer } from "../run/provision.ts";
import type { KeptRun } from "../run/runScenario.ts";
import { TeardownStack } from "../run/teardown.ts";
import type { RunSettings, Scenario } from "../scenario/schema.ts";
import { type MongoTarget, redact } from "../servers/provision.ts";
import type { ProviderChoice } from "../servers/target.ts";
import { HarnessError } from "../util/exitCodes.ts";
import { plural } from "../util/plural.ts";
import type { Reporter } from "../util/reporter.ts";
import { createRng, randomSeed } from "../util/rng.ts";
import { sleep, throttle, waitFor } from "../util/wait.ts";
import type { ApiDescription } from "./api.ts";
import { planRequests, runAppLoad } from "./appLoad.ts";
import { type DependencyTree, inspectDependencyTree } from "./dependencyTree.ts";
import { readEffects } from "./effects.ts";
import { type InstanceOptions, ServiceInstances } from "./instances.ts";
import { CollectionObserver, type WatchMode } from "./observer.ts";
import { whereJobsWent, withDatabase } from "./serviceDatabase.ts";

/** Instances the harness starts from the user's command. */
export type StartedService = Omit<InstanceOptions, "mongoUrl" | "runDir" | "ledger" | "reporter">;

export interface AppOptions {
  scenario: Scenario;
  settings: RunSettings;
  api: ApiDescription;
  /** Start the service (its command), or attach to instances started elsewhere (their URLs). */
  service: { start: StartedService } | { attach: { urls: string[]; dbName: string } };
  ratePerSec: number;
  /** A closed loop of this many connections instead of the rate (--connections). */
  connections?: number;
  sampleEveryMs: number;
  /** How the job documents are watched (--watch); default auto. */
  watch?: WatchMode;
  /** After the drain: watch this long more for late duplicate effects and re-claims. */
  settleMs: number;
  mongo: { choice: ProviderChoice; uri?: string };
  reportsDir: string;
  reporter: Reporter;
  signal: AbortSignal;
  /**
   * With --keep: called once the instances have stopped and the result is saved, the server and
   * the run's database still up; they go when it resolves (the UI was closed).
   */
  keep?: (kept: KeptRun) => Promise<void>;
}

export interface AppOutcome {
  result: RunResult;
  resultPath: string;
  stopped?: { reason: string; where: string };
}

/** How long, after the first accepted request, a job may take to appear in the run's database. */
const FIRST_JOB_WITHIN_MS = 10_000;

/** What the run has seen, as far as it got. */
interface Seen {
  target?: MongoTarget;
  db?: Db;
  probe?: ProbeResult;
  observer?: CollectionObserver;
  instances?: ServiceInstances;
  /** The fault schedule, once started: what of it never struck. */
  faults?: FaultSchedule;
  load: HttpLoadResult | null;
  runEndedAt: number;
  beforeProcesses: number;
}

export async function runApp(o: AppOptions): Promise<AppOutcome> {
  const seed = o.settings.seed ?? randomSeed();
  const startedAt = Date.now();
  const runDir = runDirFor(o.reportsDir, "app", new Date(startedAt));
  const ledgerDir = join(runDir, "ledger");
  const ledger = new FileLedger(join(ledgerDir, "harness.jsonl"));
  const attached = "attach" in o.service;
  const watch = o.watch ?? "auto";
  const dbName =
    "attach" in o.service ? o.service.attach.dbName : `harness_app_${randomBytes(4).toString("hex")}`;
  const dependencies = "start" in o.service ? inspectDependencyTree(o.service.start.cwd) : null;
  for (const w of dependencies?.warnings ?? []) o.reporter.warn(w);
  const requests = planRequests(o.api, o.settings.load.jobs, createRng(seed), seed);
  const plan = planFaults(o.settings, seed);
  const seen: Seen = { load: null, runEndedAt: startedAt, beforeProcesses: 0 };
  const control = new RunControl(o.reporter, () => ({
    planned: requests.length,
    accepted: seen.observer?.accepted.size ?? 0,
    finished: seen.observer?.finishedCount() ?? 0,
  }));
  const unfollow = control.follow(o.signal);
  o.reporter.progress(`app: seed ${seed} (repeat the run with --seed ${seed})`);
  const stack = new TeardownStack();
  const onReleaseError = (name: string, error: unknown) =>
    o.reporter.warn(
      `could not release ${name}: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}`,
    );
  try {
    try {
      await observe();
    } catch (error) {
      const cutShort = error instanceof Interrupted || control.stopped !== undefined;
      if (!cutShort || !seen.db) throw error;
    }
    const outcome = await finish();
    if (o.keep && !control.stopped && seen.target)
      await o.keep({
        uri: seen.target.uri,
        dbName,
        provider: seen.target.provider,
        resultPath: outcome.resultPath,
      });
    return outcome;
  } finally {
    unfollow();
    await stack.unwind(onReleaseError);
    ledger.close();
  }

  async function observe(): Promise<void> {
    const server = await stack.use("the MongoDB target", () =>
      acquireServer(o.mongo, o.reporter, control.signal, {
        runDir,
        keep: o.keep !== undefined,
        changeStreams: watch !== "poll",
      }),
    );
    seen.target = server;
    for (const p of server.processes ?? []) control.watch(p, true);
    o.reporter.progress(
      `MongoDB target: ${server.provider}: ${describeServer(serverInfoOf(server))}; database ${dbName}`,
    );
    seen.probe = await probeServer(server.uri, o.reporter);
    control.check();
    // Attached, the database is the service's own: read, never dropped.
    const database = attached
      ? await stack.use("the service's database", async () => {
          const { MongoClient } = await import("mongodb");
          const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
          await client.connect();
          return { value: { client, db: client.db(dbName) }, release: () => client.close(true) };
        })
      : await stack.use("the run's database", () =>
          openDatabase(server.uri, dbName, () => control.stopped?.serverGone === true),
        );
    seen.db = database.db;
    const observer = new CollectionObserver(
      database.db.collection(o.api.collection),
      ledger,
      o.sampleEveryMs,
      watch,
      {
        dbName,
        client: async () => {
          const { MongoClient } = await import("mongodb");
          const client = new MongoClient(server.uri, {
            serverSelectionTimeoutMS: 5000,
            monitorCommands: true,
          });
          await client.connect();
          return client;
        },
      },
    );
    seen.observer = observer;
    seen.beforeProcesses = stack.mark();
    // Watching starts before the instances (it sees them create their own jobs, and a server with
    // no change stream to trust for --watch stream is refused before anything starts) and ends
    // after they stop (it sees what they do while stopping).
    stack.defer("the job watcher", () => observer.stop(o.api.collection));
    o.reporter.progress(await observer.start());
    const instances = "start" in o.service ? await startInstances(o.service.start, server.uri) : undefined;
    const targets = instances
      ? () => instances.urls()
      : () => ("attach" in o.service ? o.service.attach.urls : []);
    const faults = instances
      ? await stack.use("the fault schedule", async () =>
          startFaultSchedule({
            plan,
            totalJobs: requests.length,
            window: control.window,
            processes: instances,
            proxies: null,
            clocks: null,
            live: observer,
            ledger,
            rng: createRng(seed ^ 0x0a99),
            reporter: o.reporter,
            stopping: () => control.stopped !== undefined,
          }),
        )
      : undefined;
    seen.faults = faults;
    control.stage = "load";
    o.reporter.progress(
      `load: ${requests.length} requests ${o.connections ? `${o.connections} at a time (closed loop)` : `at ${o.ratePerSec}/s`} through the service's API (${o.api.kinds.map((k) => `${k.kind} ${k.path}`).join(", ")})…`,
    );
    const loadDone = runAppLoad({
      requests,
      ratePerSec: o.ratePerSec,
      ...(o.connections ? { connections: o.connections } : {}),
      targets,
      ledger,
      onAccepted: (id) => observer.accepted.add(id),
      onProgress: throttle(5000, (done: number) =>
        o.reporter.progress(`load: ${done}/${requests.length} answered`),
      ),
      signal: control.window.signal,
    });
    const firstJob = checkJobsArrive(observer, database.db, server, loadDone);
    seen.load = await loadDone;
    await firstJob;
    control.check();
    o.reporter.progress(
      `load: ${seen.load.accepted} accepted, ${seen.load.rejected} refused, ${seen.load.errors} errors in ${(seen.load.durationMs / 1000).toFixed(1)} s`,
    );
    await drain(observer, faults);
  }

  async function startInstances(start: StartedService, serverUri: string): Promise<ServiceInstances> {
    const instances = new ServiceInstances({
      ...start,
      mongoUrl: withDatabase(serverUri, dbName),
      runDir,
      ledger,
      reporter: o.reporter,
    });
    seen.instances = instances;
    await stack.use("the service's instances", async () => {
      o.reporter.progress(
        `starting ${plural(start.count, "instance")} of ${start.argv.join(" ")} in ${start.cwd}…`,
      );
      return {
        value: instances,
        // At the end of a run, as operators stop them; on Ctrl-C with a short grace.
        release: () => instances.stopAll(control.stopped ? 3000 : undefined),
      };
    });
    await instances.startAll(control.signal);
    control.check();
    o.reporter.progress(
      `${plural(start.count, "instance")} ready on ${start.count === 1 ? "port" : "ports"} ${instances
        .urls()
        .map((u) => u.split(":").at(-1))
        .join(", ")}`,
    );
    return instances;
  }

  /** Stops the run in one line when accepted jobs never show up in the run's database. */
  async function checkJobsArrive(
    observer: CollectionObserver,
    db: Db,
    server: MongoTarget,
    loadDone: Promise<unknown>,
  ): Promise<void> {
    let loadOver = false;
    const over = () => {
      loadOver = true;
    };
    // The load's own failure is awaited (and thrown) by the caller; here it only ends the wait.
    void loadDone.then(over, over);
    // From the first accepted request: its job must show up within FIRST_JOB_WITHIN_MS.
    await waitFor(() => observer.accepted.size > 0 || loadOver, { signal: control.signal });
    if (observer.accepted.size === 0) return;
    const arrived = await waitFor(() => observer.seen() > 0, {
      timeoutMs: FIRST_JOB_WITHIN_MS,
      signal: control.signal,
    });
    if (arrived || control.signal.aborted) return;
    const where = await whereJobsWent(
      server.uri,
      db,
      [...observer.accepted].slice(0, 20),
      o.api.collection,
      attached,
    );
    control.window.abort();
    await loadDone.catch(() => {});
    throw new HarnessError(
      `${observer.accepted.size} requests were accepted, but no job appeared in ${dbName}.${o.api.collection} within ${FIRST_JOB_WITHIN_MS / 1000} s${where ? `: ${where}` : ": does the service use the database in the URL it is given, and is the collection right (collection in the description)?"}`,
    );
  }

  /** Until every accepted job is finished and every fault healed, or the drain timeout; then the settle. */
  async function drain(
    observer: CollectionObserver,
    faults: { done(): boolean; stop(): Promise<{ error?: unknown }> } | undefined,
  ) {
    control.stage = "drain";
    const timeoutMs = o.settings.check.drainTimeoutMs;
    const drained = await waitFor(
      () => observer.finishedCount() >= observer.accepted.size && (faults?.done() ?? true),
      {
        everyMs: 100,
        timeoutMs,
        signal: control.signal,
        onTick: throttle(3000, () =>
          o.reporter.progress(
            `drain: ${observer.finishedCount()}/${observer.accepted.size} accepted jobs finished`,
          ),
        ),
      },
    );
    control.check();
    if (!drained)
      o.reporter.warn(
        `${observer.accepted.size - observer.finishedCount()} accepted jobs were not finished after ${timeoutMs / 1000} s (--drain-timeout): judged as they are`,
      );
    const stopped = await faults?.stop();
    if (stopped?.error) throw stopped.error;
    control.stage = "settle";
    o.reporter.progress(`settle: watching ${(o.settleMs / 1000).toFixed(1)} s more for late executions…`);
    await sleep(o.settleMs, control.signal);
    control.check();
    seen.runEndedAt = Date.now();
  }

  async function finish(): Promise<AppOutcome> {
    // The instances stop first (measured), the watcher reads once more; the database stays up.
    await stack.unwindTo(seen.beforeProcesses, onReleaseError);
    if (control.stopped) seen.runEndedAt = Date.now();
    const db = seen.db as Db;
    let finalState: JobState[] = [];
    if (!control.stopped?.serverGone) {
      try {
        for (const e of await readEffects(db, o.api)) ledger.append(e);
        finalState = await readJobStates(db, o.api.collection);
      } catch (error) {
        if (!control.stopped) throw error;
        o.reporter.warn(`could not read the jobs' state: ${String(error).split("\n")[0]}`);
      }
    }
    ledger.close();
    return collect(finalState);
  }

  function collect(finalState: JobState[]): AppOutcome {
    const history = readLedgerDir(ledgerDir);
    writeHistory(join(runDir, "history.jsonl"), history);
    writeFileSync(join(runDir, "final-state.json"), `${JSON.stringify(finalState)}\n`);
    const watcher = observerOf(history);
    const app: AppRunInfo = {
      api: o.api.name,
      command: "start" in o.service ? o.service.start.argv.join(" ") : null,
      cwd: "start" in o.service ? o.service.start.cwd : null,
      instances: "start" in o.service ? o.service.start.count : o.service.attach.urls.length,
      ...("attach" in o.service ? { urls: o.service.attach.urls } : {}),
      stopTimes: seen.instances?.stopTimes ?? [],
      crashes: seen.instances?.crashes ?? [],
      dependencies: dependencies as DependencyTree | null,
      sampleEveryMs: o.sampleEveryMs,
      maxGapMs: watcher?.maxGapMs ?? null,
      watch,
      ...(watcher?.via ? { watchedBy: watcher.via } : {}),
      ...(watcher?.streamNote ? { watchNote: watcher.streamNote } : {}),
    };
    const scheduler = dependencies?.packages.find((p) => p.name === "mongo-job-scheduler");
    const incomplete = control.stopped?.reason ?? null;
    const result = buildResult(
      {
        scenario: o.scenario.name,
        description: o.scenario.description,
        seed,
        startedAt,
        runEndedAt: seen.runEndedAt,
        durationMs: Date.now() - startedAt,
        config: {
          ...o.settings,
          mongo: { choice: o.mongo.choice, uri: o.mongo.uri ? redact(o.mongo.uri) : null },
          reportsDir: o.reportsDir,
          keep: o.keep !== undefined,
        },
        environment: describeEnvironment(),
        server: serverInfoOf(seen.target as MongoTarget),
        load: seen.load,
        incomplete,
        sut: {
          adapter: "mongo-job-scheduler",
          version: scheduler?.version ?? "unknown (attached)",
          wiring: "the service's own",
          claimVersioned: false,
          effective: null,
        },
        ...(seen.probe ? { probe: seen.probe } : {}),
        ...(seen.faults?.notStruck() ? { notStruck: seen.faults.notStruck() } : {}),
        app,
      },
      history,
      finalState,
    );
    const resultPath = writeRunReport(o.reportsDir, runDir, result);
    return {
      result,
      resultPath,
      ...(incomplete ? { stopped: { reason: incomplete, where: control.where } } : {}),
    };
  }
}
