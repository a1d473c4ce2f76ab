import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderHtml } from "../../harness/report/html.ts";
import type { RunResult } from "../../harness/report/result.ts";
import { renderSummary } from "../../harness/report/terminal.ts";
import { projectRoot } from "../support/harnessCli.ts";

const assets = { chartJs: "", annotation: "" };
const fixture = JSON.parse(
  readFileSync(join(projectRoot, "test", "fixtures", "runs", "crash-recovery-pass", "result.json"), "utf8"),
) as RunResult;

/** A result whose scheduler was built as the README's quick start builds it. */
const readme: RunResult = {
  ...fixture,
  sut: {
    adapter: "mongo-job-scheduler",
    version: "1.2.4",
    wiring: "readme",
    effective: {
      timing: { lockTimeoutMs: 600_000, pollIntervalMs: 500, heartbeatIntervalMs: 300_000 },
      scheduler: {
        workers: 2,
        pollIntervalMs: 500,
        lockTimeoutMs: 600_000,
        maxExecutionMs: null,
        defaultTimezone: null,
        heartbeatIntervalMs: 300_000,
      },
      store: { collection: "scheduler_jobs", lockTimeoutMs: 30_000 },
      collection: "scheduler_jobs",
    },
  },
};

/** The scheduler and store parts of the HTML report's settings table, as [setting, value] rows. */
function htmlSettings(html: string): Record<string, string[][]> {
  const table = /<table id="sut-settings">(.*?)<\/table>/s.exec(html)?.[1];
  if (table === undefined) throw new Error("no settings table in the report");
  const parts: Record<string, string[][]> = {};
  let current: string[][] = [];
  for (const row of table.matchAll(/<tr>(.*?)<\/tr>/g)) {
    const head = /<th colspan="2">(.*?)<\/th>/.exec(row[1] as string);
    if (head) {
      current = [];
      parts[head[1] as string] = current;
    } else current.push([...(row[1] as string).matchAll(/<td>(.*?)<\/td>/g)].map((m) => m[1] as string));
  }
  return parts;
}

/** The same from the terminal summary's wiring lines. */
function terminalSettings(text: string): Record<string, string[][]> {
  const pairs = (line: string) => line.split(", ").map((kv) => kv.split(" "));
  const scheduler = /^wiring \S+: scheduler (.*)$/m.exec(text)?.[1];
  const store = /^ {2}store (.*)$/m.exec(text)?.[1];
  if (!scheduler || !store) throw new Error("no wiring lines in the summary");
  return { scheduler: pairs(scheduler), store: pairs(store) };
}

describe("the report prints the effective settings of the scheduler and of its store", () => {
  it("as read from the built instances, unset ones left out, the store's lock timeout beside the Scheduler's", () => {
    const html = renderHtml(readme, assets);
    expect(html).toContain("Scheduler under test: mongo-job-scheduler 1.2.4, wiring readme");
    expect(htmlSettings(html)).toEqual({
      scheduler: [
        ["workers", "2"],
        ["pollIntervalMs", "500"],
        ["lockTimeoutMs", "600000"],
        ["heartbeatIntervalMs", "300000"],
      ],
      store: [
        ["collection", "scheduler_jobs"],
        ["lockTimeoutMs", "30000"],
      ],
    });
    expect(html).toMatch(/<th>scheduler<\/th><td>mongo-job-scheduler 1\.2\.4, wiring readme<\/td>/);
  });

  it.each([
    ["a saved run", fixture],
    ["the readme wiring", readme],
  ])("the HTML shows what the terminal prints (%s)", (_, result) => {
    expect(htmlSettings(renderHtml(result, assets))).toEqual(terminalSettings(renderSummary(result)));
  });

  it("escapes a wiring module's path", () => {
    const odd = {
      ...readme,
      sut: { ...(readme.sut as NonNullable<RunResult["sut"]>), wiring: "/tmp/<a>&b.mjs" },
    };
    expect(renderHtml(odd, assets)).toContain("wiring /tmp/&lt;a&gt;&amp;b.mjs</h2>");
  });

  it("says so when the run ended before the scheduler was built, and shows nothing for a result without it", () => {
    const unbuilt = { ...readme, sut: { ...(readme.sut as NonNullable<RunResult["sut"]>), effective: null } };
    const html = renderHtml(unbuilt, assets);
    expect(html).toContain("No effective settings: the run ended before the scheduler was built.");
    expect(html).not.toContain('id="sut-settings"');
    const { sut: _, ...older } = readme;
    expect(renderHtml(older, assets)).not.toContain("Scheduler under test");
  });
});
