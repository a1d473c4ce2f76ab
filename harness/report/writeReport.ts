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
  const latest = join(reportsDir, "latest");
  if (existsSync(latest) || isLink(latest)) rmSync(latest, { recursive: true, force: true });
  try {
    symlinkSync(relative(reportsDir, runDir), latest, "dir");
  } catch {
    mkdirSync(latest, { recursive: true });
    cpSync(path, join(latest, "result.json"));
    cpSync(join(runDir, "report.html"), join(latest, "report.html"));
  }
  return path;
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
