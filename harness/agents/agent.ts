/**
 * One interface for everything the harness does to the processes of a run: start them, stop them
 * gracefully, kill, pause and resume them, and move their network and clocks. Faults act through
 * it by a process's logical name, never by pid, so that a run's processes can live anywhere. The
 * local agent (localAgent.ts) runs child processes on this machine; on Kubernetes the same
 * operations are a pod delete, an exec of a signal and Chaos Mesh resources (deploy/k8s/).
 */
import type { ClockControl, ProcessControl, ProxyControl } from "../faults/faultType.ts";
import type { WorkerLaunch } from "../processes/supervisor.ts";

export type { ClockControl, ProcessControl, ProxyControl } from "../faults/faultType.ts";

/** A worker process to start: its logical name, its settings and its scheduler slots. */
export interface WorkerStart {
  proc: string;
  config: Record<string, unknown>;
  slots: number;
  /** The bench's baseline (the claim through the driver, no scheduler) instead of a scheduler. */
  raw?: boolean;
  launch?: WorkerLaunch;
}

export interface Agent extends ProcessControl {
  /** What the agent is, for people ("local child processes"). */
  readonly kind: string;
  /** Starts a worker process and resolves once it is up, with its pid. */
  startWorker(start: WorkerStart): Promise<number>;
  /** Starts the trigger server and resolves with its port. */
  startTrigger(config: Record<string, unknown>): Promise<number>;
  /** The network between each worker process and MongoDB, by worker name; null when the run has no network faults. */
  readonly network: ProxyControl | null;
  /** The wall clocks of the worker processes; null when the run has no clock faults. */
  readonly clocks: ClockControl | null;
  /** Stops every process gracefully (workers first), killing what is left after `graceMs`. */
  stopAll(graceMs: number): Promise<void>;
  /** Kills every process at once. */
  killAll(): void;
}
