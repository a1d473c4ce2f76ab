/**
 * The trigger server process: the Express app over a Scheduler (no workers) and the run's
 * database. Started by the supervisor with HARNESS_TRIGGER (JSON); says { ready, port } over IPC.
 */
import type { AddressInfo } from "node:net";
import { MongoClient } from "mongodb";
import { loadScheduler } from "./schedulerModule.ts";
import { createTriggerApp } from "./triggerApp.ts";

const config = JSON.parse(process.env.HARNESS_TRIGGER ?? "{}") as {
  uri: string;
  dbName: string;
  port?: number;
};
const { Scheduler, MongoJobStore } = await loadScheduler();
const client = new MongoClient(config.uri, { serverSelectionTimeoutMS: 10_000 });
await client.connect();
const db = client.db(config.dbName);
const scheduler = new Scheduler({ store: new MongoJobStore(db) });
const app = createTriggerApp(scheduler, async () => {
  await db.command({ ping: 1 });
});
const server = app.listen(config.port ?? 0, "127.0.0.1", () => {
  process.send?.({ type: "ready", pid: process.pid, port: (server.address() as AddressInfo).port });
});
server.keepAliveTimeout = 30_000;

function shutdown(): void {
  server.close();
  server.closeAllConnections();
  void client.close().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
process.on("disconnect", () => process.exit(0));
