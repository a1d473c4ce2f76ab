import { describe, expect, it } from "vitest";
import {
  faultFlagsOf,
  fewestJobs,
  type RunShape,
  reproduction,
  smallerShapes,
} from "../../harness/cli/shrink.ts";
import { parseFaultFlag } from "../../harness/faults/faultFlag.ts";
import { planFaults } from "../../harness/faults/planFaults.ts";
import { faultSpec } from "../../harness/faults/registry.ts";
import { planJobs } from "../../harness/load/jobMix.ts";
import type { RunResult } from "../../harness/report/result.ts";
import type { Scenario } from "../../harness/scenario/schema.ts";
import { resolveSettings } from "../../harness/scenario/settings.ts";
import { createRng } from "../../harness/util/rng.ts";
import { scenarios } from "../../scenarios/index.ts";

function scenario(name: string): Scenario {
  const found = scenarios[name];
  if (!found) throw new Error(`the ${name} scenario is missing`);
  return found;
}
const mixed = scenario("mixed");

/** The machine of a test: every tool there (no support problem), or one missing. */
const everyTool = () => [];
const noToxiproxy = (needs: ReadonlySet<string>) =>
  needs.has("toxiproxy") ? ["Toxiproxy is not installed and Go is not on the PATH"] : [];

describe("the mixed scenario", () => {
  it("plans the same load and the same fault schedule for the same seed, and others for another", () => {
    const settings = resolveSettings(mixed, {}, [], { support: everyTool });
    const plan = (seed: number) => ({
      jobs: planJobs(settings.load, createRng(seed)),
      faults: planFaults(settings, seed).map((f) => [f.id, f.at, f.targets]),
    });
    expect(plan(11)).toEqual(plan(11));
    expect(plan(12).faults).not.toEqual(plan(11).faults);
    // Every job kind is in the load: limits 1, 2 and 5, both retries, dedupe keys, repeats, long jobs.
    const names = new Set(plan(11).jobs.map((j) => j.body.name));
    for (const n of [
      "limit-1",
      "limit-2",
      "limit-5",
      "retry-fixed",
      "retry-computed",
      "deduped",
      "every-2s",
      "cron-3s",
      "long",
    ])
      expect(names).toContain(n);
    // Seeded points lie in the drawn range and every fault type of the list is planned once.
    const faults = planFaults(settings, 11);
    expect(faults.every((f) => f.at >= 0.05 && f.at <= 0.85)).toBe(true);
    expect(new Set(faults.map((f) => f.spec.type)).size).toBe(mixed.settings.faults?.list?.length);
  });

  it("leaves out the faults whose tool is missing, with one line per tool, and keeps the rest", () => {
    const lines: string[] = [];
    const settings = resolveSettings(mixed, {}, [], { support: noToxiproxy, notice: (l) => lines.push(l) });
    const types = settings.faults.list.map((f) => f.type);
    expect(types).not.toContain("partition");
    expect(types).not.toContain("latency");
    expect(types).toContain("kill");
    expect(types).toContain("clock-offset");
    expect(lines).toEqual([
      "left out partition, latency (needs toxiproxy): Toxiproxy is not installed and Go is not on the PATH",
    ]);
  });

  it("still refuses a --fault entry, and any scenario that does not skip, when the tool is missing", () => {
    expect(() =>
      resolveSettings(mixed, {}, [], { support: noToxiproxy, add: ["partition:for=1000"] }),
    ).toThrow(/Toxiproxy is not installed/);
    expect(() => resolveSettings(scenario("partition"), {}, [], { support: noToxiproxy })).toThrow(
      /Toxiproxy/,
    );
  });
});

/** A result as shrinking reads it: the resolved settings and the seed. */
function resultOf(seed: number): RunResult {
  const config = resolveSettings(mixed, {}, [], { support: everyTool });
  return { seed, config } as unknown as RunResult;
}

describe("shrinking", () => {
  it("writes the planned schedule as --fault flags that read back as the same faults", () => {
    const result = resultOf(5);
    const flags = faultFlagsOf(result);
    expect(flags).not.toBeNull();
    const planned = planFaults(result.config, 5);
    expect(flags).toHaveLength(planned.length);
    for (const [i, text] of (flags ?? []).entries()) {
      const parsed = faultSpec.parse(parseFaultFlag(text));
      const want = planned[i];
      expect(parsed.type).toBe(want?.spec.type);
      expect(parsed.at).toBeCloseTo(want?.at ?? -1, 3);
      expect(parsed.forMs).toBe(want?.spec.forMs);
      // An `any` target is written as the worker the seed picked, and a `running:*` one as the kind
      // the seed drew, so dropping another fault keeps it.
      expect(parsed.target).toBe(
        want?.running
          ? `running:${want.running.selector}`
          : Array.isArray(want?.targets)
            ? want?.targets[0]
            : want?.targets,
      );
    }
  });

  it("tries half the jobs, one process fewer, half the slots, then each fault left out", () => {
    const shape: RunShape = {
      jobs: 120,
      workers: 3,
      concurrency: 2,
      faults: ["kill:at=0.2", "pause:at=0.5"],
    };
    expect(smallerShapes(shape, 4).map((c) => c.what)).toEqual([
      "60 jobs",
      "2 worker processes",
      "1 workers per process",
      "without kill (kill:at=0.2)",
      "without pause (pause:at=0.5)",
    ]);
    expect(smallerShapes(shape, 4)[3]?.shape.faults).toEqual(["pause:at=0.5"]);
    // Never below the mix's counted jobs, never below one process or slot, nothing left: no candidate.
    expect(smallerShapes({ jobs: 5, workers: 1, concurrency: 1, faults: [] }, 4).map((c) => c.what)).toEqual([
      "4 jobs",
    ]);
    expect(smallerShapes({ jobs: 4, workers: 1, concurrency: 1, faults: [] }, 4)).toEqual([]);
    expect(fewestJobs(resultOf(1))).toBe(4);
  });

  it("prints one command line: the shape's flags, then the other flags given, quoted where needed", () => {
    const line = reproduction(
      "mixed",
      9,
      { jobs: 30, workers: 2, concurrency: 1, faults: ["kill:at=0.3,target=busy,forMs=1000"] },
      {
        seed: 3,
        jobs: 120,
        fault: ["ignored"],
        kills: 2,
        scheduler: "/tmp/my build",
        "reports-dir": "reports",
        ledger: "files",
        "lock-timeout": 2000,
      },
    );
    expect(line).toBe(
      "npx harness scenario mixed --seed 9 --jobs 30 --workers 2 --concurrency 1 --no-scenario-faults --fault kill:at=0.3,target=busy,forMs=1000 --lock-timeout 2000 --scheduler '/tmp/my build'",
    );
  });
});
