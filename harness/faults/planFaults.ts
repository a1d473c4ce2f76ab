/**
 * Turns a run's fault settings into a schedule: every entry of `faults.list`, plus the `kills` and
 * `pauses` shorthands, each with its point and (where it is planned) its target fixed from the seed.
 * The same settings and seed always give the same schedule.
 */
import { JOB_KINDS } from "../ledger/jobKinds.ts";
import { createRng, type Rng } from "../util/rng.ts";
import type { FaultNeed, PlannedFault } from "./faultType.ts";
import { type FaultKind, type FaultSpec, faultRegistry } from "./registry.ts";
import type { FaultSettings } from "./settings.ts";

/** What a plan reads of the fault settings (app mode's have no `points`: even). */
export type PlannedFaultSettings = Omit<FaultSettings, "points" | "unsupported"> &
  Partial<Pick<FaultSettings, "points">>;

/** Evenly spread fault points: 2 faults → after 1/3 and 2/3 of the jobs have finished. */
export function evenPoints(count: number, from = 0): number[] {
  return Array.from({ length: count }, (_, i) => from + ((1 - from) * (i + 1)) / (count + 1));
}

/** Points drawn from the seed between 5% and 85% of the jobs finished, two decimals, in order. */
export function seededPoints(count: number, rng: Rng): number[] {
  return Array.from({ length: count }, () => Math.round((0.05 + rng.next() * 0.8) * 100) / 100).sort(
    (a, b) => a - b,
  );
}

/** The fault entries of a run: the shorthands first, then the list, as written. */
export function faultEntries(faults: PlannedFaultSettings): { spec: FaultSpec; points?: number[] }[] {
  const out: { spec: FaultSpec; points?: number[] }[] = [];
  if (faults.kills > 0) {
    out.push({
      spec: { type: "kill", count: faults.kills, target: "busy", forMs: faults.restartDelayMs },
      points: faults.killAt,
    });
  }
  if (faults.pauses > 0) {
    out.push({ spec: { type: "pause", count: faults.pauses, target: "busy", forMs: faults.pauseMs } });
  }
  for (const spec of faults.list) out.push({ spec });
  return out;
}

/** The worker names of a run: w1 … wN. */
export function workerNames(processes: number): string[] {
  return Array.from({ length: processes }, (_, i) => `w${i + 1}`);
}

/**
 * The schedule, ordered by point. The seed picks the worker of every `any` target before the run;
 * `busy` targets are picked when the fault strikes, by the same generator, among the workers then
 * executing a job.
 */
export function planFaults(
  settings: { faults: PlannedFaultSettings; sut: { processes: number } },
  seed: number,
): PlannedFault[] {
  // A generator of its own, so that the fault plan does not move when the load plan changes.
  const rng = createRng(seed ^ 0x5eed_fa17);
  const workers = workerNames(settings.sut.processes);
  const counters = new Map<FaultKind, number>();
  const planned: PlannedFault[] = [];
  for (const { spec, points } of faultEntries(settings.faults)) {
    const ats =
      points ??
      (spec.at !== undefined
        ? [spec.at, ...evenPoints(spec.count - 1, spec.at)]
        : settings.faults.points === "seeded"
          ? seededPoints(spec.count, rng)
          : evenPoints(spec.count));
    for (const point of ats) {
      const n = (counters.get(spec.type) ?? 0) + 1;
      counters.set(spec.type, n);
      const id = `${spec.type}-${n}`;
      if (spec.target.startsWith("running:")) {
        const selector = spec.target.slice("running:".length);
        // running:*: the kinds in turn from a point the seed and the type fix, so that a few
        // consecutive seeds strike every kind with every fault type.
        const drawn = selector === "*";
        const kind = JOB_KINDS[(seed + typeIndex(spec.type) + n - 1) % JOB_KINDS.length] as string;
        planned.push({
          id,
          spec,
          at: point,
          targets: "busy",
          running: { selector: drawn ? kind : selector, drawn },
        });
        continue;
      }
      const targets =
        spec.target === "busy" || spec.target === "all"
          ? spec.target
          : spec.target === "any"
            ? [rng.pick(workers)]
            : [spec.target];
      planned.push({ id, spec, at: point, targets });
    }
  }
  return planned.sort((a, b) => a.at - b.at);
}

/** A fault type's place among all of them, so that each type starts its turn of kinds elsewhere. */
function typeIndex(type: string): number {
  return Math.max(0, Object.keys(faultRegistry).indexOf(type));
}

/** What the machine must offer for a schedule. */
export function faultNeeds(plan: readonly PlannedFault[]): Set<FaultNeed> {
  return new Set(plan.flatMap((f) => faultRegistry[f.spec.type].needs));
}

/** Workers that a clock fault may move: they start under libfaketime. */
export function clockTargets(plan: readonly PlannedFault[], processes: number): Set<string> {
  const out = new Set<string>();
  for (const f of plan) {
    if (!faultRegistry[f.spec.type].needs.includes("libfaketime")) continue;
    for (const w of f.targets === "all" ? workerNames(processes) : f.targets === "busy" ? [] : f.targets)
      out.add(w);
  }
  return out;
}

/** The smallest heap any out-of-memory fault asks the workers to run with, if there is one. */
export function workerHeapMb(plan: readonly PlannedFault[]): number | undefined {
  const heaps = plan.flatMap((f) => (f.spec.type === "out-of-memory" ? [f.spec.heapMb] : []));
  return heaps.length ? Math.min(...heaps) : undefined;
}
