import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ResultPromise } from "execa";
import { newInstanceId } from "../ledger/identity.ts";
import type { ProcessRecord } from "../ledger/records.ts";
import { HarnessError } from "../util/exitCodes.ts";
import { type ChildExit, type OwnedChild, spawnOwned } from "../util/ownedChild.ts";
import { CLOCK_ANCHOR_ENV, takeAnchor } from "../util/referenceClock.ts";
import type { WorkerStats } from "./workerStats.ts";

const here = dirname(fileURLToPath(import.meta.url));
const tsxLoader = import.meta.resolve("tsx");

/** How long a child may take to say it is ready. */
const READY_TIMEOUT_MS = 60_000;

/** How long a worker may take to answer a request over IPC. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Starts a child Node process running a TypeScript entry, with IPC (its lifeline: it exits when the
 * channel closes), in a process group of its own, its output appended to a log.
 */
function spawnChild(
  name: string,
  entry: string,
  env: Record<string, string>,
  logFile: string,
  nodeArgs: readonly string[],
): OwnedChild {
  return spawnOwned(process.execPath, [...nodeArgs, "--import", tsxLoader, entry], {
    name,
    lifeline: "ipc",
    env,
    logFile,
  });
}
/** The subprocess with its IPC methods (spawned with `ipc: true`). */
type Child = ResultPromise<{ ipc: true; serialization: "json" }>;

/**
 * A start that was called off before the child said it was ready: the run is stopping (stopAll)
 * or the caller's signal aborted. The child is killed; nothing is wrong with it.
 */
export class StartCancelled extends Error {
  constructor(readonly proc: string) {
    super(`start of ${proc} cancelled: the run is stopping`);
    this.name = "StartCancelled";
  }
}

/** One child the supervisor owns. */
interface Managed {
  proc: string;
  kind: "worker" | "trigger";
  entry: string;
  env: Record<string, string>;
  nodeArgs: readonly string[];
  slots: number;
  owned: OwnedChild;
  child: Child;
  pid: number;
  /** This run of the process (HARNESS_INSTANCE in its environment): unique without the pid. */
  instance: string;
  paused: boolean;
  /** Set once the child has exited (or been reaped after a kill). */
  exited: Promise<void>;
  /** Who its scheduler's locks name in the database, as the worker said when it was ready. */
  lockOwner?: string;
  /** Stopped for good by an operation (a scale-down): no longer one of the run's workers. */
  retired?: boolean;
}

export interface SupervisorOptions {
  /** Folder for each child's stdout and stderr (`<proc>.log`). */
  logDir: string;
  /** Set in every child's environment; lets tests find any process a run left behind. */
  runTag: string;
  /** Called when a worker process comes up or goes away. */
  onProcess(record: ProcessRecord): void;
  /** Extra environment for every child (the bench sets HARNESS_SCHEDULER per build this way). */
  env?: Record<string, string>;
  /**
   * Called when the trigger server exits without being asked to: a dependency of the run died
   * (its crash, the OOM killer, someone's kill), which ends the run as incomplete.
   */
  onTriggerExit?(exit: ChildExit & { pid: number }): void;
}

/** How a worker process is started besides its config: extra environment (libfaketime) and Node flags. */
export interface WorkerLaunch {
  env?: Record<string, string>;
  nodeArgs?: readonly string[];
}

/**
 * Owns every child process of a run (workers and the trigger server): starts them and waits for
 * their IPC "ready", kills (SIGKILL), pauses (SIGSTOP), continues and restarts them, and in
 * `stopAll` makes sure none survives. Children also exit on their own when the IPC channel to
 * this process closes, so even a harness killed with SIGKILL leaves no worker behind.
 */
export class Supervisor {
  private readonly children = new Map<string, Managed>();
  private stopped = false;
  /** Aborted by stopAll: every start still waiting for its "ready" gives up at once. */
  private readonly stopping = new AbortController();

  constructor(private readonly options: SupervisorOptions) {
    mkdirSync(options.logDir, { recursive: true });
  }

  /**
   * Starts a worker process and resolves once its scheduler is running; `raw` starts the bench's
   * baseline instead (the same claim through the driver, no scheduler).
   */
  async startWorker(
    proc: string,
    config: Record<string, unknown>,
    slots: number,
    raw = false,
    launch: WorkerLaunch = {},
  ): Promise<number> {
    return (
      await this.spawn(
        proc,
        "worker",
        join(here, raw ? "rawClaimMain.ts" : "workerMain.ts"),
        { ...launch.env, HARNESS_WORKER: JSON.stringify(config) },
        slots,
        launch.nodeArgs ?? [],
      )
    ).pid;
  }

  /** Starts the trigger server and resolves with its port. */
  async startTrigger(config: Record<string, unknown>): Promise<number> {
    const m = await this.spawn(
      "trigger",
      "trigger",
      join(here, "triggerMain.ts"),
      { HARNESS_TRIGGER: JSON.stringify(config) },
      0,
      [],
    );
    return m.port as number;
  }

  private async spawn(
    proc: string,
    kind: Managed["kind"],
    entry: string,
    env: Record<string, string>,
    slots: number,
    nodeArgs: readonly string[],
    signal?: AbortSignal,
  ): Promise<{ pid: number; port?: number; readyAt: number }> {
    const cancel = signal ? AbortSignal.any([signal, this.stopping.signal]) : this.stopping.signal;
    if (this.stopped || cancel.aborted) throw new StartCancelled(proc);
    const instance = newInstanceId();
    const owned = spawnChild(
      kind === "trigger" ? "trigger server" : `worker ${proc}`,
      entry,
      {
        ...this.options.env,
        ...env,
        HARNESS_RUN_TAG: this.options.runTag,
        HARNESS_INSTANCE: instance,
        // A fresh anchor per process: the child's reference clock starts from the harness's now.
        [CLOCK_ANCHOR_ENV]: JSON.stringify(takeAnchor()),
      },
      join(this.options.logDir, `${proc}.log`),
      nodeArgs,
    );
    const child = owned.process as Child;
    const pid = owned.pid;
    const exited = owned.exited.then(() => undefined);
    if (kind === "trigger")
      void owned.exited.then((exit) => {
        if (!owned.stopping && !this.stopped) this.options.onTriggerExit?.({ ...exit, pid });
      });
    const managed: Managed = {
      proc,
      kind,
      entry,
      env,
      nodeArgs,
      slots,
      owned,
      child,
      pid,
      instance,
      paused: false,
      exited,
    };
    this.children.set(proc, managed);
    const exitRecorded = exited.then(() => {
      const t = Date.now();
      if (kind === "worker")
        this.options.onProcess({ type: "process", t, proc, instance, pid, event: "exit", slots });
      return t;
    });
    this.exitTimes.set(instance, exitRecorded);
    const log = join(this.options.logDir, `${proc}.log`);
    let onCancel = () => {};
    const cancelled = new Promise<never>((_, reject) => {
      onCancel = () => {
        owned.kill();
        void exited.then(() => reject(new StartCancelled(proc)));
      };
      cancel.addEventListener("abort", onCancel, { once: true });
    });
    const ready = await Promise.race([
      cancelled,
      (
        child.getOneMessage({ filter: (m) => (m as { type?: string })?.type === "ready" }) as Promise<{
          port?: number;
          lockOwner?: string;
        }>
      ).catch(async () => {
        await exited;
        if (cancel.aborted) throw new StartCancelled(proc);
        throw new HarnessError(`${kind} process ${proc} exited before it was ready: see ${log}`);
      }),
      new Promise<never>((_, reject) => {
        const message = `${kind} process ${proc} was not ready within ${READY_TIMEOUT_MS / 1000} s: see ${log}`;
        setTimeout(() => reject(new HarnessError(message)), READY_TIMEOUT_MS).unref();
      }),
    ]).finally(() => cancel.removeEventListener("abort", onCancel));
    const readyAt = Date.now();
    if (typeof ready.lockOwner === "string") managed.lockOwner = ready.lockOwner;
    if (kind === "worker")
      this.options.onProcess({ type: "process", t: readyAt, proc, instance, pid, event: "ready", slots });
    return { pid, port: ready.port, readyAt };
  }

  /**
   * Starts a new worker process named `proc` with the settings of the worker `template` (a scale
   * step, or a surge's extra process); resolves once it is ready. Rejects with StartCancelled (and
   * kills the new child) when `signal` aborts or stopAll runs first.
   */
  async startLike(
    template: string,
    proc?: string,
    signal?: AbortSignal,
  ): Promise<{ proc: string; pid: number; instance: string; readyAt: number }> {
    const m = this.require(template);
    // The next free wN over every process ever started here, retired ones included.
    const used = [...this.children.keys()].map((k) => Number(/^w(\d+)$/.exec(k)?.[1] ?? 0));
    const name = proc ?? `w${Math.max(0, ...used) + 1}`;
    if (this.children.has(name)) throw new Error(`a process named ${name} exists already`);
    const config = JSON.parse(m.env.HARNESS_WORKER ?? "{}") as Record<string, unknown>;
    const env = { ...m.env, HARNESS_WORKER: JSON.stringify({ ...config, proc: name }) };
    const { pid, readyAt } = await this.spawn(name, m.kind, m.entry, env, m.slots, m.nodeArgs, signal);
    return { proc: name, pid, instance: this.require(name).instance, readyAt };
  }

  /**
   * Stops a child gracefully: SIGTERM, then SIGKILL if it has not exited after `graceMs` (an
   * orchestrator's grace period). Resolves once it has exited, with when the signal went, its exit
   * record's time, and how it ended. `retire`: it is no longer one of the run's workers afterwards.
   */
  async gracefulStop(
    proc: string,
    graceMs: number,
    options: { retire?: boolean } = {},
  ): Promise<{
    pid: number;
    instance: string;
    t: number;
    exitedAt: number;
    exit: { code: number | null; signal: string | null; killed: boolean };
  }> {
    const m = this.require(proc);
    const t = Date.now();
    let killed = false;
    const timer = setTimeout(() => {
      killed = m.owned.exit === null;
    }, graceMs);
    const exit = await m.owned.stop({ signal: "SIGTERM", graceMs });
    clearTimeout(timer);
    const exitedAt = await (this.exitTimes.get(m.instance) ?? Promise.resolve(Date.now()));
    if (options.retire) m.retired = true;
    return { pid: m.pid, instance: m.instance, t, exitedAt, exit: { ...exit, killed } };
  }

  /** Who the scheduler of the process now running under this name locks jobs as (see RunningWorker). */
  lockOwnerOf(proc: string): string | undefined {
    return this.children.get(proc)?.lockOwner;
  }

  /**
   * Asks a worker process for its counters (CPU time, MongoDB commands; see workerStats.ts) over
   * IPC; null when it does not answer within `timeoutMs`.
   */
  async stats(proc: string, timeoutMs = 10_000): Promise<WorkerStats | null> {
    const m = this.require(proc);
    const reply = m.child.getOneMessage({
      filter: (msg) => (msg as { type?: string })?.type === "stats",
    }) as unknown as Promise<WorkerStats>;
    await m.child.sendMessage({ type: "stats" });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((r) => {
      timer = setTimeout(() => r(null), timeoutMs);
    });
    try {
      return await Promise.race([reply.catch(() => null), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The procs of every worker process started (and not retired), in start order. */
  workerProcs(): string[] {
    return [...this.children.values()].filter((m) => m.kind === "worker" && !m.retired).map((m) => m.proc);
  }

  /** The live pid of a child, if it is running. */
  pidOf(proc: string): number | undefined {
    return this.children.get(proc)?.pid;
  }

  /** The instance id of the current run of a child (see identity.ts). */
  instanceOf(proc: string): string | undefined {
    return this.children.get(proc)?.instance;
  }

  /** SIGKILLs a child; resolves with the time the signal was sent, once the child is reaped. */
  async kill(proc: string): Promise<{ pid: number; instance: string; t: number }> {
    const m = this.require(proc);
    process.kill(m.pid, "SIGKILL");
    const t = Date.now();
    await m.exited;
    return { pid: m.pid, instance: m.instance, t };
  }

  /** SIGSTOPs a child (a frozen process: a GC pause, a stalled event loop, a VM migration). */
  pause(proc: string): { pid: number; instance: string; t: number } {
    const m = this.require(proc);
    process.kill(m.pid, "SIGSTOP");
    m.paused = true;
    return { pid: m.pid, instance: m.instance, t: Date.now() };
  }

  /** SIGCONTs a paused child. */
  resume(proc: string): { pid: number; instance: string; t: number } {
    const m = this.require(proc);
    process.kill(m.pid, "SIGCONT");
    m.paused = false;
    return { pid: m.pid, instance: m.instance, t: Date.now() };
  }

  /**
   * Starts a fresh process in the place of one that was killed, with the same settings. Rejects
   * with StartCancelled (and kills the new child) when `signal` aborts or stopAll runs first.
   */
  async restart(
    proc: string,
    signal?: AbortSignal,
  ): Promise<{ pid: number; instance: string; readyAt: number }> {
    const m = this.require(proc);
    await m.exited;
    const { readyAt } = await this.spawn(proc, m.kind, m.entry, m.env, m.slots, m.nodeArgs, signal);
    const fresh = this.require(proc);
    return { pid: fresh.pid, instance: fresh.instance, readyAt };
  }

  /** SIGTERMs a child (its graceful stop) and resolves once it has exited. */
  async terminate(proc: string): Promise<{ pid: number; t: number; exitedAt: number }> {
    const m = this.require(proc);
    process.kill(m.pid, "SIGTERM");
    const t = Date.now();
    await m.exited;
    return { pid: m.pid, t, exitedAt: Date.now() };
  }

  /** Resolves, once the process now running under this name has exited, with its exit record's time. */
  exited(proc: string): Promise<number> {
    const m = this.require(proc);
    return this.exitTimes.get(m.instance) ?? m.exited.then(() => Date.now());
  }

  /** When each process instance's exit record was written (the time the ledger gives its death). */
  private readonly exitTimes = new Map<string, Promise<number>>();

  /** The names of every worker process started so far and not retired by a scale-down. */
  workerNames(): string[] {
    return [...this.children.values()].filter((m) => m.kind === "worker" && !m.retired).map((m) => m.proc);
  }

  private nextRequest = 0;

  /**
   * Sends a request over a worker's IPC channel and resolves with its reply (see faultHooks.ts);
   * rejects when the process exits first or does not answer in time.
   */
  async request(proc: string, body: { type: string } & Record<string, unknown>): Promise<unknown> {
    const m = this.require(proc);
    const id = ++this.nextRequest;
    const reply = m.child.getOneMessage({
      filter: (r) =>
        (r as { type?: string; id?: number })?.type === "harness-reply" && (r as { id?: number }).id === id,
    });
    reply.catch(() => {});
    await m.child.sendMessage(JSON.parse(JSON.stringify({ type: "harness-request", id, body })));
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        reply,
        m.exited.then(() => {
          throw new Error(`${proc} exited before it answered ${body.type}`);
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(new Error(`${proc} did not answer ${body.type} within ${REQUEST_TIMEOUT_MS / 1000} s`)),
            REQUEST_TIMEOUT_MS,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The procs of the worker processes that are running now (not exited, not paused). */
  runningWorkers(): string[] {
    return [...this.children.values()]
      .filter(
        (m) => m.kind === "worker" && m.child.exitCode === null && m.child.signalCode === null && !m.paused,
      )
      .map((m) => m.proc);
  }

  /**
   * Stops every child, the workers first (so that nothing changes the jobs while the trigger server
   * finishes its requests), then the trigger server: continues paused ones, asks each to stop
   * (SIGTERM), and SIGKILLs whatever is still there after `graceMs`. Safe to call more than once;
   * the later calls wait for the first.
   */
  stopAll(graceMs = 5000): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    this.stoppingAll ??= (async () => {
      const all = [...this.children.values()];
      const stop = (m: Managed) => {
        if (m.paused) m.owned.signal("SIGCONT");
        return m.owned.stop({ graceMs });
      };
      await Promise.all(all.filter((m) => m.kind === "worker").map(stop));
      await Promise.all(all.filter((m) => m.kind !== "worker").map(stop));
    })();
    return this.stoppingAll;
  }

  private stoppingAll: Promise<void> | undefined;

  /** SIGKILLs every child at once (a second Ctrl-C). */
  killAll(): void {
    this.stopped = true;
    this.stopping.abort();
    for (const m of this.children.values()) m.owned.kill();
  }

  private require(proc: string): Managed {
    const m = this.children.get(proc);
    if (!m) throw new Error(`no process named ${proc}`);
    return m;
  }
}
