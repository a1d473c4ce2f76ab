import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { claimOrders } from "../checkers/claimOrder.ts";
import type { JobState } from "../checkers/types.ts";
import { runClocksSchema } from "../ledger/clockOffsets.ts";
import { type History, parseLedgerText } from "../ledger/history.ts";
import { probeResultSchema } from "../probe/probeTypes.ts";
import type { RunMeta } from "../report/buildResult.ts";
import { type RunResult, SCHEMA_VERSION } from "../report/result.ts";
import { type RunSettings, runSettingsSchema } from "../scenario/schema.ts";
import { serverProducts } from "../servers/identify.ts";
import { HarnessError } from "../util/exitCodes.ts";
import { describeIssues } from "../util/zodErrors.ts";

/** The files of a run folder that `analyze` reads. */
export const RUN_FILES = { result: "result.json", history: "history.jsonl", finalState: "final-state.json" };

const claimOrderNames = Object.keys(claimOrders) as [
  keyof typeof claimOrders,
  ...(keyof typeof claimOrders)[],
];

/** What analyze needs of a saved result.json; anything else in it is ignored. */
const savedResult = z.object({
  schemaVersion: z.number(),
  scenario: z.string().min(1),
  description: z.string(),
  verdict: z.enum(["pass", "fail", "unknown"]),
  incomplete: z.string().nullable(),
  seed: z.number().int(),
  startedAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: "not a date" }),
  runEndedAt: z.number().finite(),
  durationMs: z.number().finite(),
  config: z.record(z.string(), z.unknown()),
  environment: z.object({
    node: z.string(),
    driver: z.string(),
    scheduler: z.string(),
    schedulerSource: z.string().nullable(),
    platform: z.string(),
    cpus: z.number(),
  }),
  server: z.object({
    provider: z.string(),
    version: z.string(),
    isMongoDB: z.boolean(),
    product: z.enum(serverProducts).optional(),
    ownVersion: z.string().nullable().optional(),
    backend: z.string().nullable().optional(),
    topology: z.string().optional(),
    identifiedBy: z.string().optional(),
  }),
  load: z.unknown(),
  probe: probeResultSchema.optional(),
  // App mode's account of the service: kept as it was written (views read it; checkers do not).
  app: z.object({ api: z.string(), instances: z.number() }).loose().optional(),
  clocks: runClocksSchema.optional(),
  // The claim order decides how recovery-time judges a late recovery: an unknown one is refused
  // rather than read as the default.
  sut: z
    .object({ claimOrder: z.enum(claimOrderNames).optional() })
    .loose()
    .optional(),
  checkers: z.record(
    z.string(),
    z.object({ verdict: z.enum(["pass", "fail", "unknown"]), informational: z.boolean().optional() }).loose(),
  ),
});
export type SavedResult = z.infer<typeof savedResult>;

const jobState = z.object({
  id: z.string().min(1),
  name: z.string(),
  status: z.string(),
  priority: z.number(),
  attempts: z.number(),
  concurrency: z.number().optional(),
  lockUntil: z.number().nullable().optional(),
  lockedBy: z.string().nullable().optional(),
  lastError: z.string().nullable().optional(),
  dedupeKey: z.string().nullable().optional(),
  request: z.string().nullable().optional(),
});

/** A saved run, read and validated: what `analyze` re-checks. */
export interface SavedRun {
  dir: string;
  saved: SavedResult;
  meta: RunMeta;
  history: History;
  finalState: JobState[];
}

/** Reads one file of the run folder; anything but a readable file is one clear error. */
function readRunFile(dir: string, file: string): string {
  const path = join(dir, file);
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new HarnessError(`${path} not found: give the folder of a finished run (e.g. reports/latest)`);
  }
  if (!isFile) throw new HarnessError(`${path} is not a file: give the folder of a finished run`);
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new HarnessError(`${path} cannot be read: ${(error as Error).message}`);
  }
}

function parseJson(dir: string, file: string): unknown {
  const text = readRunFile(dir, file);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HarnessError(
      `${join(dir, file)} is not valid JSON (${(error as Error).message}): the run's files are damaged`,
    );
  }
}

function invalid(path: string, error: z.ZodError): HarnessError {
  const issues = describeIssues(error);
  return new HarnessError(
    `${path} is not a run result this harness can read: ${issues.slice(0, 3).join("; ")}${issues.length > 3 ? ` (and ${issues.length - 3} more)` : ""}`,
  );
}

/** The run's settings as saved, without the options that only chose where it ran and wrote. */
function savedSettings(path: string, config: Record<string, unknown>): RunSettings {
  const { mongo: _m, reportsDir: _r, keep: _k, ...settings } = config;
  const parsed = runSettingsSchema.safeParse(settings);
  if (!parsed.success) throw invalid(`${path} (config)`, parsed.error);
  return parsed.data;
}

/**
 * Reads a run folder: result.json (the run's own record, never rewritten), history.jsonl (every
 * line validated; problems are counted, not thrown) and final-state.json. Every way these can be
 * unusable (missing, a folder, not JSON, `null`, the wrong shape, an older schema) is one
 * HarnessError with a one-line message.
 */
export function readSavedRun(dir: string): SavedRun {
  const resultPath = join(dir, RUN_FILES.result);
  const parsed = savedResult.safeParse(parseJson(dir, RUN_FILES.result));
  if (!parsed.success) {
    const raw = parseJson(dir, RUN_FILES.result) as { schemaVersion?: unknown; kind?: unknown } | null;
    if (raw?.kind === "bench")
      throw new HarnessError(
        `${resultPath} is a bench result: analyze re-checks scenario runs; compare benches with "harness compare <baseline> <current>"`,
      );
    const version = raw?.schemaVersion;
    if (typeof version === "number" && version !== SCHEMA_VERSION)
      throw new HarnessError(
        `${resultPath} was written by a harness with result schema ${version}; this one reads ${SCHEMA_VERSION}: re-run the scenario`,
      );
    throw invalid(resultPath, parsed.error);
  }
  const saved = parsed.data;
  if (saved.schemaVersion !== SCHEMA_VERSION) {
    throw new HarnessError(
      `${resultPath} was written by a harness with result schema ${saved.schemaVersion}; this one reads ${SCHEMA_VERSION}: re-run the scenario`,
    );
  }
  const states = z.array(jobState).safeParse(parseJson(dir, RUN_FILES.finalState));
  if (!states.success) throw invalid(join(dir, RUN_FILES.finalState), states.error);
  const history = parseLedgerText(readRunFile(dir, RUN_FILES.history), RUN_FILES.history);
  const meta: RunMeta = {
    scenario: saved.scenario,
    description: saved.description,
    seed: saved.seed,
    startedAt: Date.parse(saved.startedAt),
    runEndedAt: saved.runEndedAt,
    durationMs: saved.durationMs,
    config: savedSettings(resultPath, saved.config),
    environment: saved.environment,
    server: saved.server,
    load: (saved.load ?? null) as RunResult["load"],
    ...(saved.probe ? { probe: saved.probe } : {}),
    ...(saved.clocks ? { clocks: saved.clocks } : {}),
    incomplete: saved.incomplete,
    ...(saved.sut ? { sut: saved.sut as RunResult["sut"] } : {}),
    ...(saved.app ? { app: saved.app as unknown as RunResult["app"] } : {}),
  };
  return { dir, saved, meta, history, finalState: states.data as JobState[] };
}
