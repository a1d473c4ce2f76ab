import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import { JOBS_SNAPSHOT, restoreJobs } from "../adapters/jobsCollection.ts";
import { provisionMongo, redact } from "../servers/provision.ts";
import type { ProviderChoice } from "../servers/target.ts";
import { defaultCacheDir } from "../util/cacheDir.ts";
import { HarnessError } from "../util/exitCodes.ts";
import { portUnusable } from "../util/port.ts";
import type { Reporter } from "../util/reporter.ts";
import { sleep } from "../util/wait.ts";
import { ensureUiBuilt } from "./buildUi.ts";
import { startTriggerServer } from "./triggerServer.ts";

export interface ServeOptions {
  uri: string;
  dbName: string;
  port: number;
  reporter: Reporter;
  /** Where the URL goes (stdout in the CLI). */
  print(line: string): void;
  /** Serving stops when it aborts (Ctrl-C). */
  signal: AbortSignal;
}

/** Serves the Scheduler UI and its API over one database until the signal aborts. */
export async function serveUi(options: ServeOptions): Promise<void> {
  const uiDir = await ensureUiBuilt(defaultCacheDir(), options.reporter.progress);
  let server: Awaited<ReturnType<typeof startTriggerServer>>;
  try {
    server = await startTriggerServer({
      uri: options.uri,
      dbName: options.dbName,
      port: options.port,
      uiDir,
    });
  } catch (error) {
    throw portUnusable(options.port, (error as { code?: string }).code) ?? error;
  }
  try {
    options.print(`Scheduler UI: ${server.url}`);
    options.print(`database: ${redact(options.uri)} ${options.dbName}`);
    options.print("press Ctrl-C to stop");
    while (!options.signal.aborted) await sleep(60_000, options.signal);
  } finally {
    await server.close();
  }
}

export interface ViewRunOptions {
  /** A run folder holding jobs.json, e.g. reports/latest. */
  runDir: string;
  mongo: { choice: ProviderChoice; uri?: string };
  port: number;
  reporter: Reporter;
  print(line: string): void;
  signal: AbortSignal;
}

/**
 * Shows a finished run's jobs in the Scheduler UI: loads the run's snapshot of its jobs collection
 * into a fresh database of its own (on the automatic MongoDB target or --mongo-uri), serves the UI
 * over it until Ctrl-C, then drops that database.
 */
export async function viewRun(options: ViewRunOptions): Promise<void> {
  const snapshot = join(options.runDir, JOBS_SNAPSHOT);
  if (!existsSync(snapshot)) {
    throw new HarnessError(
      `${snapshot} not found: give the folder of a finished run (e.g. reports/latest), or --mongo-uri with --db`,
    );
  }
  const target = await provisionMongo({
    choice: options.mongo.choice,
    mongoUri: options.mongo.uri,
    progress: options.reporter.progress,
  });
  const dbName = `harness_ui_${randomBytes(4).toString("hex")}`;
  const client = new MongoClient(target.uri);
  try {
    await client.connect();
    const n = await restoreJobs(client.db(dbName), snapshot);
    options.reporter.progress(
      `loaded ${n} jobs of ${options.runDir} into ${dbName} (${target.provider} ${target.version})`,
    );
    await serveUi({ ...options, uri: target.uri, dbName });
  } finally {
    await client
      .db(dbName)
      .dropDatabase()
      .catch(() => {});
    await client.close().catch(() => {});
    await target.stop().catch(() => {});
  }
}
