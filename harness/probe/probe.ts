/**
 * Runs the probe on a server: several clients, each with several operations in flight, on a
 * database of the probe's own (dropped after), every primitive in turn. A quick probe takes a few
 * seconds and opens every scenario and bench run; `harness probe` runs the full one.
 */
import { randomBytes } from "node:crypto";
import { type Collection, MongoClient } from "mongodb";
import {
  type ProbeCollection,
  type ProbeServer,
  probeClaim,
  probeCompareAndSet,
  probeNowVariable,
  probeReadYourWrites,
  probeSchedulerClaim,
  probeServerClock,
  probeSizes,
  probeTransactions,
  probeUniqueIndex,
  probeUpsert,
} from "./primitives.ts";
import { brokenFeatures, type PrimitiveResult, type ProbeResult } from "./probeTypes.ts";

/** Clients of the probe (each its own connection pool, as separate worker processes have). */
const CLIENTS = { quick: 2, full: 4 } as const;

/** Every primitive, in the order the probe measures and prints them. */
const steps: ((
  server: ProbeServer,
  size: (typeof probeSizes)[keyof typeof probeSizes],
) => Promise<PrimitiveResult>)[] = [
  probeClaim,
  probeSchedulerClaim,
  probeCompareAndSet,
  probeUniqueIndex,
  probeUpsert,
  probeReadYourWrites,
  probeServerClock,
  probeNowVariable,
  probeTransactions,
];

/** Measures every primitive on `server`. */
export async function measurePrimitives(
  server: ProbeServer,
  size: "quick" | "full",
  progress: (message: string) => void = () => {},
): Promise<ProbeResult> {
  const started = Date.now();
  const primitives: PrimitiveResult[] = [];
  for (const step of steps) {
    const r = await step(server, probeSizes[size]);
    primitives.push(r);
    progress(`probe: ${r.name} ${r.verdict} (${r.detail})`);
  }
  return {
    size,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    primitives,
    broken: brokenFeatures(primitives),
  };
}

/** The probe's server over the driver: N clients on one database, dropped when closed. */
async function openProbeServer(uri: string, clients: number, concurrency: number) {
  const connected = Array.from(
    { length: clients },
    () =>
      new MongoClient(uri, {
        maxPoolSize: concurrency + 2,
        serverSelectionTimeoutMS: 5000,
        // The raw primitive is measured: a retried write would hide what the server did.
        retryWrites: false,
      }),
  );
  await Promise.all(connected.map((c) => c.connect()));
  const dbName = `harness_probe_${randomBytes(4).toString("hex")}`;
  const first = connected[0] as MongoClient;
  const server: ProbeServer = {
    collections: (name) => connected.map((c) => c.db(dbName).collection(name) as unknown as ProbeCollection),
    command: (command) => first.db("admin").command(command),
    async transaction(name, work) {
      const session = first.startSession();
      try {
        await session.withTransaction(async () => {
          await work(first.db(dbName).collection(name) as Collection as unknown as ProbeCollection, session);
        });
      } finally {
        await session.endSession().catch(() => {});
      }
    },
  };
  return {
    server,
    async close() {
      await first
        .db(dbName)
        .dropDatabase()
        .catch(() => {});
      await Promise.all(connected.map((c) => c.close(true).catch(() => {})));
    },
  };
}

/** The probe of the server at `uri`. */
export async function runProbe(
  uri: string,
  size: "quick" | "full",
  progress: (message: string) => void = () => {},
): Promise<ProbeResult> {
  const { server, close } = await openProbeServer(
    uri,
    CLIENTS[size],
    (probeSizes[size] as { concurrency: number }).concurrency,
  );
  try {
    return await measurePrimitives(server, size, progress);
  } finally {
    await close();
  }
}
