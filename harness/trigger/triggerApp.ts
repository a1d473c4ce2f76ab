import parser from "cron-parser";
import express, { type NextFunction, type Request, type Response } from "express";
import { z } from "zod";
import type { SchedulerClient } from "../adapters/adapter.ts";
import { describeIssues } from "../util/zodErrors.ts";

/** The largest request body the trigger server reads. */
export const BODY_LIMIT = "64kb";

const priority = z.number().int().min(1).max(10);
const data = z.record(z.string(), z.unknown());

/** What every example route takes besides its own fields: a priority and extra job data. */
const common = { priority: priority.optional(), data: data.optional() };

/** The example application's request bodies, exactly as its README sends them. */
const emailBody = z.strictObject({
  ...common,
  to: z.string().min(1).max(320).optional(),
  subject: z.string().max(1000).optional(),
  body: z.string().max(10_000).optional(),
});
const reportBody = z.strictObject({ ...common, reportType: z.string().min(1).max(200).optional() });
const retryDemoBody = z.strictObject({
  ...common,
  succeedAfterAttempt: z.number().int().min(0).max(20).optional(),
});

/** Null when the timezone is one the runtime knows (IANA), else why not. */
function timezoneProblem(timezone: string): string | null {
  try {
    new Intl.DateTimeFormat("en", { timeZone: timezone });
    return null;
  } catch {
    return `unknown timezone "${timezone}" (give an IANA name such as Europe/Berlin)`;
  }
}

/** Null when the cron expression parses (with cron-parser, as mongo-job-scheduler reads it), else why not. */
function cronProblem(cron: string): string | null {
  try {
    parser.parseExpression(cron, { tz: "UTC" });
    return null;
  } catch (error) {
    return `"${cron}" does not parse (${error instanceof Error ? error.message : String(error)})`;
  }
}

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
    .superRefine((r, ctx) => {
      // A repeat that can never run is the caller's mistake, told now rather than as a failed job later.
      const cron = r.cron ? cronProblem(r.cron) : null;
      if (cron) ctx.addIssue({ code: "custom", message: cron, path: ["cron"] });
      const timezone = r.timezone ? timezoneProblem(r.timezone) : null;
      if (timezone) ctx.addIssue({ code: "custom", message: timezone, path: ["timezone"] });
    })
    .optional(),
  maxExecutionMs: z.number().int().min(1).optional(),
  lastScheduledAt: z.iso.datetime({ offset: true }).optional(),
});
export type JobRequest = z.infer<typeof jobBody>;

/** What the app needs from a scheduler: only its enqueue. */
export type JobScheduler = Pick<SchedulerClient, "schedule">;

/** A health probe: resolves when the database answers. */
export type HealthProbe = () => Promise<void>;

/** One example route: its body schema and the job it schedules from a valid body. */
interface ExampleRoute<B extends z.ZodType> {
  body: B;
  job(body: z.infer<B>): JobRequest;
}
const route = <B extends z.ZodType>(r: ExampleRoute<B>) => r as unknown as ExampleRoute<z.ZodType>;

/**
 * The example application's routes (its README's API examples): each fixes the job's name and its
 * scheduler options and carries the example's fields in the job's data. The retry demo fails
 * `succeedAfterAttempt` times and then succeeds (the example's "fail 3 times before succeeding"
 * for 3), with enough attempts to get there; without it, it fails once and succeeds on the second.
 */
const exampleRoutes: Record<string, ExampleRoute<z.ZodType>> = {
  email: route({
    body: emailBody,
    job: ({ to, subject, body, priority, data }) => ({
      name: "email",
      priority,
      data: { ...definedOnly({ to, subject, body }), ...data },
    }),
  }),
  report: route({
    body: reportBody,
    job: ({ reportType, priority, data }) => ({
      name: "report",
      priority,
      data: { ...definedOnly({ reportType }), ...data },
      concurrency: 2,
    }),
  }),
  "retry-demo": route({
    body: retryDemoBody,
    job: ({ succeedAfterAttempt, priority, data }) => {
      const failures = succeedAfterAttempt ?? 1;
      return {
        name: "retry-demo",
        priority,
        data: { failUntilAttempt: failures + 1, ...definedOnly({ succeedAfterAttempt }), ...data },
        retry: { maxAttempts: Math.max(3, failures + 1), delay: 500 },
      };
    },
  }),
};

/** The fields of `o` that are set, so an absent field is absent from the job's data too. */
function definedOnly(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

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
    const example = exampleRoutes[req.params.kind];
    if (!example) {
      res.status(404).json({
        error: `no trigger ${req.params.kind}: use one of ${Object.keys(exampleRoutes).join(", ")}`,
      });
      return;
    }
    const parsed = example.body.safeParse(req.body ?? {});
    if (!parsed.success) return badRequest(res, describeIssues(parsed.error));
    return schedule(example.job(parsed.data), res);
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
