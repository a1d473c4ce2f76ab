import { type Db, ObjectId } from "mongodb";
import { JOBS_COLLECTION } from "../../adapters/jobsCollection.ts";
import { loadScheduler } from "../../adapters/schedulerModule.ts";

/** A job the bench seeds or sends: plain, or with a priority or a concurrency limit. */
export interface BenchJobSpec {
  name: string;
  priority?: number;
  concurrency?: number;
  /** Not before this time (jobs scheduled for later, as real collections hold). */
  runAt?: Date;
  data: Record<string, unknown>;
}

/**
 * A system under test, as the bench sees it: how its worker processes start, whether it has a
 * trigger server for the open loop, and how its jobs are seeded and read back. Adding a scheduler
 * to the bench (Agenda, say) is adding one of these; every measurement is written against it.
 */
export interface BenchSut {
  id: string;
  /** The worker entry the supervisor starts, and extra settings for it. */
  worker: { raw: boolean; config: Record<string, unknown> };
  /** Serves POST /jobs through the trigger server (the open loop and the enqueue figure need it). */
  trigger: boolean;
  /** Runs the scheduler build under test (so --versus gives it a second build). */
  usesBuild: boolean;
  /** Where its jobs live. */
  collection: string;
  /** Seeds jobs in bulk. */
  seed(db: Db, jobs: readonly BenchJobSpec[]): Promise<void>;
  /** The completion time (ms) of every completed job. */
  completionTimes(db: Db): Promise<number[]>;
  /** How many jobs are completed. */
  completedCount(db: Db): Promise<number>;
  /** When each of the given jobs was claimed and completed (ms), from its own document. */
  jobTimes(
    db: Db,
    ids: readonly string[],
  ): Promise<Map<string, { startedAt?: number; completedAt?: number }>>;
  /** Extra settings for its trigger server (the scheduler it enqueues through). */
  triggerConfig?: Record<string, unknown>;
}

/** Jobs in mongo-job-scheduler's format, which the raw claim loops share. */
const schedulerJobs: Pick<
  BenchSut,
  "collection" | "seed" | "completionTimes" | "completedCount" | "jobTimes"
> = {
  collection: JOBS_COLLECTION,
  async seed(db, jobs) {
    const { Scheduler, MongoJobStore } = await loadScheduler();
    const scheduler = new Scheduler({ store: new MongoJobStore(db) });
    for (let i = 0; i < jobs.length; i += 5000)
      await scheduler.scheduleBulk(jobs.slice(i, i + 5000) as Parameters<typeof scheduler.scheduleBulk>[0]);
  },
  async completionTimes(db) {
    const docs = await db
      .collection(JOBS_COLLECTION)
      .find({ status: "completed" }, { projection: { updatedAt: 1 } })
      .toArray();
    return docs.map((d) => new Date(d.updatedAt).getTime());
  },
  completedCount: (db) => db.collection(JOBS_COLLECTION).countDocuments({ status: "completed" }),
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
};

/** Agenda's collection (its MongoDB backend's default). */
const AGENDA_JOBS = "agendaJobs";
/** An Agenda job that has finished without failing since its last run. */
const agendaCompleted = { lastFinishedAt: { $ne: null }, failedAt: null };

/**
 * Jobs in Agenda's format. The backlog is inserted as Agenda's own documents in one insertMany
 * (Agenda has no bulk schedule; how the backlog got there is not what a drain measures); the
 * open loop enqueues through the trigger server, that is through Agenda's create and save.
 */
const agendaJobs: Pick<BenchSut, "collection" | "seed" | "completionTimes" | "completedCount" | "jobTimes"> =
  {
    collection: AGENDA_JOBS,
    async seed(db, jobs) {
      const now = new Date();
      const docs = jobs.map((j) => ({
        name: j.name,
        data: { ...j.data, __harness: { priority: j.priority ?? 5 } },
        type: "normal",
        priority: -(j.priority ?? 5),
        nextRunAt: j.runAt ?? now,
        lastModifiedBy: "harness-bench",
      }));
      for (let i = 0; i < docs.length; i += 5000)
        await db.collection(AGENDA_JOBS).insertMany(docs.slice(i, i + 5000));
    },
    async completionTimes(db) {
      const docs = await db
        .collection(AGENDA_JOBS)
        .find(agendaCompleted, { projection: { lastFinishedAt: 1 } })
        .toArray();
      return docs.map((d) => new Date(d.lastFinishedAt).getTime());
    },
    completedCount: (db) => db.collection(AGENDA_JOBS).countDocuments(agendaCompleted),
    async jobTimes(db, ids) {
      const docs = await db
        .collection(AGENDA_JOBS)
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
            ...(d.lastFinishedAt && !d.failedAt ? { completedAt: new Date(d.lastFinishedAt).getTime() } : {}),
          },
        ]),
      );
    },
  };

/** Agenda through its adapter, with the bench's poll interval and lock lifetime (the matched wiring). */
const agendaSut = { adapter: "agenda", wiring: "matched" };

/** The systems the bench knows, by id. */
export const benchSuts: Record<string, BenchSut> = {
  "mongo-job-scheduler": {
    id: "mongo-job-scheduler",
    worker: { raw: false, config: {} },
    trigger: true,
    usesBuild: true,
    ...schedulerJobs,
  },
  /** Agenda 6 with its MongoDB backend, the scheduler most would pick instead. */
  agenda: {
    id: "agenda",
    worker: { raw: false, config: { sut: agendaSut, jobNames: ["bench"] } },
    trigger: true,
    usesBuild: false,
    // The trigger server only enqueues: its instance never processes, so its timing is moot.
    triggerConfig: { sut: { ...agendaSut, matched: { pollIntervalMs: 100, lockTimeoutMs: 30_000 } } },
    ...agendaJobs,
  },
  /** The scheduler's own claim and completion straight through the driver. */
  "raw-claim": {
    id: "raw-claim",
    worker: { raw: true, config: { readBack: false } },
    trigger: false,
    usesBuild: false,
    ...schedulerJobs,
  },
  /** The same, reading each job back once as the scheduler's worker does. */
  "raw-claim+read": {
    id: "raw-claim+read",
    worker: { raw: true, config: { readBack: true } },
    trigger: false,
    usesBuild: false,
    ...schedulerJobs,
  },
};

/** Which build of the scheduler a variant runs. */
export type Build = "current" | "versus";

/** One column of the bench: a system, a build of it, and the ledger on or off. */
export interface BenchVariant {
  id: string;
  sut: string;
  build: Build;
  /** HARNESS_SCHEDULER for its processes; null: the installed package (or --scheduler). */
  schedulerPath: string | null;
  ledger: boolean;
  /**
   * compared: the columns ratios and gates are about (ledger off, one per system and build);
   * baseline: the raw claim loops; diagnostic: the scheduler with the ledger on (harness overhead).
   */
  role: "compared" | "baseline" | "diagnostic";
}

export interface VariantChoice {
  /** Systems to compare; the first is the reference the others are divided by. */
  suts: readonly string[];
  /** The --versus build's folder, if any. */
  versusPath: string | null;
  /** The current build's folder (--scheduler), if not the installed package. */
  currentPath: string | null;
}

/**
 * The variants of a bench. Plain: each system ledger off, plus the raw claim loops and the ledger-on
 * scheduler. With --versus: the scheduler's current and versus builds, ledger off, nothing else,
 * so the time goes to the gated figures. Unknown systems are reported by the caller before this.
 */
export function chooseVariants(choice: VariantChoice): BenchVariant[] {
  const compared = (sut: string, build: Build): BenchVariant => ({
    id: build === "versus" ? `${sut}@versus` : sut,
    sut,
    build,
    schedulerPath: build === "versus" ? choice.versusPath : choice.currentPath,
    ledger: false,
    role: "compared",
  });
  if (choice.versusPath) {
    const sut = choice.suts[0] ?? "mongo-job-scheduler";
    return [compared(sut, "current"), compared(sut, "versus")];
  }
  const out = choice.suts.map((s) => compared(s, "current"));
  if (choice.suts.includes("mongo-job-scheduler")) {
    out.push(
      {
        ...compared("mongo-job-scheduler", "current"),
        id: "mongo-job-scheduler+ledger",
        ledger: true,
        role: "diagnostic",
      },
      { ...compared("raw-claim", "current"), role: "baseline" },
      { ...compared("raw-claim+read", "current"), role: "baseline" },
    );
  }
  return out;
}

/** The systems named by --sut that the bench does not know, for one clear error line. */
export function unknownSuts(suts: readonly string[]): string[] {
  return suts.filter((s) => !benchSuts[s]?.trigger);
}

/** The systems --sut may name. */
export function knownSuts(): string[] {
  return Object.values(benchSuts)
    .filter((s) => s.trigger)
    .map((s) => s.id);
}
