import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { defaultCacheDir } from "../../harness/util/cacheDir.ts";

/** The actionlint release the workflows are checked with. */
export const ACTIONLINT_VERSION = "v1.7.12";

function onPath(command: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * actionlint from the harness cache, built there from the Go module proxy the first time
 * (`go install`, about half a minute); or `{ reason }` to print when it cannot be had.
 */
export function ensureActionlint(): { path: string } | { reason: string } {
  const bin = join(defaultCacheDir(), "bin");
  const path = join(bin, "actionlint");
  if (existsSync(path)) {
    const version = execFileSync(path, ["-version"], { encoding: "utf8" }).split("\n")[0]?.trim();
    if (version === ACTIONLINT_VERSION) return { path };
  }
  // The official Go tarball's place, for a machine that has Go but not on PATH.
  const go = onPath("go") ? "go" : existsSync("/usr/local/go/bin/go") ? "/usr/local/go/bin/go" : null;
  if (!go) return { reason: "no Go toolchain on PATH: the workflow lint (actionlint) is skipped" };
  try {
    execFileSync(go, ["install", `github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}`], {
      env: { ...process.env, GOBIN: bin },
      stdio: ["ignore", "ignore", "pipe"],
      timeout: 300_000,
    });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? "").trim();
    return {
      reason: `go install actionlint failed, the workflow lint is skipped: ${stderr.split("\n").pop()}`,
    };
  }
  return { path };
}

/** Whether actionlint will also check the workflows' shell scripts (it uses shellcheck when found). */
export const hasShellcheck = onPath("shellcheck");
