import { lookup } from "node:dns/promises";
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
 * A real `mongod` from mongodb-memory-server. It uses MONGOMS_SYSTEM_BINARY or a cached binary;
 * else it downloads one, but only after the download host resolves, so an offline machine gives
 * up in seconds instead of after minutes of retries.
 */
export async function startMemory(ctx: ProviderContext): Promise<MongoServerHandle> {
  const { DryMongoBinary } = await import("mongodb-memory-server-core/lib/util/DryMongoBinary.js");
  const { MongoMemoryServer } = await import("mongodb-memory-server-core");
  const options = await DryMongoBinary.generateOptions();
  const local = await DryMongoBinary.locateBinary(options);
  if (!local) {
    const mirror =
      process.env.MONGOMS_DOWNLOAD_URL ?? process.env.MONGOMS_DOWNLOAD_MIRROR ?? "https://fastdl.mongodb.org";
    const host = new URL(mirror).hostname;
    if (!(await resolves(host))) {
      throw new ProviderUnavailable(
        "memory",
        `no cached mongod ${options.version} and the download host ${host} is unreachable (set MONGOMS_SYSTEM_BINARY to a mongod)`,
      );
    }
    ctx.progress(`downloading mongod ${options.version} (once; cached in ${options.downloadDir})…`);
  }
  try {
    const server = await MongoMemoryServer.create({ instance: { ip: "127.0.0.1" } });
    return {
      provider: "memory",
      uri: server.getUri().replace(/\/$/, ""),
      async stop() {
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
