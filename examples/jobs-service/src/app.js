import express from "express";
import { RETRY_DEMO_ATTEMPTS, RETRY_DEMO_DELAY_MS } from "./jobs/retryDemo.js";
import { JOB } from "./scheduler.js";

/** A request the service refuses, with the reason it answers in a 400. */
class BadRequest extends Error {}

function integerIn(value, name, low, high, fallback) {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < low || value > high) {
    throw new BadRequest(
      `${name} must be a whole number from ${low} to ${high}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function text(value, name, fallback) {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== "string" || value === "") throw new BadRequest(`${name} must be a non-empty string`);
  return value;
}

/** The HTTP API: one route per job kind, each answering 201 with the scheduled job's id. */
export function createApp(scheduler) {
  const app = express();
  app.use(express.json());

  app.get("/health", (_req, res) => {
    res.json({ status: "ok", scheduler: scheduler.isRunning() ? "running" : "stopped" });
  });

  app.post("/trigger/email", async (req, res) => {
    const body = req.body ?? {};
    const to = text(body.to, "to");
    const subject = text(body.subject, "subject", "");
    // 1 is the most urgent, 10 the least; the scheduler's default is 5.
    const priority = integerIn(body.priority, "priority", 1, 10, 5);
    const job = await scheduler.schedule({ name: JOB.email, data: { to, subject }, priority });
    res.status(201).json({ message: "email scheduled", jobId: String(job._id), priority: job.priority });
  });

  app.post("/trigger/report", async (req, res) => {
    const reportType = text(req.body?.reportType, "reportType", "summary");
    const job = await scheduler.schedule({ name: JOB.report, data: { reportType }, concurrency: 2 });
    res.status(201).json({ message: "report scheduled (at most 2 run at once)", jobId: String(job._id) });
  });

  app.post("/trigger/retry-demo", async (req, res) => {
    const failures = integerIn(
      req.body?.succeedAfterAttempt,
      "succeedAfterAttempt",
      0,
      RETRY_DEMO_ATTEMPTS - 1,
      3,
    );
    const job = await scheduler.schedule({
      name: JOB.retryDemo,
      data: { succeedAfterAttempt: failures },
      retry: { maxAttempts: RETRY_DEMO_ATTEMPTS, delay: RETRY_DEMO_DELAY_MS },
    });
    res.status(201).json({
      message: `retry demo scheduled: ${failures} failed attempts, then a success`,
      jobId: String(job._id),
    });
  });

  // Express 5 passes a rejected handler's error here.
  app.use((error, _req, res, _next) => {
    if (error instanceof BadRequest || error?.type === "entity.parse.failed") {
      res.status(400).json({ error: error.message });
      return;
    }
    console.error(`request failed: ${error?.message ?? error}`);
    res.status(500).json({ error: String(error?.message ?? error) });
  });
  return app;
}
