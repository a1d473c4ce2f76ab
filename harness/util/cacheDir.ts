import { homedir } from "node:os";
import { join } from "node:path";
import { envValue } from "./environment.ts";

/**
 * Where the harness keeps what it builds or fetches once and reuses (the stand-in's jars, Toxiproxy,
 * FerretDB, the Scheduler UI, installed scheduler builds): HARNESS_CACHE_DIR, else the XDG cache.
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return (
    envValue("HARNESS_CACHE_DIR", env) ??
    join(envValue("XDG_CACHE_HOME", env) ?? join(homedir(), ".cache"), "mongo-job-scheduler-harness")
  );
}
