import { readFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { MongoClient } from "mongodb";

/**
 * The CPU time of this process's main thread (the JavaScript thread), in µs, from Linux's
 * /proc/self/schedstat (nanoseconds on the CPU of the thread-group leader); null where the file
 * does not exist (other systems, or a kernel without scheduler statistics). process.cpuUsage()
 * adds V8's background threads (concurrent compiler and GC helpers), whose bursts land at random
 * in a measured window.
 */
export function mainThreadCpuUs(
  read: () => string = () => readFileSync("/proc/self/schedstat", "utf8"),
): number | null {
  try {
    const ns = Number(read().split(" ")[0]);
    return Number.isFinite(ns) && ns > 0 ? ns / 1000 : null;
  } catch {
    return null;
  }
}

/** What a worker process answers to `{ type: "stats" }`: counters since it started. */
export interface WorkerStats {
  type: "stats";
  pid: number;
  /** process.cpuUsage() of this process, in µs. */
  cpuUserUs: number;
  cpuSystemUs: number;
  /** The main thread's CPU time, µs (see mainThreadCpuUs); null where it cannot be read. */
  mainThreadUs: number | null;
  /** MongoDB commands this process sent (driver command monitoring), by command name. */
  commands: Record<string, number>;
  /** findAndModify commands that matched no document: a poll that found nothing to claim. */
  emptyClaims: number;
  /** findAndModify commands that claimed a job, and their summed round-trip time (ms). */
  claims: number;
  claimMs: number;
  /** Handler executions started (every claim that ran a job, once each), whatever the ledger. */
  executions: number;
  /** Resident set size and V8 heap in use now (process.memoryUsage()), bytes. */
  rssBytes: number;
  heapUsedBytes: number;
  /** Event-loop delay since the previous answer (or the start), ms. */
  loopDelayMs: { mean: number; p99: number; max: number };
  /** The driver's pool connections created and not yet closed. */
  connections: number;
}

/** Handler executions of this process so far (see countExecution). */
let executions = 0;

/**
 * Counts one execution of a job's handler: on a server whose claim is not atomic a job runs more
 * than once, and the bench shows executions per completed job beside its throughput.
 */
export function countExecution(): void {
  executions++;
}

/**
 * Counts the commands a client sends (it must be built with `monitorCommands: true`) and answers
 * the bench's `{ type: "stats" }` IPC message with them and this process's CPU time, so CPU per
 * job and commands per job can be read around any measured window, and with its memory, event-loop
 * delay and open connections, which a soak samples. Any worker entry (every system under test)
 * installs it with one call.
 */
export function installStatsResponder(client: MongoClient): void {
  const commands: Record<string, number> = {};
  let emptyClaims = 0;
  let claims = 0;
  let claimMs = 0;
  let connections = 0;
  client.on("connectionCreated", () => connections++);
  client.on("connectionClosed", () => connections--);
  // Reset at every answer, so each answer covers the time since the previous one (a soak's sample).
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const ms = (ns: number) => (Number.isFinite(ns) ? Math.round(ns / 1e4) / 100 : 0);
  client.on("commandStarted", (e) => {
    commands[e.commandName] = (commands[e.commandName] ?? 0) + 1;
  });
  client.on("commandSucceeded", (e) => {
    if (e.commandName !== "findAndModify") return;
    if ((e.reply as { value?: unknown })?.value == null) emptyClaims++;
    else {
      claims++;
      claimMs += e.duration;
    }
  });
  process.on("message", (message: unknown) => {
    if ((message as { type?: string })?.type !== "stats") return;
    const cpu = process.cpuUsage();
    const memory = process.memoryUsage();
    const loopDelayMs = { mean: ms(loop.mean), p99: ms(loop.percentile(99)), max: ms(loop.max) };
    loop.reset();
    const reply: WorkerStats = {
      type: "stats",
      pid: process.pid,
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
      mainThreadUs: mainThreadCpuUs(),
      commands: { ...commands },
      emptyClaims,
      claims,
      claimMs,
      executions,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      loopDelayMs,
      connections,
    };
    process.send?.(reply);
  });
}
