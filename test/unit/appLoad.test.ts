import { describe, expect, it } from "vitest";
import { apiSchema } from "../../harness/app/api.ts";
import { planRequests } from "../../harness/app/appLoad.ts";
import { exampleApi } from "../../harness/app/exampleApi.ts";
import { createRng } from "../../harness/util/rng.ts";

const api = apiSchema.parse(exampleApi);
const kindsOf = (seed: number, jobs: number) =>
  planRequests(api, jobs, createRng(seed), seed).map((r) => r.kind.kind);

describe("app mode's load plan", () => {
  it("requests every declared kind at least once whenever there are enough jobs, on every seed", () => {
    for (let seed = 1; seed <= 300; seed++) expect(new Set(kindsOf(seed, 3)).size, `seed ${seed}`).toBe(3);
  });
  it("draws the rest by weight, and the same seed gives the same plan", () => {
    const kinds = kindsOf(7, 4000);
    const share = kinds.filter((k) => k === "email").length / kinds.length;
    expect(share).toBeGreaterThan(0.7);
    expect(share).toBeLessThan(0.8);
    expect(kindsOf(7, 40)).toEqual(kindsOf(7, 40));
  });
  it("fills each request's templates: priorities within the kind's range, the body's number fields as numbers", () => {
    for (const r of planRequests(api, 200, createRng(3), 3)) {
      if (r.kind.kind !== "email") continue;
      expect(r.priority).toBeGreaterThanOrEqual(1);
      expect(r.priority).toBeLessThanOrEqual(10);
      expect((r.body as { priority: unknown }).priority).toBe(r.priority);
    }
  });
});
