import { scenarios } from "../../../scenarios/index.ts";
import { describeFaults } from "../../faults/describeFaults.ts";
import { faultRegistry } from "../../faults/registry.ts";
import { type LoadSettings, plannedJobCount } from "../../load/settings.ts";
import { resolveSettings } from "../../scenario/settings.ts";
import { targetAvailability } from "../../servers/availability.ts";
import { defaultCacheDir } from "../../util/cacheDir.ts";
import { formatDuration } from "../../util/duration.ts";
import { ExitCode } from "../../util/exitCodes.ts";
import type { CommandIo } from "../io.ts";

/** `list`: every scenario with its defaults and needs, every fault type, and every MongoDB target. */
export async function listCommand(_argv: Record<string, unknown>, io: CommandIo): Promise<ExitCode> {
  for (const s of Object.values(scenarios)) {
    const d = resolveSettings(s, {});
    const faults = describeFaults(d.faults);
    io.print(`${s.name}\n  ${s.description}`);
    io.print(
      `  defaults: ${d.sut.processes} processes × ${d.sut.workersPerProcess} workers, ${loadText(d.load)}, lock ${d.sut.lockTimeoutMs} ms, poll ${d.sut.pollIntervalMs} ms${faults ? `, ${faults}` : ""}; checks ${d.check.checkers.join(", ")}`,
    );
    if (s.requires?.length) io.print(`  needs: ${s.requires.join(", ")}`);
  }
  io.print("\nfault types (scenario faults.list, or --fault TYPE:key=value,…)");
  for (const type of Object.values(faultRegistry)) {
    io.print(
      `  ${type.kind.padEnd(16)} ${type.summary}${type.needs.length ? ` [needs ${type.needs.join(", ")}]` : ""}`,
    );
  }
  io.print("\nMongoDB targets (--mongo; a comma-separated list runs the scenario on each)");
  for (const t of await targetAvailability(defaultCacheDir()))
    io.print(
      `  ${t.choice.padEnd(12)} ${t.what}${t.missing ? ` [here: ${t.missing}]` : " [can start here]"}`,
    );
  return ExitCode.Pass;
}

/** A scenario's load in a few words: "300 jobs (http)", "open loop 8/s for 45 s (360 jobs)". */
function loadText(load: LoadSettings): string {
  if (load.mode === "open")
    return `open loop ${load.ratePerSec}/s for ${formatDuration(load.forMs ?? 0)} (${plannedJobCount(load)} jobs)`;
  return `${load.jobs} jobs (${load.mode}${load.runForMs ? `, for ${load.runForMs / 1000} s` : ""})`;
}
