import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "./harnessCli.ts";
import { marked } from "./markedProcesses.ts";

/** How a terminal run ended, and how long after the last signal the test sent. */
export interface TerminalExit {
  code: number | null;
  signal: string | null;
  /** From the last signal sent (or from the start, when none was) to the exit. */
  ms: number;
  output: string;
}

/**
 * The harness started as a terminal starts it: in a process group (a session) of its own, as its
 * leader, so that `interrupt` does what a terminal's Ctrl-C does: signal the whole group, the
 * harness and (through npm) every process in it. Every process it starts carries a mark in its
 * environment, so that `leftovers` finds any that survived.
 */
export function startTerminalRun(args: readonly string[], options: { viaNpm?: boolean } = {}) {
  const mark = randomUUID();
  const [file, argv] = options.viaNpm
    ? ["npm", ["run", "-s", "scenario", "--", ...args.slice(1)]]
    : [process.execPath, [join(projectRoot, "bin", "harness.js"), ...args]];
  if (options.viaNpm && args[0] !== "scenario") throw new Error("through npm: scenario runs only");
  const child = spawn(file, argv, {
    cwd: projectRoot,
    detached: true,
    env: { ...process.env, HARNESS_TEST_MARK: mark, GITHUB_STEP_SUMMARY: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (c: Buffer) => {
    output += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    output += c.toString();
  });
  const started = Date.now();
  let lastSignalAt = started;
  const exited = new Promise<TerminalExit>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal, ms: Date.now() - lastSignalAt, output }));
  });
  const pid = child.pid as number;
  return {
    mark,
    pid,
    exited,
    output: () => output,
    /** Resolves once the output matches, or throws (with the output) after `timeoutMs` or an exit. */
    /** Resolves with the output so far once it matches `pattern`. */
    async waitFor(pattern: RegExp, timeoutMs = 120_000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`the run ended before ${pattern}:\n${output}`);
        if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return output;
    },
    /** What a terminal's Ctrl-C does: the signal to every process of the foreground group. */
    interrupt(signal: NodeJS.Signals = "SIGINT"): void {
      lastSignalAt = Date.now();
      process.kill(-pid, signal);
    },
    /** SIGKILLs, as someone else would, the first process of the run whose command line matches. */
    killDependency(what: RegExp): number {
      const victim = marked(mark).find((p) => what.test(commandLine(p)));
      if (victim === undefined) throw new Error(`no process of the run runs ${what}`);
      lastSignalAt = Date.now();
      process.kill(victim, "SIGKILL");
      return victim;
    },
    /** Every process of the run still alive (none, once it has ended well). */
    leftovers(): number[] {
      return marked(mark);
    },
  };
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "latin1").replaceAll("\0", " ");
  } catch {
    return "";
  }
}
