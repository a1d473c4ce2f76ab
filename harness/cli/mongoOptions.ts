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

/** What is wrong with --mongo, or null: checked with the other values so that all are named at once. */
export function mongoProblem(argv: Record<string, unknown>): string | null {
  return (providerChoices as readonly unknown[]).includes(argv.mongo)
    ? null
    : `--mongo ${String(argv.mongo)}: choose one of ${providerChoices.join(", ")}`;
}
