/**
 * Which server a run talks to, by what it says about itself. A MongoDB-compatible server answers
 * `buildInfo.version` with the MongoDB version it emulates (FerretDB says 7.0.42), so that number
 * is never printed as its own: FerretDB names itself (`buildInfo.ferretdbVersion`) and its backend
 * (its startup warnings); mongod has a git hash (`gitVersion`) and a topology (`hello`); the Java
 * stand-in has neither. Amazon DocumentDB and Azure Cosmos DB do not name themselves in these
 * answers: they are known by their host names, as the MongoDB driver knows them.
 */
import type { MongoClient } from "mongodb";

export const serverProducts = [
  "MongoDB",
  "FerretDB",
  "mongo-java-server",
  "Amazon DocumentDB",
  "Azure Cosmos DB",
  "unknown",
] as const;
export type ServerProduct = (typeof serverProducts)[number];

export interface ServerIdentity {
  product: ServerProduct;
  /** Its own version (FerretDB's, mongod's, the stand-in library's), or null when it does not say. */
  version: string | null;
  /** The MongoDB version it answers as (`buildInfo.version`). */
  reportsAs: string;
  /** The storage it runs on, where it says: "SQLite 3.46.0", "PostgreSQL 15.18". */
  backend: string | null;
  /** standalone, replica set NAME, sharded (mongos). */
  topology: string;
  /** What identified it: the answer or the host name. */
  identifiedBy: string;
  /** Only mongod (or mongos) is MongoDB: every other server's figures are its own. */
  isMongoDB: boolean;
}

/** Host names the MongoDB driver recognises (its DOCUMENT_DB_CHECK and COSMOS_DB_CHECK). */
const DOCUMENT_DB = /(\.docdb\.amazonaws\.com|\.docdb-elastic\.amazonaws\.com)$/;
const COSMOS_DB = /\.cosmos\.azure\.com$/;

/** The hosts of a connection string (mongodb:// or mongodb+srv://). */
export function hostsOf(uri: string): string[] {
  const m = /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?]+)/.exec(uri);
  return (m?.[1] ?? "").split(",").map((h) => h.replace(/:\d+$/, "").toLowerCase());
}

/** What a server's own answers (buildInfo, hello, FerretDB's startup warnings) say it is. */
export interface ServerAnswers {
  buildInfo: Record<string, unknown>;
  hello: Record<string, unknown> | null;
  startupWarnings: readonly string[];
}

/** A log line's message: mongod-style lines are JSON with a `msg`. */
function messageOf(line: unknown): string {
  try {
    const parsed = JSON.parse(String(line)) as { msg?: unknown };
    if (typeof parsed?.msg === "string") return parsed.msg;
  } catch {
    // A plain line.
  }
  return String(line);
}

/** Reads the answers identification needs; a command the server lacks is left out, not an error. */
export async function readAnswers(client: MongoClient): Promise<ServerAnswers> {
  const admin = client.db("admin");
  const buildInfo = (await admin.command({ buildInfo: 1 })) as Record<string, unknown>;
  await admin.command({ ping: 1 }).catch(() => {});
  const hello = ((await admin.command({ hello: 1 }).catch(() => admin.command({ isMaster: 1 }))) ??
    null) as Record<string, unknown> | null;
  const log = (await admin.command({ getLog: "startupWarnings" }).catch(() => null)) as {
    log?: unknown;
  } | null;
  // FerretDB names its backend in its startup warnings once it has asked the backend (a ping does,
  // on PostgreSQL).
  const startupWarnings = Array.isArray(log?.log) ? log.log.map(messageOf) : [];
  return { buildInfo, hello, startupWarnings };
}

/**
 * The server's identity from its answers. What the harness knows of a server it started itself
 * fills what the answers leave out: the stand-in's library version (its answers carry none), and
 * FerretDB's backend (named in its answers only once it has used it).
 */
export function identify(
  answers: ServerAnswers,
  uri: string,
  known: { standinVersion?: string; backend?: string } = {},
): ServerIdentity {
  const standinVersion = known.standinVersion;
  const { buildInfo, hello } = answers;
  const reportsAs = String(buildInfo.version ?? "unknown");
  const topology =
    hello?.msg === "isdbgrid"
      ? "sharded (mongos)"
      : typeof hello?.setName === "string"
        ? `replica set ${hello.setName}`
        : "standalone";
  const base = { reportsAs, topology, backend: null };
  if (typeof buildInfo.ferretdbVersion === "string") {
    const powered = answers.startupWarnings
      .map((l) => /Powered by FerretDB \S+ and (.+?)\.?$/.exec(l)?.[1])
      .find((b): b is string => b !== undefined);
    return {
      ...base,
      product: "FerretDB",
      version: buildInfo.ferretdbVersion,
      backend: powered ?? known.backend ?? null,
      identifiedBy: "buildInfo.ferretdbVersion",
      isMongoDB: false,
    };
  }
  const hosts = hostsOf(uri);
  if (hosts.some((h) => DOCUMENT_DB.test(h)))
    return {
      ...base,
      product: "Amazon DocumentDB",
      version: null,
      identifiedBy: "its host name",
      isMongoDB: false,
    };
  if (hosts.some((h) => COSMOS_DB.test(h)))
    return {
      ...base,
      product: "Azure Cosmos DB",
      version: null,
      identifiedBy: "its host name",
      isMongoDB: false,
    };
  const gitVersion = buildInfo.gitVersion;
  if (typeof gitVersion === "string" && /^[0-9a-f]{40}$/.test(gitVersion))
    return {
      ...base,
      product: "MongoDB",
      version: reportsAs,
      identifiedBy: "buildInfo.gitVersion",
      isMongoDB: true,
    };
  if (standinVersion !== undefined)
    return {
      ...base,
      product: "mongo-java-server",
      version: standinVersion,
      identifiedBy: "started by the harness",
      isMongoDB: false,
    };
  return {
    ...base,
    product: "unknown",
    version: null,
    identifiedBy: "buildInfo has no git hash: not mongod",
    isMongoDB: false,
  };
}

/** One phrase for people: "FerretDB v1.24.2 on SQLite 3.46.0 (answers as MongoDB 7.0.42)". */
export function describeIdentity(
  id: Pick<ServerIdentity, "product" | "version" | "reportsAs" | "backend" | "topology">,
): string {
  const own =
    id.product === "mongo-java-server"
      ? `the Java stand-in, mongo-java-server ${id.version}`
      : id.product === "unknown"
        ? "a MongoDB-compatible server that is not mongod"
        : `${id.product}${id.version && id.product !== "MongoDB" ? ` ${id.version}` : id.product === "MongoDB" ? ` ${id.reportsAs}` : ""}`;
  const backend = id.backend ? ` on ${id.backend}` : "";
  const topology = id.topology !== "standalone" ? `, ${id.topology}` : "";
  const reports = id.product === "MongoDB" ? "" : ` (answers as MongoDB ${id.reportsAs})`;
  return `${own}${backend}${topology}${reports}`;
}
