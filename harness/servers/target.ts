import type { WatchedProcess } from "../util/ownedChild.ts";

/** Where a run's MongoDB-speaking server came from. */
export type ProviderName = "uri" | "memory" | "standin" | "docker" | "ferretdb" | "ferretdb-pg";
/**
 * What `--mongo` accepts: a provider, or auto (uri, else memory, else standin). The FerretDB
 * targets are chosen by name only.
 */
export const providerChoices = [
  "auto",
  "uri",
  "memory",
  "standin",
  "docker",
  "ferretdb",
  "ferretdb-pg",
] as const;
export type ProviderChoice = (typeof providerChoices)[number];

/** A part of a server that can be restarted: the server clients talk to, or the storage under it. */
export type ServerPart = "server" | "storage";

/** How a part is stopped: its own clean shutdown, or SIGKILL (a crash). */
export type StopHow = "clean" | "kill";

/**
 * What a server that keeps its data across a restart offers for a database restart: stop a part and
 * start it again on the same address and the same data. The in-memory servers have none.
 */
export interface ServerControl {
  /** The parts it can restart, each as people call it ("FerretDB", "PostgreSQL 15"). */
  parts: Partial<Record<ServerPart, string>>;
  /** Stops a part; resolves once it is down, with when it was asked to stop and when it was down. */
  stop(part: ServerPart, how: StopHow): Promise<{ t: number; downAt: number }>;
  /**
   * Starts it again; resolves once the server answers a ping again, with the process it started
   * (a run watches it like the first one), if the harness owns it.
   */
  start(part: ServerPart): Promise<{ t: number; readyAt: number; process?: WatchedProcess }>;
}

/** A server the harness can use, and how to let it go. */
export interface MongoServerHandle {
  provider: ProviderName;
  /** A connection string without a database name. */
  uri: string;
  /**
   * The processes the provider started and owns (none for an external server): a run watches them,
   * since one that dies mid-run ends the run as incomplete.
   */
  processes?: readonly WatchedProcess[];
  /** The folder holding the server's data, when the harness made one (kept with --keep). */
  dataDir?: string;
  /** The storage it runs on, when the harness started it and knows ("SQLite", "PostgreSQL 15"). */
  backend?: string;
  /** Stops what the provider started; a no-op for an external server. */
  stop(): Promise<void>;
  /** Restarts it keeping its data, when it can (FerretDB; a server of yours with --db-control). */
  control?: ServerControl;
}

/** What a provider needs from its caller. */
export interface ProviderContext {
  /** Progress lines for people ("fetching the stand-in's jars…"). */
  progress(message: string): void;
  /** Where downloaded artifacts are kept between runs. */
  cacheDir: string;
  /** Aborted by Ctrl-C: a start or a build in progress is called off. */
  signal?: AbortSignal;
  /** A folder of the run's for a server's data (else a private temporary one). */
  workDir?: string;
  /** --keep: a server's data folder outlives the run. */
  keep?: boolean;
  /** A change stream will be opened: a server that offers them only on request turns them on. */
  changeStreams?: boolean;
}

/**
 * The targets of `--mongo` that can restart their database keeping its data (db-restart), and what
 * each can restart; `uri` only with a command of the user's (--db-control).
 */
export const restartableTargets: Partial<Record<ProviderChoice, readonly ServerPart[]>> = {
  ferretdb: ["server"],
  "ferretdb-pg": ["server", "storage"],
  uri: ["server"],
};

/** A provider that cannot give a server here says why, so auto can try the next one. */
export class ProviderUnavailable extends Error {
  constructor(
    readonly provider: ProviderName,
    reason: string,
  ) {
    super(`${provider}: ${reason}`);
    this.name = "ProviderUnavailable";
  }
}
