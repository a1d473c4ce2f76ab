import { MongoClient } from "mongodb";
import { defaultCacheDir } from "../util/cacheDir.ts";
import { HarnessError } from "../util/exitCodes.ts";
import { startDocker } from "./docker.ts";
import { startFerretdbPostgres, startFerretdbSqlite } from "./ferretdb.ts";
import { identify, readAnswers, type ServerIdentity } from "./identify.ts";
import { startMemory } from "./memory.ts";
import { commandControl } from "./serverControl.ts";
import { STANDIN_VERSION, startStandin } from "./standin.ts";
import {
  type MongoServerHandle,
  type ProviderChoice,
  type ProviderContext,
  ProviderUnavailable,
} from "./target.ts";

/** A server to run against, identified as every report must name it. */
export interface MongoTarget extends MongoServerHandle {
  /** `buildInfo.version`: the MongoDB version the server answers as (not its own, unless it is mongod). */
  version: string;
  /** What the server is, by its own answers. */
  identity: ServerIdentity;
  /** Only mongod is MongoDB: every other server's figures are its own. */
  isMongoDB: boolean;
}

export interface ProvisionOptions {
  choice: ProviderChoice;
  /** From --mongo-uri or MONGO_URL. */
  mongoUri?: string;
  progress(message: string): void;
  /** Aborted by Ctrl-C: a server being started is stopped again. */
  signal?: AbortSignal;
  /** A folder of the run's for a server's data (FerretDB on SQLite). */
  workDir?: string;
  /** --keep: a server's data outlives the run. */
  keep?: boolean;
  /** --db-control: the command that stops and starts the server at --mongo-uri (a database restart). */
  dbControl?: string;
  /** A change stream will be opened (app mode's watcher): the stand-in then keeps an oplog. */
  changeStreams?: boolean;
}

/**
 * Gives a MongoDB-speaking server: the one at --mongo-uri / MONGO_URL if given (nothing else is
 * tried), else the forced provider, else auto: memory (a real mongod), then the Java stand-in.
 */
export async function provisionMongo(options: ProvisionOptions): Promise<MongoTarget> {
  const ctx: ProviderContext = {
    progress: options.progress,
    cacheDir: defaultCacheDir(),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.workDir ? { workDir: options.workDir } : {}),
    ...(options.keep ? { keep: true } : {}),
    ...(options.changeStreams ? { changeStreams: true } : {}),
  };
  if (options.mongoUri || options.choice === "uri") {
    if (!options.mongoUri) {
      throw new HarnessError(
        "--mongo uri needs a connection string: pass --mongo-uri mongodb://host:port or set MONGO_URL",
      );
    }
    return identifyTarget({
      provider: "uri",
      uri: options.mongoUri,
      stop: async () => {},
      ...(options.dbControl ? { control: commandControl(options.dbControl, options.mongoUri) } : {}),
    });
  }
  const named: Record<Exclude<ProviderChoice, "auto" | "uri">, () => Promise<MongoServerHandle>> = {
    memory: () => startMemory(ctx),
    standin: () => startStandin(ctx),
    docker: () => startDocker(),
    ferretdb: () => startFerretdbSqlite(ctx),
    "ferretdb-pg": () => startFerretdbPostgres(ctx),
  };
  // auto tries a real mongod, then the stand-in; every other target is chosen by name.
  const order = options.choice === "auto" ? [named.memory, named.standin] : [named[options.choice]];
  const failures: ProviderUnavailable[] = [];
  for (const start of order) {
    let handle: MongoServerHandle;
    try {
      handle = await start();
    } catch (error) {
      if (!(error instanceof ProviderUnavailable) || options.signal?.aborted) throw error;
      failures.push(error);
      if (order.length > 1) options.progress(`MongoDB target ${error.message}; trying the next`);
      continue;
    }
    try {
      if (options.signal?.aborted) throw new Error("interrupted");
      return await identifyTarget(handle);
    } catch (error) {
      await handle.stop().catch(() => {});
      throw error;
    }
  }
  throw new HarnessError(noServerMessage(options.choice, failures));
}

/**
 * The one line for "no provider gave a server": what failed, each provider in its own words, and
 * what to try: the providers that were not tried, never a remedy for one that was not the problem.
 */
export function noServerMessage(choice: ProviderChoice, failures: readonly ProviderUnavailable[]): string {
  const tried = new Set(failures.map((f) => f.provider));
  const tries: string[] = [];
  if (!tried.has("standin")) tries.push("--mongo standin (the Java stand-in, needs no download of mongod)");
  if (!tried.has("memory"))
    tries.push("--mongo memory with a mongod binary (MONGOMS_SYSTEM_BINARY=/path/to/mongod)");
  tries.push("--mongo-uri mongodb://host:port for a server you run");
  const how = choice === "auto" ? "" : ` with --mongo ${choice}`;
  return `no MongoDB server could be had${how}: ${failures.map((f) => f.message).join("; ")}. Try ${tries.join(", or ")}`;
}

/** Connects once to learn what the server is, and fails fast with one line when it cannot. */
async function identifyTarget(handle: MongoServerHandle): Promise<MongoTarget> {
  const client = new MongoClient(handle.uri, { serverSelectionTimeoutMS: 5000, connectTimeoutMS: 5000 });
  try {
    await client.connect();
    const identity = identify(await readAnswers(client), handle.uri, {
      ...(handle.provider === "standin" ? { standinVersion: STANDIN_VERSION } : {}),
      ...(handle.backend ? { backend: handle.backend } : {}),
    });
    return { ...handle, version: identity.reportsAs, identity, isMongoDB: identity.isMongoDB };
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    const hint =
      handle.provider === "uri"
        ? "check that the server is up and the address is right, or leave out --mongo-uri (and MONGO_URL) to let the harness start one"
        : "the server the harness started did not answer; see its output above, or try another --mongo provider";
    throw new HarnessError(`cannot reach MongoDB at ${redact(handle.uri)} (${reason}): ${hint}`);
  } finally {
    await client.close().catch(() => {});
  }
}

/** Hides a password in a connection string before it is printed. */
export function redact(uri: string): string {
  return uri.replace(/\/\/([^:/@]+):([^@]+)@/, "//$1:***@");
}
