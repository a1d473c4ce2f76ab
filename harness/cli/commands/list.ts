import { scenarios } from "../../../scenarios/index.ts";
import { describeFaults } from "../../faults/describeFaults.ts";
import { faultRegistry } from "../../faults/registry.ts";
import { resolveSettings } from "../../scenario/settings.ts";
import { ExitCode } from "../../util/exitCodes.ts";
import type { CommandIo } from "../io.ts";

/** `list`: every scenario with its defaults and needs, then every fault type. */
export function listCommand(_argv: Record<string, unknown>, io: CommandIo): ExitCode {
  for (const s of Object.values(scenarios)) {
    const d = resolveSettings(s, {});
    const faults = describeFaults(d.faults);
    io.print(`${s.name}\n  ${s.description}`);
    io.print(
      `  defaults: ${d.sut.processes} processes × ${d.sut.workersPerProcess} workers, ${d.load.jobs} jobs (${d.load.mode}${d.load.runForMs ? `, for ${d.load.runForMs / 1000} s` : ""}), lock ${d.sut.lockTimeoutMs} ms, poll ${d.sut.pollIntervalMs} ms${faults ? `, ${faults}` : ""}; checks ${d.check.checkers.join(", ")}`,
    );
    if (s.requires?.length) io.print(`  needs: ${s.requires.join(", ")}`);
  }
  io.print("\nfault types (scenario faults.list, or --fault TYPE:key=value,…)");
  for (const type of Object.values(faultRegistry)) {
    io.print(
      `  ${type.kind.padEnd(14)} ${type.summary}${type.needs.length ? ` [needs ${type.needs.join(", ")}]` : ""}`,
    );
  }
  return ExitCode.Pass;
}
