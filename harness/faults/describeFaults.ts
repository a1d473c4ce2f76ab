import { faultEntries } from "./planFaults.ts";
import { type FaultSpec, faultTypeOf } from "./registry.ts";
import type { FaultSettings } from "./settings.ts";

/** One short phrase per fault entry of a run, for `harness list` and the run's first lines. */
export function describeFaults(faults: FaultSettings): string {
  return faultEntries(faults)
    .map(({ spec }) => {
      const count = spec.count > 1 ? `${spec.count} × ` : "";
      const at = spec.at !== undefined ? ` at ${Math.round(spec.at * 100)}%` : "";
      const own = (faultTypeOf(spec.type).describe as ((s: FaultSpec) => string) | undefined)?.(spec);
      const extra = own ? ` ${own}` : "";
      return `${count}${spec.type}${extra} (${spec.target}${at}, ${spec.forMs} ms)`;
    })
    .join(", ");
}
