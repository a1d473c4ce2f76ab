import { join } from "node:path";
import { workerNames } from "../faults/planFaults.ts";
import { LiveLedger } from "../ledger/liveLedger.ts";
import { runBulkLoad } from "../load/bulkLoad.ts";
import { Supervisor } from "../processes/supervisor.ts";
import type { WorkerConfig } from "../processes/workerMain.ts";
import { jobNamesOf } from "../scenario/sutSpec.ts";
import type { ChildExit } from "../util/ownedChild.ts";
import { checkInterrupt, type RunContext, required } from "./runContext.ts";

/**
 * Deploy: a bulk backlog goes into the database first (before any worker polls), then the trigger
 * server (HTTP load) and the worker processes start, each with its own MongoDB address and launch
 * from the fault rig; the live ledger follows them from here on.
 */
export async function deployPhase(
  ctx: RunContext,
  onTriggerExit: (exit: ChildExit & { pid: number }) => void,
): Promise<void> {
  const target = required(ctx.target, "the MongoDB target");
  const rig = required(ctx.rig, "the fault rig");
  const ledger = required(ctx.harnessLedger, "the harness ledger");
  const effective = required(ctx.effective, "the scheduler's effective settings");
  const { sut, load } = ctx.settings;
  if (load.mode === "bulk") {
    ctx.reporter.progress(`load: seeding ${ctx.jobs.length} jobs through the scheduler's own enqueue…`);
    await runBulkLoad(required(ctx.client, "the client").db(ctx.dbName), ctx.jobs, ledger, ctx.adapter);
  }
  const supervisor = new Supervisor({
    logDir: join(ctx.runDir, "logs"),
    runTag: `${ctx.scenario.name}-${ctx.startedAt}-${process.pid}`,
    onProcess: (record) => ledger.append(record),
    onTriggerExit,
  });
  ctx.supervisor = supervisor;
  const http = load.mode === "http";
  // A user's wiring may run another number of workers per process than the scenario asks for.
  const slots =
    typeof effective.scheduler.workers === "number" ? effective.scheduler.workers : sut.workersPerProcess;
  ctx.reporter.progress(
    `starting ${http ? "the trigger server and " : ""}${sut.processes} worker processes × ${slots} workers…`,
  );
  const workerConfig = (proc: string): WorkerConfig => ({
    uri: rig.workerUri(proc),
    dbName: ctx.dbName,
    proc,
    slots,
    pollIntervalMs: sut.pollIntervalMs,
    lockTimeoutMs: sut.lockTimeoutMs,
    maxExecutionMs: sut.maxExecutionMs,
    ledgerDir: ctx.ledgerDir,
    sut: ctx.sutSpec,
    jobNames: jobNamesOf(ctx.jobs),
  });
  const [port] = await Promise.all([
    http
      ? supervisor.startTrigger({ uri: target.uri, dbName: ctx.dbName, sut: ctx.sutSpec })
      : Promise.resolve(0),
    ...workerNames(sut.processes).map((proc) =>
      supervisor.startWorker(proc, { ...workerConfig(proc) }, slots, false, rig.launch(proc)),
    ),
  ]);
  ctx.port = port;
  checkInterrupt(ctx);
  ctx.live = new LiveLedger(ctx.ledgerDir);
  // A bulk load's jobs are in the ledger already: the first progress line must count them.
  ctx.live.poll();
}
