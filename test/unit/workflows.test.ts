import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ensureActionlint, hasShellcheck } from "../support/actionlint.ts";
import { projectRoot } from "../support/harnessCli.ts";

const workflowsDir = join(projectRoot, ".github", "workflows");
const workflows = readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f));
const actionlint = ensureActionlint();
if ("reason" in actionlint) console.warn(actionlint.reason);
else if (!hasShellcheck)
  console.warn("no shellcheck on PATH: actionlint checks the workflows without their shell scripts");

describe("GitHub workflows", () => {
  it("exist: the bench and the scenarios on MongoDB 7", () => {
    expect(workflows).toEqual(expect.arrayContaining(["bench.yml", "scenarios.yml"]));
  });

  it.skipIf("reason" in actionlint)("are clean under actionlint", () => {
    const bin = (actionlint as { path: string }).path;
    let output = "";
    try {
      execFileSync(bin, ["-no-color", ...workflows.map((f) => join(".github", "workflows", f))], {
        cwd: projectRoot,
        encoding: "utf8",
      });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output).toBe("");
  });
});
