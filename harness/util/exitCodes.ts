/** The one set of exit codes the harness uses, documented in the README (generated from here). */
export const ExitCode = {
  /** Every checker passed and every threshold held. */
  Pass: 0,
  /** A promise was broken or a threshold missed. */
  Fail: 1,
  /** A checker could not decide, or the run did not finish (interrupted, drain timed out). */
  Unknown: 2,
  /** Invalid input or a setup failure (no MongoDB target, bad flag, unknown scenario, a damaged run folder). */
  Invalid: 3,
  /** The harness itself crashed (a bug): not a verdict about the scheduler, not the user's mistake. */
  Crash: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit code of a verdict: the one map from verdicts to codes, for every command. */
export function exitFor(verdict: "pass" | "fail" | "unknown"): ExitCode {
  return verdict === "pass" ? ExitCode.Pass : verdict === "fail" ? ExitCode.Fail : ExitCode.Unknown;
}

/**
 * An error meant for the user: its message is one line that says what was wrong and what to do.
 * The CLI prints the message alone (no stack) and exits with `code`.
 */
export class HarnessError extends Error {
  constructor(
    message: string,
    readonly code: ExitCode = ExitCode.Invalid,
  ) {
    super(message);
    this.name = "HarnessError";
  }
}
