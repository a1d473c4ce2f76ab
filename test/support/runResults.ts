import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CheckerResult } from "../../harness/checkers/types.ts";
import { buildResult } from "../../harness/report/buildResult.ts";
import { checkerList, type RunResult } from "../../harness/report/result.ts";
import { resolveSettings } from "../../harness/scenario/settings.ts";
import { scenarios } from "../../scenarios/index.ts";
import { HistoryBuilder, job } from "./histories.ts";

/** The result.json of the newest run under a reports folder (its `latest` link). */
export function latestResult(reports: string): RunResult {
  return JSON.parse(readFileSync(join(reports, "latest", "result.json"), "utf8")) as RunResult;
}

/**
 * A crash-recovery run whose scheduler broke two promises: job "lost-1" was accepted and never ran,
 * job "twice-1" ran in two processes at once. No kill happened, so recovery-time cannot decide.
 */
export function brokenRun(
  informational: Record<string, string> = {},
  incomplete: string | null = null,
): RunResult {
  const scenario = scenarios["crash-recovery"];
  if (!scenario) throw new Error("crash-recovery scenario missing");
  const config = resolveSettings(scenario, {});
  config.check.informational = { ...config.check.informational, ...informational };
  const history = new HistoryBuilder()
    .ready("w1", 11, 0)
    .ready("w2", 12, 0)
    .accept("ok-1", 10)
    .accept("lost-1", 10)
    .accept("twice-1", 10)
    .run("ok-1", "w1", 11, 100, 200)
    .run("twice-1", "w1", 11, 300, 900)
    .run("twice-1", "w2", 12, 400, 950)
    .history();
  return buildResult(
    {
      scenario: "crash-recovery",
      description: scenario.description,
      seed: 7,
      startedAt: Date.parse("2026-01-02T03:04:05.000Z"),
      runEndedAt: 60_000,
      durationMs: 12_345,
      config,
      environment: {
        node: "v20.20.0",
        driver: "6.22.0",
        scheduler: "1.2.4",
        schedulerSource: null,
        platform: "linux",
        cpus: 2,
      },
      server: { provider: "standin", version: "5.0.0", isMongoDB: false },
      load: null,
      incomplete,
    },
    history,
    [job("ok-1", "completed"), job("lost-1", "pending"), job("twice-1", "completed")],
  );
}

/** One checker of a result, by name. */
export function checkerOf(result: RunResult, name: string): CheckerResult {
  const c = checkerList(result).find((x) => x.name === name);
  if (!c) throw new Error(`no checker ${name}`);
  return c;
}
