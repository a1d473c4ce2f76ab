/**
 * Every process the harness starts goes through `spawnOwned`. Two guarantees, which pull in opposite
 * directions and are both kept:
 *
 * - A terminal's Ctrl-C is sent by the kernel to the whole foreground process group. Each child is
 *   therefore started in a session (and process group) of its own, so that the signal reaches the
 *   harness alone and the harness stops its children in order: the load, the faults, the workers,
 *   the trigger server, and the database server only after the final state has been read.
 * - A child never outlives the harness, even one killed with SIGKILL: each holds a lifeline whose end
 *   stops it. A Node child exits when its IPC channel closes (`ipc`); the Java stand-in exits when
 *   its standard input closes (`stdin`); any other program runs under a small shell watchdog that
 *   reads a pipe from the harness and kills the child's whole process group at end of file
 *   (`watchdog`), which also takes the grandchildren of a build (mvn's JVM, go's compilers).
 */
import { execa, type Options, type ResultPromise } from "execa";

/** How a child learns that the harness is gone. */
export type Lifeline = "ipc" | "stdin" | "watchdog";

/** How a child ended: one of the two is set. */
export interface ChildExit {
  code: number | null;
  signal: string | null;
}

export interface OwnedOptions {
  /** How people call it in messages: "mongo server (standin)", "trigger server", "toxiproxy". */
  name: string;
  lifeline: Lifeline;
  env?: Record<string, string | undefined>;
  /** Replace the environment instead of extending the harness's own. */
  extendEnv?: boolean;
  cwd?: string;
  /** A file the child's stdout and stderr are appended to; otherwise both are piped. */
  logFile?: string;
  /** A time bound (builds): the child's group is killed after it. */
  timeoutMs?: number;
}

/** What a run needs to watch a process it depends on: whether it died without being asked to. */
export interface WatchedProcess {
  readonly name: string;
  readonly pid: number;
  /** Settles (never rejects) when it has exited. */
  readonly exited: Promise<ChildExit>;
  /** True once the harness asked it to stop: an exit after that is expected, not a finding. */
  readonly stopping: boolean;
}

/** A running child the harness owns. */
export interface OwnedChild extends WatchedProcess {
  readonly name: string;
  readonly pid: number;
  /** The execa subprocess: its IPC methods and its piped output. */
  readonly process: ResultPromise;
  /** Settles (never rejects) when the child has exited. */
  readonly exited: Promise<ChildExit>;
  /** Set once it has exited. */
  readonly exit: ChildExit | null;
  /** True once the harness asked it to stop: an exit after that is expected, not a finding. */
  readonly stopping: boolean;
  /** Sends a signal to the child's whole process group. */
  signal(signal: NodeJS.Signals): void;
  /**
   * Asks the group to stop (SIGTERM unless told otherwise), SIGKILLs it after `graceMs`, then cuts
   * the lifeline so nothing of the group remains. Safe to call more than once.
   */
  stop(options?: { signal?: NodeJS.Signals; graceMs?: number }): Promise<ChildExit>;
  /** SIGKILLs the whole group at once, synchronously (a second Ctrl-C, the harness exiting). */
  kill(): void;
}

/** The children alive now, for `killEveryOwnedChild`. */
const live = new Set<OwnedChild>();

/**
 * The shell watchdog: moves the lifeline pipe to fd 3, starts a reader of it in the background and
 * execs the program in its place (same pid, same group). At end of file, the harness is gone: the
 * reader kills the whole group, itself included.
 */
const WATCHDOG = 'exec 3<&0 </dev/null; (read _ <&3; kill -KILL 0) & exec "$@" 3<&-';

/** Starts `file args` as a child the harness owns (see the module comment). */
export function spawnOwned(
  file: string,
  args: readonly string[],
  options: OwnedOptions,
  extra: Pick<Options, "serialization"> = {},
): OwnedChild {
  const watchdog = options.lifeline === "watchdog";
  const output = options.logFile
    ? { stdout: { file: options.logFile, append: true }, stderr: { file: options.logFile, append: true } }
    : { stdout: "pipe" as const, stderr: "pipe" as const };
  const child = execa(watchdog ? "/bin/sh" : file, watchdog ? ["-c", WATCHDOG, "sh", file, ...args] : args, {
    detached: true,
    ipc: options.lifeline === "ipc",
    ...(options.lifeline === "ipc" ? { serialization: extra.serialization ?? "json" } : {}),
    stdin: options.lifeline === "ipc" ? "ignore" : "pipe",
    ...output,
    env: options.env,
    extendEnv: options.extendEnv ?? true,
    cwd: options.cwd,
    reject: false,
    // The group is stopped by stop() and kill(), not by execa (it would signal the pid alone).
    cleanup: false,
  } as Options) as ResultPromise;
  const pid = child.pid;
  if (pid === undefined) {
    // execa reports the spawn error through the promise; give it a settled exit.
    const failed: ChildExit = { code: null, signal: null };
    return deadChild(options.name, child, failed);
  }
  let exit: ChildExit | null = null;
  let stopping = false;
  let stopped: Promise<ChildExit> | undefined;
  const exited: Promise<ChildExit> = new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      exit = { code, signal };
      live.delete(owned);
      resolve(exit);
    });
  });
  // The outcome is read through `exited`; execa's own promise must not reject unobserved.
  child.catch(() => {});
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is gone already.
    }
  };
  const cutLifeline = () => {
    child.stdin?.destroy();
  };
  const owned: OwnedChild = {
    name: options.name,
    pid,
    process: child,
    exited,
    get exit() {
      return exit;
    },
    get stopping() {
      return stopping;
    },
    signal: signalGroup,
    stop({ signal = "SIGTERM", graceMs = 5000 } = {}) {
      stopping = true;
      stopped ??= (async () => {
        if (!exit) signalGroup(signal);
        const timer = setTimeout(() => signalGroup("SIGKILL"), graceMs);
        const result = await exited;
        clearTimeout(timer);
        // Anything of the group still there (the watchdog, a grandchild) goes with the lifeline.
        signalGroup("SIGKILL");
        cutLifeline();
        return result;
      })();
      return stopped;
    },
    kill() {
      stopping = true;
      signalGroup("SIGKILL");
      cutLifeline();
    },
  };
  live.add(owned);
  if (options.timeoutMs) {
    const timer = setTimeout(() => owned.kill(), options.timeoutMs);
    void exited.then(() => clearTimeout(timer));
  }
  // A child that exits on its own leaves its watchdog reading: end it with the lifeline.
  void exited.then(() => {
    if (watchdog) signalGroup("SIGKILL");
  });
  return owned;
}

function deadChild(name: string, child: ResultPromise, exit: ChildExit): OwnedChild {
  child.catch(() => {});
  return {
    name,
    pid: -1,
    process: child,
    exited: Promise.resolve(exit),
    exit,
    stopping: false,
    signal() {},
    stop: async () => exit,
    kill() {},
  };
}

/** SIGKILLs every child the harness still owns; returns how many there were. */
export function killEveryOwnedChild(): number {
  const all = [...live];
  for (const child of all) child.kill();
  return all.length;
}

/** "exited with code 1", "exited with signal SIGKILL". */
export function describeExit(exit: ChildExit): string {
  if (exit.signal) return `exited with signal ${exit.signal}`;
  if (exit.code !== null) return `exited with code ${exit.code}`;
  return "could not be started";
}

/**
 * Runs a command to completion as an owned child (a build: mvn, go, npm, vite), killed with its
 * whole group when `signal` aborts or `timeoutMs` passes. Resolves with its output; rejects with an
 * Error whose message is the command's last lines of output when it fails.
 */
export async function runOwned(
  file: string,
  args: readonly string[],
  options: Omit<OwnedOptions, "lifeline" | "logFile"> & { signal?: AbortSignal },
): Promise<{ stdout: string; stderr: string }> {
  const child = spawnOwned(file, args, { ...options, lifeline: "watchdog" });
  const onAbort = () => child.kill();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const result = await child.process;
    const exit = await child.exited;
    const stdout = String(result.stdout ?? "");
    const stderr = String(result.stderr ?? "");
    if (exit.code === 0) return { stdout, stderr };
    // The watchdog's shell could not exec the program: it is not installed.
    if (exit.code === 127 && /not found|No such file/.test(stderr))
      throw Object.assign(new Error(`${file} is not installed (not on the PATH)`), { code: "ENOENT", exit });
    const why = options.signal?.aborted
      ? "interrupted"
      : exit.code === null && exit.signal === "SIGKILL" && options.timeoutMs
        ? `timed out after ${Math.round(options.timeoutMs / 1000)} s`
        : describeExit(exit);
    const tail = lastLines(`${stdout}\n${stderr}`, 3);
    throw Object.assign(new Error(`${options.name} ${why}${tail ? `: ${tail}` : ""}`), {
      stdout,
      stderr,
      exit,
    });
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    child.kill();
  }
}

/** The last `n` non-empty lines of a text, joined with " | ". */
export function lastLines(text: string, n: number): string {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-n)
    .join(" | ");
}
