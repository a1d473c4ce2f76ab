/**
 * What the operator's actions on worker processes share (a rolling restart, a scale step): a
 * graceful stop that asks the database what the process held when the stop began and what it
 * still holds once it has exited, and a start; each written to the ledger as an `op` record, which
 * the stop-handover and scaling checkers judge.
 */
import type { HeldJob } from "../../adapters/adapter.ts";
import type { FaultEnv, ProcessControl } from "../faultType.ts";
import type { RolloutControl } from "../rollout.ts";

/** The process control an operation needs, or one line saying it is missing. */
export function operationControl(
  env: FaultEnv,
): Required<Pick<ProcessControl, "gracefulStop" | "startLike" | "lockOwnerOf">> & ProcessControl {
  const p = env.processes;
  if (!p.gracefulStop || !p.startLike || !p.lockOwnerOf)
    throw new Error("this process control cannot stop gracefully or start processes: no operation can run");
  return p as Required<Pick<ProcessControl, "gracefulStop" | "startLike" | "lockOwnerOf">> & ProcessControl;
}

/** What the database says a lock owner holds, or null with why it could not be asked. */
async function held(
  env: FaultEnv,
  owner: string | undefined,
): Promise<{ jobs: HeldJob[] | null; error?: string }> {
  if (!env.jobs) return { jobs: null, error: "the run gave the operation no view of its jobs" };
  if (!owner) return { jobs: null, error: "the process never said whom its locks name" };
  try {
    return { jobs: await env.jobs.heldBy(owner) };
  } catch (error) {
    return { jobs: null, error: (error instanceof Error ? error.message : String(error)).split("\n")[0] };
  }
}

/**
 * Stops a process gracefully (SIGTERM; SIGKILL after `graceMs`), asking the database what it held
 * just before the signal and what it still holds once it has exited, and writes the stop record.
 */
export async function stopAccounted(
  env: FaultEnv,
  op: string,
  proc: string,
  options: { graceMs: number; retire: boolean },
): Promise<void> {
  const control = operationControl(env);
  const instance = control.instanceOf(proc) ?? "";
  const owner = control.lockOwnerOf(proc);
  env.live.poll();
  const inFlight = env.live.inFlight(instance);
  const before = await held(env, owner);
  const stop = await control.gracefulStop(proc, options.graceMs, { retire: options.retire });
  const after = await held(env, owner);
  env.live.poll();
  const error = before.error ?? after.error;
  env.ledger.append({
    type: "op",
    action: "stop",
    t: stop.t,
    op,
    proc,
    instance: stop.instance,
    pid: stop.pid,
    exitedAt: stop.exitedAt,
    exit: stop.exit,
    inFlight,
    heldAtSignal: before.jobs,
    heldAfterExit: after.jobs,
    ...(error ? { heldError: error } : {}),
  });
  const still =
    after.jobs === null
      ? `unknown (${after.error ?? "the database could not be asked"})`
      : String(after.jobs.length);
  // A black box (app mode) shows no executions: what ran at the signal is not said there.
  const running = env.live.seesExecutions === false ? "" : `${inFlight.length} job(s) were running, `;
  env.progress(
    `${op}: ${proc} (pid ${stop.pid}) exited ${stop.exitedAt - stop.t} ms after SIGTERM${stop.exit.killed ? ", killed after its grace" : ""}; ${running}${before.jobs?.length ?? "?"} held; still held after exit: ${still}`,
  );
}

/** Starts `proc` again in its place and writes the start record. */
export async function restartRecorded(env: FaultEnv, op: string, proc: string): Promise<void> {
  const control = operationControl(env);
  const replaces = control.instanceOf(proc);
  const t = env.now();
  const fresh = await control.restart(proc, env.signal);
  const readyAt = fresh.readyAt ?? env.now();
  env.ledger.append({
    type: "op",
    action: "start",
    t,
    op,
    proc,
    instance: fresh.instance,
    pid: fresh.pid,
    readyAt,
    ...(replaces ? { replaces } : {}),
  });
  env.progress(`${op}: ${proc} started again (pid ${fresh.pid}), ready in ${readyAt - t} ms`);
}

/** Starts a new process like `template` and writes the start record; resolves with its name. */
export async function addRecorded(
  env: FaultEnv,
  op: string,
  template: string,
  replaces?: string,
): Promise<string> {
  const control = operationControl(env);
  const t = env.now();
  const added = await control.startLike(template, undefined, env.signal);
  env.ledger.append({
    type: "op",
    action: "start",
    t,
    op,
    proc: added.proc,
    instance: added.instance,
    pid: added.pid,
    readyAt: added.readyAt,
    ...(replaces ? { replaces } : {}),
  });
  env.progress(`${op}: started ${added.proc} (pid ${added.pid}), ready in ${added.readyAt - t} ms`);
  return added.proc;
}

/** The rollout's steps over the supervisor, each recorded (see rollout.ts). */
export function recordedRollout(env: FaultEnv, op: string, graceMs: number): RolloutControl {
  const control = operationControl(env);
  return {
    stop: (proc, retire) => stopAccounted(env, op, proc, { graceMs, retire }),
    restart: (proc) => restartRecorded(env, op, proc),
    addLike: (template) => addRecorded(env, op, template, control.instanceOf(template)),
  };
}
