import express, { type NextFunction, type Request, type Response } from "express";
import { z } from "zod";
import { describeIssues } from "../util/zodErrors.ts";

/** The largest request body the trigger server reads. */
export const BODY_LIMIT = "64kb";

const priority = z.number().int().min(1).max(10);
const data = z.record(z.string(), z.unknown());

/** Body of the example routes (/trigger/email, /trigger/report, /trigger/retry-demo). */
const triggerBody = z.strictObject({ priority: priority.optional(), data: data.optional() });

/** Body of the generic route POST /jobs. */
const jobBody = z.strictObject({
  name: z.string().min(1).max(200),
  data: data.optional(),
  priority: priority.optional(),
  concurrency: z.number().int().min(1).optional(),
  retry: z
    .union([
      z.number().int().min(1),
      z.strictObject({ maxAttempts: z.number().int().min(1), delay: z.number().int().min(0).optional() }),
    ])
    .optional(),
  runAt: z.union([z.iso.datetime({ offset: true }), z.number().int().min(0)]).optional(),
  dedupeKey: z.string().min(1).max(500).optional(),
  repeat: z
    .strictObject({
      cron: z.string().min(1).optional(),
      every: z.number().int().min(100).optional(),
      timezone: z.string().min(1).optional(),
    })
    .refine((r) => (r.cron === undefined) !== (r.every === undefined), {
      message: "give either cron or every",
    })
    .optional(),
  maxExecutionMs: z.number().int().min(1).optional(),
  lastScheduledAt: z.iso.datetime({ offset: true }).optional(),
});
export type JobRequest = z.infer<typeof jobBody>;

/** What the app needs from a scheduler: only `schedule`. */
export interface JobScheduler {
  schedule(options: {
    name: string;
    data?: unknown;
    priority?: number;
    concurrency?: number;
    retry?: number | { maxAttempts: number; delay: number };
    runAt?: Date;
    dedupeKey?: string;
    repeat?: { cron?: string; every?: number; timezone?: string };
    maxExecutionMs?: number;
    lastScheduledAt?: Date;
  }): Promise<{ _id?: unknown; name: string; priority?: number }>;
}

/** A health probe: resolves when the database answers. */
export type HealthProbe = () => Promise<void>;

/** The example routes: each fixes the job's name and its scheduler options. */
const exampleRoutes: Record<string, (body: z.infer<typeof triggerBody>) => JobRequest> = {
  email: (b) => ({ name: "email", priority: b.priority, data: b.data }),
  report: (b) => ({ name: "report", priority: b.priority, data: b.data, concurrency: 2 }),
  "retry-demo": (b) => ({
    name: "retry-demo",
    priority: b.priority,
    data: { failUntilAttempt: 2, ...b.data },
    retry: { maxAttempts: 3, delay: 500 },
  }),
};

function badRequest(res: Response, errors: string[]): void {
  res.status(400).json({ error: errors.join("; "), errors });
}

/**
 * The trigger server as an Express app, like the example backend: routes that schedule jobs over
 * HTTP, and optionally the Scheduler UI's REST API and the built UI itself, so one URL shows the
 * jobs. Bad input gets 400 with a JSON error; a scheduler failure gets 503; never a 500 page.
 */
export function createTriggerApp(
  scheduler: JobScheduler,
  health: HealthProbe,
  options: { jobsApi?: express.Router; uiDir?: string } = {},
): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.use(express.json({ limit: BODY_LIMIT }));
  if (options.jobsApi) app.use(options.jobsApi);

  async function schedule(req: JobRequest, res: Response): Promise<void> {
    try {
      const job = await scheduler.schedule({
        ...req,
        retry:
          typeof req.retry === "object"
            ? { maxAttempts: req.retry.maxAttempts, delay: req.retry.delay ?? 0 }
            : req.retry,
        runAt: req.runAt === undefined ? undefined : new Date(req.runAt),
        lastScheduledAt: req.lastScheduledAt === undefined ? undefined : new Date(req.lastScheduledAt),
      });
      res.status(201).json({ ...job, id: String(job._id), priority: job.priority ?? 5 });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // The scheduler validates too; its refusals are the caller's fault, anything else is ours.
      if (/must be|required|Invalid Date|either cron or every/i.test(message)) badRequest(res, [message]);
      else res.status(503).json({ error: `scheduler could not schedule the job: ${message}` });
    }
  }

  app.post("/trigger/:kind", (req: Request<{ kind: string }>, res) => {
    const route = exampleRoutes[req.params.kind];
    if (!route) {
      res.status(404).json({
        error: `no trigger ${req.params.kind}: use one of ${Object.keys(exampleRoutes).join(", ")}`,
      });
      return;
    }
    const parsed = triggerBody.safeParse(req.body ?? {});
    if (!parsed.success) return badRequest(res, describeIssues(parsed.error));
    return schedule(route(parsed.data), res);
  });

  app.post("/jobs", (req, res) => {
    const parsed = jobBody.safeParse(req.body);
    if (!parsed.success) return badRequest(res, describeIssues(parsed.error));
    return schedule(parsed.data, res);
  });

  app.get("/health", async (_req, res) => {
    try {
      await health();
      res.json({ ok: true });
    } catch (error) {
      res.status(503).json({ ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  });

  if (options.uiDir) app.use(express.static(options.uiDir));

  app.use((_req, res) => {
    res.status(404).json({ error: "not found" });
  });

  // Body-parser errors (malformed JSON, body over the limit) are the client's: 400, never 500.
  app.use(
    (
      error: { type?: string; status?: number; message?: string },
      _req: Request,
      res: Response,
      _next: NextFunction,
    ) => {
      if (error.type === "entity.too.large") return badRequest(res, [`request body over ${BODY_LIMIT}`]);
      if (error.type === "entity.parse.failed") return badRequest(res, ["request body is not valid JSON"]);
      if (error.status && error.status >= 400 && error.status < 500)
        return badRequest(res, [error.message ?? "bad request"]);
      if (/^Mongo/.test((error as Error).name ?? "")) {
        return void res
          .status(503)
          .json({ error: `database unavailable: ${error.message ?? "unknown error"}` });
      }
      res.status(500).json({ error: "internal error" });
    },
  );
  return app;
}
