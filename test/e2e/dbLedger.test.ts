import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareDatabase } from "../../harness/adapters/jobsCollection.ts";
import { FaketimeClocks, findLibfaketime } from "../../harness/faults/faketime.ts";
import { readDbLedger } from "../../harness/ledger/dbHistory.ts";
import { LEDGER_COLLECTION, type LedgerBatch } from "../../harness/ledger/mongoLedger.ts";
import type { RunResult } from "../../harness/report/result.ts";
import { type MongoTarget, provisionMongo } from "../../harness/servers/provision.ts";
import type { OwnedChild } from "../../harness/util/ownedChild.ts";
import { buildBrokenScheduler } from "../support/brokenScheduler.ts";
import { startServiceWorker } from "../support/fakeCluster.ts";
import { runHarness, tempReports } from "../support/harnessCli.ts";
import { latestResult } from "../support/runResults.ts";

/** Each checker's verdict, and the run's. */
const verdicts = (r: RunResult) => ({
  run: r.verdict,
  ...Object.fromEntries(Object.entries(r.checkers).map(([name, c]) => [name, c?.verdict])),
});

async function both(args: string[], env: Record<string, string> = {}) {
  const out: Record<string, { code: number; result: RunResult; dir: string }> = {};
  for (const ledger of ["files", "db"]) {
    const reports = tempReports();
    const run = await runHarness([...args, "--ledger", ledger, "--reports-dir", reports], env);
    out[ledger] = { code: run.code ?? -1, result: latestResult(reports), dir: join(reports, "latest") };
  }
  return out as Record<"files" | "db", { code: number; result: RunResult; dir: string }>;
}

describe("--ledger db: workers that write to a database the harness only reads (stand-in MongoDB)", () => {
  it("crash-recovery with kills gives the same verdicts as the ledger folder on the same seed", async () => {
    const runs = await both(["scenario", "crash-recovery", "--workers", "2", "--jobs", "60", "--seed", "21"]);
    expect(runs.db.code).toBe(runs.files.code);
    expect(verdicts(runs.db.result)).toEqual(verdicts(runs.files.result));
    expect(runs.db.result.verdict).toBe("pass");
    expect(runs.db.result.counts.kills).toBeGreaterThan(0);
    // Nothing went through files: the workers wrote no ledger file, and every writer's clock (two
    // workers, their restarts after the kills, the harness) was measured against the server's.
    expect(readdirSync(runs.db.dir)).not.toContain("ledger");
    const clocks = runs.db.result.clocks;
    expect(clocks?.unmeasured).toEqual([]);
    expect(clocks?.writers.length).toBe(2 + runs.db.result.counts.kills + 1);
    for (const w of clocks?.writers ?? []) expect(Math.abs(w.offsetMs)).toBeLessThanOrEqual(w.uncertaintyMs);
    expect(runs.files.result.clocks).toBeUndefined();
  });

  // Two more runs (about 25 s): opt in with HARNESS_SLOW=1.
  it.skipIf(process.env.HARNESS_SLOW !== "1")(
    "a build that answers two requests with one job fails the same way through either ledger (HARNESS_SLOW=1)",
    async () => {
      const runs = await both(
        ["scenario", "crash-recovery", "--workers", "2", "--jobs", "20", "--kills", "0", "--seed", "5"],
        { HARNESS_SCHEDULER: buildBrokenScheduler("one-job-for-two-requests") },
      );
      expect(runs.db.code).toBe(1);
      expect(verdicts(runs.db.result)).toEqual(verdicts(runs.files.result));
      const merged = (r: RunResult) =>
        r.checkers["lost-jobs"]?.violations.filter((v) => v.kind === "merged-requests").length ?? 0;
      expect(merged(runs.db.result)).toBeGreaterThan(0);
    },
  );

  it("refuses a fault that needs a request to the worker, in one line, before anything starts", async () => {
    const run = await runHarness(["scenario", "out-of-memory", "--ledger", "db"]);
    expect(run.code).toBe(3);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/--ledger db: .*out-of-memory.*--ledger files/);
  });
});

let libfaketime: string | null = null;
try {
  libfaketime = findLibfaketime();
} catch (e) {
  process.stderr.write(`clock-offset estimate test skipped: ${(e as Error).message}\n`);
}

describe.skipIf(libfaketime === null)("a worker's clock offset, measured against the server's", () => {
  let target: MongoTarget;
  let client: MongoClient;
  const workers: OwnedChild[] = [];
  beforeAll(async () => {
    target = await provisionMongo({ choice: "standin", progress: () => {} });
    client = await new MongoClient(target.uri).connect();
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop({ graceMs: 2000 })));
    await client?.close();
    await target?.stop();
  });

  /**
   * A worker run as a service, with nothing but connection strings; `offsetMs` moves its wall clock
   * the way the harness's clock faults do (libfaketime reading an offset file).
   */
  async function serviceWorker(name: string, offsetMs?: number) {
    const dbName = `clock_${name}_${Date.now()}`;
    let faketime: Record<string, string> = {};
    if (offsetMs !== undefined) {
      const clocks = new FaketimeClocks(libfaketime as string, mkdtempSync(join(tmpdir(), "clock-")));
      faketime = clocks.envFor(name);
      clocks.setOffset(name, offsetMs);
    }
    // As a run does before any worker starts: the stand-in fails now and then when the scheduler's
    // first commands create the collection and its indexes at once (a worker exited on it in CI).
    await prepareDatabase(client.db(dbName));
    const child = startServiceWorker(`worker ${name}`, {
      MONGO_URL: target.uri,
      HARNESS_DB: dbName,
      HARNESS_PROC: name,
      LEDGER_URL: target.uri,
      ...faketime,
    });
    workers.push(child);
    let output = "";
    for (const stream of [child.process.stdout, child.process.stderr])
      stream?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
    const ledger = client.db(`${dbName}_ledger`).collection<LedgerBatch>(LEDGER_COLLECTION);
    // Its first samples: one before it starts its scheduler, then one a second.
    const sampled = async () =>
      (await ledger.find({}).toArray()).reduce((n, b) => n + (b.clock?.length ?? 0), 0) >= 4;
    let ok = false;
    for (let i = 0; i < 120 && !ok && child.exit === null; i++) {
      ok = await sampled();
      if (!ok) await new Promise((r) => setTimeout(r, 250));
    }
    expect(
      ok,
      `worker ${name} (exit ${JSON.stringify(child.exit)}) wrote fewer than 4 clock samples:\n${output}`,
    ).toBe(true);
    const { clocks } = await readDbLedger(ledger, "none");
    await client.db(`${dbName}_ledger`).dropDatabase();
    await client.db(dbName).dropDatabase();
    expect(clocks.writers).toHaveLength(1);
    return clocks.writers[0] as NonNullable<(typeof clocks.writers)[0]>;
  }

  it("reads the stand-in's clock through isMaster: it has no hello", async () => {
    await expect(client.db("admin").command({ hello: 1 })).rejects.toThrow();
    const reply = await client.db("admin").command({ isMaster: 1 });
    expect(reply.localTime).toBeInstanceOf(Date);
  });

  it("finds a worker whose clock libfaketime set 45 s ahead 45 s ahead, within its stated uncertainty; and an unmoved one at 0", async () => {
    const ahead = await serviceWorker("ahead", 45_000);
    expect(ahead.samples).toBeGreaterThanOrEqual(4);
    // The server's clock is this machine's: the worker's offset to it is exactly −45 000 ms.
    expect(Math.abs(ahead.offsetMs - -45_000)).toBeLessThanOrEqual(ahead.uncertaintyMs);
    expect(ahead.uncertaintyMs).toBeLessThan(50);
    const plain = await serviceWorker("plain");
    expect(Math.abs(plain.offsetMs)).toBeLessThanOrEqual(plain.uncertaintyMs);
  });
});
