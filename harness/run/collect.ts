/**
 * What a run keeps: the jobs' final state and a snapshot of their collection (read while the
 * database is still up, after every process has stopped), then the merged history, the checkers'
 * verdicts, result.json and the report.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Db } from "mongodb";
import type { EffectiveSettings, SchedulerAdapter } from "../adapters/adapter.ts";
import { dumpJobs, JOBS_SNAPSHOT } from "../adapters/jobsCollection.ts";
import type { SutSpec } from "../adapters/wiring.ts";
import type { JobState } from "../checkers/types.ts";
import type { NotStruck } from "../faults/runFaults.ts";
import type { RunClocks } from "../ledger/clockOffsets.ts";
import { type History, writeHistory } from "../ledger/history.ts";
import type { HttpLoadResult } from "../load/httpLoad.ts";
import type { ProbeResult } from "../probe/probeTypes.ts";
import { buildResult } from "../report/buildResult.ts";
import { describeEnvironment } from "../report/environment.ts";
import type { RunResult } from "../report/result.ts";
import { serverInfoOf } from "../report/serverText.ts";
import { writeRunReport } from "../report/writeReport.ts";
import type { RunSettings, Scenario } from "../scenario/schema.ts";
import { type MongoTarget, redact } from "../servers/provision.ts";
import type { ProviderChoice } from "../servers/target.ts";

/** Every job's final state, and the snapshot of its collection for the Scheduler UI. */
export async function readFinalState(
  adapter: SchedulerAdapter,
  db: Db,
  collection: string,
  runDir: string,
): Promise<JobState[]> {
  const state = await adapter.readFinalState(db, collection);
  // A run whose processes are a cluster's has written nothing here yet.
  mkdirSync(runDir, { recursive: true });
  await dumpJobs(db, join(runDir, JOBS_SNAPSHOT), collection);
  return state;
}

/** What a run knows about itself when it is collected. */
export interface CollectInput {
  scenario: Scenario;
  settings: RunSettings;
  seed: number;
  startedAt: number;
  runEndedAt: number;
  runDir: string;
  /** The merged history (on one reference clock), and its clocks when the ledger was a database. */
  history: History;
  clocks?: RunClocks;
  reportsDir: string;
  mongo: { choice: ProviderChoice; uri?: string };
  keep: boolean;
  target: MongoTarget;
  spec: SutSpec;
  adapter: SchedulerAdapter;
  effective: EffectiveSettings | null;
  load: HttpLoadResult | null;
  incomplete: string | null;
  finalState: JobState[];
  /** The quick probe of the server at the start of the run, when it ran. */
  probe?: ProbeResult;
  /** The planned faults that never struck. */
  notStruck?: NotStruck;
}

/** Merges the ledger into the history, runs the checkers and writes result.json and the report. */
export function collectRun(c: CollectInput): { result: RunResult; resultPath: string } {
  const history = c.history;
  writeHistory(join(c.runDir, "history.jsonl"), history);
  writeFileSync(join(c.runDir, "final-state.json"), `${JSON.stringify(c.finalState)}\n`);
  const result = buildResult(
    {
      scenario: c.scenario.name,
      description: c.scenario.description,
      seed: c.seed,
      startedAt: c.startedAt,
      runEndedAt: c.runEndedAt,
      durationMs: Date.now() - c.startedAt,
      config: {
        ...c.settings,
        mongo: { choice: c.mongo.choice, uri: c.mongo.uri ? redact(c.mongo.uri) : null },
        reportsDir: c.reportsDir,
        keep: c.keep,
      },
      environment: describeEnvironment(c.spec.build),
      server: serverInfoOf(c.target),
      load: c.load,
      incomplete: c.incomplete,
      sut: {
        adapter: c.spec.adapter,
        version: c.adapter.version(),
        wiring: c.spec.wiring,
        claimOrder: c.adapter.claimOrder,
        claimVersioned: c.adapter.claimVersioned,
        effective: c.effective,
      },
      ...(c.probe ? { probe: c.probe } : {}),
      ...(c.clocks ? { clocks: c.clocks } : {}),
      ...(c.notStruck ? { notStruck: c.notStruck } : {}),
    },
    history,
    c.finalState,
  );
  return { result, resultPath: writeRunReport(c.reportsDir, c.runDir, result) };
}
