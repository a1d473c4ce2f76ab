import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";

export const projectRoot = resolve(import.meta.dirname, "../..");

/** A fresh reports folder for one test run. */
export function tempReports(): string {
  return mkdtempSync(join(tmpdir(), "harness-reports-"));
}

/** Runs the harness command as a user would, and returns its exit code and output. */
export async function runHarness(args: string[], env: Record<string, string> = {}, timeoutMs = 170_000) {
  const started = Date.now();
  const result = await execa(process.execPath, [join(projectRoot, "bin", "harness.js"), ...args], {
    cwd: projectRoot,
    // A test run inside GitHub Actions must not write into that job's own step summary.
    env: { GITHUB_STEP_SUMMARY: "", ...env },
    reject: false,
    timeout: timeoutMs,
    all: true,
  });
  return {
    code: result.exitCode,
    stdout: result.stdout,
    stderr: result.stderr,
    all: result.all ?? "",
    ms: Date.now() - started,
  };
}
