import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTriggerApp, type JobScheduler } from "../../harness/sut/triggerApp.ts";

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
