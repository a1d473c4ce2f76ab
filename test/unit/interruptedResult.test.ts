import { describe, expect, it } from "vitest";
import { buildResult, type RunMeta } from "../../harness/report/buildResult.ts";
import { renderHtml } from "../../harness/report/html.ts";
import { renderSummary } from "../../harness/report/terminal.ts";
import { runSettingsSchema } from "../../harness/scenario/schema.ts";
import { HistoryBuilder, job } from "../support/histories.ts";

const config = runSettingsSchema.parse({ sut: {}, load: {}, faults: {}, check: {} });

function meta(incomplete: string | null): RunMeta {
  return {
    scenario: "crash-recovery",
    description: "test",
    seed: 1,
    startedAt: 0,
    runEndedAt: 1000,
    durationMs: 1000,
    config,
    environment: {
      node: "v20",
      driver: "6",
      scheduler: "1",
      schedulerSource: null,
      platform: "linux",
      cpus: 2,
    },
    server: { provider: "standin", version: "5.0.0", isMongoDB: false },
    load: null,
    incomplete,
  };
}

const history = new HistoryBuilder()
  .ready("w1", 1, 0)
  .accept("a")
  .accept("b")
  .accept("c")
  .run("a", "w1", 1, 10, 20, { ack: "success" })
  .history();
const finalState = [job("a", "completed"), job("b", "pending"), job("c", "running", { lockUntil: 5000 })];

describe("the result of an interrupted run", () => {
  it("counts what had not finished as unfinished, never lost", () => {
    const result = buildResult(meta("interrupted"), history, finalState);
    expect(result.verdict).toBe("unknown");
    expect(result.counts).toMatchObject({ accepted: 3, completed: 1, lost: 0, unfinished: 2 });
    const text = renderSummary(result);
    expect(text).toMatch(/jobs unfinished \(run cut short, not judged\)\s*│\s*2/);
    expect(text).not.toMatch(/jobs lost/);
    expect(renderHtml(result, { chartJs: "", annotation: "" })).toContain(
      "jobs accepted / completed / unfinished",
    );
  });

  it("counts the same jobs as lost when the run was complete", () => {
    const result = buildResult(meta(null), history, finalState);
    expect(result.verdict).toBe("fail");
    expect(result.counts).toMatchObject({ accepted: 3, completed: 1, lost: 2, unfinished: 0 });
    expect(renderSummary(result)).toMatch(/jobs lost\s*│\s*2/);
  });
});

describe("planned faults that never struck", () => {
  it("are kept in result.json's faults, and left out when every fault struck", () => {
    const notStruck = { missed: ["partition-1 at 0%"], unstruck: ["pause-1 at 90%"] };
    expect(buildResult({ ...meta(null), notStruck }, history, finalState).faults?.notStruck).toEqual(
      notStruck,
    );
    const none = { missed: [], unstruck: [] };
    expect(buildResult({ ...meta(null), notStruck: none }, history, finalState).faults).not.toHaveProperty(
      "notStruck",
    );
  });
});
