import type { z } from "zod";

/** Every problem in a failed parse, one short phrase each ("priority: must be at most 10"). */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.join(".");
    return path ? `${path}: ${issue.message}` : issue.message;
  });
}
