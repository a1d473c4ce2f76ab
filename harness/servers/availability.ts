/**
 * Whether each MongoDB target can start on this machine, found without starting anything, for
 * `harness list`: what it needs, and what is missing.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { envValue } from "../util/environment.ts";
import { ferretdbProblem } from "./ferretdb.ts";
import { findMongod } from "./memory.ts";
import { postgresProblem } from "./postgres.ts";
import { STANDIN_VERSION, standinLauncherDir } from "./standin.ts";
import type { ProviderChoice } from "./target.ts";

function onPath(name: string): boolean {
  return (envValue("PATH") ?? "").split(":").some((dir) => dir !== "" && existsSync(join(dir, name)));
}

export interface TargetAvailability {
  choice: ProviderChoice;
  what: string;
  /** null when it can start here; otherwise what is missing. */
  missing: string | null;
}

/** Every target of `--mongo`, what it is and whether it can start here. */
export async function targetAvailability(cacheDir: string): Promise<TargetAvailability[]> {
  const standinCached = existsSync(join(standinLauncherDir(cacheDir), "StandinServer.class"));
  const standin =
    onPath("java") && (standinCached || (onPath("javac") && onPath("mvn")))
      ? null
      : "needs Java 17+ (java, javac) and Maven (mvn)";
  const memory = (await findMongod()).problem ?? null;
  const uri = envValue("MONGO_URL") ? null : "needs --mongo-uri or MONGO_URL";
  const ferret = ferretdbProblem(cacheDir);
  return [
    {
      choice: "auto",
      what: "--mongo-uri if given, else a real mongod (memory), else the stand-in",
      missing: null,
    },
    { choice: "uri", what: "a server you run (--mongo-uri or MONGO_URL); nothing is started", missing: uri },
    { choice: "memory", what: "a real mongod from mongodb-memory-server", missing: memory },
    {
      choice: "standin",
      what: `the Java in-memory stand-in (mongo-java-server ${STANDIN_VERSION}): not MongoDB`,
      missing: standin,
    },
    {
      choice: "docker",
      what: "mongo:7 in a container (testcontainers)",
      missing: existsSync("/var/run/docker.sock") ? null : "needs a Docker engine (no /var/run/docker.sock)",
    },
    { choice: "ferretdb", what: "FerretDB 1.24.2 on SQLite, its data in the run's folder", missing: ferret },
    {
      choice: "ferretdb-pg",
      what: "FerretDB 1.24.2 on a private PostgreSQL cluster the harness creates and removes",
      missing: [ferret, postgresProblem()].filter(Boolean).join("; ") || null,
    },
  ];
}
