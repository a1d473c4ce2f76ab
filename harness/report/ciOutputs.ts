import { accessSync, constants, existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, isAbsolute, relative } from "node:path";
import { envValue } from "../util/environment.ts";
import { HarnessError } from "../util/exitCodes.ts";
import { writeJunit } from "./junit.ts";
import { writeSummaryMarkdown } from "./stepSummary.ts";

/** Where a command writes its results for CI, beside result.json. */
export interface CiOutputs {
  /** `--junit <file>`: JUnit XML. */
  junit?: string;
  /** `--summary-md <file>`: the markdown summary. */
  summaryMd?: string;
  /** GITHUB_STEP_SUMMARY: the markdown summary is appended to it. */
  stepSummary?: string;
}

/** A path as a CI page should show it: relative to the working folder when inside it. */
export function shownPath(path: string, cwd = process.cwd()): string {
  const rel = relative(cwd, path);
  return rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

function checkFile(flag: string, path: string): void {
  try {
    if (existsSync(path) && statSync(path).isDirectory()) throw new Error("it is a folder");
    mkdirSync(dirname(path), { recursive: true });
    accessSync(existsSync(path) ? path : dirname(path), constants.W_OK);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new HarnessError(`${flag} ${path}: cannot write there (${why}): give a file in a writable folder`);
  }
}

/**
 * The CI outputs a command was asked for, checked before anything starts, so a long run never
 * ends unable to write them. `env` is the process environment (GITHUB_STEP_SUMMARY, set by
 * GitHub Actions; an empty value counts as unset).
 */
export function ciOutputsFrom(
  flags: { junit?: unknown; summaryMd?: unknown },
  env: Record<string, string | undefined>,
): CiOutputs {
  const outputs: CiOutputs = {};
  if (typeof flags.junit === "string" && flags.junit !== "") {
    checkFile("--junit", flags.junit);
    outputs.junit = flags.junit;
  }
  if (typeof flags.summaryMd === "string" && flags.summaryMd !== "") {
    checkFile("--summary-md", flags.summaryMd);
    outputs.summaryMd = flags.summaryMd;
  }
  const stepSummary = envValue("GITHUB_STEP_SUMMARY", env);
  if (stepSummary) outputs.stepSummary = stepSummary;
  return outputs;
}

/**
 * Writes the outputs that were asked for and prints where each went; the renderers run only when
 * their output is wanted. A file that cannot be written after all is one line for the user, not a
 * stack trace.
 */
export function writeCiOutputs(
  outputs: CiOutputs,
  render: { junit: () => string; markdown: () => string },
  print: (line: string) => void = () => {},
): void {
  const attempt = (what: string, path: string, write: () => void) => {
    try {
      write();
    } catch (error) {
      const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new HarnessError(`could not write ${what} to ${path} (${why})`);
    }
  };
  if (outputs.junit) {
    const path = outputs.junit;
    attempt("the JUnit report", path, () => writeJunit(path, render.junit()));
  }
  if (outputs.summaryMd || outputs.stepSummary) {
    const markdown = render.markdown();
    if (outputs.stepSummary) {
      const path = outputs.stepSummary;
      attempt("the step summary", path, () => writeSummaryMarkdown(markdown, { stepSummary: path }));
    }
    if (outputs.summaryMd) {
      const path = outputs.summaryMd;
      attempt("the markdown summary", path, () => writeSummaryMarkdown(markdown, { file: path }));
    }
  }
  if (outputs.junit) print(`junit: ${outputs.junit}`);
  if (outputs.summaryMd) print(`summary: ${outputs.summaryMd}`);
}
