import { describe, expect, it } from "vitest";
import { parseFaultFlag } from "../../harness/faults/faultFlag.ts";
import { faultSupportProblems } from "../../harness/faults/faultRig.ts";
import { planFaults } from "../../harness/faults/planFaults.ts";
import { runFaults } from "../../harness/faults/runFaults.ts";
import type { LedgerRecord, WindowRecord } from "../../harness/ledger/records.ts";
import { failedFaults, faultWindows } from "../../harness/report/faultWindows.ts";
import { startFaultSchedule } from "../../harness/run/faults.ts";
import type { Scenario } from "../../harness/scenario/schema.ts";
import { resolveSettings } from "../../harness/scenario/settings.ts";
import { HarnessError } from "../../harness/util/exitCodes.ts";
import { referenceClock } from "../../harness/util/referenceClock.ts";
import type { Reporter } from "../../harness/util/reporter.ts";
import { busy, FakeClocks, FakeProcesses, FakeProxies, fakeEnv, refusalOf } from "../support/faultFakes.ts";

const base: Scenario = {
  name: "fault-test",
  description: "faults under test",
  settings: {
    sut: { processes: 3 },
    load: { jobs: 10 },
    faults: { kills: 0, list: [] },
  },
};

function settingsWith(list: unknown[], more: Record<string, unknown> = {}) {
  return resolveSettings(
    { ...base, settings: { ...base.settings, faults: { kills: 0, list: list as never, ...more } } },
    {},
  );
}

function windows(records: LedgerRecord[]): WindowRecord[] {
  return records.filter(
    (r): r is WindowRecord => r.type === "fault" && (r.action === "begin" || r.action === "end"),
  );
}

describe("fault planning", () => {
  it("gives the same schedule for the same seed, and picks `any` targets from it", () => {
    const settings = settingsWith([
      { type: "clock-offset", target: "any", offsetMs: 5000, forMs: 2000 },
      { type: "partition", target: "busy", count: 2, forMs: 1000 },
    ]);
    const a = planFaults(settings, 42);
    expect(planFaults(settings, 42)).toEqual(a);
    expect(a.map((f) => [f.id, f.at])).toEqual([
      ["partition-1", 1 / 3],
      ["clock-offset-1", 0.5],
      ["partition-2", 2 / 3],
    ]);
    const targets = new Set(
      Array.from({ length: 20 }, (_, seed) => JSON.stringify(planFaults(settings, seed)[1]?.targets)),
    );
    // Twenty seeds pick more than one worker: the target really comes from the seed.
    expect(targets.size).toBeGreaterThan(1);
  });

  it("turns the kills and pauses shorthands into kill and pause faults", () => {
    const settings = resolveSettings(
      { ...base, settings: { ...base.settings, faults: { kills: 2, pauses: 1 } } },
      {},
    );
    expect(planFaults(settings, 1).map((f) => `${f.id}@${f.at.toFixed(2)}`)).toEqual([
      "kill-1@0.33",
      "pause-1@0.50",
      "kill-2@0.67",
    ]);
  });

  it("reads --fault flags and reports every bad fault input in one line", () => {
    expect(parseFaultFlag("latency:target=w2,at=0.3,for=6000,latency=80,jitter=5")).toEqual({
      type: "latency",
      target: "w2",
      at: 0.3,
      forMs: 6000,
      latencyMs: 80,
      jitterMs: 5,
    });
    const problems = (add: string[]) =>
      refusalOf(() => resolveSettings(base, { "drain-timeout": 10_000 }, [], { add }));
    const unreadable = problems(["earthquake:at=0.1", "latency:latency=-5", "pause:at"]);
    expect(unreadable).toContain("--fault earthquake:at=0.1: type: Invalid discriminator");
    expect(unreadable).toMatch(/--fault latency:latency=-5: latencyMs: Too small/);
    expect(unreadable).toContain('"at" is not key=value');
    expect(problems(["kill:target=all"])).toMatch(
      /--fault kill:target=all: target all: a kill strikes one worker process; give busy, running:NAME, any or a worker such as w2/,
    );
    const impossible = problems(["partition:for=60000", "kill:target=w9"]);
    expect(impossible).toMatch(/window of 60000 ms is not shorter than the drain timeout \(10000 ms\)/);
    expect(impossible).toMatch(/target w9, but the run has 3 worker processes/);
    expect(() => resolveSettings(base, {}, [], { add: ["partition:for=6000,target=w3"] })).not.toThrow();
  });

  it("names schema and semantic fault problems, and what the machine or target lacks, all in one line", () => {
    const scenario: Scenario = {
      ...base,
      settings: {
        ...base.settings,
        check: { drainTimeoutMs: 10_000 },
        faults: { kills: 0, list: [{ type: "block-loop", target: "w7", forMs: 2000 }] },
      },
    };
    const asked: string[][] = [];
    let message = "";
    try {
      resolveSettings(scenario, {}, ["--port 70000: bad"], {
        add: [
          "earthquake:at=0.1",
          "latency:latency=-5",
          "partition:for=60000",
          "clock-offset:target=w2,offset=1000",
        ],
        support: (needs) => {
          asked.push([...needs].sort());
          return ["network faults need Toxiproxy (test)", "clock faults need libfaketime (test)"];
        },
      });
    } catch (e) {
      expect(e).toBeInstanceOf(HarnessError);
      expect((e as HarnessError).code).toBe(3);
      message = (e as HarnessError).message;
    }
    expect(message.split("\n")).toHaveLength(1);
    // The schema's problems …
    expect(message).toContain("--fault earthquake:at=0.1: type: Invalid discriminator");
    expect(message).toMatch(/--fault latency:latency=-5: latencyMs: Too small/);
    // … beside the semantic ones of the entries the schema accepts, each named as the user wrote it …
    expect(message).toContain(
      "--fault partition:for=60000: a window of 60000 ms is not shorter than the drain timeout (10000 ms)",
    );
    expect(message).toContain("fault 1 (block-loop): target w7, but the run has 3 worker processes");
    // … what the machine lacks for every fault type listed (the rejected latency entry needs
    // Toxiproxy too), and the other flags' problems.
    expect(asked).toEqual([["libfaketime", "toxiproxy"]]);
    expect(message).toContain("network faults need Toxiproxy (test)");
    expect(message).toContain("clock faults need libfaketime (test)");
    expect(message).toContain("--port 70000: bad");
    // A clean list asks the same question and reports only its answer.
    expect(() =>
      resolveSettings(base, {}, [], {
        add: ["partition:for=6000,target=w3"],
        support: () => ["network faults need Toxiproxy (test)"],
      }),
    ).toThrow(/^invalid settings: network faults need Toxiproxy \(test\)$/);
    expect(() =>
      resolveSettings(base, {}, [], { add: ["kill:target=w3"], support: () => ["never asked"] }),
    ).not.toThrow();
  });

  it("checks the MongoDB target and the machine for the faults' needs without starting anything", () => {
    const missing = faultSupportProblems(new Set(["toxiproxy", "libfaketime"]), {
      cacheDir: "/nonexistent-cache",
      mongoUri: "mongodb+srv://cluster.example.net/db",
      env: { PATH: "/nonexistent-bin", HARNESS_LIBFAKETIME: "/nonexistent/libfaketime.so.1" },
    });
    expect(missing).toEqual([
      expect.stringMatching(/single-host mongodb:\/\/ URI/),
      expect.stringMatching(/^network faults need Toxiproxy 2\.5\.0: install Go/),
      "HARNESS_LIBFAKETIME=/nonexistent/libfaketime.so.1: no such file",
    ]);
    expect(
      faultSupportProblems(new Set(["toxiproxy"]), {
        cacheDir: "/nonexistent-cache",
        mongoUri: "mongodb://127.0.0.1:27017/db",
        env: { PATH: "/nonexistent-bin" },
      }),
    ).toHaveLength(1);
    expect(faultSupportProblems(new Set(), { cacheDir: "/nonexistent-cache", env: {} })).toEqual([]);
  });

  it("refuses a clock fault on a busy target (its worker must start under libfaketime)", () => {
    expect(() => settingsWith([{ type: "clock-offset", target: "busy", offsetMs: 1000 }])).toThrow(
      /needs its worker before the run starts/,
    );
  });
});

describe("running faults over fake processes and proxies", () => {
  it("partitions a busy worker for its window, heals it, and records the window as unavailable", async () => {
    const processes = new FakeProcesses(["w1", "w2", "w3"]);
    const proxies = new FakeProxies();
    const env = fakeEnv(new AbortController().signal, { processes, proxies });
    busy(env, processes, "w2", "job-a");
    const plan = planFaults(settingsWith([{ type: "partition", target: "busy", at: 0, forMs: 50 }]), 1);
    const summary = await runFaults({ plan, totalJobs: 10, signal: env.signal }, env);
    expect(summary).toEqual({ injected: 1, missed: [], failed: [], unstruck: [] });
    expect(proxies.enabled.get("w2")).toBe(true);
    expect(proxies.clean()).toBe(true);
    const [begin, end] = windows(env.records);
    expect(begin).toMatchObject({
      action: "begin",
      fault: "partition",
      effect: "unavailable",
      procs: ["w2"],
      instances: ["w2.0"],
      inFlight: [{ execId: "w2#job-a", jobId: "job-a" }],
    });
    expect(end).toMatchObject({ action: "end", window: begin?.window });
    expect((end?.t ?? 0) - (begin?.t ?? 0)).toBeGreaterThanOrEqual(45);
  });

  it("heals every open fault at once when the run is called off, leaving nothing in place", async () => {
    const processes = new FakeProcesses(["w1", "w2"]);
    const proxies = new FakeProxies();
    const clocks = new FakeClocks(["w1"]);
    processes.replies.clock = { wallMs: Date.now() + 5000 };
    const controller = new AbortController();
    const env = fakeEnv(controller.signal, { processes, proxies, clocks });
    busy(env, processes, "w2", "job-b");
    const plan = planFaults(
      settingsWith([
        { type: "latency", target: "all", at: 0, forMs: 60_000, latencyMs: 50 },
        { type: "clock-offset", target: "w1", at: 0, forMs: 60_000, offsetMs: 5000 },
        { type: "pause", target: "busy", at: 0, forMs: 60_000 },
      ]),
      1,
    );
    const running = runFaults({ plan, totalJobs: 10, signal: controller.signal }, env);
    await new Promise((r) => setTimeout(r, 200));
    expect(proxies.toxics.get("w1")?.map((t) => t.type)).toEqual(["latency"]);
    expect(clocks.offsets.get("w1")).toBe(5000);
    expect(processes.paused.has("w2")).toBe(true);
    controller.abort();
    const summary = await running;
    expect(summary.failed).toEqual([]);
    expect(proxies.clean()).toBe(true);
    expect(clocks.offsets.get("w1")).toBe(0);
    expect(processes.paused.size).toBe(0);
    const ends = windows(env.records).filter((w) => w.action === "end");
    expect(ends.map((w) => w.fault).sort()).toEqual(["clock-offset", "latency", "pause"]);
    const clockBegin = windows(env.records).find((w) => w.fault === "clock-offset" && w.action === "begin");
    expect(clockBegin).toMatchObject({ effect: "clock", offsetMs: 5000 });
  });

  it("names a fault whose heal failed, and such a run cannot pass", async () => {
    const processes = new FakeProcesses(["w1"]);
    const proxies = new FakeProxies();
    const env = fakeEnv(new AbortController().signal, { processes, proxies });
    const plan = planFaults(settingsWith([{ type: "partition", target: "w1", at: 0, forMs: 20 }]), 1);
    proxies.failHeal = true;
    const summary = await runFaults({ plan, totalJobs: 10, signal: env.signal }, env);
    expect(summary.failed).toEqual([
      { id: "partition-1", error: "heal: could not reconnect: w1: Error: proxy server gone" },
    ]);
    const failed = failedFaults(faultWindows({ records: env.records, rejected: [], problems: [] } as never));
    expect(failed.map((w) => [w.window, w.procs])).toEqual([["partition-1", ["w1"]]]);
  });

  it("the healthy twin: the same partition healed leaves no failed fault", async () => {
    const processes = new FakeProcesses(["w1"]);
    const env = fakeEnv(new AbortController().signal, { processes, proxies: new FakeProxies() });
    const plan = planFaults(settingsWith([{ type: "partition", target: "w1", at: 0, forMs: 20 }]), 1);
    await runFaults({ plan, totalJobs: 10, signal: env.signal }, env);
    expect(failedFaults(faultWindows({ records: env.records, rejected: [], problems: [] } as never))).toEqual(
      [],
    );
  });

  it("a kill writes kill and restart records; called off before the restart, it restarts nothing", async () => {
    const processes = new FakeProcesses(["w1", "w2"]);
    const env = fakeEnv(new AbortController().signal, { processes });
    busy(env, processes, "w1", "job-c");
    const plan = planFaults(settingsWith([{ type: "kill", target: "busy", at: 0, forMs: 10 }]), 1);
    await runFaults({ plan, totalJobs: 10, signal: env.signal }, env);
    expect(env.records.map((r) => (r.type === "fault" ? `${r.fault} ${r.action}` : r.type))).toEqual([
      "kill kill",
      "kill restart",
    ]);

    const early = new AbortController();
    const processes2 = new FakeProcesses(["w1"]);
    const env2 = fakeEnv(early.signal, { processes: processes2 });
    busy(env2, processes2, "w1", "job-d");
    const run = runFaults({ plan, totalJobs: 10, signal: early.signal }, env2);
    await new Promise((r) => setTimeout(r, 5));
    early.abort();
    await run;
    expect(processes2.calls).toEqual(["kill w1"]);
  });

  it("names the faults whose point never came before the schedule was called off", async () => {
    const processes = new FakeProcesses(["w1"]);
    const stop = new AbortController();
    const env = fakeEnv(stop.signal, { processes });
    busy(env, processes, "w1", "job-e");
    const plan = planFaults(
      settingsWith([
        { type: "pause", target: "busy", at: 0, forMs: 5 },
        { type: "pause", target: "busy", at: 0.9, forMs: 5 },
      ]),
      1,
    );
    // No job ever finishes: the second pause waits for 9 of 10 until the run calls it off.
    const run = runFaults({ plan, totalJobs: 10, signal: stop.signal }, env);
    await new Promise((r) => setTimeout(r, 100));
    stop.abort();
    expect(await run).toMatchObject({ injected: 1, unstruck: ["pause-2 at 90%"] });
  });

  it("a schedule called off keeps, for result.json, the faults that found no target and those whose point never came", async () => {
    const processes = new FakeProcesses(["w1"]);
    const window = new AbortController();
    const env = fakeEnv(window.signal, { processes, proxies: new FakeProxies() });
    const plan = planFaults(
      settingsWith([
        { type: "partition", target: "busy", at: 0, forMs: 10 },
        { type: "pause", target: "busy", at: 0.9, forMs: 5 },
      ]),
      1,
    );
    const warnings: string[] = [];
    const schedule = startFaultSchedule({
      plan,
      totalJobs: 10,
      window,
      processes,
      proxies: env.proxies,
      clocks: null,
      live: env.live,
      ledger: env.ledger,
      rng: env.rng,
      reporter: { progress: () => {}, warn: (m: string) => warnings.push(m) } as unknown as Reporter,
      stopping: () => false,
      busyWaitMs: 50,
    }).value;
    expect(schedule.notStruck()).toBeUndefined();
    await new Promise((r) => setTimeout(r, 200));
    await schedule.stop();
    expect(schedule.notStruck()).toEqual({ missed: ["partition-1 at 0%"], unstruck: ["pause-1 at 90%"] });
    expect(warnings).toEqual([expect.stringMatching(/^1 planned fault\(s\) never struck: pause-1 at 90%/)]);
  });

  it("misses a busy-target fault when no worker is executing a job", async () => {
    const processes = new FakeProcesses(["w1"]);
    const env = fakeEnv(new AbortController().signal, { processes, proxies: new FakeProxies() });
    const plan = planFaults(settingsWith([{ type: "partition", target: "busy", at: 0, forMs: 10 }]), 1);
    const summary = await runFaults({ plan, totalJobs: 10, signal: env.signal, busyWaitMs: 100 }, env);
    expect(summary).toEqual({ injected: 0, missed: ["partition-1 at 0%"], failed: [], unstruck: [] });
    expect(env.records).toEqual([]);
  });
});

describe("the reference clock", () => {
  it("tells the anchor's time plus the monotonic time since, whatever the wall clock says", () => {
    const mono = process.hrtime.bigint();
    const clock = referenceClock({ wallMs: 1_000_000, monoNs: (mono - 250_000_000n).toString() });
    const t = clock();
    expect(t).toBeGreaterThanOrEqual(1_000_250);
    expect(t).toBeLessThan(1_000_250 + 1000);
  });
});
