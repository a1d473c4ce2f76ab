/**
 * How a run is stopped early, and says where: the user's Ctrl-C, or a process the run depends on
 * (the database server, the trigger server, the proxy) dying on its own. One stop signal for the
 * whole run, and a second, narrower one for the window in which the load and the faults run.
 */
import { type ChildExit, describeExit, type WatchedProcess } from "../util/ownedChild.ts";
import type { Reporter } from "../util/reporter.ts";

/** The part of a run in progress. */
export type RunStage = "starting" | "load" | "drain" | "observe" | "settle" | "teardown";

/** Why a run stopped early: the reason saved as `incomplete`, and whether its server is gone. */
export class RunStopped extends Error {
  constructor(
    /** "interrupted", or the line naming a dependency that died. */
    readonly reason: string,
    /** The database server is gone: nothing can be read from it any more. */
    readonly serverGone = false,
  ) {
    super(reason);
    this.name = "RunStopped";
  }
}

/** Thrown by a step that sees the run's stop signal: the run ends as incomplete. */
export class Interrupted extends Error {}

/** How far the run has got, for "at 41 % of the drain". */
export interface RunProgress {
  planned: number;
  accepted: number;
  finished: number;
}

export class RunControl {
  private readonly stopper = new AbortController();
  /** Aborted when the load and the fault schedule must stop: at the end of the drain, or on a stop. */
  readonly window = new AbortController();
  stage: RunStage = "starting";
  /** Where the run was when it was stopped. */
  where = "";

  constructor(
    private readonly reporter: Reporter,
    private readonly progress: () => RunProgress,
  ) {}

  /** The run's stop signal; its reason is a RunStopped. */
  get signal(): AbortSignal {
    return this.stopper.signal;
  }

  /** Why the run stopped, once it has. */
  get stopped(): RunStopped | undefined {
    return this.stopper.signal.aborted ? (this.stopper.signal.reason as RunStopped) : undefined;
  }

  stop(reason: RunStopped): void {
    if (this.stopper.signal.aborted) return;
    this.where = this.whereIs();
    this.stopper.abort(reason);
    this.window.abort();
  }

  /** Throws Interrupted once the run has been stopped. */
  check(): void {
    if (this.stopper.signal.aborted) throw new Interrupted();
  }

  /** Stops the run when the user's signal aborts; returns how to stop listening. */
  follow(user: AbortSignal): () => void {
    const onUser = () => this.stop(new RunStopped("interrupted"));
    if (user.aborted) onUser();
    user.addEventListener("abort", onUser);
    return () => user.removeEventListener("abort", onUser);
  }

  /** Stops the run, in one line, when `process` exits without being asked to. */
  watch(process: WatchedProcess | undefined, serverGone: boolean): void {
    void process?.exited.then((exit) => {
      if (!process.stopping) this.died(process, exit, serverGone);
    });
  }

  /** A dependency exited: one line naming it, and the run stops. */
  died(process: { name: string; pid: number }, exit: ChildExit, serverGone: boolean): void {
    if (this.stopper.signal.aborted) return;
    const line = `${withPid(process)} ${describeExit(exit)} ${this.whereIs()}`;
    this.reporter.warn(`${line}: stopping the run`);
    this.stop(new RunStopped(line, serverGone));
  }

  /** Where the run is now: "at 41 % of the drain". */
  whereIs(): string {
    const { planned, accepted, finished } = this.progress();
    const share = accepted ? Math.round((100 * finished) / accepted) : 0;
    switch (this.stage) {
      case "starting":
        return "while the run was starting";
      case "load":
        return `during the load (${accepted} of ${planned} jobs accepted)`;
      case "drain":
        return `at ${share} % of the drain`;
      case "observe":
        return `at ${share} % of the observation`;
      case "settle":
        return "while watching for late re-executions";
      case "teardown":
        return "during teardown";
    }
  }
}

/** "mongo server (standin, pid 123)", "trigger server (pid 456)". */
function withPid(p: { name: string; pid: number }): string {
  const m = /^(.*) \((.*)\)$/.exec(p.name);
  return m ? `${m[1]} (${m[2]}, pid ${p.pid})` : `${p.name} (pid ${p.pid})`;
}
