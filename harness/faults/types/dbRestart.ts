import { z } from "zod";
import { restartableTargets } from "../../servers/target.ts";
import type { FaultType } from "../faultType.ts";
import { common, HOUR, int } from "./common.ts";

export const dbRestartSpec = z.strictObject({
  type: z.literal("db-restart"),
  ...common,
  /** Every worker is cut off from the database while it is down. */
  target: z.literal("all").default("all"),
  /**
   * What is restarted: the server the clients talk to (FerretDB; your server), or the storage
   * under it (PostgreSQL under FerretDB: the wire server stays up and answers errors meanwhile).
   */
  part: z.enum(["server", "storage"]).default("server"),
  /** clean: the part's own clean shutdown; kill: SIGKILL, a crash. */
  mode: z.enum(["clean", "kill"]).default("clean"),
  /** How long it stays down, from the moment it is down to the start of its restart. */
  forMs: int(0, HOUR).default(3000),
});

/** Why --mongo `choice` cannot restart `part` keeping its data, or null when it can. */
export function restartProblem(
  choice: string,
  part: "server" | "storage",
  dbControl: boolean,
): string | null {
  const parts = (restartableTargets as Record<string, readonly string[] | undefined>)[choice];
  const can = `--mongo ferretdb (FerretDB on SQLite), --mongo ferretdb-pg (FerretDB on PostgreSQL, server or storage), or your own server: --mongo-uri with --db-control CMD`;
  if (choice === "uri" && !dbControl)
    return `a server you run (--mongo-uri) is restarted by your command: give --db-control CMD (the harness runs "CMD stop", "CMD kill" and "CMD start")`;
  if (!parts)
    return `--mongo ${choice} cannot restart its database keeping the data (${choice === "standin" ? "the stand-in keeps everything in memory" : choice === "auto" ? "auto is a throwaway mongod or the in-memory stand-in" : "the harness cannot restart it"}); targets that can: ${can}`;
  if (!parts.includes(part))
    return `--mongo ${choice} has no ${part} to restart apart from the server (SQLite runs inside FerretDB): part=storage needs --mongo ferretdb-pg`;
  return null;
}

/**
 * A database restart mid-run, on a target that keeps its data: the server (or the storage under
 * it) stopped cleanly or killed, left down for forMs, then started again on the same address and
 * data. Its window (every worker cut off, effect unavailable) records when the database went down
 * and when it answered again. Healed even when the run ends early: the database must be up to read
 * the jobs' final state.
 */
export const dbRestartFault: FaultType<"db-restart"> = {
  kind: "db-restart",
  spec: dbRestartSpec,
  summary:
    "stop the database (clean or kill; the server, or the storage under FerretDB) for forMs, then start it again keeping its data",
  effect: "unavailable",
  needs: ["restartable-db"],
  describe: (spec) => `${spec.part} ${spec.mode}`,
  problems(spec, bounds, where) {
    const out: string[] = [];
    for (const choice of bounds.server?.choices ?? []) {
      const why = restartProblem(choice, spec.part, bounds.server?.dbControl ?? false);
      if (why) out.push(`${where}: ${why}`);
    }
    return out;
  },
  async inject(fault, _procs, env) {
    const db = env.database;
    if (!db) throw new Error("this MongoDB target cannot be restarted keeping its data");
    const what = db.parts[fault.spec.part];
    if (!what) throw new Error(`this MongoDB target has no ${fault.spec.part} to restart`);
    env.progress(
      `${fault.id}: stopping ${what} (${fault.spec.mode === "kill" ? "SIGKILL" : "clean shutdown"})…`,
    );
    const down = await db.stop(fault.spec.part, fault.spec.mode);
    env.progress(`${fault.id}: ${what} down ${down.downAt - down.t} ms after it was asked to stop`);
    return {
      detail: {
        part: fault.spec.part,
        mode: fault.spec.mode,
        server: what,
        stopAt: down.t,
        downAt: down.downAt,
      },
      // Started again even when the run is ending: its final state must be read from it.
      async heal() {
        env.progress(`${fault.id}: starting ${what} again…`);
        const up = await db.start(fault.spec.part);
        env.progress(`${fault.id}: ${what} answers again, ${up.readyAt - up.t} ms after its start`);
        return { startAt: up.t, readyAt: up.readyAt };
      },
    };
  },
};
