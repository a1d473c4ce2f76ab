/**
 * The agent of a run on this machine: its processes are children of the harness (the supervisor
 * owns them), its network faults are Toxiproxy proxies and its clock faults libfaketime (the fault
 * rig). Every operation is the supervisor's or the rig's own; this only puts them behind the agent
 * interface, and keeps the harness from talking to workers that must not be talked to.
 */
import type { FaultRig } from "../faults/faultRig.ts";
import type { Supervisor } from "../processes/supervisor.ts";
import type { Agent, WorkerStart } from "./agent.ts";

export interface LocalAgentOptions {
  /**
   * False for workers of a database ledger: they need nothing but connection strings, and the
   * harness sends them no request (a fault that needs one is refused before the run; see
   * requestFaults). Their IPC channel stays only as the lifeline that stops them with the harness,
   * and their "ready" as a pod's readiness would be.
   */
  talksToWorkers: boolean;
}

export class LocalAgent implements Agent {
  readonly kind = "local child processes";
  readonly network: Agent["network"];
  readonly clocks: Agent["clocks"];

  constructor(
    private readonly supervisor: Supervisor,
    rig: Pick<FaultRig, "proxies" | "clocks">,
    private readonly options: LocalAgentOptions,
  ) {
    this.network = rig.proxies;
    this.clocks = rig.clocks;
  }

  startWorker(s: WorkerStart): Promise<number> {
    return this.supervisor.startWorker(s.proc, s.config, s.slots, s.raw ?? false, s.launch ?? {});
  }
  startTrigger(config: Record<string, unknown>): Promise<number> {
    return this.supervisor.startTrigger(config);
  }
  runningWorkers(): string[] {
    return this.supervisor.runningWorkers();
  }
  workerNames(): string[] {
    return this.supervisor.workerNames();
  }
  pidOf(proc: string): number | undefined {
    return this.supervisor.pidOf(proc);
  }
  instanceOf(proc: string): string | undefined {
    return this.supervisor.instanceOf(proc);
  }
  kill(proc: string) {
    return this.supervisor.kill(proc);
  }
  terminate(proc: string) {
    return this.supervisor.terminate(proc);
  }
  pause(proc: string) {
    return this.supervisor.pause(proc);
  }
  resume(proc: string) {
    return this.supervisor.resume(proc);
  }
  exited(proc: string): Promise<number> {
    return this.supervisor.exited(proc);
  }
  restart(proc: string, signal?: AbortSignal) {
    return this.supervisor.restart(proc, signal);
  }
  async request(proc: string, message: { type: string } & Record<string, unknown>): Promise<unknown> {
    if (!this.options.talksToWorkers)
      throw new Error(`${proc} writes a database ledger and is not talked to: no ${message.type} request`);
    return this.supervisor.request(proc, message);
  }
  gracefulStop(proc: string, graceMs: number, options?: { retire?: boolean }) {
    return this.supervisor.gracefulStop(proc, graceMs, options);
  }
  startLike(template: string, proc?: string, signal?: AbortSignal) {
    return this.supervisor.startLike(template, proc, signal);
  }
  lockOwnerOf(proc: string): string | undefined {
    return this.supervisor.lockOwnerOf(proc);
  }
  /** A worker's memory, event-loop delay and connections (the sampler's), asked over its IPC channel. */
  stats(proc: string, timeoutMs?: number) {
    if (!this.options.talksToWorkers)
      return Promise.reject(new Error(`${proc} writes a database ledger and is not talked to: no stats`));
    return this.supervisor.stats(proc, timeoutMs);
  }
  stopAll(graceMs: number): Promise<void> {
    return this.supervisor.stopAll(graceMs);
  }
  killAll(): void {
    this.supervisor.killAll();
  }
}

/**
 * The fault types that act by a request to the worker itself (over its IPC channel locally): they
 * cannot strike a worker that is not talked to.
 */
export const requestFaults: readonly string[] = ["block-loop", "out-of-memory"];
