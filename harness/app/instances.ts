/**
 * The instances of the user's service: N processes started from their own command line, each with
 * its own port and the run's MongoDB URL, stopped the way operators stop them (SIGTERM to the
 * process the command started, SIGKILL of its whole group after a grace period). They implement
 * the faults' process control, so kill, terminate and pause strike an instance as they strike a
 * worker; a service has no IPC channel, and nothing is known of what each instance runs.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ProcessControl } from "../faults/faultType.ts";
import type { LedgerSink } from "../ledger/fileLedger.ts";
import { newInstanceId } from "../ledger/identity.ts";
import { HarnessError } from "../util/exitCodes.ts";
import { type ChildExit, describeExit, lastLines, type OwnedChild, spawnOwned } from "../util/ownedChild.ts";
import { freePort } from "../util/port.ts";
import type { Reporter } from "../util/reporter.ts";
import { sleep } from "../util/wait.ts";

/** How instances are started, reached and stopped. */
export interface InstanceOptions {
  /** The command as its words (split from --cmd). */
  argv: string[];
  cwd: string;
  /** The user's variables (--env-file, then --env), before the port and the database URL. */
  env: Record<string, string>;
  count: number;
  portEnv: string;
  mongoEnv: string;
  /** The run's MongoDB URL, its path naming the run's own database. */
  mongoUrl: string;
  /** Ready when GET this path answers (any status below 500), or when a log line matches. */
  ready: { path: string } | { log: RegExp };
  startTimeoutMs: number;
  /** SIGTERM to SIGKILL. */
  graceMs: number;
  runDir: string;
  ledger: LedgerSink;
  reporter: Reporter;
}

/** One instance's life. */
interface Instance {
  name: string;
  port: number;
  child: OwnedChild;
  instance: string;
  logFile: string;
  paused: boolean;
  /** Ready for requests (as a readiness probe passing puts a pod behind its Service). */
  ready: boolean;
  /** When SIGTERM was sent, and when the instance exited after it. */
  stop?: { sigtermAt: number; exitedAt?: number; killed: boolean };
}

/** How long each instance took from SIGTERM to exit, for the report. */
export interface StopTime {
  proc: string;
  ms: number;
  /** SIGKILLed after the grace period: it did not exit on its own. */
  killed: boolean;
  exit: string;
}

export class ServiceInstances implements ProcessControl {
  private readonly byName = new Map<string, Instance>();
  private readonly ports = new Map<string, number>();
  readonly stopTimes: StopTime[] = [];
  /** Exits nobody asked for (a crash of the service), with the last lines of its log. */
  readonly crashes: { proc: string; t: number; exit: string; log: string }[] = [];

  constructor(private readonly o: InstanceOptions) {
    mkdirSync(join(o.runDir, "instances"), { recursive: true });
  }

  /** The instances' names: w1 … wN (a fault targets them as it targets workers). */
  workerNames(): string[] {
    return Array.from({ length: this.o.count }, (_, i) => `w${i + 1}`);
  }

  /** The base URL of every instance that takes requests now: ready, not stopping, not exited, not paused. */
  urls(): string[] {
    return this.runningWorkers().map((n) => `http://127.0.0.1:${this.ports.get(n)}`);
  }

  runningWorkers(): string[] {
    return [...this.byName.values()]
      .filter((i) => i.ready && !i.child.exit && !i.paused && !i.stop)
      .map((i) => i.name);
  }

  /** Starts every instance, side by side, and waits until each is ready. */
  async startAll(signal: AbortSignal): Promise<void> {
    await Promise.all(this.workerNames().map((n) => this.start(n, signal)));
  }

  private async start(name: string, signal: AbortSignal): Promise<Instance> {
    const port = this.ports.get(name) ?? (await freePort());
    this.ports.set(name, port);
    const logFile = join(this.o.runDir, "instances", `${name}.log`);
    const [file, ...args] = this.o.argv as [string, ...string[]];
    const child = spawnOwned(file, args, {
      name: `instance ${name}`,
      lifeline: "watchdog",
      cwd: this.o.cwd,
      env: { ...this.o.env, [this.o.portEnv]: String(port), [this.o.mongoEnv]: this.o.mongoUrl },
      logFile,
    });
    const inst: Instance = {
      name,
      port,
      child,
      instance: newInstanceId(),
      logFile,
      paused: false,
      ready: false,
    };
    this.byName.set(name, inst);
    this.record(inst, "start");
    void child.exited.then((exit) => this.exited_(inst, exit));
    await this.waitReady(inst, signal);
    inst.ready = true;
    this.record(inst, "ready");
    return inst;
  }

  private exited_(inst: Instance, exit: ChildExit): void {
    const t = Date.now();
    this.record(inst, "exit", exit);
    if (inst.stop) inst.stop.exitedAt = t;
    else if (!inst.child.stopping) {
      const log = this.tail(inst, 5);
      this.crashes.push({ proc: inst.name, t, exit: describeExit(exit), log });
      this.o.reporter.warn(
        `instance ${inst.name} ${describeExit(exit)} on its own${log ? `; its last lines: ${log.replace(/\n/g, " ⏎ ")}` : ""}`,
      );
    }
  }

  /** Waits for readiness; one line (exit 3) when the instance exits first or never becomes ready. */
  private async waitReady(inst: Instance, signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + this.o.startTimeoutMs;
    const ready = this.o.ready;
    while (!signal.aborted) {
      if (inst.child.exit)
        throw new HarnessError(
          `instance ${inst.name} (${this.o.argv.join(" ")}) ${describeExit(inst.child.exit)} while starting; its last lines: ${this.tail(inst, 8) || "(no output)"}`,
        );
      if ("path" in ready ? await answers(inst.port, ready.path) : ready.log.test(this.tail(inst, 200)))
        return;
      if (Date.now() > deadline) {
        const why =
          "path" in ready
            ? `nothing answered GET ${ready.path} on port ${inst.port}, the port it was given in ${this.o.portEnv} (does the service read ${this.o.portEnv}?)`
            : `no line of its output matched ${ready.log}`;
        throw new HarnessError(
          `instance ${inst.name} did not become ready within ${this.o.startTimeoutMs / 1000} s: ${why}; its last lines: ${this.tail(inst, 8) || "(no output)"}`,
        );
      }
      await sleep(100, signal);
    }
  }

  private tail(inst: Instance, n: number): string {
    try {
      return lastLines(readFileSync(inst.logFile, "utf8"), n);
    } catch {
      return "";
    }
  }

  private record(inst: Instance, event: "start" | "ready" | "sigterm" | "exit", exit?: ChildExit): void {
    this.o.ledger.append({
      type: "instance",
      t: Date.now(),
      proc: inst.name,
      instance: inst.instance,
      pid: inst.child.pid,
      event,
      ...(exit ? { code: exit.code, signal: exit.signal } : {}),
    });
  }

  private get(name: string): Instance {
    const inst = this.byName.get(name);
    if (!inst) throw new Error(`no instance ${name}`);
    return inst;
  }

  pidOf(proc: string): number | undefined {
    return this.byName.get(proc)?.child.pid;
  }

  instanceOf(proc: string): string | undefined {
    return this.byName.get(proc)?.instance;
  }

  async kill(proc: string) {
    const inst = this.get(proc);
    inst.child.kill();
    const t = Date.now();
    await inst.child.exited;
    return { pid: inst.child.pid, instance: inst.instance, t };
  }

  /** SIGTERM to the process the command started (as Kubernetes stops a container), SIGKILL after the grace. */
  async terminate(proc: string) {
    const inst = this.get(proc);
    const t = Date.now();
    const stop = this.stopOne(inst);
    await stop;
    return { pid: inst.child.pid, t, exitedAt: inst.stop?.exitedAt ?? Date.now() };
  }

  /**
   * One step of a rolling restart: SIGTERM, SIGKILL after `graceMs`, resolved once it has exited.
   * The service's locks name whatever its own code names them, so no lock owner is known here.
   */
  async gracefulStop(proc: string, graceMs: number) {
    const inst = this.get(proc);
    const t = Date.now();
    await this.stopOne(inst, graceMs);
    const exit = inst.child.exit;
    return {
      pid: inst.child.pid,
      instance: inst.instance,
      t,
      exitedAt: inst.stop?.exitedAt ?? Date.now(),
      exit: { code: exit?.code ?? null, signal: exit?.signal ?? null, killed: inst.stop?.killed ?? false },
    };
  }

  /** A surge (a new instance beside the old) needs ports and names the service was not started with. */
  async startLike(): Promise<never> {
    throw new Error("app mode restarts each instance in place: a surge (surge=1) is not offered");
  }

  lockOwnerOf(): string | undefined {
    return undefined;
  }

  private async stopOne(inst: Instance, graceMs = this.o.graceMs): Promise<void> {
    if (inst.child.exit) return;
    if (inst.paused) this.resume(inst.name);
    const sigtermAt = Date.now();
    inst.stop = { sigtermAt, killed: false };
    this.record(inst, "sigterm");
    try {
      process.kill(inst.child.pid, "SIGTERM");
    } catch {
      // Gone already.
    }
    const timer = setTimeout(() => {
      if (inst.stop) inst.stop.killed = true;
      inst.child.kill();
    }, graceMs);
    const exit = await inst.child.exited;
    clearTimeout(timer);
    // The rest of its group (children it left behind, the lifeline's reader) goes too.
    inst.child.kill();
    this.stopTimes.push({
      proc: inst.name,
      ms: (inst.stop.exitedAt ?? Date.now()) - sigtermAt,
      killed: inst.stop.killed,
      exit: describeExit(exit),
    });
  }

  pause(proc: string) {
    const inst = this.get(proc);
    inst.child.signal("SIGSTOP");
    inst.paused = true;
    return { pid: inst.child.pid, instance: inst.instance, t: Date.now() };
  }

  resume(proc: string) {
    const inst = this.get(proc);
    inst.child.signal("SIGCONT");
    inst.paused = false;
    return { pid: inst.child.pid, instance: inst.instance, t: Date.now() };
  }

  async exited(proc: string): Promise<number> {
    await this.get(proc).child.exited;
    return Date.now();
  }

  async restart(proc: string, signal?: AbortSignal) {
    const old = this.get(proc);
    // Already started again (by another fault's heal): that instance stands.
    if (!old.child.exit && !old.child.stopping) return { pid: old.child.pid, instance: old.instance };
    await old.child.exited;
    const inst = await this.start(proc, signal ?? new AbortController().signal);
    return { pid: inst.child.pid, instance: inst.instance };
  }

  async request(): Promise<unknown> {
    throw new Error("a service instance has no IPC channel");
  }

  /** Stops every instance as operators do (SIGTERM, SIGKILL after the grace), side by side. */
  async stopAll(graceMs = this.o.graceMs): Promise<void> {
    await Promise.all([...this.byName.values()].map((i) => this.stopOne(i, graceMs)));
  }

  /** SIGKILLs every instance's group at once (a second Ctrl-C). */
  killAll(): void {
    for (const i of this.byName.values()) i.child.kill();
  }
}

/** Whether GET `path` on the port answers with a status below 500. */
async function answers(port: number, path: string): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer().catch(() => {});
    return res.status < 500;
  } catch {
    return false;
  }
}

/** Splits a command line into words: spaces separate, single and double quotes group, no shell. */
export function commandWords(cmd: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const m of cmd.matchAll(re)) words.push(m[1]?.replace(/\\(.)/g, "$1") ?? m[2] ?? (m[3] as string));
  return words;
}
