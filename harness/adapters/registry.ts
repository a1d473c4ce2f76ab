import { HarnessError } from "../util/exitCodes.ts";
import { type Capability, capabilities, type SchedulerAdapter } from "./adapter.ts";
import { agendaCapabilities, mongoJobSchedulerCapabilities } from "./capabilities.ts";
import { dryDatabase } from "./dryDb.ts";
import { isPreset, resolveWiring, type SutSpec } from "./wiring.ts";

/** What the harness knows of each scheduler before loading it: its wirings and capabilities. */
interface AdapterEntry {
  /** Wiring presets it understands; a wiring module is accepted where `modules` is true. */
  presets: readonly string[];
  modules: boolean;
  capabilities: readonly Capability[];
  create(spec: SutSpec): Promise<SchedulerAdapter>;
}

/** Every scheduler the harness can put under test, by its npm name. */
export const adapterRegistry: Record<string, AdapterEntry> = {
  "mongo-job-scheduler": {
    presets: ["matched", "readme", "example"],
    modules: true,
    capabilities: mongoJobSchedulerCapabilities,
    create: async (spec) => (await import("./mongoJobScheduler.ts")).mongoJobSchedulerAdapter(spec),
  },
  agenda: {
    presets: ["matched", "readme"],
    modules: false,
    capabilities: agendaCapabilities,
    create: async (spec) => (await import("./agenda.ts")).agendaAdapter(spec),
  },
};

/** The registry entry of an adapter; one line naming the known ones otherwise. */
export function adapterEntry(name: string): AdapterEntry {
  const entry = adapterRegistry[name];
  if (!entry) {
    throw new HarnessError(
      `--sut ${name}: no such scheduler; known: ${Object.keys(adapterRegistry).join(", ")}`,
    );
  }
  return entry;
}

/** Builds the adapter a run's processes use. */
export function createAdapter(spec: SutSpec): Promise<SchedulerAdapter> {
  return adapterEntry(spec.adapter).create(spec);
}

/**
 * Checks --sut and --wiring together before anything starts, and resolves a wiring module to an
 * absolute path: one line naming what was wrong otherwise. A wiring module's builder is called
 * here too, on a database that never connects (see dryDb.ts), so a builder that throws or returns
 * no scheduler is refused before a MongoDB server or a worker is started. `deferred` says the
 * builder waited on the database: it can only be judged once MongoDB is up, where the run builds
 * it again before any worker starts.
 */
export async function checkSut(spec: SutSpec, slots: number): Promise<{ wiring: string; deferred: boolean }> {
  const entry = adapterEntry(spec.adapter);
  if (!entry.modules && !entry.presets.includes(spec.wiring)) {
    throw new HarnessError(
      `--wiring ${spec.wiring}: ${spec.adapter} takes the presets ${entry.presets.join(", ")} (no wiring modules)`,
    );
  }
  const wiring = await resolveWiring(spec.wiring, entry.presets, spec.adapter);
  if (isPreset(wiring)) return { wiring, deferred: false };
  const adapter = await entry.create({ ...spec, wiring });
  return { wiring, deferred: (await dryBuild(adapter, slots)) === "waits" };
}

/** How long a build may go on after its first database operation before it counts as waiting on it. */
const WAIT_AFTER_OPERATION_MS = 200;
/** How long a build that never touches the database may take before the check leaves it to the run. */
const DRY_BUILD_LIMIT_MS = 5000;

/**
 * Builds the scheduler on a database that never connects and reads its settings: a HarnessError
 * (the builder threw, returned no scheduler, or a scheduler the harness cannot read) propagates;
 * "waits" when the build is still pending after a database operation or after the limit.
 */
async function dryBuild(adapter: SchedulerAdapter, slots: number): Promise<"built" | "waits"> {
  const dry = dryDatabase();
  const timers: NodeJS.Timeout[] = [];
  let decided = false;
  const after = (ms: number) =>
    new Promise<"waits">((resolve) => {
      if (!decided) timers.push(setTimeout(() => resolve("waits"), ms));
    });
  const build = adapter.effective(dry.db, slots).then(() => "built" as const);
  // A build left pending may still reject later; that is the run's to report, not an unhandled rejection.
  build.catch(() => {});
  try {
    return await Promise.race([
      build,
      dry.firstOperation.then(() => after(WAIT_AFTER_OPERATION_MS)),
      after(DRY_BUILD_LIMIT_MS),
    ]);
  } finally {
    decided = true;
    for (const t of timers) clearTimeout(t);
  }
}

/** The capabilities a scenario needs that a scheduler lacks (none: the scenario applies). */
export function missingCapabilities(adapter: string, needs: readonly Capability[]): Capability[] {
  const has = new Set(adapterEntry(adapter).capabilities);
  return needs.filter((c) => !has.has(c));
}

/** One line saying why a scenario does not apply to a scheduler, or null when it does. */
export function whyNotApplicable(
  scenario: { name: string; requires?: readonly Capability[] },
  adapter: string,
): string | null {
  const missing = missingCapabilities(adapter, scenario.requires ?? []);
  if (missing.length === 0) return null;
  return `${scenario.name} is not applicable to ${adapter}: it needs ${missing.map((c) => capabilities[c]).join("; ")}, which ${adapter} does not offer`;
}
