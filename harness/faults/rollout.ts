/**
 * A rolling restart of a set of processes, as an orchestrator does it, knowing nothing of jobs or
 * schedulers: only how to stop a process (gracefully), start one again in its place, and start a
 * new one like another. Without surge (Kubernetes' maxUnavailable 1, maxSurge 0) each process in
 * turn is stopped and then started again; with surge N (maxSurge N, maxUnavailable 0) N new
 * processes are started and ready before N old ones are stopped, batch by batch. The worker
 * operations use it over the supervisor; any process manager with these three steps can.
 */
import { sleep } from "../util/wait.ts";

/** The steps of a rollout, over process names. */
export interface RolloutControl {
  /** Stops `proc` gracefully; resolves once it has exited. `retire`: it is not started again. */
  stop(proc: string, retire: boolean): Promise<void>;
  /** Starts `proc` again in its own place; resolves once it is ready. */
  restart(proc: string): Promise<void>;
  /** Starts a new process like `template`; resolves with its name once it is ready. */
  addLike(template: string): Promise<string>;
}

export interface RolloutOptions {
  /** Times every process is replaced. */
  rounds: number;
  /** New processes started before old ones are stopped (0: stop first, then start). */
  surge: number;
  /** Pause after each step (a batch replaced). */
  gapMs: number;
  /** Aborting stops the rollout between steps; a step under way finishes. */
  signal: AbortSignal;
  progress(message: string): void;
  /** How progress lines name the rollout ("rolling-restart-1"). */
  label: string;
}

export interface RolloutOutcome {
  /** The processes at the end: the same names without surge, the new ones with it. */
  procs: string[];
  /** Steps done (a process replaced without surge, a batch with it). */
  steps: number;
  /** False when the signal stopped it before the last step. */
  completed: boolean;
}

/** The batches a round replaces: one process at a time without surge, `surge` at a time with it. */
export function rolloutBatches(procs: readonly string[], surge: number): string[][] {
  const size = Math.max(1, surge);
  const out: string[][] = [];
  for (let i = 0; i < procs.length; i += size) out.push(procs.slice(i, i + size));
  return out;
}

/** Replaces every process of `procs`, `rounds` times (see the module comment). */
export async function rollout(
  procs: readonly string[],
  control: RolloutControl,
  options: RolloutOptions,
): Promise<RolloutOutcome> {
  let current = [...procs];
  let steps = 0;
  const total = options.rounds * rolloutBatches(current, options.surge).length;
  for (let round = 1; round <= options.rounds; round++) {
    const next: string[] = [];
    for (const batch of rolloutBatches(current, options.surge)) {
      if (options.signal.aborted)
        return { procs: [...next, ...current.slice(next.length)], steps, completed: false };
      const where = `${options.label}: step ${steps + 1} of ${total} (round ${round} of ${options.rounds})`;
      if (options.surge === 0) {
        const [proc] = batch as [string];
        options.progress(`${where}: stopping ${proc}, then starting it again`);
        await control.stop(proc, false);
        if (options.signal.aborted) return { procs: current, steps, completed: false };
        await control.restart(proc);
        next.push(proc);
      } else {
        options.progress(
          `${where}: starting ${batch.length} new process(es) before stopping ${batch.join(", ")}`,
        );
        const added = await Promise.all(batch.map((proc) => control.addLike(proc)));
        await Promise.all(batch.map((proc) => control.stop(proc, true)));
        next.push(...added);
      }
      steps++;
      await sleep(options.gapMs, options.signal);
    }
    current = next;
  }
  return { procs: current, steps, completed: true };
}
