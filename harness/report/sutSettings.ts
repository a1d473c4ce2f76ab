import type { RunResult } from "./result.ts";

type Sut = NonNullable<RunResult["sut"]>;
type Effective = NonNullable<Sut["effective"]>;

/** The settings read from a built scheduler or store, as label and value, unset ones left out. */
export function settingPairs(settings: Record<string, unknown>): [string, string][] {
  return Object.entries(settings)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => [k, String(v)]);
}

/** The same in one line: `pollIntervalMs 500, lockTimeoutMs 600000`. */
export function settingsText(settings: Record<string, unknown>): string {
  return settingPairs(settings)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}

/** The terminal's lines: the wiring with the scheduler's settings, then the store's. */
export function effectiveLines(wiring: string, e: Effective): string[] {
  return [`wiring ${wiring}: scheduler ${settingsText(e.scheduler)}`, `  store ${settingsText(e.store)}`];
}
