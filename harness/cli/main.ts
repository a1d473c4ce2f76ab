/**
 * The harness's command line. It parses arguments (the commands in commands.ts, their flags in
 * flags.ts), runs a command and exits with the code it returns (see util/exitCodes.ts); everything
 * else lives in the library.
 */
import yargs, { type Argv } from "yargs";
import { hideBin } from "yargs/helpers";
import { ExitCode, HarnessError } from "../util/exitCodes.ts";
import { killEveryOwnedChild } from "../util/ownedChild.ts";
import type { Reporter } from "../util/reporter.ts";
import { type Command, commands } from "./commands.ts";
import { yargsOptions } from "./flags.ts";
import { interruptible } from "./interrupt.ts";
import type { CommandIo } from "./io.ts";

const stderrReporter: Reporter = {
  progress: (m) => process.stderr.write(`· ${m}\n`),
  warn: (m) => process.stderr.write(`! ${m}\n`),
};

/** The real process's output, environment and signals. */
function processIo(): CommandIo {
  return {
    print: (line) => process.stdout.write(`${line}\n`),
    reporter: stderrReporter,
    env: process.env,
    withInterrupt: interruptible(stderrReporter),
    colour: Boolean(process.stdout.isTTY),
  };
}

/**
 * Every flag that takes a value requires one: a bare `--jobs` is an error, not a silent default.
 * Applied to each command's options (positionals included, which yargs fills anyway).
 */
function requireValues<T>(y: Argv<T>): Argv<T> {
  // getOptions is public in yargs 18 but missing from its type declarations.
  const options = (y as unknown as { getOptions(): { string: string[]; number: string[] } }).getOptions();
  return y.requiresArg([...options.string, ...options.number]);
}

/** A command's positionals and flags on its yargs builder. */
function describeCommand<T>(y: Argv<T>, command: Command): Argv<T> {
  let out: Argv<T> = y;
  for (const p of command.positionals)
    out = out.positional(p.name, {
      type: "string",
      describe: p.describe,
      ...(p.default !== undefined ? { default: p.default } : {}),
    }) as Argv<T>;
  return requireValues(out.options(yargsOptions(command.name)) as Argv<T>);
}

export async function main(args: string[], io: CommandIo = processIo()): Promise<ExitCode> {
  let code: ExitCode = ExitCode.Pass;
  // `--seed=` hands yargs an empty string, which it reads as 0 for a number: refuse it like a bare flag.
  const empty = args.find((a) => /^--[\w-]+=$/.test(a));
  // Where to look: the command's own help when one was named.
  const named = commands.find((c) => c.name === args[0]);
  const help = named ? `see "harness ${named.name} --help"` : 'see "harness --help"';
  if (empty) throw new HarnessError(`${empty.slice(0, -1)} needs a value: ${help}`);
  let parser = yargs(args)
    .scriptName("harness")
    .strict()
    .exitProcess(false)
    .fail((message, error) => {
      if (error instanceof HarnessError) throw error;
      const bare = /^Not enough arguments following: (\S+)/.exec(message ?? "");
      if (bare) throw new HarnessError(`--${bare[1]} needs a value: ${help}`);
      const text = (message ?? error?.message ?? "invalid command").replace(/\s*\n\s*/g, " ");
      throw new HarnessError(text.includes("--help") ? text : `${text}: ${help}`);
    });
  for (const command of commands)
    parser = parser.command(
      command.usage,
      command.describe,
      (y) => describeCommand(y, command),
      async (argv) => {
        code = await command.run(argv as Record<string, unknown>, io);
      },
    );
  await parser
    .demandCommand(1, `give a command: ${commands.map((c) => c.name).join(", ")} (see "harness --help")`)
    .help()
    .parseAsync();
  return code;
}

/** Runs the CLI and exits with its code; user mistakes print one line, never a stack. */
export async function runCli(args: string[]): Promise<void> {
  // Whatever ends this process, no child of it is left running.
  process.on("exit", () => killEveryOwnedChild());
  try {
    process.exitCode = await main(args);
  } catch (error) {
    if (error instanceof HarnessError) {
      process.stderr.write(`harness: ${error.message}\n`);
      process.exitCode = error.code;
    } else {
      // Not the user's mistake: a bug in the harness. Its own exit code, and the stack for a report.
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`harness: internal error (a bug in the harness, exit 4): ${message}\n`);
      if (error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
      process.exitCode = ExitCode.Crash;
    }
  }
}

if (process.argv[1]?.endsWith("cli/main.ts")) await runCli(hideBin(process.argv));
