import { z } from "zod";
import { describeIssues } from "../util/zodErrors.ts";

/**
 * The parts of a saved bench result that `compare` and `--baseline` read, checked before anything
 * is gated: a file missing its figures or variants, or with a figure twice, must be refused, never
 * read as empty (which compared a run with itself) or left to crash the gate.
 */
const figureShape = z
  .object({
    figure: z.string(),
    variant: z.string(),
    runs: z.array(z.number().nullable()),
    forks: z.array(z.number().int().min(0)).optional(),
  })
  .loose()
  .refine((f) => f.forks === undefined || f.forks.length === f.runs.length, {
    message: "forks must give one fork per repetition",
    path: ["forks"],
  });

const benchShape = z
  .object({
    seed: z.number().int().min(0),
    verdict: z.enum(["pass", "fail", "unknown"]),
    problems: z.array(z.string()),
    variants: z.array(
      z.object({ id: z.string(), role: z.enum(["compared", "baseline", "diagnostic"]) }).loose(),
    ),
    figures: z.array(figureShape),
    fingerprint: z.record(z.string(), z.unknown()),
  })
  .loose()
  .superRefine((r, ctx) => {
    const seen = new Set<string>();
    r.figures.forEach((f, i) => {
      const key = `${f.variant} ${f.figure}`;
      if (seen.has(key))
        ctx.addIssue({ code: "custom", message: `${key} appears twice`, path: ["figures", i] });
      seen.add(key);
    });
  });

/** The first problems of a bench result's shape, as short phrases; empty when it is well-formed. */
export function benchShapeProblems(value: unknown): string[] {
  const parsed = benchShape.safeParse(value);
  return parsed.success ? [] : describeIssues(parsed.error).slice(0, 3);
}
