import type { Reporter } from "../util/reporter.ts";
import type { WithInterrupt } from "./interrupt.ts";

/**
 * What a command gets from the process around it: where its output and progress go, the
 * environment it reads, and the interrupt its long work runs under. Injected, so that a command can
 * be run in a test without touching the real process.
 */
export interface CommandIo {
  /** A line of the command's result (stdout). */
  print(line: string): void;
  /** Progress and warnings (stderr). */
  reporter: Reporter;
  env: Record<string, string | undefined>;
  withInterrupt: WithInterrupt;
  /** Whether stdout is a terminal (colour in the summary). */
  colour: boolean;
}
