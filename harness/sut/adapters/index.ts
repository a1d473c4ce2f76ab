import { HarnessError } from "../../exitCodes.ts";
import { type Capability, capabilities, type SchedulerAdapter } from "../adapter.ts";
import { resolveWiring, type SutSpec } from "../wiring.ts";
import { agendaCapabilities, mongoJobSchedulerCapabilities } from "./capabilities.ts";

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
 * absolute path: one line naming what was wrong otherwise.
 */
export async function checkSut(adapter: string, wiring: string): Promise<string> {
  const entry = adapterEntry(adapter);
  if (!entry.modules && !entry.presets.includes(wiring)) {
    throw new HarnessError(
      `--wiring ${wiring}: ${adapter} takes the presets ${entry.presets.join(", ")} (no wiring modules)`,
    );
  }
  return resolveWiring(wiring, entry.presets, adapter);
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
