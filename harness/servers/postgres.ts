/**
 * A private PostgreSQL cluster for FerretDB's PostgreSQL backend, from the machine's PostgreSQL
 * (Debian's `postgresql` package): initdb with trust authentication, the server on a free loopback
 * port and its socket in the cluster's folder, one database, and on stop a fast shutdown (SIGINT)
 * and the folder removed (kept with --keep). initdb and the server refuse to run as root, so as
 * root both run as an unprivileged user (`postgres` when the package created it, else `nobody`)
 * through setpriv, which execs: the server keeps the pid the harness watches. The folder is a
 * private one under the system's temporary folder, since that user cannot reach a run folder under a
 * home only root may enter.
 */
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { envValue } from "../util/environment.ts";
import { lastLines, type OwnedChild, runOwned, spawnOwned } from "../util/ownedChild.ts";
import { freePort } from "../util/port.ts";
import { sleep } from "../util/wait.ts";
import { ProviderUnavailable } from "./target.ts";

/** How long the cluster may take to accept connections. */
const READY_TIMEOUT_MS = 60_000;

/**
 * The folder holding initdb, postgres and createdb: HARNESS_POSTGRES_BIN, else Debian's newest,
 * else the PATH's.
 */
export function postgresBinDir(): string | null {
  const given = envValue("HARNESS_POSTGRES_BIN");
  if (given) return given;
  const debian = "/usr/lib/postgresql";
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => existsSync(join(debian, v, "bin", "postgres")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(debian, versions[0], "bin");
  }
  for (const dir of (envValue("PATH") ?? "").split(":").filter(Boolean))
    if (["postgres", "initdb", "createdb"].every((b) => existsSync(join(dir, b)))) return dir;
  return null;
}

/** Why PostgreSQL cannot be started here, or null. */
export function postgresProblem(): string | null {
  if (postgresBinDir()) return null;
  return 'needs PostgreSQL (initdb, postgres, createdb): install it (Debian: "apt-get install postgresql")';
}

/** The user the cluster runs as: the harness's own, or an unprivileged one when it runs as root. */
async function clusterUser(): Promise<{ uid: number; gid: number; name: string } | null> {
  if (process.getuid?.() !== 0) return null;
  for (const name of ["postgres", "nobody"]) {
    try {
      const uid = Number((await runOwned("id", ["-u", name], { name: "id" })).stdout.trim());
      const gid = Number((await runOwned("id", ["-g", name], { name: "id" })).stdout.trim());
      if (Number.isInteger(uid) && uid > 0) return { uid, gid, name };
    } catch {
      // No such user: the next one.
    }
  }
  throw new ProviderUnavailable(
    "ferretdb-pg",
    "runs as root, and found no unprivileged user (postgres or nobody) to run PostgreSQL as",
  );
}

/** A running private cluster. */
export interface PostgresCluster {
  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  url: string;
  /** The server's major version, from its folder ("15"). */
  version: string;
  dir: string;
  /** The server process now running (a restart replaces it). */
  readonly process: OwnedChild;
  /** Fast shutdown; the folder is removed unless `keep`. */
  stop(keep: boolean): Promise<void>;
  /**
   * Stops the server for a database restart, keeping the cluster: `clean` is the fast shutdown
   * (SIGINT: the smart one never ends while FerretDB is connected), `kill` SIGKILLs its process group.
   */
  halt(how: "clean" | "kill"): Promise<{ t: number; downAt: number }>;
  /** Starts the server again on the same port and cluster; resolves once it accepts connections. */
  resume(): Promise<{ t: number; readyAt: number; process: OwnedChild }>;
}

/**
 * Creates and starts a cluster with one database, bounded in time; one line saying what failed
 * (with the last lines of the server's log) otherwise, and nothing left running.
 */
export async function startPostgres(options: {
  database: string;
  signal?: AbortSignal;
  progress(message: string): void;
}): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  if (!bin) throw new ProviderUnavailable("ferretdb-pg", postgresProblem() as string);
  const user = await clusterUser();
  let dir: string;
  try {
    dir = mkdtempSync(join(tmpdir(), "harness-pg-"));
    mkdirSync(join(dir, "data"), { mode: 0o700 });
  } catch (error) {
    throw new ProviderUnavailable(
      "ferretdb-pg",
      `cannot make the cluster's folder in ${tmpdir()} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): set TMPDIR to a folder you can write`,
    );
  }
  const data = join(dir, "data");
  const as = user ? ["setpriv", `--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups"] : [];
  /** A command as the cluster's user: through setpriv when the harness runs as root. */
  const asUser = (command: string[]): [string, string[]] => {
    const all = [...as, ...command];
    return [all[0] as string, all.slice(1)];
  };
  if (user) for (const path of [dir, data]) chownSync(path, user.uid, user.gid);
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  try {
    const [file, args] = asUser([
      join(bin, "initdb"),
      "-D",
      data,
      "-A",
      "trust",
      "-U",
      "postgres",
      "-E",
      "UTF8",
      "--locale=C",
      "-N",
    ]);
    await runOwned(file, args, {
      name: "initdb",
      timeoutMs: 120_000,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    removeDir();
    throw new ProviderUnavailable("ferretdb-pg", `initdb failed: ${(error as Error).message}`);
  }
  const port = await freePort();
  const log = join(dir, "postgres.log");
  const [file, args] = asUser([
    join(bin, "postgres"),
    "-D",
    data,
    "-p",
    String(port),
    "-k",
    dir,
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "max_connections=300",
  ]);
  /** Starts the server and waits for the log's "ready" line written after `from` (its size before). */
  const launch = async (signal?: AbortSignal): Promise<OwnedChild> => {
    const from = existsSync(log) ? statSync(log).size : 0;
    const child = spawnOwned(file, args, { name: "postgresql server", lifeline: "watchdog", logFile: log });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const text = existsSync(log) ? readFileSync(log, "utf8").slice(from) : "";
      if (/database system is ready to accept connections/.test(text)) return child;
      const fail = (why: string) => {
        child.kill();
        return new Error(`postgres ${why}: ${lastLines(text, 3)}`);
      };
      if (child.exit) throw fail("exited before it was ready");
      if (signal?.aborted) throw fail("start interrupted");
      if (Date.now() > deadline) throw fail(`was not ready within ${READY_TIMEOUT_MS / 1000} s`);
      await sleep(50);
    }
  };
  let server: OwnedChild | undefined;
  const stop = async (keep: boolean) => {
    // SIGINT is PostgreSQL's fast shutdown: SIGTERM would wait for FerretDB's idle connections.
    await server?.stop({ signal: "SIGINT", graceMs: 10_000 });
    if (!keep) removeDir();
  };
  try {
    server = await launch(options.signal);
    await runOwned(
      join(bin, "createdb"),
      ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", options.database],
      { name: "createdb", timeoutMs: 30_000 },
    );
  } catch (error) {
    await stop(false);
    throw new ProviderUnavailable("ferretdb-pg", `PostgreSQL could not start: ${(error as Error).message}`);
  }
  const version = readFileSync(join(data, "PG_VERSION"), "utf8").trim();
  options.progress(
    `PostgreSQL ${version} on 127.0.0.1:${port}${user ? ` as ${user.name}` : ""}, cluster in ${dir}`,
  );
  let current: OwnedChild = server;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/${options.database}`,
    version,
    dir,
    get process() {
      return current;
    },
    stop: async (keep) => {
      server = current;
      await stop(keep);
    },
    async halt(how) {
      const t = Date.now();
      if (how === "kill") {
        current.kill();
        await current.exited;
      } else await current.stop({ signal: "SIGINT", graceMs: 10_000 });
      return { t, downAt: Date.now() };
    },
    async resume() {
      const t = Date.now();
      current = await launch();
      return { t, readyAt: Date.now(), process: current };
    },
  };
}
