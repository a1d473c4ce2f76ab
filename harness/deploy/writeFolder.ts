import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { HarnessError } from "../util/exitCodes.ts";

/** Why a folder cannot receive a rendering, or null: it must not exist, or be an empty folder. */
export function outFolderProblem(out: string): string | null {
  if (!existsSync(out)) return null;
  if (!statSync(out).isDirectory()) return `--out ${out} is a file: give a folder that does not exist yet`;
  if (readdirSync(out).length > 0)
    return `--out ${out} exists and is not empty: give a new folder, or remove it`;
  return null;
}

/**
 * Writes every file into a temporary folder beside `out`, then renames it into place: a rendering is
 * whole or absent, never half-written.
 */
export function writeFolder(out: string, files: readonly { name: string; text: string }[]): void {
  const target = resolve(out);
  const problem = outFolderProblem(target);
  if (problem) throw new HarnessError(problem);
  mkdirSync(dirname(target), { recursive: true });
  const tmp = mkdtempSync(join(dirname(target), `.${basename(target)}.tmp-`));
  try {
    for (const f of files) {
      mkdirSync(dirname(join(tmp, f.name)), { recursive: true });
      writeFileSync(join(tmp, f.name), f.text);
    }
    if (existsSync(target)) rmdirSync(target);
    renameSync(tmp, target);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
}
