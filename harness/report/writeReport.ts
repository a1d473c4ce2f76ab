import { cpSync, existsSync, lstatSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { loadHtmlAssets, renderHtml } from "./html.ts";
import type { RunResult } from "./result.ts";

/** Where a run's files go: `<reportsDir>/<scenario>/<timestamp>/`. */
export function runDirFor(reportsDir: string, scenario: string, startedAt: Date): string {
  const stamp = startedAt.toISOString().replace(/[:.]/g, "-");
  return join(reportsDir, scenario, stamp);
}

/**
 * Writes result.json and report.html into the run's folder and points `<reportsDir>/latest` at
 * that folder (a relative symlink; a copy of both files where links cannot be made).
 */
export function writeRunReport(reportsDir: string, runDir: string, result: RunResult): string {
  mkdirSync(runDir, { recursive: true });
  const path = join(runDir, "result.json");
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(runDir, "report.html"), renderHtml(result, loadHtmlAssets()));
  pointLatest(reportsDir, runDir, ["result.json", "report.html"]);
  return path;
}

/**
 * Points `<parent>/latest` at `dir` with a relative symlink; where links cannot be made, copies
 * the named files into a `latest` folder instead.
 */
export function pointLatest(parent: string, dir: string, files: readonly string[]): void {
  const latest = join(parent, "latest");
  if (existsSync(latest) || isLink(latest)) rmSync(latest, { recursive: true, force: true });
  try {
    symlinkSync(relative(parent, dir), latest, "dir");
  } catch {
    mkdirSync(latest, { recursive: true });
    for (const f of files) cpSync(join(dir, f), join(latest, f));
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
