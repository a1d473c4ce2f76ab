import { describe, expect, it } from "vitest";
import type { SettingFlag } from "../../harness/scenario/settingFlags.ts";
import { type FaultFlags, resolveSettings } from "../../harness/scenario/settings.ts";
import { parseDuration } from "../../harness/util/duration.ts";
import { HarnessError } from "../../harness/util/exitCodes.ts";
import { scenarios } from "../../scenarios/index.ts";

/** The one line resolveSettings throws for a scenario and its flags, or null when it accepts them. */
function problem(
  name: string,
  flags: Partial<Record<SettingFlag, unknown>> = {},
  faultFlags: FaultFlags = {},
): string | null {
  const scenario = scenarios[name];
  if (!scenario) throw new Error(`no scenario ${name}`);
  try {
    resolveSettings(scenario, flags, [], faultFlags);
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(HarnessError);
    expect((error as HarnessError).code).toBe(3);
    const message = (error as HarnessError).message;
    expect(message.split("\n")).toHaveLength(1);
    return message;
  }
}

describe("the operations' settings", () => {
  it("accepts the four scenarios as they are, on a target that can restart its database", () => {
    for (const name of ["rolling-deploy", "scale", "soak"]) expect(problem(name)).toBeNull();
    expect(problem("db-restart", {}, { server: { choices: ["ferretdb"], dbControl: false } })).toBeNull();
    expect(problem("db-restart", {}, { server: { choices: ["uri"], dbControl: true } })).toBeNull();
  });

  it("reads durations with units, and plans an open loop's jobs as its rate times its duration", () => {
    expect(parseDuration("90000")).toBe(90_000);
    expect(parseDuration("30s")).toBe(30_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("2x")).toBeUndefined();
    const scenario = scenarios.soak;
    if (!scenario) throw new Error("no soak");
    const s = resolveSettings(scenario, { duration: "2h", rate: 10, "drain-timeout": 7_300_000 });
    expect(s.load.forMs).toBe(7_200_000);
  });

  it("refuses a surge larger than the workers it replaces", () => {
    const line = problem("rolling-deploy", {}, { add: ["rolling-restart:surge=5"], replace: true });
    expect(line).toContain(
      "--fault rolling-restart:surge=5: a surge of 5 is larger than the 3 worker process(es)",
    );
  });

  it("refuses a soak duration that does not fit the drain timeout, saying what to give", () => {
    const line = problem("soak", { duration: "2h" });
    expect(line).toContain("--duration: 2 h does not fit the drain timeout (12 min)");
    expect(line).toContain("--drain-timeout");
  });

  it("refuses a soak too short for the growth check, and open-loop flags on other scenarios", () => {
    expect(problem("soak", { duration: "20s" })).toContain("too short for the growth check");
    expect(problem("crash-recovery", { duration: "1m", rate: 5 })).toMatch(
      /--rate: applies to open-loop scenarios only.*--duration: applies to open-loop scenarios only/,
    );
    expect(problem("soak", { jobs: 10, duration: "x" })).toMatch(
      /--duration: expected a duration.*--jobs: an open loop's jobs are its rate × its duration/,
    );
  });

  it("refuses a database restart on a target that cannot keep its data, naming the ones that can", () => {
    const standin = problem("db-restart", {}, { server: { choices: ["standin"], dbControl: false } });
    expect(standin).toContain(
      "--mongo standin cannot restart its database keeping the data (the stand-in keeps everything in memory)",
    );
    expect(standin).toContain("--mongo ferretdb");
    expect(standin).toContain("--mongo-uri with --db-control CMD");
    expect(problem("db-restart", {}, { server: { choices: ["uri"], dbControl: false } })).toContain(
      "give --db-control CMD",
    );
    expect(
      problem(
        "db-restart",
        {},
        {
          add: ["db-restart:part=storage"],
          replace: true,
          server: { choices: ["ferretdb"], dbControl: false },
        },
      ),
    ).toContain("part=storage needs --mongo ferretdb-pg");
  });

  it("names every problem of one command line in one line", () => {
    const line = problem(
      "scale",
      { duration: "5s" },
      { add: ["scale:steps=1-70-1,step=4000"], server: { choices: ["standin"], dbControl: false } },
    );
    expect(line).toContain("steps.1");
    expect(line).toContain("--duration");
  });
});
