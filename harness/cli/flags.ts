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
  | "explore"
  | "app"
  | "bench"
  | "compare"
  | "analyze"
  | "ui"
  | "probe"
  | "prepare"
  | "list"
  | "deploy"
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
/** A run's database kept for a look in the Scheduler UI (scenario, app). */
const keepFlags = {
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
} as const satisfies Record<string, FlagSpec>;

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

/** The setting flags that mean something for a service tested as a black box. */
const appSettingFlags = {
  jobs: { ...settingFlagSpecs.jobs, describe: "requests that schedule a job (default 60)" },
  kills: {
    ...settingFlagSpecs.kills,
    describe: "instances SIGKILLed during the run, each restarted after --restart-delay (default 1)",
  },
  "restart-delay": settingFlagSpecs["restart-delay"],
  pauses: { ...settingFlagSpecs.pauses, describe: "instances frozen (SIGSTOP) during the run" },
  "pause-ms": settingFlagSpecs["pause-ms"],
  "drain-timeout": settingFlagSpecs["drain-timeout"],
  seed: settingFlagSpecs.seed,
} as const satisfies Record<string, FlagSpec>;

/** The flags of `scenario`, which `explore` takes too (each of its runs is one). */
const scenarioFlags = {
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
  ledger: {
    type: "string",
    value: "WHERE",
    choices: ["files", "db"],
    default: "files",
    describe:
      "where processes write the ledger: files (one per process) or db (batches in a database of the run's own, each writer's clock measured against the server's)",
  },
  agent: {
    type: "string",
    value: "WHERE",
    choices: ["local", "k8s"],
    default: "local",
    describe:
      "who runs the processes: local (children of the harness) or k8s (the pods of a cluster, from the Job deploy k8s writes; implies --ledger db)",
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
  ...keepFlags,
} as const satisfies Record<string, FlagSpec>;

/** What `explore` passes on to each run: every flag of `scenario` but the one-run UI (--keep). */
const { keep: _keep, port: _port, ...exploreRunFlags } = scenarioFlags;

/** Every command's flags, in the order `--help` and the documentation list them. */
export const commandFlags = {
  app: {
    cmd: {
      type: "string",
      value: "CMD",
      describe:
        'the command that starts one instance of the service, e.g. "node src/server.js" (split on spaces, quotes group; no shell)',
    },
    cwd: {
      type: "string",
      value: "DIR",
      default: ".",
      describe: "the service's folder (where its node_modules are)",
    },
    instances: {
      type: "number",
      value: "N",
      default: 2,
      describe: "instances started, each with its own port",
    },
    env: {
      type: "string",
      value: "KEY=VALUE",
      array: true,
      describe: "a variable every instance gets (repeatable; after --env-file)",
    },
    "env-file": {
      type: "string",
      value: "FILE",
      describe: "variables every instance gets, one KEY=VALUE per line (# comments)",
    },
    "port-env": {
      type: "string",
      value: "NAME",
      default: "PORT",
      describe: "the variable through which an instance gets its port",
    },
    "mongo-env": {
      type: "string",
      value: "NAME",
      default: "MONGO_URL",
      describe:
        "the variable through which an instance gets the MongoDB URL (with the run's own database in its path)",
    },
    ready: {
      type: "string",
      value: "PATH",
      default: "/",
      describe: "an instance is ready when GET PATH answers (any status below 500)",
    },
    "ready-log": {
      type: "string",
      value: "REGEX",
      describe: "ready when a line of its output matches instead",
    },
    "start-timeout": {
      type: "number",
      value: "MS",
      default: 60_000,
      describe: "how long an instance may take to become ready",
    },
    grace: {
      type: "number",
      value: "MS",
      default: 30_000,
      describe: "from SIGTERM to SIGKILL when an instance is stopped (as Kubernetes' grace period)",
    },
    "app-url": {
      type: "string",
      value: "URL",
      array: true,
      describe:
        "attach to instances started elsewhere (with --mongo-uri naming their database): load and checks only, no faults",
    },
    api: {
      type: "string",
      value: "example|FILE",
      default: "example",
      describe:
        "the API description: how each job kind is scheduled, where the jobs and effects are (docs/app-mode.md)",
    },
    effects: {
      type: "string",
      value: "[KIND=]COLL:ID_FIELD[:TIME_FIELD]",
      array: true,
      describe:
        "the collection a kind's executions leave one document in, for a description that declares none",
    },
    rate: { type: "number", value: "N", default: 10, describe: "requests per second (open loop)" },
    connections: {
      type: "number",
      value: "N",
      describe:
        "closed loop instead of --rate: N requests in flight at once, each sent when one is answered (as fast as the service answers)",
    },
    watch: {
      type: "string",
      value: "HOW",
      default: "auto",
      choices: ["auto", "stream", "poll"],
      describe:
        "how the job documents are watched: through a change stream where the server has one to trust, else by reads (auto); always a change stream, refused where there is none to trust (stream); always reads of the whole collection (poll)",
    },
    "sample-ms": {
      type: "number",
      value: "MS",
      default: 100,
      describe:
        "how often the job documents are read (with a change stream: how often it is asked again when no change came)",
    },
    "settle-ms": {
      type: "number",
      value: "MS",
      default: 3000,
      describe: "after the drain, watch this long more for late executions",
    },
    "takeover-slack": {
      type: "number",
      value: "MS",
      default: 5000,
      describe: "after a held job's lock expired, how long until its takeover counts as late",
    },
    ...appSettingFlags,
    fault: {
      type: "string",
      value: "TYPE[:k=v,…]",
      array: true,
      describe:
        "add a fault on the instances: kill, terminate, pause or rolling-restart (e.g. terminate:at=0.5)",
    },
    ...mongoFlags,
    "reports-dir": reportsDir,
    ...ciFlags,
    ...keepFlags,
  },
  scenario: scenarioFlags,
  explore: {
    ...exploreRunFlags,
    runs: { type: "number", value: "N", default: 10, describe: "runs, one per seed: --seed, --seed + 1, …" },
    "keep-going": { type: "boolean", describe: "run every seed, not stopping at the first FAIL" },
    "time-budget": {
      type: "string",
      value: "D",
      describe:
        'the time the runs may take together, in ms or with units ("30m", "2h"); no run starts that it would not see end (judged by the longest so far)',
    },
    shrink: {
      type: "boolean",
      describe:
        "on the first FAIL, re-run its seed with fewer jobs, workers and faults while the same checker fails; print the smallest reproduction",
    },
    "shrink-budget": {
      type: "string",
      value: "D",
      default: "5m",
      describe: 'the time shrinking may take, in ms or with units ("90s", "10m"); no run starts past it',
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
      describe: "only these tools: standin, toxiproxy, ferretdb, ui, k8scheck (default: all)",
    },
  },
  list: {},
  deploy: {
    ...settingFlagSpecs,
    fault: {
      type: "string",
      value: "TYPE[:k=v,…]",
      array: true,
      describe: "add a fault, as for scenario (it must have a Kubernetes mapping)",
    },
    "scenario-faults": {
      type: "boolean",
      describe: "--no-scenario-faults: only the faults given with --fault",
    },
    out: { type: "string", value: "DIR", describe: "the folder to write (it must not exist, or be empty)" },
    image: {
      type: "string",
      value: "IMAGE",
      default: "mongo-job-scheduler-harness:latest",
      describe: "the harness's image (built from the Dockerfile) for every pod",
    },
    namespace: { type: "string", value: "NS", describe: "the run's namespace (default harness-<scenario>)" },
    "mongo-uri": {
      type: "string",
      value: "URI",
      describe: "the jobs' MongoDB (default: a single-node StatefulSet in the namespace)",
    },
    "ledger-uri": {
      type: "string",
      value: "URI",
      describe:
        "the ledger's MongoDB (default: a single-node StatefulSet of its own, out of the faults' way)",
    },
  },
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
