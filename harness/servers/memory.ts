import { lookup } from "node:dns/promises";
import { envValue } from "../util/environment.ts";
import type { ChildExit, WatchedProcess } from "../util/ownedChild.ts";
import { type MongoServerHandle, type ProviderContext, ProviderUnavailable } from "./target.ts";

/** How long the download host may take to resolve before the host counts as unreachable. */
const DNS_TIMEOUT_MS = 3000;

async function resolves(host: string): Promise<boolean> {
  const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), DNS_TIMEOUT_MS).unref());
  return Promise.race([
    lookup(host).then(
      () => true,
      () => false,
    ),
    timeout,
  ]);
}

/**
 * Whether a mongod can be had: a cached (or given) binary, else a download host that resolves.
 * `download` says what the start will fetch; `problem` why none can be had here.
 */
export async function findMongod(): Promise<{ problem?: string; download?: string }> {
  const { DryMongoBinary } = await import("mongodb-memory-server-core/lib/util/DryMongoBinary.js");
  const options = await DryMongoBinary.generateOptions();
  if (await DryMongoBinary.locateBinary(options)) return {};
  const mirror =
    envValue("MONGOMS_DOWNLOAD_URL") ?? envValue("MONGOMS_DOWNLOAD_MIRROR") ?? "https://fastdl.mongodb.org";
  const host = new URL(mirror).hostname;
  if (!(await resolves(host)))
    return {
      problem: `no cached mongod ${options.version} and the download host ${host} is unreachable (set MONGOMS_SYSTEM_BINARY to a mongod)`,
    };
  return { download: `downloading mongod ${options.version} (once; cached in ${options.downloadDir})…` };
}

/**
 * A real `mongod` from mongodb-memory-server. It uses MONGOMS_SYSTEM_BINARY or a cached binary;
 * else it downloads one, but only after the download host resolves, so an offline machine gives
 * up in seconds instead of after minutes of retries.
 */
export async function startMemory(ctx: ProviderContext): Promise<MongoServerHandle> {
  const { MongoMemoryServer } = await import("mongodb-memory-server-core");
  const found = await findMongod();
  if (found.problem) throw new ProviderUnavailable("memory", found.problem);
  if (found.download) ctx.progress(found.download);
  try {
    // Its own process group, so that a terminal's Ctrl-C reaches the harness alone (which reads the
    // final state before it stops the server); mongodb-memory-server's killer process still stops
    // mongod if the harness dies.
    const server = await MongoMemoryServer.create({
      instance: { ip: "127.0.0.1" },
      spawn: { detached: true },
    });
    const mongod = server.instanceInfo?.instance.mongodProcess;
    let stopping = false;
    const watched: WatchedProcess | null =
      mongod?.pid !== undefined
        ? {
            name: "mongo server (memory)",
            pid: mongod.pid,
            get stopping() {
              return stopping;
            },
            exited: new Promise<ChildExit>((resolve) => {
              if (mongod.exitCode !== null || mongod.signalCode !== null)
                resolve({ code: mongod.exitCode, signal: mongod.signalCode });
              else mongod.once("exit", (code, signal) => resolve({ code, signal }));
            }),
          }
        : null;
    return {
      provider: "memory",
      uri: server.getUri().replace(/\/$/, ""),
      processes: watched ? [watched] : [],
      async stop() {
        stopping = true;
        await server.stop({ doCleanup: true, force: true });
      },
    };
  } catch (error) {
    throw new ProviderUnavailable(
      "memory",
      `mongod did not start: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
