import { resolve } from "node:path";
import { provisionMongo } from "../../servers/provision.ts";
import { ensureUiBuilt } from "../../trigger/buildUi.ts";
import { serveUi, viewRun } from "../../trigger/serveUi.ts";
import { defaultCacheDir } from "../../util/cacheDir.ts";
import { ExitCode, HarnessError } from "../../util/exitCodes.ts";
import { ensurePortFree, portProblem } from "../../util/port.ts";
import type { CommandIo } from "../io.ts";
import { mongoOptions, mongoProblem } from "../mongoOptions.ts";
import { rejectProblems } from "../output.ts";

/** `ui [dir]`: a run's jobs (its snapshot, loaded into a fresh database), or a live database, in the Scheduler UI. */
export async function uiCommand(argv: Record<string, unknown>, io: CommandIo): Promise<ExitCode> {
  rejectProblems([mongoProblem(argv), portProblem(argv.port)]);
  const port = Number(argv.port);
  // Before a MongoDB server is started for nothing.
  await ensurePortFree(port);
  const mongo = mongoOptions(argv, "ui", io.env);
  await io.withInterrupt("the Scheduler UI", async (signal) => {
    if (argv.db) {
      if (!mongo.uri)
        throw new HarnessError("--db names a database on an existing server: pass --mongo-uri too");
      const target = await provisionMongo({
        choice: "uri",
        mongoUri: mongo.uri,
        progress: io.reporter.progress,
      });
      await serveUi({
        uri: target.uri,
        dbName: String(argv.db),
        port,
        reporter: io.reporter,
        print: io.print,
        signal,
      });
      return;
    }
    await viewRun({
      runDir: resolve(String(argv.dir)),
      mongo,
      port,
      reporter: io.reporter,
      print: io.print,
      signal,
    });
  });
  return ExitCode.Pass;
}

/** `build-ui`: builds the Scheduler UI into the cache (done on first use anyway). */
export async function buildUiCommand(_argv: Record<string, unknown>, io: CommandIo): Promise<ExitCode> {
  io.print(await ensureUiBuilt(defaultCacheDir(), io.reporter.progress));
  return ExitCode.Pass;
}
