import { describe, expect, it } from "vitest";
import { resolveSettings } from "../../harness/scenario/settings.ts";
import { HarnessError } from "../../harness/util/exitCodes.ts";
import { scenarios } from "../../scenarios/index.ts";

const scenario = scenarios["crash-recovery"];
if (!scenario) throw new Error("crash-recovery scenario missing");

describe("resolveSettings", () => {
  it("layers defaults, the scenario and the flags, in that order", () => {
    const s = resolveSettings(scenario, { workers: 3, "lock-timeout": 2000, seed: 42 });
    expect(s.sut).toEqual({
      adapter: "mongo-job-scheduler",
      wiring: "matched",
      processes: 3,
      workersPerProcess: 2,
      pollIntervalMs: 250,
      lockTimeoutMs: 2000,
      stopTimeoutMs: 4000,
    });
    expect(s.seed).toBe(42);
    expect(s.load.mix.length).toBeGreaterThan(0);
  });

  it("reports every bad flag at once, by its flag name", () => {
    let error: unknown;
    try {
      resolveSettings(scenario, { workers: 0, jobs: -5, "poll-interval": 1.5 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HarnessError);
    const message = (error as HarnessError).message;
    expect(message).toContain("--workers");
    expect(message).toContain("--jobs");
    expect(message).toContain("--poll-interval");
    expect(message.split("\n")).toHaveLength(1);
    expect((error as HarnessError).code).toBe(3);
  });

  it("rejects a scenario that names a checker that does not exist", () => {
    const bad = { ...scenario, settings: { ...scenario.settings, check: { checkers: ["no-such-checker"] } } };
    expect(() => resolveSettings(bad, {})).toThrow(/no such checker/);
  });

  it("names the other options' problems in the same line as the settings'", () => {
    expect(() => resolveSettings(scenario, { workers: 0 }, ["--port 70000: bad"])).toThrow(
      /^invalid settings: --workers: .*; --port 70000: bad$/,
    );
    expect(() => resolveSettings(scenario, {}, ["--mongo foo: bad"])).toThrow(
      /^invalid settings: --mongo foo: bad$/,
    );
  });

  it("says --jobs does not apply to a scenario with a fixed set of jobs", () => {
    const repeat = scenarios.repeat;
    if (!repeat) throw new Error("repeat scenario missing");
    expect(() => resolveSettings(repeat, { jobs: 10 })).toThrow(
      /^invalid settings: --jobs: repeat schedules a fixed set of 4 jobs; the flag does not apply to it$/,
    );
    expect(resolveSettings(repeat, {}).load.jobs).toBe(4);
    expect(resolveSettings(scenario, { jobs: 10 }).load.jobs).toBe(10);
  });
});
