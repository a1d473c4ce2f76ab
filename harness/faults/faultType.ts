/**
 * The one shape every fault has, after Jepsen's nemeses: it is planned from the seed, injected,
 * healed (always: at the end of its window, on Ctrl-C, on a failed run), and it says what it means
 * for the checkers. Faults talk to processes, proxies and clocks by worker name, never by pid.
 */
import type { z } from "zod";
import type { HeldJob } from "../adapters/adapter.ts";
import type { LedgerSink } from "../ledger/fileLedger.ts";
import type { JobKind } from "../ledger/jobKinds.ts";
import type { ServerControl } from "../servers/target.ts";
import type { Rng } from "../util/rng.ts";
import type { FaultBounds } from "./faultProblems.ts";
import type { FaultKind, FaultSpec, FaultSpecOf } from "./registry.ts";

/**
 * What a fault does to its targets, for the checkers: down (the process is gone; its executions
 * died with it), unavailable (alive but cut off or frozen: neither idle nor dead, its executions are
 * unavailable, not lost), degraded (slow but working), clock (working with a wrong wall clock).
 */
export type FaultEffect = "down" | "unavailable" | "degraded" | "clock";

/** What a machine or a MongoDB target must offer for a fault type. */
export type FaultNeed = "toxiproxy" | "libfaketime" | "restartable-db";

/** Process control by name: the supervisor is one implementation, a compose or k8s one could be next. */
export interface ProcessControl {
  /** Worker processes running now (not exited, not paused). */
  runningWorkers(): string[];
  /** Every worker process name of the run, running or not. */
  workerNames(): string[];
  pidOf(proc: string): number | undefined;
  /** The id of the process now running under this name (unique per start, unlike a pid). */
  instanceOf(proc: string): string | undefined;
  kill(proc: string): Promise<{ pid: number; instance: string; t: number }>;
  /** SIGTERM, then waits for the process to exit (its graceful stop). */
  terminate(proc: string): Promise<{ pid: number; t: number; exitedAt: number }>;
  pause(proc: string): { pid: number; instance: string; t: number };
  resume(proc: string): { pid: number; instance: string; t: number };
  /** Resolves, once the process now running under this name has exited, with the time of its death. */
  exited(proc: string): Promise<number>;
  /** Starts the process again; rejects (and kills the new child) when `signal` aborts first. */
  restart(proc: string, signal?: AbortSignal): Promise<{ pid: number; instance: string; readyAt?: number }>;
  /** Sends a message over the worker's IPC channel and resolves with its reply. */
  request(proc: string, message: { type: string } & Record<string, unknown>): Promise<unknown>;
  /**
   * SIGTERM, then SIGKILL after `graceMs` if it is still there (an orchestrator's grace period);
   * resolves once it has exited. `retire`: it is no longer one of the run's workers afterwards.
   * (Operations need it; a controller without it cannot run them.)
   */
  gracefulStop?(
    proc: string,
    graceMs: number,
    options?: { retire?: boolean },
  ): Promise<{
    pid: number;
    instance: string;
    t: number;
    exitedAt: number;
    exit: { code: number | null; signal: string | null; killed: boolean };
  }>;
  /** Starts a new process with the settings of `template`, named `proc` (else the next free wN). */
  startLike?(
    template: string,
    proc?: string,
    signal?: AbortSignal,
  ): Promise<{ proc: string; pid: number; instance: string; readyAt: number }>;
  /** Who the process's scheduler locks jobs as in the database (see RunningWorker.lockOwner). */
  lockOwnerOf?(proc: string): string | undefined;
}

/** What the run's database says a process holds, asked by the operations after a stop. */
export interface JobsView {
  /** The jobs locked by `lockOwner` now. */
  heldBy(lockOwner: string): Promise<HeldJob[]>;
}

/** One toxic on a worker's proxy, as Toxiproxy knows them. */
export interface ToxicSpec {
  name: string;
  type: "latency" | "bandwidth" | "timeout" | "reset_peer";
  stream: "upstream" | "downstream";
  attributes: Record<string, number>;
}

/** The network between each worker process and MongoDB: one proxy per worker, by worker name. */
export interface ProxyControl {
  /** Disabled: every connection is closed and new ones are refused (a full partition). */
  setEnabled(proc: string, enabled: boolean): Promise<void>;
  addToxic(proc: string, toxic: ToxicSpec): Promise<void>;
  removeToxic(proc: string, name: string): Promise<void>;
}

/** The wall clocks of the worker processes (monotonic clocks are never touched). */
export interface ClockControl {
  /** Sets the process's wall-clock offset from real time, in ms (0 heals). */
  setOffset(proc: string, offsetMs: number): void;
  /** Whether the process was started so that its clock can be moved. */
  controls(proc: string): boolean;
}

/**
 * What a fault sees of the run while it goes on: the live ledger in a scenario; in app mode (a
 * service as a black box) the finished count alone, with nothing known to be in flight where.
 */
export interface LiveView {
  /** Accepted jobs finished so far (a fault strikes at a fraction of them). */
  finishedCount(): number;
  /** The executions this process instance is running now. */
  inFlight(instance: string): { execId: string; jobId: string }[];
  /** The names and kinds of the jobs it runs now, where the ledger says (targets `running:…`). */
  running?(instance: string): { name: string; kinds: readonly JobKind[] }[];
  /** Reads what was recorded since the last call. */
  poll(): unknown;
  /** False where executions cannot be seen at all (a black box): "in flight" is then not said. */
  readonly seesExecutions?: boolean;
}

/** What a fault may use while it runs. */
export interface FaultEnv {
  processes: ProcessControl;
  proxies: ProxyControl | null;
  clocks: ClockControl | null;
  live: LiveView;
  ledger: LedgerSink;
  rng: Rng;
  progress(message: string): void;
  /** The harness's reference clock. */
  now(): number;
  /** Aborts when the run ends the schedule: a restart under way is called off. */
  signal: AbortSignal;
  /** The run's jobs in the database (operations ask what a stopped process still holds). */
  jobs?: JobsView | null;
  /** The MongoDB target's restart, when it can keep its data across one (db-restart). */
  database?: ServerControl | null;
}

/** One planned fault: a spec with its point and targets fixed from the seed. */
export interface PlannedFault {
  /** Unique in the run, e.g. "partition#1". */
  id: string;
  spec: FaultSpec;
  /** Fraction of the jobs finished at which it strikes. */
  at: number;
  /** The target as planned: busy (resolved when it strikes), all, or named workers. */
  targets: "busy" | "all" | string[];
  /**
   * With a busy target: only a worker running a job of this name or kind (`running:NAME`). Drawn
   * from the seed for `running:*`, which strikes any busy worker when none runs that kind.
   */
  running?: { selector: string; drawn: boolean };
}

/** An injected fault, ready to be healed. */
export interface Injected {
  /** What the fault saw or did (jobs in flight, the offset a worker reported, …), for the ledger. */
  detail?: Record<string, unknown>;
  /** The wall-clock offset it set (clock faults), for the window's record. */
  offsetMs?: number;
  /**
   * Undoes the fault. `early` is true when the run is ending (Ctrl-C, a failure): a heal that would
   * start something (a restart) does nothing then, one that removes a fault still removes it.
   */
  heal(early: boolean): Promise<Record<string, unknown> | undefined>;
}

/** A fault type: its spec and its behaviour, in one file of types/, listed in registry.ts. */
export interface FaultType<K extends FaultKind = FaultKind> {
  kind: K;
  /** What a scenario's entry or a `--fault` flag of this type may say (zod, strict). */
  spec: z.ZodType<FaultSpecOf<K>, unknown>;
  /** One line for `harness list`. */
  summary: string;
  effect: FaultEffect;
  needs: readonly FaultNeed[];
  /**
   * True when the fault writes its own records instead of a window (a kill writes kill and
   * restart records, which the checkers read as a death and a new instance).
   */
  ownRecords?: boolean;
  /** It strikes one worker process at a time: `target=all` is refused rather than striking the first. */
  oneProcess?: boolean;
  /** Short keys a `--fault` flag may use for this type's own fields (`latency` for latencyMs). */
  flagKeys?: Readonly<Record<string, string>>;
  /** Strikes the named processes. */
  inject(fault: PlannedFault & { spec: FaultSpecOf<K> }, procs: string[], env: FaultEnv): Promise<Injected>;
  /** This type's own amounts in a few words, for `harness list` ("100±0 ms"). */
  describe?(spec: FaultSpecOf<K>): string;
  /**
   * What is wrong with an entry of this type in this run beyond its schema (a surge larger than the
   * workers, a part of the server the target cannot restart), one line each; `where` names the entry.
   */
  problems?(spec: FaultSpecOf<K>, bounds: FaultBounds, where: string): string[];
}
