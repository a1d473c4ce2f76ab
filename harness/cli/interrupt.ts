import { ExitCode } from "../util/exitCodes.ts";
import { killEveryOwnedChild } from "../util/ownedChild.ts";
import type { Reporter } from "../util/reporter.ts";

/** How people know a signal: Ctrl-C is what they pressed. */
function signalName(sig: NodeJS.Signals): string {
  return sig === "SIGINT" ? "Ctrl-C (SIGINT)" : sig;
}

/** Runs a command's work with an AbortSignal that the user's interrupt aborts. */
export type WithInterrupt = <T>(what: string, work: (signal: AbortSignal) => Promise<T>) => Promise<T>;

/**
 * Runs `work` with an AbortSignal that the first SIGINT, SIGTERM or SIGHUP aborts: every command
 * stops what it started, saves what it can and exits. A second one aborts at once: every process
 * the harness started is SIGKILLed (their process groups, synchronously) and nothing more is saved.
 */
export function interruptible(reporter: Reporter): WithInterrupt {
  return async (what, work) => {
    const controller = new AbortController();
    const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
    const onSignal = (sig: NodeJS.Signals) => {
      if (controller.signal.aborted) {
        const killed = killEveryOwnedChild();
        process.stderr.write(
          `! ${signalName(sig)} again: aborted at once, ${killed} process${killed === 1 ? "" : "es"} killed; nothing more was saved\n`,
        );
        process.exit(ExitCode.Unknown);
      }
      reporter.warn(
        `${signalName(sig)}: stopping ${what} and saving what ran so far (${sig === "SIGINT" ? "Ctrl-C" : sig} again to abort at once)…`,
      );
      controller.abort();
    };
    for (const sig of signals) process.on(sig, onSignal);
    try {
      return await work(controller.signal);
    } finally {
      for (const sig of signals) process.off(sig, onSignal);
    }
  };
}
