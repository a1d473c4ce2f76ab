import type { z } from "zod";
import { MIN_SAMPLES } from "../checkers/growth.ts";
import { parseFaultFlag } from "../faults/faultFlag.ts";
import { type FaultSupportCheck, faultListProblems } from "../faults/faultProblems.ts";
import type { FaultNeed } from "../faults/faultType.ts";
import { type FaultKind, faultRegistry } from "../faults/registry.ts";
import { jobNamesOf } from "../load/jobMix.ts";
import { MAX_OPEN_JOBS, plannedJobCount } from "../load/settings.ts";
import { formatDuration } from "../util/duration.ts";
import { HarnessError } from "../util/exitCodes.ts";
import { type RunSettings, runSettingsSchema, type Scenario, type SettingsOverride } from "./schema.ts";
import { envNameOf, type SettingFlag, type SettingFlagSpec, settingFlags } from "./settingFlags.ts";

/** A setting's value if it is valid by its own schema (its default when unset), else undefined. */
function valid<T>(schema: z.ZodType<T>, value: unknown): T | undefined {
  const r = schema.safeParse(value);
  return r.success ? r.data : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Merges layers left to right; later layers win, arrays are replaced whole. */
export function mergeLayers(...layers: SettingsOverride[]): SettingsOverride {
  const merge = (a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> => {
    const out = { ...a };
    for (const [k, v] of Object.entries(b)) {
      if (v === undefined) continue;
      out[k] = isObject(v) && isObject(out[k]) ? merge(out[k] as Record<string, unknown>, v) : v;
    }
    return out;
  };
  return layers.reduce<Record<string, unknown>>(
    (acc, l) => merge(acc, l as Record<string, unknown>),
    {},
  ) as SettingsOverride;
}

/** Turns setting values keyed by flag (from the flags or the environment) into a settings layer. */
export function flagsToOverride(flags: Partial<Record<SettingFlag, unknown>>): SettingsOverride {
  const out: Record<string, Record<string, unknown> | unknown> = { sut: {}, load: {}, faults: {}, check: {} };
  for (const [flag, { path }] of Object.entries(settingFlags) as [SettingFlag, SettingFlagSpec][]) {
    const value = flags[flag];
    if (value === undefined) continue;
    if (path.length === 1) out[path[0]] = value;
    else (out[path[0]] as Record<string, unknown>)[path[1] as string] = value;
  }
  return out as SettingsOverride;
}

/**
 * What a run's settings are made of besides the scenario and the setting flags: the fault flags
 * (`--fault` entries to add, and whether the scenario's own faults are dropped) and the
 * environment layer.
 */
export interface FaultFlags {
  add?: readonly string[];
  /** `--no-scenario-faults`: only the flags' faults run (the kills and pauses shorthands go too). */
  replace?: boolean;
  /** What this machine and MongoDB target cannot support of the faults' needs (the CLI's check). */
  support?: FaultSupportCheck;
  /** The environment layer (HARNESS_WORKERS=3, …; see settingFlags.ts), below the flags. */
  environment?: Partial<Record<SettingFlag, unknown>>;
  /** The MongoDB targets the run goes to, for the faults that need a kind of server (db-restart). */
  server?: { choices: readonly string[]; dbControl: boolean };
  /** Told one line per missing tool when a scenario's faults needing it are left out (`unsupported: skip`). */
  notice?: (line: string) => void;
}

/** The jobs of a scenario whose every mix entry has a count: a fixed set, or undefined. */
export function fixedJobCount(scenario: Scenario): number | undefined {
  const mix = scenario.settings.load?.mix;
  if (!mix?.length || mix.some((m) => m?.count === undefined)) return undefined;
  return mix.reduce((n, m) => n + (m?.count ?? 0), 0);
}

/**
 * The settings of a run, merged in one order: defaults < scenario < environment < flags. Every
 * problem is reported at once, named by what set it (the flag, the environment variable, or the
 * scenario's setting), together with `more`: problems of other options the caller found (a port, a
 * provider), so that one line names them all.
 */
export function resolveSettings(
  scenario: Scenario,
  flags: Partial<Record<SettingFlag, unknown>>,
  more: readonly string[] = [],
  faultFlags: FaultFlags = {},
): RunSettings {
  const fixed = fixedJobCount(scenario);
  let environment = faultFlags.environment ?? {};
  const jobsFixed = (where: string, what: string) =>
    `${where}: ${scenario.name} schedules a fixed set of ${fixed} jobs; the ${what} does not apply to it`;
  // Checked first: the value would otherwise surface as a puzzle about the scenario's mix.
  if (flags.jobs !== undefined && fixed !== undefined) {
    const { jobs: _ignored, ...rest } = flags;
    flags = rest;
    more = [...more, jobsFixed("--jobs", "flag")];
  }
  if (environment.jobs !== undefined && fixed !== undefined) {
    const { jobs: _ignored, ...rest } = environment;
    environment = rest;
    more = [...more, jobsFixed(envNameOf("jobs"), "variable")];
  }
  const merged = mergeLayers(
    { sut: {}, load: {}, faults: {}, check: {} },
    faultFlags.replace
      ? { ...scenario.settings, faults: { kills: 0, pauses: 0, list: [] } }
      : scenario.settings,
    flagsToOverride(environment),
    flagsToOverride(flags),
  );
  /** What set a setting, for a problem with it: the flag, else the environment variable. */
  const setterOf = (path: string): string | undefined => {
    const flag = (Object.keys(settingFlags) as SettingFlag[]).find(
      (f) => settingFlags[f].path.join(".") === path,
    );
    if (!flag) return undefined;
    if (flags[flag] === undefined && environment[flag] !== undefined)
      return `${envNameOf(flag)}=${String(environment[flag])}`;
    return `--${flag}`;
  };
  more = [
    ...more,
    ...openFlagProblems(merged.load?.mode ?? "http", (f) => flags[f] ?? environment[f], setterOf),
  ];
  skipUnsupported(merged, faultFlags);
  const flagTexts = faultFlags.add ?? [];
  const fromFlags = flagTexts.map(parseFaultFlag);
  const unreadable = fromFlags.filter((f): f is string => typeof f === "string");
  // The flags' entries, each with the text the user wrote, so that every problem names its flag.
  const added = fromFlags.flatMap((f, i) =>
    typeof f === "string" ? [] : [{ entry: f, text: flagTexts[i] as string }],
  );
  const listed = ((merged.faults?.list ?? []) as unknown[]).length;
  if (added.length)
    (merged.faults as Record<string, unknown>).list = [
      ...((merged.faults?.list ?? []) as unknown[]),
      ...added.map((a) => a.entry),
    ];
  const faultLabel = (i: number, type: string) =>
    i >= listed ? `--fault ${added[i - listed]?.text}` : `fault ${i + 1} (${type})`;
  // Found whether or not the schema accepts the rest, so that one line names every problem.
  const shape = runSettingsSchema.shape;
  const faultProblems = faultListProblems(
    merged.faults?.list,
    {
      processes: valid(shape.sut.shape.processes, merged.sut?.processes),
      runForMs: valid(shape.load.shape.runForMs, merged.load?.runForMs),
      drainTimeoutMs: valid(shape.check.shape.drainTimeoutMs, merged.check?.drainTimeoutMs),
      ...(merged.load?.mode === "open"
        ? { loadForMs: valid(shape.load.shape.forMs, merged.load?.forMs) }
        : {}),
      ...(faultFlags.server ? { server: faultFlags.server } : {}),
      jobNames: jobNamesOf(valid(shape.load.shape.mix, merged.load?.mix) ?? []),
    },
    faultLabel,
    faultFlags.support,
  );
  const parsed = runSettingsSchema.safeParse(merged);
  if (!parsed.success || unreadable.length) {
    const problems = (parsed.success ? [] : parsed.error.issues).map((issue) => {
      const path = issue.path.join(".");
      const fault = /^faults\.list\.(\d+)/.exec(path);
      if (fault && Number(fault[1]) >= listed) {
        const field = path.replace(/^faults\.list\.\d+\.?/, "") || "type";
        return `${faultLabel(Number(fault[1]), "")}: ${field}: ${issue.message}`;
      }
      const where = setterOf(path) ?? `${scenario.name} setting ${path}`;
      return `${where}: ${issue.message}`;
    });
    throw new HarnessError(
      `invalid settings: ${[...unreadable, ...problems, ...faultProblems, ...more].join("; ")}`,
    );
  }
  const settings = parsed.data;
  const extra: string[] = [...faultProblems];
  for (const name of Object.keys(settings.check.informational)) {
    if (!settings.check.checkers.includes(name))
      extra.push(`informational checker ${name} is not among the checkers`);
  }
  if (settings.faults.killAt && settings.faults.killAt.length !== settings.faults.kills) {
    extra.push(`killAt has ${settings.faults.killAt.length} points for ${settings.faults.kills} kills`);
  }
  extra.push(...openLoadProblems(settings, setterOf));
  const counted = settings.load.mix.reduce((n, m) => n + (m.count ?? 0), 0);
  const jobs = plannedJobCount(settings.load);
  if (counted > jobs) extra.push(`the mix counts ${counted} jobs but the load has only ${jobs}`);
  if (counted < jobs && settings.load.mix.every((m) => m.count !== undefined)) {
    extra.push(
      `the mix counts ${counted} jobs for a load of ${settings.load.jobs}: give the rest an entry without a count`,
    );
  }
  if (settings.load.mode === "http" && settings.load.mix.some((m) => m.retry?.backoff)) {
    extra.push("a computed retry delay (backoff) cannot travel over HTTP: use load mode bulk");
  }
  if (settings.load.mode === "bulk" && settings.load.mix.some((m) => typeof m.body?.name !== "string")) {
    extra.push("every mix entry of a bulk load needs body.name");
  }
  extra.push(...more);
  if (settings.load.mix.some((m) => m.long) && settings.load.lockTimeoutsPerLongJob === undefined) {
    extra.push("a mix entry with long jobs needs load.lockTimeoutsPerLongJob");
  }
  if (extra.length) throw new HarnessError(`invalid settings: ${extra.join("; ")}`);
  return settings;
}

/**
 * A scenario that says `faults.unsupported: skip` runs on a machine without every fault tool: its
 * own entries needing a tool this machine lacks are left out, with one line per missing tool.
 */
function skipUnsupported(merged: SettingsOverride, faultFlags: FaultFlags): void {
  const faults = merged.faults as Record<string, unknown> | undefined;
  const support = faultFlags.support;
  if (faults?.unsupported !== "skip" || !support || !Array.isArray(faults.list)) return;
  const missing = new Map<FaultNeed, string[]>();
  const lacking = (need: FaultNeed) => {
    if (!missing.has(need)) missing.set(need, support(new Set([need])));
    return (missing.get(need) ?? []).length > 0;
  };
  const left: Map<FaultNeed, string[]> = new Map();
  faults.list = (faults.list as unknown[]).filter((entry) => {
    const type = (entry as { type?: unknown } | null)?.type;
    if (typeof type !== "string" || !Object.hasOwn(faultRegistry, type)) return true;
    const needs = faultRegistry[type as FaultKind].needs.filter(lacking);
    for (const need of needs) left.set(need, [...new Set([...(left.get(need) ?? []), type])]);
    return needs.length === 0;
  });
  for (const [need, types] of left)
    faultFlags.notice?.(
      `left out ${types.join(", ")} (needs ${need}): ${(missing.get(need) ?? []).join("; ")}`,
    );
}

/**
 * The flags that do not fit the run's kind of load, found before the settings are parsed so that
 * they are named with every other problem: --rate and --duration set an open loop, whose jobs
 * --jobs cannot set (they are its rate × its duration).
 */
function openFlagProblems(
  mode: string,
  given: (flag: SettingFlag) => unknown,
  setterOf: (path: string) => string | undefined,
): string[] {
  const name = (path: string, fallback: string) => setterOf(path) ?? fallback;
  if (mode === "open")
    return given("jobs") === undefined
      ? []
      : [
          `${name("load.jobs", "--jobs")}: an open loop's jobs are its rate × its duration: give --rate or --duration`,
        ];
  return (["rate", "duration"] as const)
    .filter((f) => given(f) !== undefined)
    .map(
      (f) =>
        `${name(f === "rate" ? "load.ratePerSec" : "load.forMs", `--${f}`)}: applies to open-loop scenarios only (soak, scale, rolling-deploy, db-restart), not to a ${mode} load`,
    );
}

/**
 * What is wrong with a run's open-loop settings. In an open loop the drain timeout bounds the
 * whole run from its first request (the queue drains while the load flows), so the duration must
 * fit in it with a lock timeout to spare; a soak must last long enough for its growth check.
 */
function openLoadProblems(settings: RunSettings, setterOf: (path: string) => string | undefined): string[] {
  const { load, check, sut } = settings;
  if (load.mode !== "open") return [];
  const problems: string[] = [];
  if (load.forMs === undefined) {
    problems.push("an open-loop load needs its duration: load.forMs, or --duration");
    return problems;
  }
  const duration = setterOf("load.forMs") ?? "the scenario's load.forMs";
  const jobs = plannedJobCount(load);
  if (jobs < 1)
    problems.push(`${duration}: ${formatDuration(load.forMs)} at ${load.ratePerSec}/s sends no job`);
  if (jobs > MAX_OPEN_JOBS)
    problems.push(
      `${duration}: ${formatDuration(load.forMs)} at ${load.ratePerSec}/s plans ${jobs} jobs, more than ${MAX_OPEN_JOBS}: give a lower --rate or a shorter --duration`,
    );
  const need = load.forMs + sut.lockTimeoutMs + sut.pollIntervalMs;
  if (need > check.drainTimeoutMs)
    problems.push(
      `${duration}: ${formatDuration(load.forMs)} does not fit the drain timeout (${formatDuration(check.drainTimeoutMs)}), which bounds an open-loop run from its first request to its last job: give --drain-timeout ${need + 60_000} or more (the duration, a lock timeout and a minute to drain)`,
    );
  const every = check.sampleEveryMs;
  if (every !== undefined && check.checkers.includes("growth") && load.forMs < 2 * MIN_SAMPLES * every)
    problems.push(
      `${duration}: ${formatDuration(load.forMs)} is too short for the growth check, which samples every ${formatDuration(every)} and needs ${MIN_SAMPLES} samples in the second half: give --duration ${Math.ceil((2 * MIN_SAMPLES * every) / 1000)}s or more`,
    );
  return problems;
}
