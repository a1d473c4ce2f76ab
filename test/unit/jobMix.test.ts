import { describe, expect, it } from "vitest";
import { planJobs } from "../../harness/load/jobMix.ts";
import { createRng } from "../../harness/util/rng.ts";

const options = {
  jobs: 200,
  priorities: [1, 10] as const,
  durationMs: [100, 500] as const,
  mix: [
    { route: "/trigger/email", weight: 3, expect: "completed" as const },
    { route: "/trigger/report", weight: 1, expect: "completed" as const },
  ],
};

describe("planJobs", () => {
  it("plans the same jobs from the same seed and different jobs from another", () => {
    expect(planJobs(options, createRng(7))).toEqual(planJobs(options, createRng(7)));
    expect(planJobs(options, createRng(7))).not.toEqual(planJobs(options, createRng(8)));
  });

  it("keeps priorities and durations in range and follows the weights", () => {
    const jobs = planJobs(options, createRng(1));
    for (const j of jobs) {
      const body = j.body as { priority: number; data: { durationMs: number } };
      expect(body.priority).toBeGreaterThanOrEqual(1);
      expect(body.priority).toBeLessThanOrEqual(10);
      expect(body.data.durationMs).toBeGreaterThanOrEqual(100);
      expect(body.data.durationMs).toBeLessThanOrEqual(500);
    }
    const emails = jobs.filter((j) => j.route === "/trigger/email").length;
    expect(emails / jobs.length).toBeGreaterThan(0.6);
    expect(emails / jobs.length).toBeLessThan(0.9);
  });
});
