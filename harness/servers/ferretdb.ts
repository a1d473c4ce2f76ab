/**
 * FerretDB 1.24.2, a MongoDB-compatible server on a real storage engine: SQLite (`--mongo ferretdb`,
 * its data in a folder of the run's) or PostgreSQL (`--mongo ferretdb-pg`, on a private cluster, see
 * postgres.ts). It is a Go program, built once from the Go module proxy into the harness's cache.
 * The module as served lacks build/version/version.txt, without which the binary panics at start,
 * so the build copies the module out, writes that file, and builds (about 3 minutes the first
 * time, from an empty Go cache).
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import { envValue } from "../util/environment.ts";
import { lastLines, type OwnedChild, runOwned, spawnOwned } from "../util/ownedChild.ts";
import { freePort } from "../util/port.ts";
import { sleep } from "../util/wait.ts";
import { startPostgres } from "./postgres.ts";
import { waitForPing } from "./serverControl.ts";
import { type MongoServerHandle, type ProviderContext, ProviderUnavailable, type StopHow } from "./target.ts";

export const FERRETDB_VERSION = "1.24.2";
const MODULE = `github.com/FerretDB/FerretDB@v${FERRETDB_VERSION}`;

/** How long FerretDB may take to answer a ping once started. */
const READY_TIMEOUT_MS = 60_000;

/** The cached build's binary. */
export function cachedFerretdb(cacheDir: string): string {
  return join(cacheDir, `ferretdb-${FERRETDB_VERSION}`, "bin", "ferretdb");
}

function goOnPath(): string | undefined {
  for (const dir of (envValue("PATH") ?? "").split(":").filter(Boolean))
    if (existsSync(join(dir, "go"))) return join(dir, "go");
  return undefined;
}

/** Why FerretDB cannot be had here (no cached build and no Go to build it), or null. */
export function ferretdbProblem(cacheDir: string): string | null {
  if (existsSync(cachedFerretdb(cacheDir)) || goOnPath()) return null;
  return `needs Go to build FerretDB ${FERRETDB_VERSION} once (from the Go module proxy): install Go`;
}

/**
 * The FerretDB binary: the cached build, else built once with Go. A build that fails is one line
 * with the last lines of its output.
 */
export async function ensureFerretdb(
  ctx: ProviderContext,
  provider: "ferretdb" | "ferretdb-pg",
): Promise<string> {
  const bin = cachedFerretdb(ctx.cacheDir);
  if (existsSync(bin)) return bin;
  const go = goOnPath();
  if (!go) throw new ProviderUnavailable(provider, ferretdbProblem(ctx.cacheDir) as string);
  const home = join(ctx.cacheDir, `ferretdb-${FERRETDB_VERSION}`);
  const staging = `${home}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, "bin"), { recursive: true });
  ctx.progress(`building FerretDB ${FERRETDB_VERSION} with Go into ${home}, once (minutes the first time)…`);
  // GOTOOLCHAIN=local: the machine's Go builds it; nothing else is downloaded.
  const env = { GOTOOLCHAIN: "local", CGO_ENABLED: "0" };
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  try {
    const { stdout } = await runOwned(go, ["mod", "download", "-json", MODULE], {
      name: "go mod download",
      env,
      timeoutMs: 600_000,
      ...signal,
    });
    const dir = (JSON.parse(stdout) as { Dir?: string }).Dir;
    if (!dir) throw new Error(`go mod download gave no folder for ${MODULE}`);
    const src = join(staging, "src");
    cpSync(dir, src, { recursive: true });
    await runOwned("chmod", ["-R", "u+w", src], { name: "chmod" });
    writeFileSync(join(src, "build", "version", "version.txt"), `v${FERRETDB_VERSION}\n`);
    await runOwned(go, ["build", "-o", join(staging, "bin", "ferretdb"), "./cmd/ferretdb"], {
      name: "go build",
      env,
      cwd: src,
      timeoutMs: 1_200_000,
      ...signal,
    });
    rmSync(src, { recursive: true, force: true });
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw new ProviderUnavailable(provider, `the FerretDB build failed: ${(error as Error).message}`);
  }
  if (!existsSync(bin)) {
    try {
      renameSync(staging, home);
    } catch {
      // Another run built it at the same time; theirs is as good as ours.
    }
  }
  rmSync(staging, { recursive: true, force: true });
  return bin;
}

/** Pings until the server answers (FerretDB's ping asks its backend too), or throws. */
async function waitReady(uri: string, server: OwnedChild, log: string, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
    try {
      await client.connect();
      await client.db("admin").command({ ping: 1 });
      return;
    } catch (error) {
      const tail = () => lastLines(existsSync(log) ? readFileSync(log, "utf8") : "", 3);
      if (server.exit) throw new Error(`ferretdb exited before it was ready: ${tail()}`);
      if (signal?.aborted) throw new Error("interrupted");
      if (Date.now() > deadline)
        throw new Error(
          `ferretdb did not answer within ${READY_TIMEOUT_MS / 1000} s (${(error as Error).message}): ${tail()}`,
        );
    } finally {
      await client.close().catch(() => {});
    }
    await sleep(50);
  }
}

/**
 * Starts FerretDB on a loopback port (a free one, or the one it had before a restart) with a state
 * folder of its own, and waits until it answers.
 */
async function runFerretdb(
  bin: string,
  dir: string,
  backend: string[],
  name: string,
  signal?: AbortSignal,
  at?: number,
): Promise<{ uri: string; port: number; process: OwnedChild }> {
  mkdirSync(join(dir, "state"), { recursive: true });
  const port = at ?? (await freePort());
  const log = join(dir, "ferretdb.log");
  const server = spawnOwned(
    bin,
    [
      `--listen-addr=127.0.0.1:${port}`,
      "--telemetry=disable",
      `--state-dir=${join(dir, "state")}`,
      // Two instances at once need distinct debug addresses.
      "--debug-addr=127.0.0.1:0",
      ...backend,
    ],
    // Its output goes to a file: it logs every connection, and a pipe nobody reads would fill.
    { name, lifeline: "watchdog", logFile: log },
  );
  const uri = `mongodb://127.0.0.1:${port}`;
  try {
    await waitReady(uri, server, log, signal);
  } catch (error) {
    await server.stop({ graceMs: 3000 });
    throw error;
  }
  return { uri, port, process: server };
}

/**
 * The FerretDB process of a target, which a database restart replaces: stopped cleanly (SIGTERM:
 * about 3 s with clients connected) or by SIGKILL, and started again on the same port and data.
 */
class FerretdbProcess {
  constructor(
    private current: OwnedChild,
    private readonly relaunch: () => Promise<{ process: OwnedChild }>,
  ) {}

  get process(): OwnedChild {
    return this.current;
  }

  async stop(how: StopHow): Promise<{ t: number; downAt: number }> {
    const t = Date.now();
    if (how === "kill") {
      this.current.kill();
      await this.current.exited;
    } else await this.current.stop({ signal: "SIGTERM", graceMs: 15_000 });
    return { t, downAt: Date.now() };
  }

  async start(): Promise<{ t: number; readyAt: number; process: OwnedChild }> {
    const t = Date.now();
    this.current = (await this.relaunch()).process;
    return { t, readyAt: Date.now(), process: this.current };
  }
}

/** Where a FerretDB target keeps its files: a folder of the run's, or a private temporary one. */
function dataDir(ctx: ProviderContext, name: string, provider: "ferretdb" | "ferretdb-pg"): string {
  try {
    if (!ctx.workDir) return mkdtempSync(join(tmpdir(), `harness-${name}-`));
    const dir = join(ctx.workDir, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  } catch (error) {
    throw new ProviderUnavailable(
      provider,
      `cannot make its data folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
}

/** `--mongo ferretdb`: FerretDB on SQLite, its whole database one folder of the run's. */
export async function startFerretdbSqlite(ctx: ProviderContext): Promise<MongoServerHandle> {
  const bin = await ensureFerretdb(ctx, "ferretdb");
  const dir = dataDir(ctx, "ferretdb-sqlite", "ferretdb");
  mkdirSync(join(dir, "data"), { recursive: true });
  const launch = (port?: number) =>
    runFerretdb(
      bin,
      dir,
      ["--handler=sqlite", `--sqlite-url=file:${join(dir, "data")}/`],
      "mongo server (ferretdb, sqlite)",
      ctx.signal,
      port,
    );
  let started: { uri: string; port: number; process: OwnedChild };
  try {
    started = await launch();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new ProviderUnavailable("ferretdb", `FerretDB could not start: ${(error as Error).message}`);
  }
  const ferret = new FerretdbProcess(started.process, () => launch(started.port));
  return {
    provider: "ferretdb",
    uri: started.uri,
    backend: "SQLite",
    processes: [started.process],
    dataDir: dir,
    // SQLite runs inside FerretDB's process: the server is the one part there is to restart.
    control: {
      parts: { server: `FerretDB ${FERRETDB_VERSION} (with SQLite inside it)` },
      stop: (_part, how) => ferret.stop(how),
      start: () => ferret.start(),
    },
    async stop() {
      await ferret.process.stop({ graceMs: 5000 });
      if (ctx.keep) ctx.progress(`kept FerretDB's SQLite files in ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `--mongo ferretdb-pg`: FerretDB on a private PostgreSQL cluster the harness creates and removes. */
export async function startFerretdbPostgres(ctx: ProviderContext): Promise<MongoServerHandle> {
  const bin = await ensureFerretdb(ctx, "ferretdb-pg");
  const pg = await startPostgres({
    database: "ferretdb",
    progress: ctx.progress,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  const dir = dataDir(ctx, "ferretdb-pg", "ferretdb-pg");
  const launch = (port?: number) =>
    runFerretdb(
      bin,
      dir,
      ["--handler=postgresql", `--postgresql-url=${pg.url}`],
      "mongo server (ferretdb, postgresql)",
      ctx.signal,
      port,
    );
  let started: { uri: string; port: number; process: OwnedChild };
  try {
    started = await launch();
  } catch (error) {
    await pg.stop(false);
    rmSync(dir, { recursive: true, force: true });
    throw new ProviderUnavailable("ferretdb-pg", `FerretDB could not start: ${(error as Error).message}`);
  }
  const ferret = new FerretdbProcess(started.process, () => launch(started.port));
  return {
    provider: "ferretdb-pg",
    uri: started.uri,
    backend: `PostgreSQL ${pg.version}`,
    processes: [started.process, pg.process],
    dataDir: pg.dir,
    control: {
      parts: { server: `FerretDB ${FERRETDB_VERSION}`, storage: `PostgreSQL ${pg.version}` },
      stop: (part, how) => (part === "storage" ? pg.halt(how) : ferret.stop(how)),
      async start(part) {
        if (part === "server") return ferret.start();
        const back = await pg.resume();
        // FerretDB reconnects to PostgreSQL by itself; the restart is over once it answers again.
        await waitForPing(started.uri, { gone: () => (ferret.process.exit ? "FerretDB exited" : null) });
        return { ...back, readyAt: Date.now() };
      },
    },
    async stop() {
      await ferret.process.stop({ graceMs: 5000 });
      await pg.stop(ctx.keep === true);
      if (ctx.keep) ctx.progress(`kept the PostgreSQL cluster in ${pg.dir}`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
