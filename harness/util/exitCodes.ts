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

/** What each code means, for people: the documentation's table is made from this. */
export const exitCodeMeanings: Record<ExitCode, string> = {
  0: "pass: every checker passed (bench, `compare`: no gated figure regressed)",
  1: "fail: a promise was broken (a job lost, run twice, recovered late), with the job ids; for the bench and `compare`, a figure regressed or could not be compared (UNDECIDED)",
  2: "unknown or incomplete: a checker could not decide, or the run was interrupted (130 through `npm run`: npm dies of the same Ctrl-C) or lost a process it depends on; for `compare` and `--baseline`, nothing was gated (no compared variant in common)",
  3: "invalid input or setup failure: unknown scenario, bad flag, no MongoDB server reachable, a run folder `analyze` cannot read, a bench result `compare` cannot read or that is malformed (figures or variants missing, a figure twice, forks that do not match its repetitions)",
  4: "the harness itself crashed (a bug in the harness, not a verdict and not a user mistake): one `harness: internal error` line, then the stack for a bug report",
};

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
