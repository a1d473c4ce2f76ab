/**
 * Every problem of a run's fault list that can be found before anything starts, found together
 * with the schema's: an entry the schema rejects does not hide another entry's unknown worker, a
 * window longer than the run, or a fault the machine or the MongoDB target cannot support.
 */
import { isJobKind, JOB_KINDS } from "../ledger/jobKinds.ts";
import type { FaultNeed } from "./faultType.ts";
import { faultRegistry, faultSpec } from "./registry.ts";

/** Says, for the needs of a run's faults, what this machine or MongoDB target lacks (one line each). */
export type FaultSupportCheck = (needs: ReadonlySet<FaultNeed>) => string[];

/** The run's bounds a fault list is held to, each where it is valid (an invalid one is the schema's). */
export interface FaultBounds {
  processes?: number;
  /** The observation time of a run that observes for a fixed time. */
  runForMs?: number;
  drainTimeoutMs?: number;
  /** How long an open-loop load sends, when the run's load is one. */
  loadForMs?: number;
  /** The MongoDB targets the run goes to (`--mongo`), and whether --db-control gives a restart command. */
  server?: { choices: readonly string[]; dbControl: boolean };
  /** The job names the run's load sends, for targets `running:NAME`. */
  jobNames?: readonly string[];
}

/**
 * The problems of a (not yet validated) fault list beyond its schema. `label` names entry i as the
 * user wrote it (a `--fault` flag, or the scenario's list). The bounds come from the run's own
 * settings where those are valid; an invalid one is the schema's to report.
 */
export function faultListProblems(
  list: unknown,
  bounds: FaultBounds,
  label: (i: number, type: string) => string,
  support?: FaultSupportCheck,
): string[] {
  const field = (part: unknown, key: string) =>
    typeof part === "object" && part !== null ? (part as Record<string, unknown>)[key] : undefined;
  const entries = Array.isArray(list) ? (list as unknown[]) : [];
  const { processes, runForMs } = bounds;
  const runMs = runForMs ?? bounds.drainTimeoutMs;
  const what = runForMs !== undefined ? "the run's observation time" : "the drain timeout";

  const problems: string[] = [];
  const needs = new Set<FaultNeed>();
  entries.forEach((entry, i) => {
    const type = field(entry, "type");
    if (typeof type === "string" && Object.hasOwn(faultRegistry, type))
      for (const need of faultRegistry[type as keyof typeof faultRegistry].needs) needs.add(need);
    const parsed = faultSpec.safeParse(entry);
    if (!parsed.success) return; // the schema names it
    const spec = parsed.data;
    const where = label(i, spec.type);
    const m = /^w(\d+)$/.exec(spec.target);
    if (m && processes !== undefined && Number(m[1]) > processes)
      problems.push(`${where}: target ${spec.target}, but the run has ${processes} worker processes`);
    if (spec.target === "all" && faultRegistry[spec.type].oneProcess)
      problems.push(
        `${where}: target all: a ${spec.type} strikes one worker process; give busy, running:NAME, any or a worker such as w2 (and count=N for more)`,
      );
    const selector = spec.target.startsWith("running:") ? spec.target.slice("running:".length) : undefined;
    if (
      selector &&
      selector !== "*" &&
      !isJobKind(selector) &&
      bounds.jobNames &&
      !bounds.jobNames.includes(selector)
    )
      problems.push(
        `${where}: target ${spec.target}: no job of this run is named ${selector} (names: ${bounds.jobNames.join(", ") || "none"}; kinds: ${JOB_KINDS.join(", ")})`,
      );
    if (runMs !== undefined && spec.forMs >= runMs)
      problems.push(`${where}: a window of ${spec.forMs} ms is not shorter than ${what} (${runMs} ms)`);
    const own = faultRegistry[spec.type].problems as
      | ((s: typeof spec, b: FaultBounds, w: string) => string[])
      | undefined;
    if (own) problems.push(...own(spec, bounds, where));
  });
  if (support && needs.size) problems.push(...support(needs));
  return problems;
}
