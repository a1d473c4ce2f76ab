/**
 * A composed scenario on a scheduler that lacks some of its features: the job kinds and checkers
 * of each missing capability are left out (`Scenario.adapts`), said in one line each, so that the
 * run tests every kind the scheduler under test supports rather than not applying at all.
 */
import { capabilities } from "../adapters/adapter.ts";
import { missingCapabilities } from "../adapters/registry.ts";
import { jobNamesOf } from "../load/jobMix.ts";
import type { RunSettings, Scenario } from "./schema.ts";

/** Leaves out of `settings` what the scheduler cannot do; returns one line per capability it lacks. */
export function adaptToScheduler(scenario: Scenario, settings: RunSettings): string[] {
  const lines: string[] = [];
  const lacking = new Set(
    missingCapabilities(
      settings.sut.adapter,
      (scenario.adapts ?? []).map((a) => a.capability),
    ),
  );
  for (const a of scenario.adapts ?? []) {
    if (!lacking.has(a.capability)) continue;
    const names = new Set(a.names);
    const dropped = settings.load.mix.filter((m) => jobNamesOf([m]).some((n) => names.has(n)));
    settings.load.mix = settings.load.mix.filter((m) => !dropped.includes(m));
    const out = new Set<string>(a.checkers);
    const checkers = settings.check.checkers.filter((c) => out.has(c));
    settings.check.checkers = settings.check.checkers.filter((c) => !out.has(c));
    const what = [
      ...(dropped.length ? [`the jobs named ${jobNamesOf(dropped).join(", ")}`] : []),
      ...(checkers.length ? [`the checker${checkers.length > 1 ? "s" : ""} ${checkers.join(", ")}`] : []),
    ];
    lines.push(
      `${scenario.name} on ${settings.sut.adapter}: without ${capabilities[a.capability]}, ${what.join(" and ") || "nothing"} left out`,
    );
  }
  return lines;
}
