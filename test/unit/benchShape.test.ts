import { describe, expect, it } from "vitest";
import { benchShapeProblems } from "../../harness/bench/resultShape.ts";

const good = {
  seed: 1,
  verdict: "pass",
  problems: [],
  variants: [{ id: "mongo-job-scheduler", role: "compared" }],
  figures: [{ figure: "drain jobs/s", variant: "mongo-job-scheduler", runs: [1, null, 2], forks: [0, 0, 1] }],
  fingerprint: { provider: "standin" },
};

describe("the shape of a saved bench result", () => {
  it("accepts what a bench writes, older results without forks included", () => {
    expect(benchShapeProblems(good)).toEqual([]);
    expect(benchShapeProblems({ ...good, figures: [{ ...good.figures[0], forks: undefined }] })).toEqual([]);
  });

  it("refuses missing figures or variants, a figure twice, forks that do not match, and non-numbers", () => {
    const { figures: _f, ...noFigures } = good;
    expect(benchShapeProblems(noFigures).join()).toMatch(/^figures:/);
    const { variants: _v, ...noVariants } = good;
    expect(benchShapeProblems(noVariants).join()).toMatch(/^variants:/);
    const { fingerprint: _p, ...noFingerprint } = good;
    expect(benchShapeProblems(noFingerprint).join()).toMatch(/^fingerprint:/);
    expect(benchShapeProblems({ ...good, figures: [good.figures[0], good.figures[0]] }).join()).toMatch(
      /figures\.1: mongo-job-scheduler drain jobs\/s appears twice/,
    );
    expect(benchShapeProblems({ ...good, figures: [{ ...good.figures[0], forks: [0] }] }).join()).toMatch(
      /forks must give one fork per repetition/,
    );
    expect(benchShapeProblems({ ...good, figures: [{ ...good.figures[0], runs: ["fast"] }] }).join()).toMatch(
      /figures\.0\.runs\.0/,
    );
    expect(benchShapeProblems({ ...good, variants: [{ id: "x", role: "boss" }] }).join()).toMatch(
      /variants\.0\.role/,
    );
    expect(benchShapeProblems(null)).not.toEqual([]);
  });
});
