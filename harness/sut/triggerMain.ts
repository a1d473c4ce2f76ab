/**
 * The trigger server process. Started by the supervisor with HARNESS_TRIGGER (JSON of
 * TriggerServerOptions); says { ready, port } over IPC. Also runs standalone (docker compose) with
 * MONGO_URL, HARNESS_DB, PORT, HOST and HARNESS_UI=1 (serve the Scheduler UI, built once).
 */
import { defaultCacheDir } from "../mongo/provision.ts";
import { ensureUiBuilt } from "../ui/buildUi.ts";
import { startTriggerServer, type TriggerServerOptions } from "./triggerServer.ts";

const options: TriggerServerOptions = process.env.HARNESS_TRIGGER
  ? (JSON.parse(process.env.HARNESS_TRIGGER) as TriggerServerOptions)
  : {
      uri: process.env.MONGO_URL ?? "mongodb://127.0.0.1:27017",
      dbName: process.env.HARNESS_DB ?? "harness",
      port: Number(process.env.PORT ?? 3000),
      host: process.env.HOST ?? "0.0.0.0",
      uiDir:
        process.env.HARNESS_UI === "1"
          ? await ensureUiBuilt(defaultCacheDir(), (m) => process.stdout.write(`${m}\n`))
          : undefined,
    };
const server = await startTriggerServer(options);
process.send?.({ type: "ready", pid: process.pid, port: server.port });
if (!process.send) process.stdout.write(`trigger server listening on ${server.url}\n`);

function shutdown(): void {
  void server.close().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
if (process.send) process.on("disconnect", () => process.exit(0));
