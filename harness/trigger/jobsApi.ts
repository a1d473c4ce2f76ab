import express, { type Request, type Response } from "express";
import { type Collection, type Document, ObjectId } from "mongodb";
import { z } from "zod";
import type { JobControl } from "../adapters/adapter.ts";
import { describeIssues } from "../util/zodErrors.ts";

/** The statuses a job can have, in the order the Scheduler UI shows them. */
export const jobStatuses = ["pending", "running", "completed", "failed", "cancelled"] as const;

const listQuery = z.strictObject({
  status: z.union([z.enum(jobStatuses), z.array(z.enum(jobStatuses))]).optional(),
  name: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  skip: z.coerce.number().int().min(0).default(0),
  sort: z.enum(["nextRunAt", "createdAt", "updatedAt", "priority"]).default("createdAt"),
  order: z.enum(["asc", "desc"]).default("desc"),
});

const updateBody = z.strictObject({
  name: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  priority: z.number().int().min(1).max(10).optional(),
  concurrency: z.number().int().min(1).optional(),
  runAt: z.iso.datetime({ offset: true }).optional(),
  retry: z.strictObject({ maxAttempts: z.number().int().min(1), delay: z.number().int().min(0) }).optional(),
  repeat: z
    .strictObject({
      cron: z.string().optional(),
      every: z.number().int().min(100).optional(),
      timezone: z.string().optional(),
    })
    .optional(),
  maxExecutionMs: z.number().int().min(1).optional(),
  lastScheduledAt: z.iso.datetime({ offset: true }).optional(),
});

function fail(res: Response, status: number, error: string): void {
  res.status(status).json({ error });
}

/** The job id in the path, or a 400 already sent. */
function jobId(req: Request<{ id: string }>, res: Response): ObjectId | null {
  if (!ObjectId.isValid(req.params.id) || req.params.id.length !== 24) {
    fail(res, 400, `not a job id: ${req.params.id}`);
    return null;
  }
  return new ObjectId(req.params.id);
}

/**
 * The REST API the Scheduler UI (mongo-scheduler-ui) talks to, over a jobs collection: list with
 * filters, exact counts per status, one job, update, delete, cancel and retry. Creating a job is
 * the trigger server's POST /jobs. Stats are counted in the database, never estimated from a page.
 */
export function createJobsApi(jobs: Collection<Document>, control: JobControl): express.Router {
  const router = express.Router();

  router.get("/jobs/stats", async (_req, res) => {
    const groups = await jobs
      .aggregate<{ _id: string; n: number }>([{ $group: { _id: "$status", n: { $sum: 1 } } }])
      .toArray();
    const stats: Record<string, number> = { total: 0 };
    for (const s of jobStatuses) stats[s] = 0;
    for (const g of groups) {
      stats[g._id] = g.n;
      stats.total = (stats.total ?? 0) + g.n;
    }
    res.json(stats);
  });

  router.get("/jobs", async (req, res) => {
    const parsed = listQuery.safeParse(req.query);
    if (!parsed.success) return fail(res, 400, describeIssues(parsed.error).join("; "));
    const q = parsed.data;
    const filter: Document = {};
    if (q.status) filter.status = Array.isArray(q.status) ? { $in: q.status } : q.status;
    if (q.name) filter.name = q.name;
    const list = await jobs
      .find(filter)
      .sort({ [q.sort]: q.order === "asc" ? 1 : -1, _id: 1 })
      .skip(q.skip)
      .limit(q.limit)
      .toArray();
    res.json(list);
  });

  router.get("/jobs/:id", async (req: Request<{ id: string }>, res) => {
    const id = jobId(req, res);
    if (!id) return;
    const job = await jobs.findOne({ _id: id });
    if (!job) return fail(res, 404, `no job ${id}`);
    res.json(job);
  });

  router.put("/jobs/:id", async (req: Request<{ id: string }>, res) => {
    const id = jobId(req, res);
    if (!id) return;
    const parsed = updateBody.safeParse(req.body);
    if (!parsed.success) return fail(res, 400, describeIssues(parsed.error).join("; "));
    if (!(await jobs.findOne({ _id: id }, { projection: { _id: 1 } }))) return fail(res, 404, `no job ${id}`);
    const { runAt, lastScheduledAt, name, maxExecutionMs, ...rest } = parsed.data;
    const updates: Record<string, unknown> = { ...rest };
    if (runAt) updates.nextRunAt = new Date(runAt);
    if (rest.repeat && !runAt) updates.nextRunAt = new Date();
    await control.updateJob(id, updates);
    // Fields the scheduler's update does not carry.
    const extra: Document = {};
    if (name) extra.name = name;
    if (maxExecutionMs) extra.maxExecutionMs = maxExecutionMs;
    if (lastScheduledAt) extra.lastScheduledAt = new Date(lastScheduledAt);
    if (Object.keys(extra).length) await jobs.updateOne({ _id: id }, { $set: extra });
    res.json(await jobs.findOne({ _id: id }));
  });

  router.delete("/jobs/:id", async (req: Request<{ id: string }>, res) => {
    const id = jobId(req, res);
    if (!id) return;
    const { deletedCount } = await jobs.deleteOne({ _id: id });
    if (!deletedCount) return fail(res, 404, `no job ${id}`);
    res.status(204).end();
  });

  /** A state change allowed only from some statuses: 404 for no job, 409 for the wrong status. */
  const transition = (
    path: string,
    from: readonly string[],
    verb: string,
    change: (id: ObjectId) => Promise<void>,
  ) =>
    router.post(path, async (req: Request<{ id: string }>, res) => {
      const id = jobId(req, res);
      if (!id) return;
      const job = await jobs.findOne({ _id: id });
      if (!job) return fail(res, 404, `no job ${id}`);
      if (!from.includes(job.status))
        return fail(res, 409, `job ${id} is ${job.status}: only ${from.join(" or ")} jobs can be ${verb}`);
      await change(id);
      res.json(await jobs.findOne({ _id: id }));
    });
  transition("/jobs/:id/cancel", ["pending", "running"], "cancelled", (id) => control.cancel(id));
  transition("/jobs/:id/retry", ["failed", "cancelled"], "retried", (id) =>
    control.updateJob(id, { nextRunAt: new Date(), attempts: 0 }),
  );

  return router;
}
