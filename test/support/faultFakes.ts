import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type {
  ClockControl,
  FaultEnv,
  ProcessControl,
  ProxyControl,
  ToxicSpec,
} from "../../harness/faults/faultType.ts";
import type { JobKind } from "../../harness/ledger/jobKinds.ts";
import { LiveLedger } from "../../harness/ledger/liveLedger.ts";
import type { LedgerRecord } from "../../harness/ledger/records.ts";
import { HarnessError } from "../../harness/util/exitCodes.ts";
import { createRng } from "../../harness/util/rng.ts";

/** A process controller that only records what it was asked to do. */
export class FakeProcesses implements ProcessControl {
  readonly calls: string[] = [];
  readonly paused = new Set<string>();
  readonly dead = new Set<string>();
  private generation = new Map<string, number>();
  /** Replies to IPC requests, by request type. */
  replies: Record<string, unknown> = {};

  constructor(readonly names: string[]) {}

  instanceOf(proc: string): string {
    return `${proc}.${this.generation.get(proc) ?? 0}`;
  }
  pidOf(proc: string): number {
    return 1000 + this.names.indexOf(proc) * 10 + (this.generation.get(proc) ?? 0);
  }
  runningWorkers(): string[] {
    return this.names.filter((n) => !this.paused.has(n) && !this.dead.has(n));
  }
  workerNames(): string[] {
    return [...this.names];
  }
  async kill(proc: string) {
    this.calls.push(`kill ${proc}`);
    this.dead.add(proc);
    return { pid: this.pidOf(proc), instance: this.instanceOf(proc), t: Date.now() };
  }
  async terminate(proc: string) {
    this.calls.push(`terminate ${proc}`);
    this.dead.add(proc);
    return { pid: this.pidOf(proc), t: Date.now(), exitedAt: Date.now() };
  }
  pause(proc: string) {
    this.calls.push(`pause ${proc}`);
    this.paused.add(proc);
    return { pid: this.pidOf(proc), instance: this.instanceOf(proc), t: Date.now() };
  }
  resume(proc: string) {
    this.calls.push(`resume ${proc}`);
    this.paused.delete(proc);
    return { pid: this.pidOf(proc), instance: this.instanceOf(proc), t: Date.now() };
  }
  async exited(): Promise<number> {
    return Date.now();
  }
  async restart(proc: string, signal?: AbortSignal) {
    if (signal?.aborted) throw new Error("cancelled");
    this.calls.push(`restart ${proc}`);
    this.dead.delete(proc);
    this.generation.set(proc, (this.generation.get(proc) ?? 0) + 1);
    return { pid: this.pidOf(proc), instance: this.instanceOf(proc) };
  }
  async request(proc: string, message: { type: string }): Promise<unknown> {
    this.calls.push(`request ${proc} ${message.type}`);
    return this.replies[message.type];
  }
}

/** A proxy per worker, in memory; `failHeal` makes every re-enable and toxic removal fail. */
export class FakeProxies implements ProxyControl {
  readonly enabled = new Map<string, boolean>();
  readonly toxics = new Map<string, ToxicSpec[]>();
  failHeal = false;

  async setEnabled(proc: string, enabled: boolean): Promise<void> {
    if (enabled && this.failHeal) throw new Error("proxy server gone");
    this.enabled.set(proc, enabled);
  }
  async addToxic(proc: string, toxic: ToxicSpec): Promise<void> {
    this.toxics.set(proc, [...(this.toxics.get(proc) ?? []), toxic]);
  }
  async removeToxic(proc: string, name: string): Promise<void> {
    if (this.failHeal) throw new Error("proxy server gone");
    this.toxics.set(
      proc,
      (this.toxics.get(proc) ?? []).filter((t) => t.name !== name),
    );
  }
  /** Whether any fault is left in place. */
  clean(): boolean {
    return (
      [...this.enabled.values()].every(Boolean) && [...this.toxics.values()].every((l) => l.length === 0)
    );
  }
}

/** Wall-clock offsets per worker, in memory. */
export class FakeClocks implements ClockControl {
  readonly offsets = new Map<string, number>();
  constructor(private readonly movable: string[]) {}
  controls(proc: string): boolean {
    return this.movable.includes(proc);
  }
  setOffset(proc: string, offsetMs: number): void {
    this.offsets.set(proc, offsetMs);
  }
}

/** A fault environment over fakes, with a ledger kept in memory. */
export function fakeEnv(
  signal: AbortSignal,
  parts: { processes: FakeProcesses; proxies?: FakeProxies; clocks?: FakeClocks },
): FaultEnv & { records: LedgerRecord[]; lines: string[] } {
  const records: LedgerRecord[] = [];
  const lines: string[] = [];
  return {
    processes: parts.processes,
    proxies: parts.proxies ?? null,
    clocks: parts.clocks ?? null,
    live: new LiveLedger(join(mkdtempSync(join(tmpdir(), "fault-live-")), "none")),
    ledger: { append: (r) => records.push(r), close() {} },
    rng: createRng(7),
    progress: (m) => lines.push(m),
    now: () => Date.now(),
    signal,
    records,
    lines,
  };
}

/**
 * Marks a worker as executing a job in the live ledger, by the accept and start records a run would
 * write for a job of that name and those kinds.
 */
export function busy(
  env: FaultEnv,
  processes: FakeProcesses,
  proc: string,
  jobId: string,
  job: { name?: string; kinds?: JobKind[] } = {},
): void {
  const kinds = new Set(job.kinds ?? []);
  const name = job.name ?? "generic";
  const instance = processes.instanceOf(proc);
  (env.live as LiveLedger).ingest([
    {
      type: "accept",
      t: 0,
      request: `r-${jobId}`,
      jobId,
      name,
      priority: 5,
      expect: kinds.has("repeating") ? "repeating" : "completed",
      ...(kinds.has("long") ? { long: true } : {}),
      ...(kinds.has("deduped") ? { dedupeKey: `k-${jobId}` } : {}),
    },
    {
      type: "start",
      t: 0,
      execId: `${proc}#${jobId}`,
      jobId,
      name,
      priority: 5,
      ...(kinds.has("limited") ? { concurrency: 1 } : {}),
      attempt: kinds.has("retrying") ? 2 : 1,
      lockVersion: 1,
      nextRunAt: 0,
      workerId: `${proc}-w0`,
      proc,
      instance,
      pid: 1,
    },
  ]);
}

/** The one-line refusal (exit 3) that resolving these settings throws; fails the test if it accepts them. */
export function refusalOf(resolve: () => unknown): string {
  try {
    resolve();
  } catch (e) {
    expect(e).toBeInstanceOf(HarnessError);
    expect((e as HarnessError).code).toBe(3);
    expect((e as HarnessError).message.split("\n")).toHaveLength(1);
    return (e as HarnessError).message;
  }
  throw new Error("accepted");
}
