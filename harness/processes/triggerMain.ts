/**
 * The trigger server process. Started by the supervisor with HARNESS_TRIGGER (JSON of
 * TriggerServerOptions); says { ready, port } over IPC. Also runs standalone (docker compose) with
 * MONGO_URL, HARNESS_DB, PORT, HOST and HARNESS_UI=1 (serve the Scheduler UI, built once); as a
 * service it waits for MongoDB (HARNESS_CONNECT_DEADLINE_MS, default 120000), one line per try.
 */
import { redact } from "../servers/provision.ts";
import { ensureUiBuilt } from "../trigger/buildUi.ts";
import {
  type RunningTriggerServer,
  startTriggerServer,
  type TriggerServerOptions,
} from "../trigger/triggerServer.ts";
import { defaultCacheDir } from "../util/cacheDir.ts";
import { envValue } from "../util/environment.ts";
import { firstLine } from "../util/firstLine.ts";
import { retryUntil } from "../util/retry.ts";

const fromSupervisor = envValue("HARNESS_TRIGGER");
const options: TriggerServerOptions = fromSupervisor
  ? (JSON.parse(fromSupervisor) as TriggerServerOptions)
  : {
      uri: envValue("MONGO_URL") ?? "mongodb://127.0.0.1:27017",
      dbName: envValue("HARNESS_DB") ?? "harness",
      port: Number(envValue("PORT") ?? 3000),
      host: envValue("HOST") ?? "0.0.0.0",
      uiDir:
        envValue("HARNESS_UI") === "1"
          ? await ensureUiBuilt(defaultCacheDir(), (m) => process.stdout.write(`${m}\n`))
          : undefined,
    };
const server = fromSupervisor ? await startTriggerServer(options) : await startAsService();
process.send?.({ type: "ready", pid: process.pid, port: server.port });
if (!process.send) process.stdout.write(`trigger server listening on ${server.url}\n`);

function shutdown(): void {
  void server.close().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
if (process.send) process.on("disconnect", () => process.exit(0));

/** The driver's failures that mean "not reachable yet", as opposed to a setting that is wrong. */
function unreachable(error: unknown): boolean {
  const name = (error as { name?: string })?.name ?? "";
  return /^Mongo(ServerSelection|Network|NetworkTimeout|TopologyClosed)Error$/.test(name);
}

/** Starts the server as a service: retries while MongoDB is unreachable, one line per try. */
async function startAsService(): Promise<RunningTriggerServer> {
  const deadlineMs = Number(envValue("HARNESS_CONNECT_DEADLINE_MS") ?? 120_000);
  const where = redact(options.uri);
  try {
    return await retryUntil(() => startTriggerServer(options), {
      deadlineMs,
      everyMs: 2000,
      retryable: unreachable,
      onRetry: (error, leftMs) =>
        process.stderr.write(
          `trigger server: MongoDB at ${where} is unreachable (${firstLine(error)}); retrying, giving up in ${Math.ceil(leftMs / 1000)} s\n`,
        ),
    });
  } catch (error) {
    const why = unreachable(error)
      ? `MongoDB at ${where} stayed unreachable for ${deadlineMs / 1000} s (${firstLine(error)}): check MONGO_URL and that the server is up`
      : firstLine(error);
    process.stderr.write(`trigger server: ${why}\n`);
    process.exit(1);
  }
}
