import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Db, MongoClient } from "mongodb";
import type { BenchExtension } from "../../adapters/adapter.ts";
import { createAdapter } from "../../adapters/registry.ts";
import type { SutSpec } from "../../adapters/wiring.ts";
import { Supervisor } from "../../processes/supervisor.ts";
import type { WorkerConfig } from "../../processes/workerMain.ts";
import type { WorkerStats } from "../../processes/workerStats.ts";
import { sleep } from "../../util/wait.ts";
import { type BenchSut, type BenchVariant, benchSuts } from "../model/variants.ts";

/** Counters summed over a group's worker processes at one moment. */
export interface GroupStats {
  cpuMs: number;
  /** The main threads alone; null when a process could not read it (see mainThreadCpuUs). */
  mainCpuMs: number | null;
  commands: number;
  emptyClaims: number;
  claims: number;
  claimMs: number;
  /** Handler executions started. */
  executions: number;
  byName: Record<string, number>;
}

export interface GroupSettings {
  uri: string;
  processes: number;
  workersPerProcess: number;
  pollIntervalMs: number;
  lockTimeoutMs: number;
  /** The bench's folder; the group writes under `<dir>/<variant>/`. */
  dir: string;
  withTrigger: boolean;
  /** Distinguishes groups of one variant (forks, and the scaling curve, run several). */
  tag?: string;
  /** Node flags of the worker processes. */
  nodeArgs?: readonly string[];
}

/**
 * The running processes of one variant, on a database of its own: worker processes (and the
 * trigger server when the open loop needs it). Between its trials the group is paused (SIGSTOP),
 * so an idle variant's polling neither loads the server nor takes CPU from the one measured.
 */
export class VariantGroup {
  readonly sut: BenchSut;
  /** The scheduler's bench extension: how its jobs are seeded and read back (set by start). */
  jobs!: BenchExtension;
  readonly db: Db;
  readonly dbName: string;
  readonly ledgerDir: string;
  /** The group's folder (ledger, logs, the open loop's request records). */
  readonly dir: string;
  port = 0;
  private readonly supervisor: Supervisor;
  private paused = false;

  constructor(
    readonly variant: BenchVariant,
    readonly settings: GroupSettings,
    client: MongoClient,
  ) {
    const sut = benchSuts[variant.sut];
    if (!sut) throw new Error(`unknown system under test ${variant.sut}`);
    this.sut = sut;
    this.dbName = `harness_bench_${randomBytes(4).toString("hex")}`;
    this.db = client.db(this.dbName);
    const dir = join(settings.dir, settings.tag ? `${variant.id}-${settings.tag}` : variant.id);
    this.dir = dir;
    this.ledgerDir = join(dir, "ledger");
    this.supervisor = new Supervisor({
      logDir: join(dir, "logs"),
      runTag: `bench-${process.pid}`,
      onProcess: () => {},
    });
  }

  get slots(): number {
    return this.settings.processes * this.settings.workersPerProcess;
  }

  get collection() {
    return this.db.collection(this.jobs.collection);
  }

  /** The scheduler as every process of the group builds it: the matched wiring, the variant's build. */
  private spec(): SutSpec {
    const s = this.settings;
    return {
      adapter: this.sut.adapter,
      wiring: "matched",
      matched: { pollIntervalMs: s.pollIntervalMs, lockTimeoutMs: s.lockTimeoutMs },
      ...(this.variant.schedulerPath ? { build: this.variant.schedulerPath } : {}),
    };
  }

  /** Creates the database and starts every process; resolves once all are ready. */
  async start(): Promise<void> {
    const s = this.settings;
    const sut = this.spec();
    const adapter = await createAdapter(sut);
    if (!adapter.bench) throw new Error(`${this.sut.adapter} has no bench extension`);
    this.jobs = adapter.bench;
    await adapter.prepare(this.db);
    const config = (proc: string): WorkerConfig & Record<string, unknown> => ({
      uri: s.uri,
      dbName: this.dbName,
      proc,
      slots: s.workersPerProcess,
      pollIntervalMs: s.pollIntervalMs,
      lockTimeoutMs: s.lockTimeoutMs,
      ledgerDir: this.ledgerDir,
      ledger: this.variant.ledger,
      sut,
      ...this.sut.worker.config,
    });
    const [port] = await Promise.all([
      s.withTrigger && this.sut.trigger
        ? this.supervisor.startTrigger({ uri: s.uri, dbName: this.dbName, sut })
        : Promise.resolve(0),
      ...Array.from({ length: s.processes }, (_, i) =>
        this.supervisor.startWorker(
          `w${i + 1}`,
          config(`w${i + 1}`),
          s.workersPerProcess,
          this.sut.worker.raw,
          { nodeArgs: s.nodeArgs ?? [] },
        ),
      ),
    ]);
    this.port = port;
  }

  /** Freezes every process of the group (no-op when already paused). */
  pause(): void {
    if (this.paused) return;
    for (const proc of this.procs(true)) this.supervisor.pause(proc);
    this.paused = true;
  }

  /** Continues the group and waits two poll intervals, so every worker is polling again. */
  async resume(signal?: AbortSignal): Promise<void> {
    if (this.paused) for (const proc of this.procs(true)) this.supervisor.resume(proc);
    this.paused = false;
    await sleep(2 * this.settings.pollIntervalMs, signal);
  }

  /** Pauses or continues the trigger server alone (enqueue capacity is measured with workers frozen). */
  pauseWorkers(): void {
    for (const proc of this.procs(false)) this.supervisor.pause(proc);
  }

  resumeWorkers(): void {
    for (const proc of this.procs(false)) this.supervisor.resume(proc);
  }

  private procs(withTrigger: boolean): string[] {
    const workers = this.supervisor.workerProcs();
    return withTrigger && this.port ? [...workers, "trigger"] : workers;
  }

  /** The worker processes' counters, summed; throws when one does not answer. */
  async stats(): Promise<GroupStats> {
    const replies = await Promise.all(this.supervisor.workerProcs().map((p) => this.supervisor.stats(p)));
    const out: GroupStats = {
      cpuMs: 0,
      mainCpuMs: 0,
      commands: 0,
      emptyClaims: 0,
      claims: 0,
      claimMs: 0,
      executions: 0,
      byName: {},
    };
    for (const r of replies as (WorkerStats | null)[]) {
      if (!r) throw new Error(`a worker process of ${this.variant.id} did not report its counters`);
      out.cpuMs += (r.cpuUserUs + r.cpuSystemUs) / 1000;
      out.mainCpuMs =
        out.mainCpuMs === null || r.mainThreadUs === null ? null : out.mainCpuMs + r.mainThreadUs / 1000;
      out.emptyClaims += r.emptyClaims;
      out.claims += r.claims;
      out.claimMs += r.claimMs;
      out.executions += r.executions ?? 0;
      for (const [name, n] of Object.entries(r.commands)) {
        out.commands += n;
        out.byName[name] = (out.byName[name] ?? 0) + n;
      }
    }
    return out;
  }

  /** Stops every process and drops the group's database. */
  async stop(): Promise<void> {
    await this.supervisor.stopAll();
    await this.db.dropDatabase().catch(() => {});
  }
}

/** Counters between two snapshots. */
export function statsDelta(before: GroupStats, after: GroupStats): GroupStats {
  const byName: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.byName)) byName[k] = v - (before.byName[k] ?? 0);
  return {
    cpuMs: after.cpuMs - before.cpuMs,
    mainCpuMs:
      after.mainCpuMs === null || before.mainCpuMs === null ? null : after.mainCpuMs - before.mainCpuMs,
    commands: after.commands - before.commands,
    emptyClaims: after.emptyClaims - before.emptyClaims,
    claims: after.claims - before.claims,
    claimMs: after.claimMs - before.claimMs,
    executions: after.executions - before.executions,
    byName,
  };
}
