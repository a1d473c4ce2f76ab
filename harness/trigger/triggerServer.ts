import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { MongoClient } from "mongodb";
import { createAdapter } from "../adapters/registry.ts";
import type { SutSpec } from "../adapters/wiring.ts";
import { createJobsApi } from "./jobsApi.ts";
import { createTriggerApp } from "./triggerApp.ts";

export interface TriggerServerOptions {
  uri: string;
  dbName: string;
  /** 0 picks a free port. */
  port?: number;
  /** Loopback by default; 0.0.0.0 inside a container. */
  host?: string;
  /** The built Scheduler UI to serve at /, if any. */
  uiDir?: string;
  /** The scheduler and its wiring; default mongo-job-scheduler as its README builds it. */
  sut?: SutSpec;
}

export interface RunningTriggerServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the trigger server over a database: the example routes, the Scheduler UI's REST API and,
 * given uiDir, the UI. It schedules through the scheduler under test with no workers, as an
 * application's web server would; the Scheduler UI's API is there when the scheduler offers it.
 */
export async function startTriggerServer(options: TriggerServerOptions): Promise<RunningTriggerServer> {
  const adapter = await createAdapter(
    options.sut ?? {
      adapter: "mongo-job-scheduler",
      wiring: "readme",
      matched: { pollIntervalMs: 500, lockTimeoutMs: 600_000 },
    },
  );
  const client = new MongoClient(options.uri, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  const db = client.db(options.dbName);
  const scheduler = await adapter.client(db);
  const jobsApi = scheduler.control
    ? createJobsApi(db.collection((await adapter.effective(db, 1)).collection), scheduler.control)
    : undefined;
  const app = createTriggerApp(
    scheduler,
    async () => {
      await db.command({ ping: 1 });
    },
    { ...(jobsApi ? { jobsApi } : {}), uiDir: options.uiDir },
  );
  const host = options.host ?? "127.0.0.1";
  let server: Server;
  try {
    server = await new Promise<Server>((resolve, reject) => {
      // Express 5 hands a listen error to this callback instead of only emitting it.
      const s = app.listen(options.port ?? 0, host, (error?: Error) => (error ? reject(error) : resolve(s)));
    });
  } catch (error) {
    // Nothing may keep the process alive after a failed start (a busy or invalid port).
    await client.close().catch(() => {});
    throw error;
  }
  server.keepAliveTimeout = 30_000;
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}/`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await client.close();
    },
  };
}
