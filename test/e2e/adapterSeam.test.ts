import { type Db, MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Execution, SchedulerAdapter } from "../../harness/adapters/adapter.ts";
import { adapterRegistry, createAdapter } from "../../harness/adapters/registry.ts";
import { performSimulatedWork, readSimulatedWork } from "../../harness/processes/simulatedWork.ts";
import { type MongoTarget, provisionMongo } from "../../harness/servers/provision.ts";

let target: MongoTarget;
let client: MongoClient;
beforeAll(async () => {
  target = await provisionMongo({ choice: "standin", progress: () => {} });
  client = new MongoClient(target.uri);
  await client.connect();
});
afterAll(async () => {
  await client?.close();
  await target?.stop();
});

async function until(probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The same story through each adapter: enqueue a few jobs (priorities, a retry that succeeds on
 * its third attempt, one that exhausts its retries, a dedupe key twice), run one worker with the
 * harness's handler, and read the final state in the harness's vocabulary.
 */
describe.each(Object.keys(adapterRegistry))("the %s adapter", (name) => {
  let adapter: SchedulerAdapter;
  let db: Db;
  beforeAll(async () => {
    adapter = await createAdapter({
      adapter: name,
      wiring: "matched",
      matched: { pollIntervalMs: 100, lockTimeoutMs: 5000 },
    });
    db = client.db(`seam_${name.replace(/\W/g, "_")}`);
    await db.dropDatabase();
    await adapter.prepare(db);
  });

  it("reads the effective settings from the built scheduler", async () => {
    const e = await adapter.effective(db, 2);
    expect(e.timing.lockTimeoutMs).toBe(5000);
    expect(e.timing.pollIntervalMs).toBe(100);
    expect(e.collection).toMatch(/\w/);
  });

  it("enqueues, runs through the harness's handler, and maps every final status", async () => {
    const scheduler = await adapter.client(db);
    const ok = await scheduler.schedule({ name: "plain", priority: 2, data: { durationMs: 10 } });
    expect(ok.priority).toBe(2);
    const flaky = await scheduler.schedule({
      name: "flaky",
      data: { failUntilAttempt: 3 },
      retry: { maxAttempts: 3, delay: 50 },
    });
    const doomed = await scheduler.schedule({
      name: "doomed",
      data: { failUntilAttempt: 9 },
      retry: { maxAttempts: 2, delay: 50 },
    });
    const first = await scheduler.schedule({ name: "plain", dedupeKey: "k", data: {} });
    const again = await scheduler.schedule({ name: "plain", dedupeKey: "k", data: {} });
    expect(String(again._id)).toBe(String(first._id));

    const executions: Execution[] = [];
    const acks: string[] = [];
    const worker = await adapter.startWorker(db, {
      id: "seam-test",
      slots: 2,
      jobNames: ["plain", "flaky", "doomed"],
      async handler(e) {
        executions.push(e);
        await performSimulatedWork(readSimulatedWork(e.data), e.attempt);
      },
      events: {
        ack: (jobId, outcome) => acks.push(`${jobId}:${outcome}`),
        stalled: () => {},
        error: () => {},
      },
    });
    try {
      const ids = [ok, flaky, doomed, first].map((j) => String(j._id));
      await until(async () => (await adapter.countFinished(db, ids)) === ids.length);
    } finally {
      await worker.stop(2000);
    }
    const states = new Map((await adapter.readFinalState(db)).map((s) => [s.id, s]));
    expect(states.get(String(ok._id))?.status).toBe("completed");
    expect(states.get(String(ok._id))?.priority).toBe(2);
    expect(states.get(String(flaky._id))?.status).toBe("completed");
    // Two failed attempts before the success, whatever the scheduler does with its own counter.
    expect(states.get(String(flaky._id))?.attempts).toBe(2);
    expect(states.get(String(doomed._id))?.attempts).toBe(2);
    expect(states.get(String(doomed._id))?.status).toBe("failed");
    expect(states.get(String(first._id))?.dedupeKey).toBe("k");
    expect(states.size).toBe(4);
    // The flaky job ran attempts 1, 2, 3; the doomed one 1 and 2.
    const attempts = (id: unknown) => executions.filter((e) => e.jobId === String(id)).map((e) => e.attempt);
    expect(attempts(flaky._id)).toEqual([1, 2, 3]);
    expect(attempts(doomed._id)).toEqual([1, 2]);
    expect(acks).toContain(`${String(flaky._id)}:retry`);
    expect(acks).toContain(`${String(flaky._id)}:success`);
    expect(acks).toContain(`${String(doomed._id)}:fail`);
  });
});
