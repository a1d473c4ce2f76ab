import type { Job, Scheduler } from "mongo-job-scheduler";
import { type Db, ObjectId } from "mongodb";
import type { JobState } from "../checkers/types.ts";
import { requestOf } from "../ledger/identity.ts";
import { HarnessError } from "../util/exitCodes.ts";
import { firstLine } from "../util/firstLine.ts";
import { versionNear } from "../util/versionNear.ts";
import type {
  Capability,
  EffectiveSettings,
  Execution,
  SchedulerAdapter,
  SchedulerClient,
  WorkerOptions,
} from "./adapter.ts";
import { mongoJobSchedulerCapabilities, mongoJobSchedulerClaimOrder } from "./capabilities.ts";
import { JOBS_COLLECTION } from "./jobsCollection.ts";
import { loadScheduler, schedulerEntry } from "./schedulerModule.ts";
import { isPreset, loadBuilder, type SutSpec } from "./wiring.ts";

/** The example application's Scheduler settings (its README, "Locking mechanism"). */
export const EXAMPLE_POLL_INTERVAL_MS = 1000;
export const EXAMPLE_LOCK_TIMEOUT_MS = 60_000;

/** The Scheduler's private fields the effective settings are read from (mongo-job-scheduler 1.x). */
interface SchedulerInternals {
  id?: string;
  workerCount?: number;
  pollInterval?: number;
  lockTimeout?: number;
  maxExecutionMs?: number;
  defaultTimezone?: string;
  store?: {
    defaultLockTimeoutMs?: number;
    collection?: { collectionName?: string };
    ensureIndexes?: () => Promise<void>;
  };
}

const capabilitySet: ReadonlySet<Capability> = new Set(mongoJobSchedulerCapabilities);

/**
 * mongo-job-scheduler behind the adapter seam, built with one of the wirings: the presets, or the
 * user's own builder module (called with the database, the handler and { workers, id }).
 */
export function mongoJobSchedulerAdapter(spec: SutSpec): SchedulerAdapter {
  async function build(db: Db, handler: (job: Job) => Promise<void>, workers: number, id: string) {
    // A user's module imports the scheduler itself: only the presets load the build under test.
    if (!isPreset(spec.wiring)) return buildFromModule(spec.wiring, db, handler, workers, id);
    const { Scheduler, MongoJobStore } = await loadScheduler(spec.build);
    const { pollIntervalMs, lockTimeoutMs, maxExecutionMs } = spec.matched;
    switch (spec.wiring) {
      case "matched":
        return new Scheduler({
          id,
          store: new MongoJobStore(db, { lockTimeoutMs }),
          workers,
          pollIntervalMs,
          lockTimeoutMs,
          ...(maxExecutionMs ? { maxExecutionMs } : {}),
          handler,
        });
      case "readme":
        // The quick start: the store as `new MongoJobStore(db)`, no Scheduler option but the
        // handler and the worker count (the run's slots per process).
        return new Scheduler({ store: new MongoJobStore(db), handler, workers });
      case "example":
        return new Scheduler({
          store: new MongoJobStore(db),
          handler,
          workers,
          pollIntervalMs: EXAMPLE_POLL_INTERVAL_MS,
          lockTimeoutMs: EXAMPLE_LOCK_TIMEOUT_MS,
        });
    }
  }

  // One unstarted instance per database serves enqueueing and reading: building a store starts
  // its index creation, which must not happen once a second.
  const idle = new WeakMap<Db, Promise<Scheduler>>();
  function buildIdle(db: Db): Promise<Scheduler> {
    let built = idle.get(db);
    if (!built) {
      built = build(db, async () => {}, 1, "harness-client");
      idle.set(db, built);
      built.catch(() => idle.delete(db));
    }
    return built;
  }

  return {
    name: "mongo-job-scheduler",
    capabilities: capabilitySet,
    claimOrder: mongoJobSchedulerClaimOrder,
    // findAndLockNext's update is $inc: { lockVersion: 1 }, and the handler gets the document after it.
    claimVersioned: true,
    version: () => versionNear(schedulerEntry(spec.build)),

    async effective(db, slots) {
      return readEffective(await build(db, async () => {}, slots, "harness-settings"));
    },

    async prepare(db) {
      const scheduler = await buildIdle(db);
      const { store, collection } = internals(scheduler);
      await db.createCollection(collection).catch(() => {});
      await store.ensureIndexes?.();
    },

    async client(db): Promise<SchedulerClient> {
      const scheduler = await buildIdle(db);
      return {
        async schedule(request) {
          const job = await scheduler.schedule(request as Parameters<Scheduler["schedule"]>[0]);
          return { ...job, _id: job._id, name: job.name, priority: job.priority ?? 5 };
        },
        control: {
          cancel: (id: ObjectId) => scheduler.cancel(id),
          updateJob: (id: ObjectId, updates: Record<string, unknown>) => scheduler.updateJob(id, updates),
        },
      };
    },

    async startWorker(db, options: WorkerOptions) {
      const scheduler = await build(
        db,
        (job) => options.handler(toExecution(job)),
        options.slots,
        options.id,
      );
      const { events } = options;
      scheduler.on("job:success", (job) => events.ack(String(job._id), "success"));
      scheduler.on("job:retry", (job) => events.ack(String(job._id), "retry"));
      scheduler.on("job:fail", ({ job }) => events.ack(String(job._id), "fail"));
      scheduler.on("job:stalled", (job) => events.stalled(String(job._id)));
      scheduler.on("worker:error", (error) => events.error(String(error?.message ?? error)));
      await scheduler.start();
      return {
        stop: (timeoutMs) => scheduler.stop({ graceful: true, timeoutMs }),
        lockOwner: scheduler.getId(),
      };
    },

    async heldBy(db, lockOwner, known) {
      const collection = known ?? internals(await buildIdle(db)).collection;
      // Each of the Scheduler's workers locks as `<Scheduler id>-w<i>` (scheduler.js).
      const docs = await db
        .collection(collection)
        .find(
          { status: "running", lockedBy: { $regex: `^${escapeRegExp(lockOwner)}-w\\d+$` } },
          { projection: { lockUntil: 1 } },
        )
        .toArray();
      return docs.map((d) => ({
        jobId: String(d._id),
        lockUntil: d.lockUntil instanceof Date ? d.lockUntil.getTime() : null,
      }));
    },

    async readFinalState(db, known) {
      return readJobStates(db, known ?? internals(await buildIdle(db)).collection);
    },

    bench: {
      collection: JOBS_COLLECTION,
      async seed(db, jobs) {
        const { Scheduler, MongoJobStore } = await loadScheduler(spec.build);
        const scheduler = new Scheduler({ store: new MongoJobStore(db) });
        for (let i = 0; i < jobs.length; i += 5000)
          await scheduler.scheduleBulk(
            jobs.slice(i, i + 5000) as Parameters<typeof scheduler.scheduleBulk>[0],
          );
      },
      async completionTimes(db) {
        const docs = await db
          .collection(JOBS_COLLECTION)
          .find({ status: "completed" }, { projection: { updatedAt: 1 } })
          .toArray();
        return docs.map((d) => new Date(d.updatedAt).getTime());
      },
      completedCount: (db) => db.collection(JOBS_COLLECTION).countDocuments({ status: "completed" }),
      finishedCount: (db) =>
        db
          .collection(JOBS_COLLECTION)
          .countDocuments({ status: { $in: ["completed", "failed", "cancelled"] } }),
      async jobTimes(db, ids) {
        const docs = await db
          .collection(JOBS_COLLECTION)
          .find(
            { _id: { $in: ids.map((id) => new ObjectId(id)) } },
            { projection: { status: 1, lastRunAt: 1, updatedAt: 1 } },
          )
          .toArray();
        return new Map(
          docs.map((d) => [
            String(d._id),
            {
              ...(d.lastRunAt ? { startedAt: new Date(d.lastRunAt).getTime() } : {}),
              ...(d.status === "completed" ? { completedAt: new Date(d.updatedAt).getTime() } : {}),
            },
          ]),
        );
      },
    },

    async countFinished(db, ids, known) {
      const objectIds = [...ids].filter((id) => ObjectId.isValid(id)).map((id) => new ObjectId(id));
      if (objectIds.length === 0) return 0;
      const collection = known ?? internals(await buildIdle(db)).collection;
      return db.collection(collection).countDocuments({
        _id: { $in: objectIds },
        status: { $in: ["completed", "failed", "cancelled"] },
      });
    },
  };
}

/** `text` as a regular expression that matches it literally. */
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

async function buildFromModule(
  path: string,
  db: Db,
  handler: (job: Job) => Promise<void>,
  workers: number,
  id: string,
): Promise<Scheduler> {
  const builder = await loadBuilder(path);
  let built: unknown;
  try {
    built = await builder(db, handler as (job: never) => Promise<void>, { workers, id });
  } catch (error) {
    throw new HarnessError(
      `--wiring ${path}: the builder threw (${firstLine(error)}); expected it to return a Scheduler built from (db, handler)`,
    );
  }
  const s = built as Partial<Scheduler> | null;
  if (!s || typeof s.start !== "function" || typeof s.schedule !== "function" || typeof s.on !== "function") {
    throw new HarnessError(
      `--wiring ${path}: the builder returned ${s === null ? "null" : typeof s}, not a Scheduler; expected it to return a Scheduler built from (db, handler)`,
    );
  }
  return s as Scheduler;
}

/** The store and the collection of a built Scheduler; one line if they cannot be read. */
function internals(scheduler: Scheduler) {
  const s = scheduler as unknown as SchedulerInternals;
  const collection = s.store?.collection?.collectionName;
  if (!s.store || !collection) {
    throw new HarnessError(
      "the built Scheduler has no MongoJobStore the harness can read (store.collection); expected new Scheduler({ store: new MongoJobStore(db), ... })",
    );
  }
  return { store: s.store, collection };
}

/** The settings the user gave the Scheduler and its store, read from the built instances. */
export function readEffective(scheduler: Scheduler): EffectiveSettings {
  const s = scheduler as unknown as SchedulerInternals;
  const { store, collection } = internals(scheduler);
  const need = (value: number | undefined, what: string): number => {
    if (typeof value !== "number") {
      throw new HarnessError(`cannot read ${what} from the built Scheduler (not mongo-job-scheduler 1.x?)`);
    }
    return value;
  };
  const lockTimeoutMs = need(s.lockTimeout, "its lock timeout");
  const pollIntervalMs = need(s.pollInterval, "its poll interval");
  const storeLockTimeoutMs = need(store.defaultLockTimeoutMs, "its store's lock timeout");
  // The Worker renews a running job's lock every max(50, lockTimeoutMs / 2) (worker.js).
  const heartbeatIntervalMs = Math.max(50, lockTimeoutMs / 2);
  return {
    timing: {
      lockTimeoutMs,
      pollIntervalMs,
      ...(s.maxExecutionMs ? { maxExecutionMs: s.maxExecutionMs } : {}),
      heartbeatIntervalMs,
    },
    scheduler: {
      workers: s.workerCount ?? null,
      pollIntervalMs,
      lockTimeoutMs,
      maxExecutionMs: s.maxExecutionMs ?? null,
      defaultTimezone: s.defaultTimezone ?? null,
      heartbeatIntervalMs,
    },
    store: { collection, lockTimeoutMs: storeLockTimeoutMs },
    collection,
  };
}

function toExecution(job: Job): Execution {
  return {
    jobId: String(job._id),
    name: job.name,
    priority: job.priority ?? 5,
    ...(job.concurrency ? { concurrency: job.concurrency } : {}),
    attempt: (job.attempts ?? 0) + 1,
    lockVersion: job.lockVersion ?? 0,
    nextRunAt: new Date(job.nextRunAt).getTime(),
    ...(job.lockUntil ? { lockUntil: new Date(job.lockUntil).getTime() } : {}),
    data: job.data,
    workerId: String(job.lockedBy ?? ""),
    ...(job.repeat
      ? { repeat: { every: job.repeat.every, cron: job.repeat.cron, timezone: job.repeat.timezone } }
      : {}),
    ...(job.dedupeKey ? { dedupeKey: job.dedupeKey } : {}),
  };
}

/** Every job document of the collection in the shape the checkers take (statuses are already the harness's). */
export async function readJobStates(db: Db, collection: string): Promise<JobState[]> {
  const docs = await db.collection(collection).find({}).toArray();
  return docs.map((d) => ({
    id: String(d._id),
    name: String(d.name),
    status: String(d.status),
    priority: Number(d.priority ?? 5),
    attempts: Number(d.attempts ?? 0),
    ...(d.concurrency ? { concurrency: Number(d.concurrency) } : {}),
    lockUntil: d.lockUntil instanceof Date ? d.lockUntil.getTime() : null,
    lockedBy: d.lockedBy ?? null,
    lastError: d.lastError ?? null,
    dedupeKey: d.dedupeKey ?? null,
    request: requestOf(d.data),
  }));
}
