import { type ProviderChoice, providerChoices } from "../servers/target.ts";
import { type CommandName, flagOrEnv } from "./flags.ts";

/** Where a command's MongoDB server comes from: --mongo, and --mongo-uri (or MONGO_URL). */
export function mongoOptions(
  argv: Record<string, unknown>,
  command: CommandName,
  env: Record<string, string | undefined>,
): { choice: ProviderChoice; uri?: string } {
  const uri = flagOrEnv(argv, command, "mongo-uri", env);
  return {
    choice: argv.mongo as ProviderChoice,
    ...(typeof uri === "string" && uri !== "" ? { uri } : {}),
  };
}

/** The targets of `--mongo a,b,c`: each server a run is made on, in order. */
export function mongoChoices(argv: Record<string, unknown>): ProviderChoice[] {
  return String(argv.mongo)
    .split(",")
    .map((c) => c.trim()) as ProviderChoice[];
}

/**
 * What is wrong with --mongo, or null: checked with the other values so that all are named at once.
 * `list`: the command runs once per server of a comma-separated list.
 */
export function mongoProblem(argv: Record<string, unknown>, list = false): string | null {
  const choices = list ? mongoChoices(argv) : [String(argv.mongo)];
  const unknown = choices.filter((c) => !(providerChoices as readonly string[]).includes(c));
  if (unknown.length === 0) {
    // Checked below.
  } else if (choices.length === 1) {
    return `--mongo ${String(argv.mongo)}: choose one of ${providerChoices.join(", ")}`;
  } else {
    return `--mongo ${String(argv.mongo)}: ${unknown.join(", ")} ${unknown.length > 1 ? "are no targets" : "is no target"}; choose one or more (comma-separated) of ${providerChoices.join(", ")}`;
  }
  if (new Set(choices).size !== choices.length)
    return `--mongo ${String(argv.mongo)}: a target is named twice`;
  return null;
}
