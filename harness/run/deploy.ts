/**
 * The run's processes, as one bracket: the trigger server (HTTP load) and the worker processes,
 * each with its MongoDB address and launch from the fault rig. Its release stops them all, workers
 * first; a process that cannot start stops the ones that did before the error goes on.
 */
import { join } from "node:path";
import type { EffectiveSettings } from "../adapters/adapter.ts";
import type { SutSpec } from "../adapters/wiring.ts";
import type { FaultRig } from "../faults/faultRig.ts";
import { workerNames } from "../faults/planFaults.ts";
import type { LedgerSink } from "../ledger/fileLedger.ts";
import { jobNamesOf, type PlannedJob } from "../load/jobMix.ts";
import { Supervisor } from "../processes/supervisor.ts";
import type { WorkerConfig } from "../processes/workerMain.ts";
import type { RunSettings } from "../scenario/schema.ts";
import type { ChildExit } from "../util/ownedChild.ts";
import type { Reporter } from "../util/reporter.ts";
import type { Acquired } from "./teardown.ts";

export interface DeployOptions {
  settings: RunSettings;
  spec: SutSpec;
  effective: EffectiveSettings;
  jobs: readonly PlannedJob[];
  serverUri: string;
  dbName: string;
  runDir: string;
  ledgerDir: string;
  /** A tag every child carries in its environment, to find any a run left behind. */
  runTag: string;
  rig: FaultRig;
  ledger: LedgerSink;
  reporter: Reporter;
  /** The trigger server exited without being asked to. */
  onTriggerExit(exit: ChildExit & { pid: number }): void;
  /** How long a stopping worker may take: shorter when the run was cut short. */
  stopGraceMs(): number;
}

/** The running processes: the supervisor that owns them, and the trigger server's port (0: none). */
export interface Deployed {
  supervisor: Supervisor;
  port: number;
}

export async function deployProcesses(o: DeployOptions): Promise<Acquired<Deployed>> {
  const { sut, load } = o.settings;
  const supervisor = new Supervisor({
    logDir: join(o.runDir, "logs"),
    runTag: o.runTag,
    onProcess: (record) => o.ledger.append(record),
    onTriggerExit: o.onTriggerExit,
  });
  const http = load.mode !== "bulk";
  // A user's wiring may run another number of workers per process than the scenario asks for.
  const slots =
    typeof o.effective.scheduler.workers === "number" ? o.effective.scheduler.workers : sut.workersPerProcess;
  o.reporter.progress(
    `starting ${http ? "the trigger server and " : ""}${sut.processes} worker processes × ${slots} workers…`,
  );
  const workerConfig = (proc: string): WorkerConfig => ({
    uri: o.rig.workerUri(proc),
    dbName: o.dbName,
    proc,
    slots,
    pollIntervalMs: sut.pollIntervalMs,
    lockTimeoutMs: sut.lockTimeoutMs,
    maxExecutionMs: sut.maxExecutionMs,
    stopTimeoutMs: sut.stopTimeoutMs,
    ledgerDir: o.ledgerDir,
    sut: o.spec,
    jobNames: jobNamesOf(o.jobs),
  });
  const release = async () => {
    o.reporter.progress("teardown: stopping workers and the trigger server…");
    await supervisor.stopAll(o.stopGraceMs());
  };
  try {
    const [port] = await Promise.all([
      http
        ? supervisor.startTrigger({ uri: o.serverUri, dbName: o.dbName, sut: o.spec })
        : Promise.resolve(0),
      ...workerNames(sut.processes).map((proc) =>
        supervisor.startWorker(proc, { ...workerConfig(proc) }, slots, false, o.rig.launch(proc)),
      ),
    ]);
    return { value: { supervisor, port }, release };
  } catch (error) {
    await release();
    throw error;
  }
}
