/**
 * Database restarts (the db-restart fault) on the servers that keep their data: waiting until a
 * restarted server answers, and a server of the user's restarted by a command the user gives
 * (`--db-control CMD`, run as `CMD stop`, `CMD kill` and `CMD start`).
 */
import { MongoClient } from "mongodb";
import { runOwned } from "../util/ownedChild.ts";
import { sleep } from "../util/wait.ts";
import type { ServerControl, ServerPart, StopHow } from "./target.ts";

/** How long a restarted server may take to answer a ping. */
export const RESTART_READY_TIMEOUT_MS = 60_000;

/**
 * Pings `uri` until it answers (through a fresh client each time, so no pool of the harness's
 * hides a dead server), or throws after `timeoutMs` or once `gone()` says its process exited.
 */
export async function waitForPing(
  uri: string,
  options: { timeoutMs?: number; gone?: () => string | null } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? RESTART_READY_TIMEOUT_MS);
  for (;;) {
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
    try {
      await client.connect();
      await client.db("admin").command({ ping: 1 });
      return;
    } catch (error) {
      const gone = options.gone?.();
      if (gone) throw new Error(gone);
      if (Date.now() > deadline)
        throw new Error(
          `the server did not answer within ${Math.round((options.timeoutMs ?? RESTART_READY_TIMEOUT_MS) / 1000)} s of its restart (${(error as Error).message.split("\n")[0]})`,
        );
    } finally {
      await client.close().catch(() => {});
    }
    await sleep(50);
  }
}

/** The verbs `--db-control CMD` is called with. */
export type ControlVerb = "stop" | "kill" | "start";

/**
 * A user's server restarted by the user's command: `CMD stop` (a clean shutdown), `CMD kill` (a
 * crash) and `CMD start`, each run through /bin/sh with the verb as its last argument, e.g.
 * `--db-control "./mongo-ctl.sh"` or `--db-control "docker compose -f db.yml"`... A stop is done
 * when the command returns; a start when the server at `uri` answers a ping again.
 */
export function commandControl(command: string, uri: string): ServerControl {
  const run = async (verb: ControlVerb) => {
    try {
      await runOwned("/bin/sh", ["-c", `${command} "$1"`, "sh", verb], {
        name: `--db-control ${verb}`,
        timeoutMs: 120_000,
      });
    } catch (error) {
      throw new Error(`--db-control: "${command} ${verb}" failed: ${(error as Error).message}`);
    }
  };
  return {
    parts: { server: "your server (--db-control)" },
    async stop(_part: ServerPart, how: StopHow) {
      const t = Date.now();
      await run(how === "kill" ? "kill" : "stop");
      return { t, downAt: Date.now() };
    },
    async start() {
      const t = Date.now();
      await run("start");
      await waitForPing(uri);
      return { t, readyAt: Date.now() };
    },
  };
}
