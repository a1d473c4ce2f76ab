/**
 * Every environment variable the harness reads, in one table: the documentation's table is made
 * from it, and code reads a variable only through `envValue`, which takes only names listed here.
 * The variables that set a run's settings (HARNESS_WORKERS, …) are made from the setting flags
 * (scenario/settingFlags.ts) and read there, as the environment layer of the settings.
 */

/** Who sets a variable: the user (or CI), a service's deployment, or the harness for its children. */
export type EnvAudience = "user" | "service" | "child" | "test";

export interface EnvVariable {
  audience: EnvAudience;
  /** One line: what it does. */
  meaning: string;
}

export const environmentVariables = {
  MONGO_URL: {
    audience: "user",
    meaning:
      "the MongoDB server to run against, as --mongo-uri (a flag wins); also the server of a worker or trigger server run as a service",
  },
  HARNESS_CACHE_DIR: {
    audience: "user",
    meaning:
      "where built tools are cached (the stand-in's jars, Toxiproxy, FerretDB, the Scheduler UI, installed scheduler builds); default $XDG_CACHE_HOME/mongo-job-scheduler-harness or ~/.cache/…",
  },
  XDG_CACHE_HOME: { audience: "user", meaning: "the base of the default cache folder" },
  PATH: {
    audience: "user",
    meaning:
      "searched for the tools the harness runs: go, toxiproxy-server, java, javac, mvn, npm, PostgreSQL",
  },
  HARNESS_LIBFAKETIME: {
    audience: "user",
    meaning: "the libfaketime.so.1 the clock faults preload, when it is not where Debian puts it",
  },
  HARNESS_POSTGRES_BIN: {
    audience: "user",
    meaning:
      "the folder of PostgreSQL's initdb, postgres and createdb for --mongo ferretdb-pg, when not Debian's /usr/lib/postgresql/<version>/bin",
  },
  GITHUB_STEP_SUMMARY: {
    audience: "user",
    meaning: "set by GitHub Actions: every command that gives a verdict appends its markdown summary there",
  },
  MONGOMS_SYSTEM_BINARY: {
    audience: "user",
    meaning: "a mongod for --mongo memory (read by mongodb-memory-server), so that nothing is downloaded",
  },
  MONGOMS_DOWNLOAD_URL: { audience: "user", meaning: "mongodb-memory-server's download address for mongod" },
  MONGOMS_DOWNLOAD_MIRROR: {
    audience: "user",
    meaning: "mongodb-memory-server's download mirror for mongod",
  },
  HARNESS_DB: { audience: "service", meaning: "the database of a worker or trigger server run as a service" },
  HARNESS_PROC: {
    audience: "service",
    meaning: "the name of a worker run as a service (default: the host name)",
  },
  HARNESS_SUT: {
    audience: "service",
    meaning: "the scheduler of a worker run as a service (an adapter name)",
  },
  HARNESS_WIRING: { audience: "service", meaning: "the wiring of a worker run as a service" },
  WORKERS_PER_PROCESS: { audience: "service", meaning: "scheduler workers of a worker run as a service" },
  POLL_INTERVAL_MS: { audience: "service", meaning: "the poll interval of a worker run as a service" },
  LOCK_TIMEOUT_MS: { audience: "service", meaning: "the lock timeout of a worker run as a service" },
  MAX_EXECUTION_MS: { audience: "service", meaning: "stall detection of a worker run as a service" },
  LEDGER_DIR: { audience: "service", meaning: "where a worker run as a service writes its ledger" },
  LEDGER_URL: {
    audience: "service",
    meaning:
      "a MongoDB server for the worker's ledger: set, the worker writes its records there in batches (a database ledger) instead of LEDGER_DIR",
  },
  LEDGER_DB: {
    audience: "service",
    meaning: "the database of the ledger on LEDGER_URL (default: HARNESS_DB with _ledger appended)",
  },
  PORT: { audience: "service", meaning: "the port of the trigger server run as a service (default 3000)" },
  HOST: { audience: "service", meaning: "the address the trigger server run as a service listens on" },
  HARNESS_UI: {
    audience: "service",
    meaning: "1: the trigger server run as a service also serves the Scheduler UI",
  },
  HARNESS_CONNECT_DEADLINE_MS: {
    audience: "service",
    meaning: "how long the trigger server run as a service waits for MongoDB (default 120000)",
  },
  HARNESS_K8S_WORKERS: {
    audience: "service",
    meaning: "with --agent k8s: the label selector of the worker pods (set by the Job deploy k8s writes)",
  },
  HARNESS_K8S_TRIGGER: {
    audience: "service",
    meaning: "with --agent k8s: the trigger Service's address, e.g. http://trigger:3000",
  },
  HARNESS_K8S_MONGO: {
    audience: "service",
    meaning:
      "with --agent k8s: the jobs' MongoDB as network faults aim at it: its pods' label selector, or host:<name> outside the cluster",
  },
  KUBERNETES_SERVICE_HOST: {
    audience: "service",
    meaning: "set by Kubernetes in every pod: the API server that --agent k8s calls",
  },
  KUBERNETES_SERVICE_PORT: {
    audience: "service",
    meaning: "set by Kubernetes in every pod: the API server's port",
  },
  HARNESS_WORKER: { audience: "child", meaning: "a worker process's settings (JSON), from the supervisor" },
  HARNESS_TRIGGER: {
    audience: "child",
    meaning: "the trigger server's settings (JSON), from the supervisor",
  },
  HARNESS_INSTANCE: { audience: "child", meaning: "the instance id of a child process, from the supervisor" },
  HARNESS_RUN_TAG: { audience: "child", meaning: "the run a child process belongs to" },
  HARNESS_CLOCK_ANCHOR: {
    audience: "child",
    meaning: "the harness's reference clock, handed to every child (see util/referenceClock.ts)",
  },
  HARNESS_SLOW: { audience: "test", meaning: "1: also run the slow opt-in tests" },
  HARNESS_K8S_API: {
    audience: "test",
    meaning:
      "with --agent k8s: an API server's base URL to call instead of the pod's own cluster (a fake one in tests)",
  },
  HARNESS_K8S_TOKEN: { audience: "test", meaning: "the bearer token for HARNESS_K8S_API" },
  HARNESS_K8S_NAMESPACE: {
    audience: "test",
    meaning: "the namespace for HARNESS_K8S_API (default: default)",
  },
  HARNESS_TEST_MARK: {
    audience: "test",
    meaning: "a mark the tests put on a run to find any process it left",
  },
} as const satisfies Record<string, EnvVariable>;

export type EnvName = keyof typeof environmentVariables;

/** A variable's value; an empty value counts as unset. */
export function envValue(name: EnvName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
}
