import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTriggerApp, type JobScheduler } from "../../harness/trigger/triggerApp.ts";

const scheduled: Parameters<JobScheduler["schedule"]>[0][] = [];
const fake: JobScheduler = {
  async schedule(options) {
    if (options.name === "explode") throw new Error("connection reset");
    scheduled.push(options);
    return { _id: `id${scheduled.length}`, name: options.name, priority: options.priority ?? 5 };
  },
};

let base = "";
let close: () => void = () => {};
beforeAll(async () => {
  const server = createTriggerApp(fake, async () => {}).listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(() => close());

async function post(path: string, body: unknown, raw = false) {
  const res = await fetch(base + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: raw ? (body as string) : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe("trigger server", () => {
  it("schedules the example jobs with their fixed options", async () => {
    const report = await post("/trigger/report", { priority: 2, data: { durationMs: 10 } });
    expect(report.status).toBe(201);
    expect(report.json).toMatchObject({ name: "report", priority: 2 });
    expect(scheduled.at(-1)).toMatchObject({ name: "report", concurrency: 2, priority: 2 });
    await post("/trigger/retry-demo", {});
    expect(scheduled.at(-1)).toMatchObject({
      retry: { maxAttempts: 3, delay: 500 },
      data: { failUntilAttempt: 2 },
    });
  });

  // The example application's README, "API Examples": each request's body exactly as its curl sends it.
  const exampleCurls: [string, string, string][] = [
    [
      "1. Simple One-Time Job (Email)",
      "/trigger/email",
      `{
    "to": "user@example.com",
    "subject": "Welcome!",
    "body": "Hello world"
  }`,
    ],
    [
      "2. High Priority Job",
      "/trigger/email",
      `{
    "to": "admin@example.com",
    "subject": "System Alert",
    "priority": 1
  }`,
    ],
    ["3. Concurrency Limited Job (Report)", "/trigger/report", `{ "reportType": "finance" }`],
    ["4. Retry Logic Demo", "/trigger/retry-demo", `{ "succeedAfterAttempt": 3 }`],
  ];

  it.each(exampleCurls)("answers the example README's request %s with 201", async (_title, path, body) => {
    const res = await post(path, body, true);
    expect(res.status).toBe(201);
    expect(res.json.id).toBeTruthy();
  });

  it("gives the example's requests the example's meaning", async () => {
    await post("/trigger/email", { to: "user@example.com", subject: "Welcome!", body: "Hello world" });
    expect(scheduled.at(-1)).toMatchObject({
      name: "email",
      data: { to: "user@example.com", subject: "Welcome!", body: "Hello world" },
    });
    await post("/trigger/email", { to: "admin@example.com", subject: "System Alert", priority: 1 });
    expect(scheduled.at(-1)).toMatchObject({ name: "email", priority: 1, data: { subject: "System Alert" } });
    expect(scheduled.at(-1)?.data).not.toHaveProperty("body");
    await post("/trigger/report", { reportType: "finance" });
    expect(scheduled.at(-1)).toMatchObject({
      name: "report",
      concurrency: 2,
      data: { reportType: "finance" },
    });
    // Fails three times, succeeds on the fourth attempt: four attempts allowed.
    await post("/trigger/retry-demo", { succeedAfterAttempt: 3 });
    expect(scheduled.at(-1)).toMatchObject({
      name: "retry-demo",
      retry: { maxAttempts: 4 },
      data: { failUntilAttempt: 4, succeedAfterAttempt: 3 },
    });
    // Priority and data stay as before on every example route.
    await post("/trigger/report", { priority: 3, data: { durationMs: 5 } });
    expect(scheduled.at(-1)).toMatchObject({ priority: 3, data: { durationMs: 5 } });
  });

  it.each([
    ["a cron expression that does not parse", { cron: "61 * * * *" }, "does not parse"],
    ["a cron expression that is not cron", { cron: "every morning" }, "does not parse"],
    ["an unknown timezone", { cron: "0 9 * * *", timezone: "Mars/Olympus" }, "unknown timezone"],
  ])("answers 400 at enqueue time for %s", async (_what, repeat, message) => {
    const before = scheduled.length;
    const res = await post("/jobs", { name: "tick", repeat });
    expect(res.status).toBe(400);
    expect(String(res.json.error)).toContain(message);
    expect(scheduled.length).toBe(before);
  });

  it("accepts a cron expression with a known timezone", async () => {
    const res = await post("/jobs", {
      name: "tick",
      repeat: { cron: "0 9 * * *", timezone: "Asia/Kolkata" },
    });
    expect(res.status).toBe(201);
  });

  it("schedules a generic job with every option", async () => {
    const res = await post("/jobs", {
      name: "thumb",
      priority: 1,
      concurrency: 3,
      retry: { maxAttempts: 2 },
      runAt: "2030-01-01T00:00:00Z",
      dedupeKey: "k1",
      data: { x: 1 },
    });
    expect(res.status).toBe(201);
    expect(scheduled.at(-1)).toMatchObject({
      name: "thumb",
      retry: { maxAttempts: 2, delay: 0 },
      dedupeKey: "k1",
    });
    expect(scheduled.at(-1)?.runAt).toEqual(new Date("2030-01-01T00:00:00Z"));
  });

  it.each([
    ["priority above 10", "/jobs", { name: "a", priority: 11 }, "priority"],
    ["priority below 1", "/trigger/email", { priority: 0 }, "priority"],
    ["a fractional priority", "/jobs", { name: "a", priority: 1.5 }, "priority"],
    ["a name that is not a string", "/jobs", { name: 5 }, "name"],
    ["a missing name", "/jobs", {}, "name"],
    ["an unknown field", "/trigger/email", { colour: "red" }, "colour"],
    ["a report field on the email route", "/trigger/email", { reportType: "finance" }, "reportType"],
    [
      "a succeedAfterAttempt that is not a number",
      "/trigger/retry-demo",
      { succeedAfterAttempt: "3" },
      "succeedAfterAttempt",
    ],
    ["a recipient that is not a string", "/trigger/email", { to: 42 }, "to"],
    ["concurrency 0", "/jobs", { name: "a", concurrency: 0 }, "concurrency"],
    ["a bad runAt", "/jobs", { name: "a", runAt: "tomorrow" }, "runAt"],
  ])("answers 400 with a JSON error for %s", async (_what, path, body, field) => {
    const res = await post(path, body);
    expect(res.status).toBe(400);
    expect(String(res.json.error)).toContain(field);
  });

  it("answers 400, not 500, for malformed JSON and for a body over the size limit", async () => {
    expect((await post("/jobs", "{not json", true)).status).toBe(400);
    const big = await post("/jobs", { name: "a", data: { blob: "x".repeat(100_000) } });
    expect(big.status).toBe(400);
    expect(String(big.json.error)).toContain("over");
  });

  it("answers 503 when the scheduler cannot reach its database, and 404 for unknown routes", async () => {
    expect((await post("/jobs", { name: "explode" })).status).toBe(503);
    expect((await post("/trigger/nothing", {})).status).toBe(404);
  });

  it("reports health", async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
  });
});
