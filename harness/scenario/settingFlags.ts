/**
 * The settings of a run that can be set from outside a scenario, each defined once: the setting it
 * sets, its flag (`--workers`), its environment variable (`HARNESS_WORKERS`), its type and its
 * meaning. The command line makes its options from this table, the settings merge reads both
 * layers through it, and the documentation's tables are made from it.
 */

/** One setting a flag or an environment variable may set. */
export interface SettingFlagSpec {
  /** Where it goes in the run's settings. */
  path: readonly [string] | readonly [string, string];
  type: "number" | "string";
  /** The value's name in a usage line: `--workers N`. */
  value: string;
  describe: string;
}

export const settingFlags = {
  sut: {
    path: ["sut", "adapter"],
    type: "string",
    value: "NAME",
    describe: "the scheduler under test: mongo-job-scheduler or agenda",
  },
  wiring: {
    path: ["sut", "wiring"],
    type: "string",
    value: "W",
    describe:
      "how every process builds the scheduler: matched, readme, example, or the path of a module exporting (db, handler) => Scheduler",
  },
  workers: { path: ["sut", "processes"], type: "number", value: "N", describe: "worker processes" },
  concurrency: {
    path: ["sut", "workersPerProcess"],
    type: "number",
    value: "N",
    describe: "scheduler workers per process",
  },
  "lock-timeout": {
    path: ["sut", "lockTimeoutMs"],
    type: "number",
    value: "MS",
    describe: "lockTimeoutMs of every worker and its store, with the matched wiring",
  },
  "poll-interval": {
    path: ["sut", "pollIntervalMs"],
    type: "number",
    value: "MS",
    describe: "pollIntervalMs of every worker, with the matched wiring",
  },
  jobs: {
    path: ["load", "jobs"],
    type: "number",
    value: "N",
    describe: "jobs to schedule: sent over HTTP, or seeded through the scheduler by bulk scenarios",
  },
  connections: {
    path: ["load", "connections"],
    type: "number",
    value: "N",
    describe: "HTTP connections of the load",
  },
  kills: {
    path: ["faults", "kills"],
    type: "number",
    value: "N",
    describe: "worker processes SIGKILLed mid-job, spread evenly over the drain",
  },
  "restart-delay": {
    path: ["faults", "restartDelayMs"],
    type: "number",
    value: "MS",
    describe: "from a kill to the restart of that process",
  },
  pauses: {
    path: ["faults", "pauses"],
    type: "number",
    value: "N",
    describe: "worker processes frozen (SIGSTOP) mid-job, each continued after --pause-ms",
  },
  "pause-ms": {
    path: ["faults", "pauseMs"],
    type: "number",
    value: "MS",
    describe: "how long a frozen process stays frozen",
  },
  "stop-timeout": {
    path: ["sut", "stopTimeoutMs"],
    type: "number",
    value: "MS",
    describe: "how long a worker's graceful stop (SIGTERM) waits for its running handlers",
  },
  rate: {
    path: ["load", "ratePerSec"],
    type: "number",
    value: "N",
    describe: "open-loop scenarios: requests per second, sent on time whatever the server does",
  },
  duration: {
    path: ["load", "forMs"],
    type: "string",
    value: "D",
    describe: 'open-loop scenarios: how long the load runs, in ms or with units ("30s", "10m", "2h")',
  },
  "drain-timeout": {
    path: ["check", "drainTimeoutMs"],
    type: "number",
    value: "MS",
    describe: "how long to wait for the accepted jobs to finish",
  },
  seed: { path: ["seed"], type: "number", value: "N", describe: "seed of the run (printed by every run)" },
} as const satisfies Record<string, SettingFlagSpec>;

export type SettingFlag = keyof typeof settingFlags;

/** The environment variable of a flag: `lock-timeout` → HARNESS_LOCK_TIMEOUT. */
export function envNameOf(flag: string): string {
  return `HARNESS_${flag.toUpperCase().replace(/-/g, "_")}`;
}

/**
 * The environment layer of the settings: every setting a HARNESS_ variable sets, parsed by the
 * flag's type, and a problem for each value that is not of it (named by the variable).
 */
export function environmentLayer(env: Record<string, string | undefined>): {
  values: Partial<Record<SettingFlag, unknown>>;
  problems: string[];
} {
  const values: Partial<Record<SettingFlag, unknown>> = {};
  const problems: string[] = [];
  for (const [flag, spec] of Object.entries(settingFlags) as [SettingFlag, SettingFlagSpec][]) {
    const name = envNameOf(flag);
    const raw = env[name];
    if (raw === undefined || raw === "") continue;
    if (spec.type === "number") {
      const n = Number(raw);
      if (raw.trim() === "" || Number.isNaN(n)) problems.push(`${name}=${raw}: expected a number`);
      else values[flag] = n;
    } else values[flag] = raw;
  }
  return { values, problems };
}
