import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import autocannon from "autocannon";
import { type Db, MongoClient, ObjectId } from "mongodb";
import { reexecutionsChecker } from "../checkers/reexecutions.ts";
import { readLedgerDir } from "../ledger/history.ts";
import type { LedgerRecord } from "../ledger/records.ts";
import { provisionMongo } from "../mongo/provision.ts";
import type { ProviderChoice } from "../mongo/target.ts";
import { describeEnvironment } from "../run/environment.ts";
import { JOBS_COLLECTION, prepareDatabase } from "../run/jobsCollection.ts";
import type { Reporter } from "../run/reporter.ts";
import { loadScheduler } from "../sut/schedulerModule.ts";
import { Supervisor } from "../sut/supervisor.ts";
import type { WorkerConfig } from "../sut/workerMain.ts";
import { sleep, waitFor } from "../util/wait.ts";
import {
  BENCH_SCHEMA_VERSION,
  type BenchCellResult,
  type BenchResult,
  type BenchSetupResult,
} from "./benchResult.ts";
import {
  type BenchMatrix,
  type BenchSetup,
  benchJob,
  cellId,
  type DrainCell,
  type OpenCell,
} from "./matrix.ts";
import { hdrPercentiles, spread } from "./stats.ts";

export interface BenchOptions {
  matrix: BenchMatrix;
  mongo: { choice: ProviderChoice; uri?: string };
  /** The run's folder (reports/bench/<timestamp>). */
  dir: string;
  reporter: Reporter;
  signal: AbortSignal;
}

/** How long one drain may take before its jobs count as not drained. */
const DRAIN_TIMEOUT_MS = 300_000;

class Interrupted extends Error {}

/** The three kinds of worker process a setup is measured with. */
type Variant = "scheduler" | "ledger-off" | "raw";

/**
 * Runs a benchmark matrix on one server: for every setup, the scheduler's workers (ledger on) run
 * every cell; then the same setup drains the plain backlog with the ledger off and with the raw
 * claim loop, so the efficiency and overhead ratios come from one run on one server.
 */
export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const { matrix, reporter, signal } = options;
  const started = Date.now();
  mkdirSync(options.dir, { recursive: true });
  const target = await provisionMongo({
    choice: options.mongo.choice,
    mongoUri: options.mongo.uri,
    progress: reporter.progress,
  });
  reporter.progress(
    `bench ${matrix.name}: ${target.provider} ${target.version}${target.isMongoDB ? "" : " (the Java stand-in: not MongoDB figures)"}`,
  );
  if (!target.isMongoDB && matrix.name !== "quick") {
    reporter.warn(
      "the full matrix on the stand-in server takes hours and measures the stand-in: use --quick, or --mongo-uri a real MongoDB",
    );
  }
  const client = new MongoClient(target.uri, { serverSelectionTimeoutMS: 10_000 });
  const problems: string[] = [];
  const setups: BenchSetupResult[] = [];
  const cells: BenchCellResult[] = [];
  try {
    await client.connect();
    for (const setup of matrix.setups) {
      const key = `${setup.processes}x${setup.workersPerProcess}`;
      const dbName = `harness_bench_${randomBytes(4).toString("hex")}`;
      const db = client.db(dbName);
      await prepareDatabase(db);
      const ctx = { options, target, db, dbName, setup, key, problems };
      try {
        const main = await withWorkers(ctx, "scheduler", async (port) => {
          const enqueue = await measureEnqueue(ctx, port);
          const results: BenchCellResult[] = [];
          for (const cell of matrix.cells) {
            results.push(
              cell.shape === "drain"
                ? await measureDrainCell(ctx, "scheduler", cell)
                : await measureOpenCell(ctx, port, cell),
            );
          }
          return { enqueue, results };
        });
        cells.push(...main.value.results);
        const plain: DrainCell = { shape: "drain", mix: "plain", backlog: firstPlainBacklog(matrix) };
        const ledgerOff = await withWorkers(ctx, "ledger-off", () =>
          measureDrainCell(ctx, "ledger-off", plain),
        );
        const raw = await withWorkers(ctx, "raw", () => measureDrainCell(ctx, "raw", plain));
        const scheduler = main.value.results.find(
          (c) => c.cell.shape === "drain" && c.cell.mix === "plain" && c.cell.backlog === plain.backlog,
        );
        const ratio = (a?: number | null, b?: number | null) =>
          a && b ? Math.round((a / b) * 1000) / 1000 : null;
        setups.push({
          setup,
          schedulerJobsPerSec: scheduler?.jobsPerSec ?? null,
          rawClaimJobsPerSec: raw.value.jobsPerSec,
          ledgerOffJobsPerSec: ledgerOff.value.jobsPerSec,
          efficiency: ratio(scheduler?.jobsPerSec?.median, raw.value.jobsPerSec?.median),
          ledgerOverhead: ratio(scheduler?.jobsPerSec?.median, ledgerOff.value.jobsPerSec?.median),
          enqueue: main.value.enqueue,
          headroom: ratio(main.value.enqueue?.requestsPerSec, scheduler?.jobsPerSec?.median),
          eventLoopDelayMs: main.loopDelay,
        });
      } finally {
        await db.dropDatabase().catch(() => {});
      }
    }
  } catch (error) {
    if (!(error instanceof Interrupted)) throw error;
  } finally {
    await client.close().catch(() => {});
    await target.stop().catch(() => {});
  }
  return {
    schemaVersion: BENCH_SCHEMA_VERSION,
    kind: "bench",
    matrix: matrix.name,
    verdict: signal.aborted ? "unknown" : problems.length ? "fail" : "pass",
    problems: signal.aborted ? [...problems, "interrupted"] : problems,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    repeats: matrix.repeats,
    settings: {
      pollIntervalMs: matrix.pollIntervalMs,
      lockTimeoutMs: matrix.lockTimeoutMs,
      jobDurationMs: matrix.jobDurationMs,
    },
    environment: describeEnvironment(),
    server: { provider: target.provider, version: target.version, isMongoDB: target.isMongoDB },
    setups,
    cells,
  };
}

function firstPlainBacklog(matrix: BenchMatrix): number {
  const plain = matrix.cells.find((c): c is DrainCell => c.shape === "drain" && c.mix === "plain");
  return plain?.backlog ?? 200;
}

interface Ctx {
  options: BenchOptions;
  target: { uri: string };
  db: Db;
  dbName: string;
  setup: BenchSetup;
  key: string;
  problems: string[];
}

/**
 * Starts the setup's worker processes of one variant (and, for the scheduler, the trigger server),
 * runs `work`, stops them, and reads their event-loop delays; the ledger of a scheduler run is
 * checked for double executions.
 */
async function withWorkers<T>(
  ctx: Ctx,
  variant: Variant,
  work: (port: number) => Promise<T>,
): Promise<{ value: T; loopDelay: { p99: number; max: number } | null }> {
  const { options, setup } = ctx;
  const dir = join(options.dir, ctx.key, variant);
  const ledgerDir = join(dir, "ledger");
  const supervisor = new Supervisor({
    logDir: join(dir, "logs"),
    runTag: `bench-${process.pid}`,
    onProcess: () => {},
  });
  options.reporter.progress(
    `${ctx.key} ${variant}: starting ${setup.processes} × ${setup.workersPerProcess} workers…`,
  );
  try {
    const config = (proc: string): WorkerConfig => ({
      uri: ctx.target.uri,
      dbName: ctx.dbName,
      proc,
      slots: setup.workersPerProcess,
      pollIntervalMs: options.matrix.pollIntervalMs,
      lockTimeoutMs: options.matrix.lockTimeoutMs,
      ledgerDir,
      ledger: variant === "scheduler",
    });
    const [port] = await Promise.all([
      variant === "scheduler"
        ? supervisor.startTrigger({ uri: ctx.target.uri, dbName: ctx.dbName })
        : Promise.resolve(0),
      ...Array.from({ length: setup.processes }, (_, i) =>
        supervisor.startWorker(
          `w${i + 1}`,
          { ...config(`w${i + 1}`) },
          setup.workersPerProcess,
          variant === "raw",
        ),
      ),
    ]);
    const value = await work(port);
    await supervisor.stopAll();
    return { value, loopDelay: readLoopDelays(ledgerDir) };
  } finally {
    await supervisor.stopAll();
    if (variant === "scheduler") {
      const check = reexecutionsChecker.check({
        settings: {
          lockTimeoutMs: 0,
          pollIntervalMs: 0,
          recoveryToleranceMs: 0,
          timingToleranceMs: 0,
          runEndedAt: Date.now(),
          complete: true,
        },
        history: readLedgerDir(ledgerDir),
        finalState: [],
      });
      if (check.verdict === "fail") ctx.problems.push(`${ctx.key}: ${check.summary}`);
    }
  }
}

/** The worst event-loop delay among the worker processes, from the files they write at exit. */
function readLoopDelays(ledgerDir: string): { p99: number; max: number } | null {
  if (!existsSync(ledgerDir)) return null;
  const files = readdirSync(ledgerDir).filter((f) => f.endsWith(".loop.json"));
  if (files.length === 0) return null;
  const all = files.map(
    (f) => JSON.parse(readFileSync(join(ledgerDir, f), "utf8")) as { p99Ms: number; maxMs: number },
  );
  return { p99: Math.max(...all.map((d) => d.p99Ms)), max: Math.max(...all.map((d) => d.maxMs)) };
}

function interrupted(ctx: Ctx): void {
  if (ctx.options.signal.aborted) throw new Interrupted();
}

/** Waits until the collection holds no job that is not completed; false on timeout. */
async function drained(ctx: Ctx, expected: number, timeoutMs: number): Promise<boolean> {
  const jobs = ctx.db.collection(JOBS_COLLECTION);
  let done = 0;
  let asking = false;
  return waitFor(() => done >= expected, {
    everyMs: 50,
    timeoutMs,
    signal: ctx.options.signal,
    onTick: () => {
      if (asking) return;
      asking = true;
      void jobs
        .countDocuments({ status: "completed" })
        .then((n) => {
          done = n;
        })
        .finally(() => {
          asking = false;
        });
    },
  });
}

/** The drain window from the database's own timestamps: first claim to last completion. */
async function drainWindow(db: Db): Promise<{ jobs: number; ms: number } | null> {
  const jobs = db.collection(JOBS_COLLECTION);
  const docs = await jobs
    .find({ status: "completed" }, { projection: { lastRunAt: 1, updatedAt: 1 } })
    .toArray();
  if (docs.length === 0) return null;
  const first = Math.min(...docs.map((d) => new Date(d.lastRunAt).getTime()));
  const last = Math.max(...docs.map((d) => new Date(d.updatedAt).getTime()));
  return { jobs: docs.length, ms: Math.max(1, last - first) };
}

/** The ledger records of the jobs given, read from the variant's ledger folder. */
function ledgerOf(ctx: Ctx, ids: ReadonlySet<string>): LedgerRecord[] {
  return readLedgerDir(join(ctx.options.dir, ctx.key, "scheduler", "ledger")).records.filter(
    (r) => "jobId" in r && ids.has((r as { jobId: string }).jobId),
  );
}

/** Seeds a backlog in bulk through the scheduler, times it until empty, repeated. */
async function measureDrainCell(ctx: Ctx, variant: Variant, cell: DrainCell): Promise<BenchCellResult> {
  const { matrix, reporter } = ctx.options;
  const { Scheduler, MongoJobStore } = await loadScheduler();
  const scheduler = new Scheduler({ store: new MongoJobStore(ctx.db) });
  const slots = ctx.setup.processes * ctx.setup.workersPerProcess;
  const rates: number[] = [];
  const toStart: number[] = [];
  const run: number[] = [];
  const toComplete: number[] = [];
  const jobs = ctx.db.collection(JOBS_COLLECTION);
  // One unmeasured drain first: the first jobs of a fresh process pay for compiling its code.
  await jobs.deleteMany({});
  await scheduler.scheduleBulk(
    Array.from(
      { length: 50 },
      (_, i) => benchJob(cell.mix, i, matrix.jobDurationMs, slots) as { name: string },
    ),
  );
  await drained(ctx, 50, DRAIN_TIMEOUT_MS);
  for (let rep = 0; rep < matrix.repeats; rep++) {
    interrupted(ctx);
    await jobs.deleteMany({});
    const created = await scheduler.scheduleBulk(
      Array.from(
        { length: cell.backlog },
        (_, i) => benchJob(cell.mix, i, matrix.jobDurationMs, slots) as { name: string },
      ),
    );
    const seededAt = Date.now();
    if (!(await drained(ctx, cell.backlog, DRAIN_TIMEOUT_MS))) {
      interrupted(ctx);
      ctx.problems.push(
        `${ctx.key} ${variant} ${cell.mix}: the backlog of ${cell.backlog} did not drain within ${DRAIN_TIMEOUT_MS / 1000} s`,
      );
      continue;
    }
    const window = await drainWindow(ctx.db);
    if (window) rates.push((window.jobs * 1000) / window.ms);
    if (variant === "scheduler") {
      const records = ledgerOf(ctx, new Set(created.map((j) => String(j._id))));
      const starts = new Map<string, number>();
      for (const r of records) {
        if (r.type === "start") {
          starts.set(r.execId, r.t);
          toStart.push(r.t - seededAt);
        } else if (r.type === "end" && starts.has(r.execId)) run.push(r.t - (starts.get(r.execId) as number));
        else if (r.type === "ack" && r.outcome === "success") toComplete.push(r.t - seededAt);
      }
    }
    reporter.progress(
      `${cellId(ctx.setup, cell)} ${variant} #${rep + 1}: ${rates.at(-1)?.toFixed(1) ?? "n/a"} jobs/s`,
    );
  }
  await jobs.deleteMany({});
  return {
    id: variant === "scheduler" ? cellId(ctx.setup, cell) : `${cellId(ctx.setup, cell)}/${variant}`,
    setup: ctx.setup,
    cell,
    jobsPerSec: spread(rates),
    notCompletedPct: null,
    latency: {
      enqueueToStart: hdrPercentiles(toStart),
      runTime: hdrPercentiles(run),
      enqueueToComplete: hdrPercentiles(toComplete),
    },
    http: null,
  };
}

/** Closed-loop HTTP enqueue through the trigger server: how fast the load side can accept jobs. */
async function measureEnqueue(ctx: Ctx, port: number): Promise<BenchSetupResult["enqueue"]> {
  interrupted(ctx);
  const amount = 400;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/trigger/email`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ priority: 5, data: { durationMs: 0 } }),
    connections: 10,
    amount,
  });
  const ok = result["2xx"];
  await drained(ctx, ok, DRAIN_TIMEOUT_MS);
  await ctx.db.collection(JOBS_COLLECTION).deleteMany({});
  ctx.options.reporter.progress(
    `${ctx.key} enqueue: ${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms`,
  );
  return {
    requestsPerSec: Math.round((ok / Math.max(0.001, result.duration)) * 10) / 10,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
  };
}

/**
 * Open loop: jobs arrive over HTTP at a constant rate for the cell's duration. Each job carries
 * the time it was meant to be sent, and latency is measured from there, so a load side that fell
 * behind cannot hide a stall (coordinated omission). The share not completed by the end of the
 * window (duration + 2 s) is reported beside the percentiles, which cover finished jobs only.
 */
async function measureOpenCell(ctx: Ctx, port: number, cell: OpenCell): Promise<BenchCellResult> {
  const { matrix, reporter } = ctx.options;
  const notDone: number[] = [];
  const reqRates: number[] = [];
  const p99s: number[] = [];
  const toStart: number[] = [];
  const run: number[] = [];
  const toComplete: number[] = [];
  const jobs = ctx.db.collection(JOBS_COLLECTION);
  for (let rep = 0; rep < matrix.repeats; rep++) {
    interrupted(ctx);
    await jobs.deleteMany({});
    const ids = new Set<string>();
    let seq = 0;
    const t0 = Date.now();
    const total = Math.round((cell.ratePerSec * cell.durationMs) / 1000);
    const instance = autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: Math.min(50, Math.max(2, Math.ceil(cell.ratePerSec / 10))),
      overallRate: cell.ratePerSec,
      amount: total,
      requests: [
        {
          method: "POST",
          path: "/jobs",
          setupRequest: (req) => {
            const i = seq++;
            const intendedAt = t0 + (i * 1000) / cell.ratePerSec;
            return {
              ...req,
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ name: "bench", data: { durationMs: matrix.jobDurationMs, intendedAt } }),
            };
          },
          onResponse: (status, body) => {
            if (status === 201) ids.add((JSON.parse(body) as { id: string }).id);
          },
        },
      ],
    });
    const result = await instance;
    const windowEnd = t0 + cell.durationMs + 2000;
    await sleep(Math.max(0, windowEnd - Date.now()), ctx.options.signal);
    interrupted(ctx);
    const objectIds = [...ids].map((id) => new ObjectId(id));
    const done = await jobs.countDocuments({ _id: { $in: objectIds }, status: "completed" });
    notDone.push(ids.size ? ((ids.size - done) / ids.size) * 100 : 100);
    reqRates.push(result.requests.average);
    p99s.push(result.latency.p99);
    const records = ledgerOf(ctx, ids);
    const starts = new Map<string, number>();
    const intended = new Map<string, number>();
    for (const r of records) {
      if (r.type === "start") {
        starts.set(r.execId, r.t);
        if (r.intendedAt !== undefined) {
          toStart.push(r.t - r.intendedAt);
          intended.set(r.jobId, r.intendedAt);
        }
      } else if (r.type === "end" && starts.has(r.execId)) run.push(r.t - (starts.get(r.execId) as number));
      else if (r.type === "ack" && r.outcome === "success" && r.t <= windowEnd && intended.has(r.jobId)) {
        toComplete.push(r.t - (intended.get(r.jobId) as number));
      }
    }
    reporter.progress(
      `${cellId(ctx.setup, cell)} #${rep + 1}: ${ids.size} accepted, ${(notDone.at(-1) ?? 0).toFixed(1)}% not completed in the window`,
    );
  }
  await jobs.deleteMany({});
  return {
    id: cellId(ctx.setup, cell),
    setup: ctx.setup,
    cell,
    jobsPerSec: null,
    notCompletedPct: spread(notDone),
    latency: {
      enqueueToStart: hdrPercentiles(toStart),
      runTime: hdrPercentiles(run),
      enqueueToComplete: hdrPercentiles(toComplete),
    },
    http: { requestsPerSec: spread(reqRates), latencyP99Ms: spread(p99s) },
  };
}
