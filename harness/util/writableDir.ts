import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { HarnessError } from "./exitCodes.ts";

/**
 * Makes sure a folder exists and can be written, before anything starts: one line naming the flag
 * and what failed otherwise. The folders are made one level at a time (Node's recursive mkdir can
 * spin forever on some file systems, /proc for one) and a file is written and removed in the last.
 */
export function ensureWritableDir(dir: string, flag: string): void {
  const path = resolve(dir);
  const missing: string[] = [];
  let at = path;
  while (!existsSync(at)) {
    missing.unshift(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  const fail = (what: string, error: unknown) =>
    new HarnessError(
      `${flag} ${dir}: ${what} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): give a folder you can write`,
    );
  if (existsSync(at) && !statSync(at).isDirectory())
    throw fail(`${at} is not a folder`, new Error("ENOTDIR"));
  for (const level of missing) {
    try {
      mkdirSync(level);
    } catch (error) {
      throw fail(`cannot create ${level}`, error);
    }
  }
  const probe = `${path}/.harness-write-check-${process.pid}`;
  try {
    writeFileSync(probe, "");
    rmSync(probe, { force: true });
  } catch (error) {
    throw fail("cannot write there", error);
  }
}
