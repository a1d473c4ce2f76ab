import type { MongoClient } from "mongodb";

/** What a worker process answers to `{ type: "stats" }`: counters since it started. */
export interface WorkerStats {
  type: "stats";
  pid: number;
  /** process.cpuUsage() of this process, in µs. */
  cpuUserUs: number;
  cpuSystemUs: number;
  /** MongoDB commands this process sent (driver command monitoring), by command name. */
  commands: Record<string, number>;
  /** findAndModify commands that matched no document: a poll that found nothing to claim. */
  emptyClaims: number;
  /** findAndModify commands that claimed a job, and their summed round-trip time (ms). */
  claims: number;
  claimMs: number;
}

/**
 * Counts the commands a client sends (it must be built with `monitorCommands: true`) and answers
 * the bench's `{ type: "stats" }` IPC message with them and this process's CPU time, so CPU per
 * job and commands per job can be read around any measured window. Any worker entry (every system
 * under test) installs it with one call.
 */
export function installStatsResponder(client: MongoClient): void {
  const commands: Record<string, number> = {};
  let emptyClaims = 0;
  let claims = 0;
  let claimMs = 0;
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
    const reply: WorkerStats = {
      type: "stats",
      pid: process.pid,
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
      commands: { ...commands },
      emptyClaims,
      claims,
      claimMs,
    };
    process.send?.(reply);
  });
}
