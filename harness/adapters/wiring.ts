import { existsSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { HarnessError } from "../util/exitCodes.ts";
import { firstLine } from "../util/firstLine.ts";

/** How the harness builds the scheduler under test in every process. */
export interface SutSpec {
  /** The adapter (scheduler) name, e.g. "mongo-job-scheduler" or "agenda". */
  adapter: string;
  /** A preset name, or the absolute path of the user's wiring module. */
  wiring: string;
  /** The run's own settings, which the "matched" wiring gives both the scheduler and its store. */
  matched: { pollIntervalMs: number; lockTimeoutMs: number; maxExecutionMs?: number };
  /**
   * The folder of the mongo-job-scheduler build under test (--scheduler), when not the installed
   * package: carried to every process in its settings, loaded by schedulerModule.ts.
   */
  build?: string;
}

/**
 * The presets: `matched` gives the scheduler and its store the run's poll interval and lock
 * timeout (the harness's own wiring); `readme` builds it as the scheduler's README quick start does
 * (`new MongoJobStore(db)`, every Scheduler option at its default); `example` as the example
 * application does (poll interval 1 s and lock timeout 60 s on the Scheduler, the store as the
 * README builds it).
 */
export const wiringPresets = ["matched", "readme", "example"] as const;
export type WiringPreset = (typeof wiringPresets)[number];

export function isPreset(wiring: string): wiring is WiringPreset {
  return (wiringPresets as readonly string[]).includes(wiring);
}

/** What a user's wiring module exports: builds their scheduler from a database and a handler. */
export type WiringBuilder = (
  db: import("mongodb").Db,
  handler: (job: never) => Promise<void>,
  context: { workers: number; id: string },
) => unknown;

const builderExports = ["default", "buildScheduler"] as const;

/**
 * Resolves --wiring to a preset name or the absolute path of a module, checking everything that
 * can be checked without a database: the file exists, it imports, and it exports a builder
 * function. One line naming the file and what was expected, otherwise.
 */
export async function resolveWiring(
  wiring: string,
  presets: readonly string[],
  adapter: string,
): Promise<string> {
  if (presets.includes(wiring)) return wiring;
  const looksLikePath = /[/\\.]/.test(wiring);
  if (!looksLikePath) {
    throw new HarnessError(
      `--wiring ${wiring}: no such preset for ${adapter} (${presets.join(", ")}), and not a path to a wiring module`,
    );
  }
  const path = isAbsolute(wiring) ? wiring : resolve(wiring);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new HarnessError(
      `--wiring ${wiring}: no such file ${path}; expected a module exporting a function (db, handler) => Scheduler`,
    );
  }
  await loadBuilder(path);
  return path;
}

/** Imports a wiring module and returns its builder (`export default` or `export function buildScheduler`). */
export async function loadBuilder(path: string): Promise<WiringBuilder> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw new HarnessError(
      `--wiring ${path}: the module failed to load (${firstLine(error)}); expected a module exporting a function (db, handler) => Scheduler`,
    );
  }
  for (const name of builderExports) {
    const candidate = mod[name];
    if (typeof candidate === "function") return candidate as WiringBuilder;
    // A CommonJS module imported as ESM puts module.exports under default.
    const inner = (candidate as Record<string, unknown> | undefined)?.[
      name === "default" ? "buildScheduler" : name
    ];
    if (typeof inner === "function") return inner as WiringBuilder;
  }
  throw new HarnessError(
    `--wiring ${path}: exports no builder; expected \`export default\` or \`export function buildScheduler\` taking (db, handler) and returning a Scheduler`,
  );
}
