import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { dumpJobs, JOBS_SNAPSHOT } from "../adapters/jobsCollection.ts";
import { readLedgerDir, writeHistory } from "../ledger/history.ts";
import { buildResult } from "../report/buildResult.ts";
import { describeEnvironment } from "../report/environment.ts";
import type { RunResult } from "../report/result.ts";
import { writeRunReport } from "../report/writeReport.ts";
import { redact } from "../servers/provision.ts";
import type { ProviderChoice } from "../servers/target.ts";
import { type RunContext, required } from "./runContext.ts";

/**
 * Collect, part one (while the database is up): the jobs' final state and a snapshot of the jobs
 * collection for the Scheduler UI.
 */
export async function readJobsPhase(ctx: RunContext): Promise<void> {
  const db = required(ctx.client, "the client").db(ctx.dbName);
  const collection = required(ctx.effective, "the scheduler's effective settings").collection;
  ctx.finalState = await ctx.adapter.readFinalState(db, collection);
  await dumpJobs(db, join(ctx.runDir, JOBS_SNAPSHOT), collection);
}

/**
 * Collect, part two (after the processes are stopped): merges the ledger into the history, runs
 * the checkers and writes result.json and the report.
 */
export function collectPhase(
  ctx: RunContext,
  incomplete: string | null,
  run: { reportsDir: string; mongo: { choice: ProviderChoice; uri?: string }; keep: boolean },
): { result: RunResult; resultPath: string } {
  const target = required(ctx.target, "the MongoDB target");
  const history = readLedgerDir(ctx.ledgerDir);
  writeHistory(join(ctx.runDir, "history.jsonl"), history);
  writeFileSync(join(ctx.runDir, "final-state.json"), `${JSON.stringify(ctx.finalState)}\n`);
  const result = buildResult(
    {
      scenario: ctx.scenario.name,
      description: ctx.scenario.description,
      seed: ctx.seed,
      startedAt: ctx.startedAt,
      runEndedAt: ctx.runEndedAt,
      durationMs: Date.now() - ctx.startedAt,
      config: {
        ...ctx.settings,
        mongo: { choice: run.mongo.choice, uri: run.mongo.uri ? redact(run.mongo.uri) : null },
        reportsDir: run.reportsDir,
        keep: run.keep,
      },
      environment: describeEnvironment(),
      server: { provider: target.provider, version: target.version, isMongoDB: target.isMongoDB },
      load: ctx.load,
      incomplete,
      sut: {
        adapter: ctx.sutSpec.adapter,
        version: ctx.adapter.version(),
        wiring: ctx.sutSpec.wiring,
        claimOrder: ctx.adapter.claimOrder,
        effective: ctx.effective ?? null,
      },
    },
    history,
    ctx.finalState,
  );
  return { result, resultPath: writeRunReport(run.reportsDir, ctx.runDir, result) };
}
