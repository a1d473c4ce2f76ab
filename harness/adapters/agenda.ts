import { createRequire } from "node:module";
import { MongoBackend } from "@agendajs/mongo-backend";
import { Agenda, type Job } from "agenda";
import { type Db, ObjectId } from "mongodb";
import type { JobState } from "../checkers/types.ts";
import { requestOf } from "../ledger/identity.ts";
import { versionNear } from "../util/versionNear.ts";
import type {
  Capability,
  EffectiveSettings,
  EnqueueRequest,
  Execution,
  SchedulerAdapter,
  WorkerOptions,
} from "./adapter.ts";
import { agendaCapabilities, agendaClaimOrder } from "./capabilities.ts";
import type { SutSpec } from "./wiring.ts";

const require = createRequire(import.meta.url);

/** Agenda's collection when the backend is given no other (`agendaJobs`). */
const AGENDA_COLLECTION = "agendaJobs";

/**
 * An Agenda job that has finished without failing since its last run: for jobs that neither
 * repeat nor fail (the bench's), the query form of agendaJobState's "completed".
 */
const COMPLETED_QUERY = { lastFinishedAt: { $ne: null }, failedAt: null };

/**
 * What the harness keeps in an Agenda job's data besides the job's own: Agenda has no per-job
 * retry policy or dedupe key field, so they travel here and the definition's backoff reads them.
 */
interface HarnessMeta {
  priority: number;
  /** Delay before retry n (index n − 1); as many entries as retries allowed. */
  retryDelaysMs?: number[];
  dedupeKey?: string;
  concurrency?: number;
}
const META = "__harness";
/** The field where the adapter keeps a completed job's failed attempts (Agenda resets failCount). */
const FAILURES_BEFORE_SUCCESS = "harnessFailuresBeforeSuccess";

const capabilitySet: ReadonlySet<Capability> = new Set(agendaCapabilities);

/** Harness priority 1 (most urgent) to 10 → Agenda's scale, where a larger number runs first. */
const toAgendaPriority = (p: number) => -p;

/** The retry delays of a request, one per retry, computed at enqueue (a function cannot be stored). */
function retryDelays(retry: EnqueueRequest["retry"]): number[] | undefined {
  if (retry === undefined) return undefined;
  const { maxAttempts, delay } = typeof retry === "number" ? { maxAttempts: retry, delay: 0 } : retry;
  return Array.from({ length: Math.max(0, maxAttempts - 1) }, (_, i) =>
    typeof delay === "function" ? delay(i + 1) : delay,
  );
}

function metaOf(data: unknown): HarnessMeta | undefined {
  return (data as Record<string, unknown> | undefined)?.[META] as HarnessMeta | undefined;
}

/**
 * Agenda 6 with its MongoDB backend behind the adapter seam. Wirings: `matched` (processEvery and
 * defaultLockLifetime from the run; maxConcurrency, defaultConcurrency and the lock limits the
 * process's slots) and
 * `readme` (Agenda's README quick start: a MongoBackend and nothing else, every option at its
 * default). Agenda runs only job names it has defined, so every worker defines the run's names.
 * Concurrency limits are per process in Agenda, so the harness does not claim them.
 */
export function agendaAdapter(spec: SutSpec): SchedulerAdapter {
  function build(db: Db, slots: number, id: string): Agenda {
    const backend = new MongoBackend({ mongo: db });
    if (spec.wiring === "readme") return new Agenda({ backend, name: id });
    return new Agenda({
      backend,
      name: id,
      processEvery: spec.matched.pollIntervalMs,
      defaultLockLifetime: spec.matched.lockTimeoutMs,
      maxConcurrency: slots,
      defaultConcurrency: slots,
      // Lock no more jobs than the process can run: a job locked while it waits in Agenda's queue
      // uses up its lock lifetime before its handler starts.
      lockLimit: slots,
      defaultLockLimit: slots,
    });
  }

  const clients = new WeakMap<Db, Promise<Agenda>>();
  function client(db: Db): Promise<Agenda> {
    let made = clients.get(db);
    if (!made) {
      const agenda = build(db, 1, "harness-client");
      made = agenda.ready.then(() => agenda);
      clients.set(db, made);
    }
    return made;
  }

  return {
    name: "agenda",
    capabilities: capabilitySet,
    claimOrder: agendaClaimOrder,
    // Agenda's lock sets lockedAt; no version travels with the job.
    claimVersioned: false,
    version: () => versionNear(require.resolve("agenda")),

    async effective(db, slots) {
      const agenda = build(db, slots, "harness-settings");
      return readEffective(agenda);
    },

    async prepare(db) {
      await db.createCollection(AGENDA_COLLECTION).catch(() => {});
      // Agenda creates its indexes when its backend connects.
      await client(db);
    },

    async client(db) {
      const agenda = await client(db);
      return {
        async schedule(request) {
          if (request.maxExecutionMs !== undefined)
            throw new Error("agenda has no maxExecutionMs: it must be unset");
          const priority = request.priority ?? 5;
          const meta: HarnessMeta = {
            priority,
            ...(request.retry !== undefined ? { retryDelaysMs: retryDelays(request.retry) } : {}),
            ...(request.dedupeKey ? { dedupeKey: request.dedupeKey } : {}),
            ...(request.concurrency ? { concurrency: request.concurrency } : {}),
          };
          const data = { ...((request.data as Record<string, unknown> | undefined) ?? {}), [META]: meta };
          const job = agenda.create(request.name, data);
          job.priority(toAgendaPriority(priority));
          job.schedule(request.runAt ?? new Date());
          if (request.repeat?.cron)
            job.repeatEvery(request.repeat.cron, { timezone: request.repeat.timezone ?? "UTC" });
          else if (request.repeat?.every) job.repeatEvery(request.repeat.every);
          if (request.dedupeKey)
            job.unique({ [`data.${META}.dedupeKey`]: request.dedupeKey }, { insertOnly: true });
          await job.save();
          return { _id: String(job.attrs._id), name: request.name, priority };
        },
      };
    },

    async startWorker(db, options: WorkerOptions) {
      const agenda = build(db, options.slots, options.id);
      const lockLifetimeMs = readEffective(agenda).timing.lockTimeoutMs;
      const succeeded = new Set<string>();
      for (const name of options.jobNames) {
        agenda.define(
          name,
          async (job: Job) => {
            const failures = job.attrs.failCount ?? 0;
            await options.handler(toExecution(job, options.id, lockLifetimeMs));
            // Agenda resets failCount when a job succeeds; the harness keeps the number of failed
            // attempts before the success beside it, so the final state still says it.
            if (failures > 0) {
              await db
                .collection(AGENDA_COLLECTION)
                .updateOne(
                  { _id: new ObjectId(String(job.attrs._id)) },
                  { $set: { [FAILURES_BEFORE_SUCCESS]: failures } },
                );
            }
          },
          {
            // The job's own retry delays; null: no retry left.
            backoff: (ctx) => metaOf(ctx.jobData)?.retryDelaysMs?.[ctx.attempt - 1] ?? null,
          },
        );
      }
      const { events } = options;
      agenda.on("success", (job: Job) => succeeded.add(String(job.attrs._id)));
      // "complete" comes once the job's state is saved, so the acknowledgement follows the database.
      agenda.on("complete", (job: Job) => {
        const id = String(job.attrs._id);
        const ok = succeeded.delete(id);
        if (job.attrs.repeatInterval) return;
        events.ack(id, ok ? "success" : job.attrs.nextRunAt ? "retry" : "fail");
      });
      agenda.on("error", (error: Error) => events.error(String(error?.message ?? error)));
      await agenda.start();
      return {
        async stop(timeoutMs) {
          await agenda.drain(timeoutMs).catch(() => {});
          await agenda.stop().catch(() => {});
        },
        // Agenda's lock sets lockedAt and lastModifiedBy: its own name, which is this id.
        lockOwner: options.id,
      };
    },

    async heldBy(db, lockOwner) {
      const docs = await db
        .collection(AGENDA_COLLECTION)
        .find({ lockedAt: { $ne: null }, lastModifiedBy: lockOwner }, { projection: { _id: 1 } })
        .toArray();
      return docs.map((d) => ({ jobId: String(d._id), lockUntil: null }));
    },

    async readFinalState(db) {
      const docs = await db.collection(AGENDA_COLLECTION).find({}).toArray();
      return docs.map(agendaJobState);
    },

    bench: {
      collection: AGENDA_COLLECTION,
      // The backlog is inserted as Agenda's own documents in one insertMany: Agenda has no bulk
      // schedule, and how the backlog got there is not what a drain measures.
      async seed(db, jobs) {
        const now = new Date();
        const docs = jobs.map((j) => ({
          name: j.name,
          data: { ...j.data, [META]: { priority: j.priority ?? 5 } },
          type: "normal",
          priority: toAgendaPriority(j.priority ?? 5),
          nextRunAt: j.runAt ?? now,
          lastModifiedBy: "harness-bench",
        }));
        for (let i = 0; i < docs.length; i += 5000)
          await db.collection(AGENDA_COLLECTION).insertMany(docs.slice(i, i + 5000));
      },
      async completionTimes(db) {
        const docs = await db
          .collection(AGENDA_COLLECTION)
          .find(COMPLETED_QUERY, { projection: { lastFinishedAt: 1 } })
          .toArray();
        return docs.map((d) => new Date(d.lastFinishedAt).getTime());
      },
      completedCount: (db) => db.collection(AGENDA_COLLECTION).countDocuments(COMPLETED_QUERY),
      // A bench job neither repeats nor retries: it is done once it has finished, failed or not.
      finishedCount: (db) =>
        db.collection(AGENDA_COLLECTION).countDocuments({ lastFinishedAt: { $ne: null } }),
      async jobTimes(db, ids) {
        const docs = await db
          .collection(AGENDA_COLLECTION)
          .find(
            { _id: { $in: ids.map((id) => new ObjectId(id)) } },
            { projection: { lastRunAt: 1, lastFinishedAt: 1, failedAt: 1 } },
          )
          .toArray();
        return new Map(
          docs.map((d) => [
            String(d._id),
            {
              ...(d.lastRunAt ? { startedAt: new Date(d.lastRunAt).getTime() } : {}),
              ...(d.lastFinishedAt && !d.failedAt
                ? { completedAt: new Date(d.lastFinishedAt).getTime() }
                : {}),
            },
          ]),
        );
      },
    },

    async countFinished(db, ids) {
      const objectIds = [...ids].filter((id) => ObjectId.isValid(id)).map((id) => new ObjectId(id));
      if (objectIds.length === 0) return 0;
      const docs = await db
        .collection(AGENDA_COLLECTION)
        .find({ _id: { $in: objectIds } })
        .toArray();
      return docs.map(agendaJobState).filter((j) => j.status !== "pending" && j.status !== "running").length;
    },
  };
}

/** The Agenda instance's own settings (its attrs), as the harness reports them. */
function readEffective(agenda: Agenda): EffectiveSettings {
  const a = (agenda as unknown as { attrs: Record<string, number | string | undefined> }).attrs;
  const lockTimeoutMs = Number(a.defaultLockLifetime);
  const pollIntervalMs = Number(a.processEvery);
  return {
    timing: { lockTimeoutMs, pollIntervalMs, heartbeatIntervalMs: null },
    scheduler: {
      processEveryMs: pollIntervalMs,
      defaultLockLifetimeMs: lockTimeoutMs,
      maxConcurrency: a.maxConcurrency,
      defaultConcurrency: a.defaultConcurrency,
      lockLimit: a.lockLimit,
      defaultLockLimit: a.defaultLockLimit,
    },
    store: { collection: AGENDA_COLLECTION },
    collection: AGENDA_COLLECTION,
  };
}

function toExecution(job: Job, id: string, lockLifetimeMs: number): Execution {
  const a = job.attrs;
  const meta = metaOf(a.data);
  const repeat = a.repeatInterval
    ? typeof a.repeatInterval === "number"
      ? { every: a.repeatInterval }
      : { cron: a.repeatInterval, ...(a.repeatTimezone ? { timezone: a.repeatTimezone } : {}) }
    : undefined;
  return {
    jobId: String(a._id),
    name: a.name,
    priority: meta?.priority ?? -a.priority,
    attempt: (a.failCount ?? 0) + 1,
    lockVersion: 0,
    nextRunAt: (a.nextRunAt ?? a.lastRunAt ?? new Date()).getTime(),
    // Agenda locks a job (lockedAt) before its handler starts; the lock lapses a lock lifetime later.
    ...(a.lockedAt ? { lockUntil: new Date(a.lockedAt).getTime() + lockLifetimeMs } : {}),
    data: a.data,
    workerId: id,
    ...(repeat ? { repeat } : {}),
    ...(meta?.dedupeKey ? { dedupeKey: meta.dedupeKey } : {}),
  };
}

/**
 * An Agenda job document in the harness's vocabulary: locked → running; due again (a retry, a
 * repeat, or not yet run) → pending; finished with a success after the last failure → completed;
 * finished with a failure → failed.
 */
export function agendaJobState(d: Record<string, unknown>): JobState {
  const data = d.data as Record<string, unknown> | undefined;
  const meta = metaOf(data);
  const date = (v: unknown) => (v instanceof Date ? v.getTime() : null);
  const lockedAt = date(d.lockedAt);
  const finished = date(d.lastFinishedAt);
  const failed = date(d.failedAt);
  let status: string;
  if (d.disabled === true) status = "cancelled";
  else if (lockedAt !== null) status = "running";
  else if (d.nextRunAt instanceof Date || d.repeatInterval) status = "pending";
  else if (failed !== null && (finished === null || failed >= finished)) status = "failed";
  else if (finished !== null) status = "completed";
  else status = "pending";
  return {
    id: String(d._id),
    name: String(d.name),
    status,
    priority: meta?.priority ?? -Number(d.priority ?? 0),
    // Agenda resets failCount when a job succeeds: the adapter keeps the count before the success.
    attempts: Number(status === "completed" ? (d[FAILURES_BEFORE_SUCCESS] ?? 0) : (d.failCount ?? 0)),
    lockUntil: null,
    lockedBy: null,
    lastError: typeof d.failReason === "string" ? d.failReason : null,
    dedupeKey: meta?.dedupeKey ?? null,
    request: requestOf(d.data),
  };
}
