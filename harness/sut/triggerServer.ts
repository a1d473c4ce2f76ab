import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { MongoClient, type ObjectId } from "mongodb";
import { JOBS_COLLECTION } from "../run/jobsCollection.ts";
import { createJobsApi } from "./jobsApi.ts";
import { loadScheduler } from "./schedulerModule.ts";
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
}

export interface RunningTriggerServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the trigger server over a database: the example routes, the Scheduler UI's REST API and,
 * given uiDir, the UI. It schedules through a Scheduler with no workers, as an application would.
 */
export async function startTriggerServer(options: TriggerServerOptions): Promise<RunningTriggerServer> {
  const { Scheduler, MongoJobStore } = await loadScheduler();
  const client = new MongoClient(options.uri, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  const db = client.db(options.dbName);
  const scheduler = new Scheduler({ store: new MongoJobStore(db) });
  const control = {
    cancel: (id: ObjectId) => scheduler.cancel(id),
    updateJob: (id: ObjectId, updates: Record<string, unknown>) => scheduler.updateJob(id, updates),
  };
  const app = createTriggerApp(
    scheduler,
    async () => {
      await db.command({ ping: 1 });
    },
    { jobsApi: createJobsApi(db.collection(JOBS_COLLECTION), control), uiDir: options.uiDir },
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
