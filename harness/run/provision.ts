/**
 * The run's resources before any process starts, each a bracket (see teardown.ts): the MongoDB
 * server, the run's own database, and the scheduler prepared in it (built once to read its
 * effective settings, its collection and indexes created, long jobs sized from its lock timeout).
 */
import { type Db, MongoClient } from "mongodb";
import type { EffectiveSettings, SchedulerAdapter } from "../adapters/adapter.ts";
import type { SutSpec } from "../adapters/wiring.ts";
import type { PlannedJob } from "../load/jobMix.ts";
import { sizeLongJobs } from "../load/longJobs.ts";
import { runProbe } from "../probe/probe.ts";
import type { ProbeResult } from "../probe/probeTypes.ts";
import { probeLine } from "../report/probeViews.ts";
import { settingsText } from "../report/sutSettings.ts";
import type { RunSettings } from "../scenario/schema.ts";
import { type MongoTarget, provisionMongo } from "../servers/provision.ts";
import type { ProviderChoice } from "../servers/target.ts";
import type { Reporter } from "../util/reporter.ts";
import type { Acquired } from "./teardown.ts";

/**
 * How long reads after the load may wait for a server (the final state, dropping the database):
 * a dead server must cost seconds, not the driver's default 30.
 */
const SERVER_SELECTION_MS = 5000;

/** The MongoDB server: the one given, or one the harness starts (and stops on release). */
export async function acquireServer(
  mongo: { choice: ProviderChoice; uri?: string; dbControl?: string },
  reporter: Reporter,
  signal: AbortSignal,
  where: { runDir: string; keep: boolean; changeStreams?: boolean },
): Promise<Acquired<MongoTarget>> {
  const target = await provisionMongo({
    choice: mongo.choice,
    mongoUri: mongo.uri,
    ...(mongo.dbControl ? { dbControl: mongo.dbControl } : {}),
    progress: reporter.progress,
    signal,
    workDir: where.runDir,
    keep: where.keep,
    ...(where.changeStreams ? { changeStreams: true } : {}),
  });
  return {
    value: target,
    release: () => target.stop().catch((e) => reporter.warn(`could not stop the MongoDB target: ${e}`)),
  };
}

/**
 * The run's own database on the server, through the harness's client. Its release drops that
 * database alone (nothing else on the server is touched), unless the server is gone.
 */
export async function openDatabase(
  uri: string,
  dbName: string,
  serverGone: () => boolean,
): Promise<Acquired<{ client: MongoClient; db: Db }>> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: SERVER_SELECTION_MS });
  await client.connect();
  const db = client.db(dbName);
  return {
    value: { client, db },
    async release() {
      if (!serverGone()) await db.dropDatabase().catch(() => {});
      await client.close(true).catch(() => {});
    },
  };
}

/**
 * The quick probe of the server's primitives (a few seconds), before anything runs on it: a broken
 * one is named with the scheduler features it breaks, so a failure later can be told apart. A
 * probe that cannot run is said, and the run goes on without it.
 */
export async function probeServer(uri: string, reporter: Reporter): Promise<ProbeResult | undefined> {
  try {
    const probe = await runProbe(uri, "quick");
    reporter.progress(probeLine(probe));
    for (const line of probe.broken) reporter.warn(`this server breaks ${line}`);
    return probe;
  } catch (error) {
    reporter.warn(
      `the probe of the server's primitives could not run: ${String((error as Error)?.message ?? error).split("\n")[0]}`,
    );
    return undefined;
  }
}

/** The scheduler as the run will use it: its effective settings and how long the drain may wait. */
export interface PreparedScheduler {
  effective: EffectiveSettings;
  /** The settings' drain timeout, or longer for long jobs. */
  drainTimeoutMs: number;
}

/**
 * Builds the scheduler once before any process starts (a wiring that cannot build fails now, and
 * the timing checks use the settings read from the built scheduler), creates its collection and
 * indexes, and sizes the long jobs from its lock timeout.
 */
export async function prepareScheduler(
  adapter: SchedulerAdapter,
  spec: SutSpec,
  db: Db,
  run: { settings: RunSettings; jobs: PlannedJob[]; scenario: string },
  reporter: Reporter,
): Promise<PreparedScheduler> {
  const { settings, jobs } = run;
  const effective = await adapter.effective(db, settings.sut.workersPerProcess);
  reporter.progress(
    `scheduler: ${spec.adapter}, wiring ${spec.wiring}; effective: ${settingsText(effective.scheduler)}; store: ${settingsText(effective.store)}`,
  );
  await adapter.prepare(db);
  const timing = effective.timing;
  let drainTimeoutMs = settings.check.drainTimeoutMs;
  const longJobMs = sizeLongJobs(jobs, settings.load, timing, run.scenario);
  // Long jobs must be able to finish (and a killed one to be recovered) before the drain gives up.
  if (longJobMs !== null) {
    drainTimeoutMs = Math.max(
      drainTimeoutMs,
      longJobMs + timing.lockTimeoutMs + timing.pollIntervalMs + 60_000,
    );
    reporter.progress(
      `long jobs: ${jobs.filter((j) => j.long).length} of ${(longJobMs / 1000).toFixed(1)} s each (${settings.load.lockTimeoutsPerLongJob} × the Scheduler's lock timeout of ${timing.lockTimeoutMs} ms); this run takes about ${Math.ceil((longJobMs + Math.min(timing.lockTimeoutMs, drainTimeoutMs) + 30_000) / 60_000)} min; the drain waits up to ${Math.round(drainTimeoutMs / 1000)} s`,
    );
  }
  const bound = timing.lockTimeoutMs + timing.pollIntervalMs;
  if (settings.faults.kills > 0 && bound > settings.check.drainTimeoutMs) {
    reporter.warn(
      `the recovery bound (${bound} ms: the Scheduler's lock timeout and poll interval) is longer than the drain timeout (${settings.check.drainTimeoutMs} ms): killed jobs will still be locked when the drain ends; --drain-timeout ${bound + 60_000} waits for them`,
    );
  }
  return { effective, drainTimeoutMs };
}
