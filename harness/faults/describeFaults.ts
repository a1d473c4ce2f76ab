import { faultEntries } from "./planFaults.ts";
import type { FaultSettings } from "./settings.ts";

/** One short phrase per fault entry of a run, for `harness list` and the run's first lines. */
export function describeFaults(faults: FaultSettings): string {
  return faultEntries(faults)
    .map(({ spec }) => {
      const count = spec.count > 1 ? `${spec.count} × ` : "";
      const at = spec.at !== undefined ? ` at ${Math.round(spec.at * 100)}%` : "";
      const extra =
        spec.type === "latency"
          ? ` ${spec.latencyMs}±${spec.jitterMs} ms`
          : spec.type === "bandwidth"
            ? ` ${spec.rateKBps} KB/s`
            : spec.type === "clock-offset"
              ? ` ${spec.offsetMs > 0 ? "+" : ""}${spec.offsetMs} ms`
              : spec.type === "clock-drift"
                ? ` ${spec.msPerSecond} ms/s`
                : "";
      return `${count}${spec.type}${extra} (${spec.target}${at}, ${spec.forMs} ms)`;
    })
    .join(", ");
}
