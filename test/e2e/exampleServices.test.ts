import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { type Db, MongoClient, ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MongoTarget, provisionMongo } from "../../harness/servers/provision.ts";
import { freePort } from "../../harness/util/port.ts";
import { exampleServiceDir, type StartedService, startService } from "../support/exampleService.ts";
import { projectRoot } from "../support/harnessCli.ts";

/**
 * The services app mode is tested against, run for real on the stand-in: the example service of
 * examples/jobs-service (its own dependency tree, installed by the global setup) and the fake
 * services of test/fixtures/apps, each of which must show the one flaw it is named after.
 */

let target: MongoTarget;
let client: MongoClient;
const databases: string[] = [];
/** Every service started, so that a failed test leaves none running. */
const services: StartedService[] = [];
beforeAll(async () => {
  target = await provisionMongo({ choice: "standin", progress: () => {} });
  client = await MongoClient.connect(target.uri);
});
afterAll(async () => {
  await Promise.all(services.map((s) => s.child.stop({ signal: "SIGKILL" })));
  for (const name of databases) await client?.db(name).dropDatabase();
  await client?.close();
  await target?.stop();
});

/** A database of the test's own (dropped at the end), and the URL that names it. */
function database(prefix: string): { db: Db; url: string; name: string } {
  const name = `${prefix}_${randomBytes(3).toString("hex")}`;
  databases.push(name);
  return { db: client.db(name), url: `${target.uri}/${name}`, name };
}

interface Answer {
  status: number;
  json: { jobId: string; error?: string };
}

async function post(port: number, path: string, body: unknown): Promise<Answer> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Answer["json"] };
}

/** Polls an async condition every 100 ms for up to a minute: a slow machine only waits longer. */
async function until(probe: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const jobsOf = (db: Db, ids: string[]) =>
  db
    .collection("scheduler_jobs")
    .find({ _id: { $in: ids.map((id) => new ObjectId(id)) } })
    .toArray();

async function finished(db: Db, ids: string[]): Promise<boolean> {
  const jobs = await db
    .collection("scheduler_jobs")
    .find({ status: { $in: ["completed", "failed"] } }, { projection: { _id: 1 } })
    .toArray();
  const done = new Set(jobs.map((j) => String(j._id)));
  return ids.every((id) => done.has(id));
}

/** How many effect documents each job id has in `collection`. */
async function effectCounts(db: Db, collection: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const doc of await db.collection(collection).find().toArray()) {
    counts.set(doc.jobId, (counts.get(doc.jobId) ?? 0) + 1);
  }
  return counts;
}

const fast = { WORKERS: "2", POLL_INTERVAL_MS: "200", LOCK_TIMEOUT_MS: "10000", EMAIL_SEND_MS: "50" };

describe("the example service (examples/jobs-service), two instances on one database", () => {
  it("answers its routes, leaves one email log per job, retries through the scheduler, registers its daily job once and stops gracefully", async () => {
    const { db, url } = database("example_service");
    const env = { ...fast, MONGO_URL: url, REPORT_MS: "300" };
    const instances: StartedService[] = await Promise.all(
      ["a", "b"].map(async (n) =>
        startService(`jobs-service ${n}`, "src/server.js", exampleServiceDir, {
          ...env,
          PORT: String(await freePort()),
        }),
      ),
    );
    services.push(...instances);
    try {
      const [a, b] = instances as [StartedService, StartedService];
      for (const s of instances) expect((await fetch(`http://127.0.0.1:${s.port}/health`)).status).toBe(200);
      const emails = [
        await post(a.port, "/trigger/email", { to: "a@example.com", subject: "one" }),
        await post(b.port, "/trigger/email", { to: "b@example.com", subject: "two", priority: 1 }),
      ];
      const report = await post(a.port, "/trigger/report", { reportType: "finance" });
      const retry = await post(b.port, "/trigger/retry-demo", { succeedAfterAttempt: 1 });
      for (const r of [...emails, report, retry]) {
        expect(r.status).toBe(201);
        expect(r.json.jobId).toMatch(/^[0-9a-f]{24}$/);
      }
      expect((await post(a.port, "/trigger/email", { subject: "no recipient" })).status).toBe(400);
      expect((await post(a.port, "/trigger/retry-demo", { succeedAfterAttempt: 5 })).status).toBe(400);

      const ids = [...emails, report, retry].map((r) => r.json.jobId);
      await until(() => finished(db, ids), "every job triggered has finished");
      const jobs = new Map((await jobsOf(db, ids)).map((j) => [String(j._id), j]));
      for (const id of ids) expect(jobs.get(id)?.status, id).toBe("completed");
      // The retry went through the scheduler's reschedule, which fails when two drivers are installed.
      expect(jobs.get(retry.json.jobId)?.attempts).toBe(1);
      expect(jobs.get(emails[1]?.json.jobId ?? "")?.priority).toBe(1);

      const logs = await db.collection("emaillogs").find().toArray();
      expect(logs.map((l) => l.jobId).sort()).toEqual(emails.map((e) => e.json.jobId).sort());
      for (const log of logs) {
        expect(log.sentAt).toBeInstanceOf(Date);
        expect(typeof log.to).toBe("string");
      }
      const reports = await db.collection("reportlogs").find().toArray();
      expect(reports.map((r) => r.jobId)).toEqual([report.json.jobId]);

      // Both instances registered the daily job; the dedupe key kept one, due at the next midnight UTC.
      const daily = await db.collection("scheduler_jobs").find({ name: "cron-cleanup" }).toArray();
      expect(daily).toHaveLength(1);
      expect(daily[0]?.status).toBe("pending");
      const nextRunAt = daily[0]?.nextRunAt as Date;
      expect(nextRunAt.toISOString()).toMatch(/T00:00:00\.000Z$/);
      expect(nextRunAt.getTime()).toBeGreaterThan(Date.now());
    } finally {
      const exits = await Promise.all(
        instances.map((s) => s.child.stop({ signal: "SIGTERM", graceMs: 40_000 })),
      );
      expect(exits.map((e) => e.code)).toEqual([0, 0]);
      for (const s of instances) expect(s.output()).toMatch(/SIGTERM: stopping[\s\S]*stopped in \d+ ms/);
    }
  });
});

const fixturesDir = join(projectRoot, "test", "fixtures", "apps");

interface FixtureRun {
  service: StartedService;
  db: Db;
  dbName: string;
  port: number;
  /** The job ids of the emails it accepted, in order. */
  accepted: string[];
}

/** Starts a fake service on a fresh database, sends it `emails` email requests, and stops nothing. */
async function runFixture(
  file: string,
  emails: number,
  env: Record<string, string> = {},
): Promise<FixtureRun> {
  const { db, url, name } = database(`fixture_${file.toLowerCase()}`);
  const port = await freePort();
  const service = await startService(file, join(fixturesDir, `${file}.mjs`), projectRoot, {
    ...fast,
    MONGO_URL: url,
    PORT: String(port),
    ...env,
  });
  services.push(service);
  const accepted: string[] = [];
  for (let i = 0; i < emails; i++) {
    const r = await post(service.port, "/trigger/email", { to: `user${i}@example.com`, subject: `#${i}` });
    expect(r.status).toBe(201);
    accepted.push(r.json.jobId);
  }
  return { service, db, dbName: name, port, accepted };
}

async function stopped(run: FixtureRun): Promise<number | null> {
  return (await run.service.child.stop({ signal: "SIGTERM", graceMs: 40_000 })).code;
}

describe.concurrent("the fake services of test/fixtures/apps, each with its one flaw", () => {
  it("correct: every accepted job completes with exactly one effect", async () => {
    const run = await runFixture("correct", 3);
    await until(() => finished(run.db, run.accepted), "the emails have finished");
    const jobs = await jobsOf(run.db, run.accepted);
    expect(jobs.map((j) => j.status)).toEqual(["completed", "completed", "completed"]);
    const effects = await effectCounts(run.db, "emaillogs");
    expect(run.accepted.map((id) => effects.get(id))).toEqual([1, 1, 1]);
    expect(await stopped(run)).toBe(0);
  });

  it("runsTwice: every completed job has two effects", async () => {
    const run = await runFixture("runsTwice", 3);
    await until(() => finished(run.db, run.accepted), "the emails have finished");
    expect((await jobsOf(run.db, run.accepted)).every((j) => j.status === "completed")).toBe(true);
    const effects = await effectCounts(run.db, "emaillogs");
    expect(run.accepted.map((id) => effects.get(id))).toEqual([2, 2, 2]);
    expect(await stopped(run)).toBe(0);
  });

  it("dropsJobs: the ids it says it dropped were accepted but never scheduled; the rest run", async () => {
    const run = await runFixture("dropsJobs", 6, { DROP_FRACTION: "0.5", DROP_SEED: "7" });
    const dropped = [...run.service.output().matchAll(/dropped send-email ([0-9a-f]{24})/g)].map((m) => m[1]);
    // Seed 7 drops some and keeps some of six requests sent one after the other.
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped.length).toBeLessThan(6);
    const kept = run.accepted.filter((id) => !dropped.includes(id));
    expect(kept.length + dropped.length).toBe(6);
    await until(() => finished(run.db, kept), "the emails it kept have finished");
    const jobs = await jobsOf(run.db, run.accepted);
    expect(jobs.map((j) => String(j._id)).sort()).toEqual([...kept].sort());
    expect(await stopped(run)).toBe(0);
  });

  it("marksFailed: every job ends failed although its effect was written", async () => {
    const run = await runFixture("marksFailed", 2);
    await until(() => finished(run.db, run.accepted), "the emails have finished");
    const jobs = await jobsOf(run.db, run.accepted);
    expect(jobs.map((j) => j.status)).toEqual(["failed", "failed"]);
    expect(jobs[0]?.lastError).toMatch(/reported failed after its work was done/);
    const effects = await effectCounts(run.db, "emaillogs");
    expect(run.accepted.map((id) => effects.get(id))).toEqual([1, 1]);
    expect(await stopped(run)).toBe(0);
  });

  it("slowExit: takes at least SLOW_EXIT_MS from SIGTERM to exit", async () => {
    const run = await runFixture("slowExit", 1, { SLOW_EXIT_MS: "2000" });
    await until(() => finished(run.db, run.accepted), "the email has finished");
    const since = Date.now();
    expect(await stopped(run)).toBe(0);
    // A lower bound only: a slow machine makes it longer, never shorter.
    expect(Date.now() - since).toBeGreaterThanOrEqual(2000);
  });

  it("ignoresPort: nothing answers on the PORT it was given; it says where it listens instead", async () => {
    const run = await runFixture("ignoresPort", 1);
    expect(run.service.port).not.toBe(run.port);
    await expect(fetch(`http://127.0.0.1:${run.port}/health`)).rejects.toThrow();
    expect((await fetch(`http://127.0.0.1:${run.service.port}/health`)).status).toBe(200);
    expect(await stopped(run)).toBe(0);
  });

  it("dropsPriority: an email asked with priority 2 is stored with the scheduler's default", async () => {
    const { db, url } = database("fixture_dropspriority");
    const port = await freePort();
    const service = await startService("dropsPriority", join(fixturesDir, "dropsPriority.mjs"), projectRoot, {
      ...fast,
      MONGO_URL: url,
      PORT: String(port),
    });
    services.push(service);
    const r = await post(service.port, "/trigger/email", { to: "a@example.com", subject: "s", priority: 2 });
    expect(r.status).toBe(201);
    const [job] = await jobsOf(db, [r.json.jobId]);
    expect(job?.priority).not.toBe(2);
    expect((await service.child.stop({ signal: "SIGTERM", graceMs: 40_000 })).code).toBe(0);
  });

  it("ignoresDatabase: its jobs and effects land in another database than MONGO_URL names", async () => {
    const run = await runFixture("ignoresDatabase", 1);
    const elsewhere = client.db(`${run.dbName}_elsewhere`);
    databases.push(elsewhere.databaseName);
    await until(() => finished(elsewhere, run.accepted), "the email has finished elsewhere");
    expect(await run.db.collection("scheduler_jobs").countDocuments()).toBe(0);
    expect(await run.db.collection("emaillogs").countDocuments()).toBe(0);
    expect((await effectCounts(elsewhere, "emaillogs")).get(run.accepted[0] as string)).toBe(1);
    expect(await stopped(run)).toBe(0);
  });
});
