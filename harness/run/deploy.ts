/**
 * The run's processes, as one bracket: the trigger server (HTTP load) and the worker processes,
 * each with its MongoDB address and launch from the fault rig. Its release stops them all, workers
 * first; a process that cannot start stops the ones that did before the error goes on.
 */
import { join } from "node:path";
import type { EffectiveSettings } from "../adapters/adapter.ts";
import type { SutSpec } from "../adapters/wiring.ts";
import type { Agent } from "../agents/agent.ts";
import { K8sAgent } from "../agents/k8sAgent.ts";
import type { K8sApi } from "../agents/k8sApi.ts";
import type { ChaosTargets } from "../agents/k8sChaos.ts";
import { LocalAgent } from "../agents/localAgent.ts";
import type { FaultRig } from "../faults/faultRig.ts";
import { workerNames } from "../faults/planFaults.ts";
import { jobNamesOf, type PlannedJob } from "../load/jobMix.ts";
import { Supervisor } from "../processes/supervisor.ts";
import type { WorkerConfig } from "../processes/workerMain.ts";
import type { RunSettings } from "../scenario/schema.ts";
import type { ChildExit } from "../util/ownedChild.ts";
import type { Reporter } from "../util/reporter.ts";
import type { RunLedger } from "./runLedger.ts";
import type { Acquired } from "./teardown.ts";

export interface DeployOptions {
  settings: RunSettings;
  spec: SutSpec;
  effective: EffectiveSettings;
  jobs: readonly PlannedJob[];
  serverUri: string;
  dbName: string;
  runDir: string;
  /** A tag every child carries in its environment, to find any a run left behind. */
  runTag: string;
  rig: FaultRig;
  ledger: RunLedger;
  reporter: Reporter;
  /** The trigger server exited without being asked to. */
  onTriggerExit(exit: ChildExit & { pid: number }): void;
  /** How long a stopping worker may take: shorter when the run was cut short. */
  stopGraceMs(): number;
  /** The run's workers and trigger server are a cluster's (the harness runs in a Job there). */
  cluster?: ClusterRun;
}

/** What a run on Kubernetes knows of its cluster. */
export interface ClusterRun {
  api: K8sApi;
  /** The worker pods' label selector. */
  workerSelector: string;
  /** The trigger Service's address. */
  triggerUrl: string;
  mongo: ChaosTargets["mongo"];
  /** The ledger's server, when not the run's. */
  ledgerUri?: string;
  /** The run's database, as the manifests give it to the workers. */
  dbName: string;
}

/** The running processes: the agent that owns them, and the trigger server's port (0: none). */
export interface Deployed {
  agent: Agent;
  /** The trigger server's address ("" without one). */
  triggerUrl: string;
}

export async function deployProcesses(o: DeployOptions): Promise<Acquired<Deployed>> {
  if (o.cluster) return bindCluster(o, o.cluster);
  const { sut, load } = o.settings;
  const supervisor = new Supervisor({
    logDir: join(o.runDir, "logs"),
    runTag: o.runTag,
    onProcess: (record) => o.ledger.sink.append(record),
    onTriggerExit: o.onTriggerExit,
  });
  // Workers of a database ledger need nothing from the harness but their settings.
  const agent = new LocalAgent(supervisor, o.rig, { talksToWorkers: o.ledger.mode === "files" });
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
    ...o.ledger.workerConfig,
    sut: o.spec,
    jobNames: jobNamesOf(o.jobs),
  });
  const release = async () => {
    o.reporter.progress("teardown: stopping workers and the trigger server…");
    await agent.stopAll(o.stopGraceMs());
  };
  try {
    const [port] = await Promise.all([
      http ? agent.startTrigger({ uri: o.serverUri, dbName: o.dbName, sut: o.spec }) : Promise.resolve(0),
      ...workerNames(sut.processes).map((proc) =>
        agent.startWorker({ proc, config: { ...workerConfig(proc) }, slots, launch: o.rig.launch(proc) }),
      ),
    ]);
    return { value: { agent, triggerUrl: http ? `http://127.0.0.1:${port}` : "" }, release };
  } catch (error) {
    await release();
    throw error;
  }
}

/** The workers of a cluster: bound to the pods of their Deployment, each once its worker wrote to the ledger. */
async function bindCluster(o: DeployOptions, cluster: ClusterRun): Promise<Acquired<Deployed>> {
  const instanceOfProc = o.ledger.instanceOfProc;
  if (!instanceOfProc) throw new Error("a run on Kubernetes needs the database ledger");
  const agent = new K8sAgent({
    api: cluster.api,
    workerSelector: cluster.workerSelector,
    mongo: cluster.mongo,
    instanceOfPod: instanceOfProc,
    onProcess: (record) => o.ledger.sink.append(record),
    progress: o.reporter.progress,
  });
  const { sut } = o.settings;
  o.reporter.progress(`binding ${sut.processes} worker pods (${cluster.workerSelector})…`);
  const release = () => agent.stopAll();
  try {
    for (const proc of workerNames(sut.processes))
      await agent.startWorker({ proc, config: {}, slots: sut.workersPerProcess });
  } catch (error) {
    await release();
    throw error;
  }
  return { value: { agent, triggerUrl: o.settings.load.mode === "http" ? cluster.triggerUrl : "" }, release };
}
