/**
 * The pure half of shrinking a failed run: what a run was made of (jobs, worker processes, slots,
 * its fault schedule written out as `--fault` flags), the next smaller candidates, and the one
 * command line that reproduces a candidate. `explore` runs the candidates; nothing here starts one.
 */
import { planFaults } from "../faults/planFaults.ts";
import type { RunResult } from "../report/result.ts";
import { type CommandName, commandFlags, type FlagSpec } from "./flags.ts";

/** The parts of a run a shrink makes smaller, each set with an existing flag of `scenario`. */
export interface RunShape {
  /** `--jobs`; undefined when the scenario's jobs are a fixed set (the flag does not apply). */
  jobs?: number;
  /** `--workers`: worker processes. */
  workers: number;
  /** `--concurrency`: scheduler workers per process. */
  concurrency: number;
  /**
   * The schedule as it was planned from the seed, one `--fault` each (with its point and target
   * fixed, so that dropping one does not move the others); null when an entry cannot be written
   * as a flag, and the scenario's own faults then stay as they are.
   */
  faults: string[] | null;
}

/** The fewest jobs a load may have: the mix's counted entries (a repeat, a long job) all fit. */
export function fewestJobs(result: Pick<RunResult, "config">): number {
  return Math.max(
    1,
    result.config.load.mix.reduce((n, m) => n + (m.count ?? 0), 0),
  );
}

/** A value a `--fault TYPE:key=value,…` flag can carry (no comma, no equals sign). */
function flagValue(v: unknown): string | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  if (typeof v === "string" && /^[\w.+-]+$/.test(v)) return v;
  return undefined;
}

/** The fault schedule of a run as `--fault` flags, each at its planned point; null if one cannot be. */
export function faultFlagsOf(result: Pick<RunResult, "config" | "seed">): string[] | null {
  const out: string[] = [];
  for (const f of planFaults(result.config, result.seed)) {
    // A kind drawn from the seed is written as drawn (running:limited), so that the shrunk runs
    // strike the same kind whatever their seed's turn would draw.
    const target = f.running
      ? `running:${f.running.selector}`
      : Array.isArray(f.targets)
        ? f.targets.join("+")
        : f.targets;
    if (Array.isArray(f.targets) && f.targets.length !== 1) return null;
    const parts = [`at=${Number(f.at.toFixed(4))}`, `target=${target}`];
    for (const [key, value] of Object.entries(f.spec)) {
      if (key === "type" || key === "at" || key === "count" || key === "target" || value === undefined)
        continue;
      const text = flagValue(value);
      if (text === undefined) return null;
      parts.push(`${key}=${text}`);
    }
    out.push(`${f.spec.type}:${parts.join(",")}`);
  }
  return out;
}

/** The shape of a finished run, read from its result. */
export function shapeOf(result: RunResult, fixedJobs: boolean): RunShape {
  return {
    ...(fixedJobs ? {} : { jobs: result.config.load.jobs }),
    workers: result.config.sut.processes,
    concurrency: result.config.sut.workersPerProcess,
    faults: faultFlagsOf(result),
  };
}

/** One step smaller: what it changes, in a few words, and the shape it makes. */
export interface Candidate {
  what: string;
  shape: RunShape;
}

/**
 * The candidates one step smaller than `shape`, in the order they are tried: half the jobs, one
 * worker process fewer, half the slots per process, then each fault left out in turn. A shrink
 * takes the first that still fails and asks again from there.
 */
export function smallerShapes(shape: RunShape, minJobs: number): Candidate[] {
  const out: Candidate[] = [];
  if (shape.jobs !== undefined && shape.jobs > minJobs) {
    const jobs = Math.max(minJobs, Math.floor(shape.jobs / 2));
    out.push({ what: `${jobs} jobs`, shape: { ...shape, jobs } });
  }
  if (shape.workers > 1)
    out.push({
      what: `${shape.workers - 1} worker processes`,
      shape: { ...shape, workers: shape.workers - 1 },
    });
  if (shape.concurrency > 1) {
    const concurrency = Math.floor(shape.concurrency / 2);
    out.push({ what: `${concurrency} workers per process`, shape: { ...shape, concurrency } });
  }
  for (const [i, fault] of (shape.faults ?? []).entries())
    out.push({
      what: `without ${fault.split(":")[0]} (${fault})`,
      shape: { ...shape, faults: (shape.faults ?? []).filter((_, j) => j !== i) },
    });
  return out;
}

/** The flags a shape sets, as argv entries for the scenario command (the rest of argv stays). */
export function shapeArgv(shape: RunShape): Record<string, unknown> {
  return {
    ...(shape.jobs !== undefined ? { jobs: shape.jobs } : {}),
    workers: shape.workers,
    concurrency: shape.concurrency,
    ...(shape.faults
      ? { "scenario-faults": false, fault: shape.faults, kills: undefined, pauses: undefined }
      : {}),
  };
}

/** Flags the reproduction sets itself, or that only mean something to `explore`. */
const setByShrink = new Set(["seed", "jobs", "workers", "concurrency", "fault", "scenario-faults"]);
const shorthandFaults = new Set(["kills", "pauses", "restart-delay", "pause-ms"]);

function quote(text: string): string {
  return /^[\w./:=,@+%-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The one command line that reproduces a shape: `scenario <name> --seed N` with the shape's flags,
 * and every other flag the user gave (those that differ from their defaults) as given, or set
 * through its environment variable (written as the flag, so that the line stands on its own).
 */
export function reproduction(
  scenario: string,
  seed: number,
  shape: RunShape,
  argv: Record<string, unknown>,
  env: Record<string, string | undefined> = {},
): string {
  const words = ["npx", "harness", "scenario", scenario, "--seed", String(seed)];
  if (shape.jobs !== undefined) words.push("--jobs", String(shape.jobs));
  words.push("--workers", String(shape.workers), "--concurrency", String(shape.concurrency));
  if (shape.faults) {
    words.push("--no-scenario-faults");
    for (const f of shape.faults) words.push("--fault", f);
  }
  const flags = commandFlags.scenario as Record<string, FlagSpec>;
  for (const [name, spec] of Object.entries(flags)) {
    if (setByShrink.has(name) || (shape.faults && shorthandFaults.has(name))) continue;
    const fromEnv = spec.env ? env[spec.env] : undefined;
    const value = argv[name] ?? (fromEnv === "" ? undefined : fromEnv);
    if (value === undefined || value === spec.default) continue;
    if (spec.type === "boolean") words.push(value ? `--${name}` : `--no-${name}`);
    else for (const v of Array.isArray(value) ? value : [value]) words.push(`--${name}`, String(v));
  }
  return words.map(quote).join(" ");
}

/** The flags of `command` that `explore` adds to `scenario`'s: not passed on to a run. */
export function exploreOnlyFlags(command: CommandName = "explore"): string[] {
  const scenario = commandFlags.scenario as Record<string, FlagSpec>;
  return Object.keys(commandFlags[command]).filter((f) => !(f in scenario));
}
