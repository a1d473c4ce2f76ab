/**
 * Every flag of every command, defined once: its type, its meaning, its one default and the
 * environment variable that may set it. yargs' options are made from this table, and so are the
 * documentation's flag tables (scripts/docTables.ts), so a flag cannot exist in one and not the
 * other. The setting flags (`--workers`, …) come from the scenario model, which owns the settings.
 */
import { envNameOf, type SettingFlagSpec, settingFlags } from "../scenario/settingFlags.ts";
import { providerChoices } from "../servers/target.ts";

/** The commands of the harness. */
export type CommandName =
  | "scenario"
  | "bench"
  | "compare"
  | "analyze"
  | "ui"
  | "probe"
  | "prepare"
  | "list"
  | "build-ui";

export interface FlagSpec {
  type: "string" | "number" | "boolean";
  describe: string;
  /** The value's name in a usage line: `--port N`. */
  value?: string;
  default?: string | number | boolean;
  choices?: readonly string[];
  /** Repeatable: every occurrence is kept. */
  array?: boolean;
  /** An environment variable that sets it when the flag is not given (the flag wins). */
  env?: string;
}

/** The flags of every command that runs against a MongoDB server. */
const mongoFlags = {
  mongo: {
    type: "string",
    value: "P",
    default: "auto",
    describe: `where MongoDB comes from: ${providerChoices.join(", ")}`,
  },
  "mongo-uri": {
    type: "string",
    value: "URI",
    env: "MONGO_URL",
    describe: "an existing server; nothing is started, and the run works in a database of its own",
  },
} as const satisfies Record<string, FlagSpec>;

/** The flags of every command that gives a verdict, for CI. */
const ciFlags = {
  junit: { type: "string", value: "FILE", describe: "also write the verdicts as JUnit XML to this file" },
  "summary-md": {
    type: "string",
    value: "FILE",
    describe: "also write the markdown summary to this file (GITHUB_STEP_SUMMARY, when set, always gets it)",
  },
} as const satisfies Record<string, FlagSpec>;

const reportsDir = {
  type: "string",
  value: "DIR",
  default: "reports",
  describe: "where reports go",
} as const satisfies FlagSpec;

/** The setting flags, as flags: no default of their own (unset keeps the scenario's setting). */
const settingFlagSpecs = Object.fromEntries(
  (Object.entries(settingFlags) as [string, SettingFlagSpec][]).map(([flag, spec]) => [
    flag,
    { type: spec.type, value: spec.value, describe: spec.describe, env: envNameOf(flag) },
  ]),
) as Record<keyof typeof settingFlags, FlagSpec>;

const maxRegression = {
  type: "number",
  value: "F",
  default: 0.05,
  describe:
    "allowed slowdown of a gated figure (fraction); fails only when the whole 95% interval is beyond it",
} as const satisfies FlagSpec;
const force = {
  type: "boolean",
  describe: "gate on a baseline from another environment anyway",
} as const satisfies FlagSpec;

/** Every command's flags, in the order `--help` and the documentation list them. */
export const commandFlags = {
  scenario: {
    ...settingFlagSpecs,
    fault: {
      type: "string",
      value: "TYPE[:k=v,…]",
      array: true,
      describe: "add a fault: TYPE[:key=value,…], e.g. partition:target=w2,at=0.3,for=6000 (see list)",
    },
    "scenario-faults": {
      type: "boolean",
      describe: "--no-scenario-faults: run only the faults given with --fault",
    },
    ...mongoFlags,
    "reports-dir": reportsDir,
    ...ciFlags,
    scheduler: {
      type: "string",
      value: "PATH|VERSION",
      env: "HARNESS_SCHEDULER",
      describe: "another mongo-job-scheduler build: a folder or a version",
    },
    "db-control": {
      type: "string",
      value: "CMD",
      describe:
        'with --mongo-uri: the command that restarts your server for db-restart, run as "CMD stop", "CMD kill" and "CMD start"',
    },
    keep: {
      type: "boolean",
      describe: "after the run, keep its database and serve the Scheduler UI on it until Ctrl-C",
    },
    port: {
      type: "number",
      value: "N",
      default: 4000,
      describe: "port of the Scheduler UI with --keep (0: any free one)",
    },
  },
  bench: {
    quick: { type: "boolean", describe: "the small matrix (a minute or two on the stand-in)" },
    forks: {
      type: "number",
      value: "N",
      describe: "fresh worker processes per variant, each warmed up and measured in turn (default 3)",
    },
    repeats: {
      type: "number",
      value: "N",
      describe:
        "interleaved repetitions of each gated figure per fork (default 5, 8 with --quick; a gate needs forks × repeats ≥ 5)",
    },
    backlog: {
      type: "number",
      value: "N",
      describe:
        "jobs in every drain, for every system (default: sized to about 1 s with --quick, 15 s without, at most 400 / 10000 jobs)",
    },
    seed: {
      type: "number",
      value: "N",
      describe: "seed of the interleaved order and the bootstrap (default: drawn and printed)",
    },
    arrivals: {
      type: "string",
      value: "A",
      choices: ["constant", "poisson"],
      default: "constant",
      describe: "open-loop arrivals",
    },
    sweep: {
      type: "boolean",
      describe: "offer rates from well below to beyond the drain capacity; report the sustainable throughput",
    },
    scaling: {
      type: "boolean",
      describe: "jobs/s against worker processes, and claim cost against backlog size",
    },
    sut: {
      type: "string",
      value: "A,B",
      default: "mongo-job-scheduler",
      describe: "systems to compare, comma-separated (the first is the reference)",
    },
    versus: {
      type: "string",
      value: "PATH|VERSION",
      describe:
        "another build (folder or version) run interleaved with the current one; exit 1 on a regression",
    },
    baseline: {
      type: "string",
      value: "FILE",
      describe: "a bench result.json to gate on (same environment, or --force)",
    },
    force,
    "max-regression": maxRegression,
    scheduler: {
      type: "string",
      value: "PATH|VERSION",
      env: "HARNESS_SCHEDULER",
      describe: "the current build, if not the installed one: a folder or a version",
    },
    "reports-dir": reportsDir,
    ...mongoFlags,
    ...ciFlags,
  },
  compare: { "max-regression": maxRegression, force },
  analyze: { ...ciFlags },
  ui: {
    ...mongoFlags,
    db: {
      type: "string",
      value: "NAME",
      describe: "with --mongo-uri: show this database live instead of a run's snapshot",
    },
    port: { type: "number", value: "N", default: 4000, describe: "port to serve on (0: any free one)" },
  },
  probe: {
    ...mongoFlags,
    quick: {
      type: "boolean",
      describe: "the quick probe every run starts with (a few seconds), not the full one",
    },
  },
  prepare: {
    only: {
      type: "string",
      value: "A,B",
      describe: "only these tools: standin, toxiproxy, ferretdb, ui (default: all)",
    },
  },
  list: {},
  "build-ui": {},
} as const satisfies Record<CommandName, Record<string, FlagSpec>>;

/** A command's flags as yargs options. */
export function yargsOptions(command: CommandName): Record<string, Record<string, unknown>> {
  const flags = commandFlags[command] as Record<string, FlagSpec>;
  return Object.fromEntries(
    Object.entries(flags).map(([name, spec]) => [
      name,
      {
        type: spec.type,
        describe: spec.env ? `${spec.describe} (also ${spec.env})` : spec.describe,
        ...(spec.default !== undefined ? { default: spec.default } : {}),
        ...(spec.choices ? { choices: spec.choices } : {}),
        ...(spec.array ? { array: true } : {}),
      },
    ]),
  );
}

/**
 * A flag's value: the flag as given, else its environment variable (an empty one counts as unset).
 * Only for flags that are no setting: settings merge their environment layer themselves.
 */
export function flagOrEnv(
  argv: Record<string, unknown>,
  command: CommandName,
  flag: string,
  env: Record<string, string | undefined>,
): unknown {
  const given = argv[flag];
  if (given !== undefined && given !== "") return given;
  const spec = (commandFlags[command] as Record<string, FlagSpec>)[flag];
  const fromEnv = spec?.env ? env[spec.env] : undefined;
  return fromEnv === "" ? undefined : fromEnv;
}
