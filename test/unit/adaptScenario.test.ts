import { describe, expect, it } from "vitest";
import { adaptToScheduler } from "../../harness/scenario/adapt.ts";
import { resolveSettings } from "../../harness/scenario/settings.ts";
import { scenarios } from "../../scenarios/index.ts";

const mixed = scenarios.mixed;

describe("a composed scenario on a scheduler without some features", () => {
  it("leaves out Agenda's missing kinds (limits across processes, lock renewal) and their checker, one line each", () => {
    if (!mixed) throw new Error("the mixed scenario is missing");
    const settings = resolveSettings(mixed, { sut: "agenda" });
    const names = (s: typeof settings) => s.load.mix.map((m) => m.body?.name);
    expect(names(settings)).toContain("limit-1");
    const lines = adaptToScheduler(mixed, settings);
    expect(lines).toEqual([
      "mixed on agenda: without per-name concurrency limits enforced across all worker processes, the jobs named limit-1, limit-2, limit-5 and the checker concurrency-limit left out",
      "mixed on agenda: without automatic lock renewal (heartbeats) while a handler runs, the jobs named long left out",
    ]);
    expect(names(settings)).not.toContain("limit-1");
    expect(names(settings)).not.toContain("long");
    expect(names(settings)).toContain("retry-computed");
    expect(settings.check.checkers).not.toContain("concurrency-limit");
    expect(settings.check.checkers).toContain("dedupe");
  });

  it("leaves everything in for mongo-job-scheduler, which offers every kind", () => {
    if (!mixed) throw new Error("the mixed scenario is missing");
    const settings = resolveSettings(mixed, {});
    const before = JSON.stringify(settings);
    expect(adaptToScheduler(mixed, settings)).toEqual([]);
    expect(JSON.stringify(settings)).toBe(before);
  });
});
