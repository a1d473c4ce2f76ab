/**
 * The example service's API (the public example backend of mongo-job-scheduler, and
 * examples/jobs-service): an email job that logs one document per execution, a report job limited
 * to two at once, a job that fails before it succeeds, and a daily cleanup cron the service
 * registers itself at start.
 */
export const exampleApi = {
  name: "example",
  collection: "scheduler_jobs",
  kinds: [
    {
      kind: "email",
      weight: 6,
      path: "/trigger/email",
      body: { to: "user{i}@example.test", subject: "harness {i}", body: "load", priority: "{priority}" },
      priorities: [1, 10],
      jobIdField: "jobId",
      jobName: "send-email",
      effect: { collection: "emaillogs", jobIdField: "jobId", timeField: "sentAt" },
    },
    {
      kind: "report",
      weight: 1,
      path: "/trigger/report",
      body: { reportType: "harness-{i}" },
      jobIdField: "jobId",
      jobName: "generate-report",
      concurrency: 2,
    },
    {
      kind: "retry",
      weight: 1,
      path: "/trigger/retry-demo",
      body: { succeedAfterAttempt: 2 },
      jobIdField: "jobId",
      jobName: "retry-demo",
    },
  ],
  ownJobs: [{ name: "cron-cleanup", documents: 1 }],
};
