import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dryDatabase } from "../../harness/adapters/dryDb.ts";
import { checkSut } from "../../harness/adapters/registry.ts";
import type { SutSpec } from "../../harness/adapters/wiring.ts";
import { projectRoot } from "../support/harnessCli.ts";

const fixture = (file: string) => join(projectRoot, "test", "support", "wiring", file);
const spec = (wiring: string, adapter = "mongo-job-scheduler"): SutSpec => ({
  adapter,
  wiring,
  matched: { pollIntervalMs: 200, lockTimeoutMs: 2000 },
});

describe("a wiring module is built before any process starts, on a database that never connects", () => {
  it("accepts a builder that builds its Scheduler at once (the example wiring)", async () => {
    const path = join(projectRoot, "examples", "wiring.mjs");
    expect(await checkSut(spec("examples/wiring.mjs"), 2)).toEqual({ wiring: path, deferred: false });
  });

  it("refuses a builder that throws, naming the file and what was expected", async () => {
    await expect(checkSut(spec(fixture("throws.mjs")), 2)).rejects.toThrow(
      `--wiring ${fixture("throws.mjs")}: the builder threw (SCHEDULER_DB is not set); expected it to return a Scheduler built from (db, handler)`,
    );
  });

  it("refuses a builder that returns no Scheduler", async () => {
    await expect(checkSut(spec(fixture("returns-nothing.mjs")), 2)).rejects.toThrow(
      "the builder returned undefined, not a Scheduler",
    );
  });

  it("leaves a builder that waits on the database to the run, instead of refusing it", async () => {
    const started = Date.now();
    expect(await checkSut(spec(fixture("awaits-db.mjs")), 2)).toEqual({
      wiring: fixture("awaits-db.mjs"),
      deferred: true,
    });
    // Judged waiting soon after its first operation, not at the five-second limit.
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it("checks no build for a preset", async () => {
    expect(await checkSut(spec("readme"), 2)).toEqual({ wiring: "readme", deferred: false });
    expect(await checkSut(spec("matched", "agenda"), 2)).toEqual({ wiring: "matched", deferred: false });
  });

  it("the dry database holds every operation pending and counts it", async () => {
    const dry = dryDatabase();
    const ping = dry.db.command({ ping: 1 }).then(
      () => "settled",
      () => "rejected",
    );
    await dry.firstOperation;
    const outcome = await Promise.race([ping, new Promise((r) => setTimeout(() => r("pending"), 100))]);
    expect(outcome).toBe("pending");
    expect(dry.operations()).toBe(1);
  });
});
