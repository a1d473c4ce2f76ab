import { describe, expect, it } from "vitest";
import { planFaults } from "../../harness/faults/planFaults.ts";
import { runFaults } from "../../harness/faults/runFaults.ts";
import { JOB_KINDS, kindsOf } from "../../harness/ledger/jobKinds.ts";
import { LiveLedger } from "../../harness/ledger/liveLedger.ts";
import { addTables, faultCoverage } from "../../harness/report/faultCoverage.ts";
import type { Scenario } from "../../harness/scenario/schema.ts";
import { resolveSettings } from "../../harness/scenario/settings.ts";
import { busy, FakeProcesses, fakeEnv, refusalOf } from "../support/faultFakes.ts";
import { HistoryBuilder } from "../support/histories.ts";

const base: Scenario = {
  name: "target-test",
  description: "fault targets by job",
  settings: {
    sut: { processes: 3 },
    load: {
      jobs: 10,
      mix: [
        { body: { name: "limit-1", concurrency: 1 }, expect: "completed" },
        { body: { name: "plain" }, expect: "completed" },
      ],
    },
    faults: { kills: 0, list: [] },
  },
};
const settingsWith = (list: unknown[]) =>
  resolveSettings({ ...base, settings: { ...base.settings, faults: { kills: 0, list: list as never } } }, {});

const refusal = (add: string[]) => refusalOf(() => resolveSettings(base, {}, [], { add }));

describe("job kinds", () => {
  it("reads a job's kinds from its accept and start records", () => {
    const start = { attempt: 1 } as const;
    expect(kindsOf(undefined, start)).toEqual(["plain"]);
    expect(kindsOf(undefined, { ...start, concurrency: 2 })).toEqual(["limited"]);
    expect(kindsOf(undefined, { attempt: 2 })).toEqual(["retrying"]);
    expect(kindsOf({ expect: "repeating" }, start)).toEqual(["repeating"]);
    expect(
      kindsOf({ expect: "completed", long: true, dedupeKey: "k" }, { ...start, concurrency: 1 }),
    ).toEqual(["limited", "long", "deduped"]);
  });
});

describe("fault targets by the job a worker runs", () => {
  it("accepts a job name of the run's load or a kind, and refuses any other in one line, exit 3", () => {
    expect(() => resolveSettings(base, {}, [], { add: ["kill:target=running:limit-1"] })).not.toThrow();
    expect(() => resolveSettings(base, {}, [], { add: ["pause:target=running:limited"] })).not.toThrow();
    expect(refusal(["kill:target=running:limit-9"])).toMatch(
      /--fault kill:target=running:limit-9: target running:limit-9: no job of this run is named limit-9 \(names: limit-1, plain; kinds: limited, retrying, repeating, long, deduped, plain\)/,
    );
    expect(refusal(["kill:target=running:"])).toMatch(/give busy, running:NAME/);
    expect(refusal(["clock-offset:target=running:limited,offset=1000"])).toMatch(
      /needs its worker before the run starts/,
    );
  });

  it("strikes the worker running a job of that name, not another busy one", async () => {
    const processes = new FakeProcesses(["w1", "w2", "w3"]);
    const env = fakeEnv(new AbortController().signal, { processes });
    busy(env, processes, "w1", "a", { name: "plain" });
    busy(env, processes, "w2", "b", { name: "limit-1", kinds: ["limited"] });
    busy(env, processes, "w3", "c", { name: "plain" });
    for (const target of ["running:limit-1", "running:limited"]) {
      processes.calls.length = 0;
      const plan = planFaults(settingsWith([{ type: "pause", target, at: 0, forMs: 5 }]), 3);
      expect(plan[0]).toMatchObject({
        targets: "busy",
        running: { selector: target.slice(8), drawn: false },
      });
      await runFaults({ plan, totalJobs: 10, signal: env.signal }, env);
      expect(processes.calls[0]).toBe("pause w2");
    }
  });

  it("misses a named target when no worker runs such a job, and says which", async () => {
    const processes = new FakeProcesses(["w1"]);
    const env = fakeEnv(new AbortController().signal, { processes });
    busy(env, processes, "w1", "a", { name: "plain" });
    const plan = planFaults(settingsWith([{ type: "kill", target: "running:limit-1", at: 0, forMs: 5 }]), 1);
    const summary = await runFaults({ plan, totalJobs: 10, signal: env.signal, busyWaitMs: 100 }, env);
    expect(summary).toMatchObject({ injected: 0, missed: ["kill-1 at 0%"] });
    expect(processes.calls).toEqual([]);
    expect(env.lines.join("\n")).toMatch(/no worker was executing a limit-1 job; skipped/);
  });

  it("running:* takes the kinds in turn over consecutive seeds, and strikes a busy worker when none runs the drawn kind", async () => {
    const drawn = (seed: number) =>
      planFaults(settingsWith([{ type: "kill", target: "running:*", at: 0, forMs: 5 }]), seed)[0]?.running;
    expect(new Set([1, 2, 3, 4, 5, 6].map((s) => drawn(s)?.selector))).toEqual(new Set(JOB_KINDS));
    expect(drawn(1)?.drawn).toBe(true);
    const processes = new FakeProcesses(["w1"]);
    const env = fakeEnv(new AbortController().signal, { processes });
    busy(env, processes, "w1", "a", { name: "x", kinds: ["deduped"] });
    const seed = [1, 2, 3, 4, 5, 6].find((s) => drawn(s)?.selector === "limited") as number;
    const plan = planFaults(settingsWith([{ type: "pause", target: "running:*", at: 0, forMs: 5 }]), seed);
    const other = plan[0]?.running?.selector;
    await runFaults({ plan, totalJobs: 10, signal: env.signal, busyWaitMs: 100 }, env);
    expect(processes.calls[0]).toBe("pause w1");
    expect(env.lines.join("\n")).toContain(`no worker was running a ${other} job; striking a busy one`);
  });
});

describe("the live ledger's view of what runs", () => {
  it("takes a job's kinds from its accept even when the worker's start was read first", () => {
    const live = new LiveLedger();
    const start = {
      type: "start" as const,
      t: 10,
      execId: "w1-1#1",
      jobId: "j1",
      name: "long",
      priority: 3,
      attempt: 1,
      lockVersion: 1,
      nextRunAt: 0,
      workerId: "w1-1-w0",
      proc: "w1",
      instance: "w1-1",
      pid: 1,
    };
    live.ingest([start]);
    expect(live.running("w1-1")).toEqual([{ name: "long", kinds: ["plain"] }]);
    live.ingest([
      {
        type: "accept",
        t: 12,
        request: "r1",
        jobId: "j1",
        name: "long",
        priority: 3,
        expect: "completed",
        long: true,
      },
    ]);
    expect(live.running("w1-1")).toEqual([{ name: "long", kinds: ["long"] }]);
  });
});

describe("fault coverage", () => {
  it("counts, per fault type, the strikes that hit each kind of job in flight, and adds runs up", () => {
    const b = new HistoryBuilder()
      .ready("w1", 1, 0)
      .ready("w2", 2, 0)
      .accept("j1", 0, { name: "limit-1" })
      .run("j1", "w1", 1, 10, null, { name: "limit-1", concurrency: 1 });
    const j1 = b.lastExecId as string;
    b.accept("j2", 0, {
      name: "r",
      retry: { maxAttempts: 2, delaysMs: [10], computed: false, failUntilAttempt: 1 },
    }).run("j2", "w1", 1, 12, null, { name: "r" });
    const j2 = b.lastExecId as string;
    b.kill("w1", 1, 100, [
      { execId: j1, jobId: "j1" },
      { execId: j2, jobId: "j2" },
    ]);
    b.window("pause", "pause-1", [["w2", 2]], 200, 300, "unavailable");
    const history = b.history();
    const coverage = faultCoverage(history);
    // The pause's begin carries no jobs in flight here: it struck an idle worker.
    expect(coverage.table).toEqual({ kill: { limited: 1, retrying: 1 } });
    expect(coverage.strikes[0]).toMatchObject({
      fault: "kill",
      kinds: ["limited", "retrying"],
      names: ["limit-1", "r"],
    });
    for (const r of history.records)
      if (r.type === "fault" && r.action === "begin") Object.assign(r, { inFlight: [] });
    const again = faultCoverage(history).table;
    expect(again).toEqual({ kill: { limited: 1, retrying: 1 }, pause: { idle: 1 } });
    expect(addTables([again, again, undefined])).toEqual({
      kill: { limited: 2, retrying: 2 },
      pause: { idle: 2 },
    });
    // Seen from outside (app mode, where a watcher's record is written), nothing is said of the kinds.
    history.records.push({
      type: "observer",
      t: 400,
      collection: "scheduler_jobs",
      samples: 1,
      everyMs: 50,
      maxGapMs: 50,
      firstAt: 0,
    });
    expect(faultCoverage(history)).toEqual({ strikes: [], table: {} });
  });

  it("does not count a job that had ended before the fault began (the live view lags a poll)", () => {
    const b = new HistoryBuilder()
      .ready("w1", 1, 0)
      .accept("j1", 0, { name: "long" })
      .run("j1", "w1", 1, 100, 150);
    const j1 = b.lastExecId;
    b.window("pause", "pause-1", [["w1", 1]], 200, 300, "unavailable");
    const history = b.history();
    for (const r of history.records)
      if (r.type === "fault" && r.action === "begin")
        Object.assign(r, { inFlight: [{ execId: j1, jobId: "j1" }] });
    expect(faultCoverage(history).table).toEqual({ pause: { idle: 1 } });
  });
});
