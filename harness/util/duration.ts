import { z } from "zod";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration as people write it, in ms: a plain number of milliseconds ("90000"), or amounts with
 * units ms, s, m, h, d, largest first ("30s", "5m", "1h30m", "2h"). Undefined when it is neither.
 */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const parts = [...t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== t) return undefined;
  return Math.round(parts.reduce((ms, p) => ms + Number(p[1]) * (UNIT_MS[p[2] as string] as number), 0));
}

/** A duration in ms for people: "90 s", "5 min", "2 h 30 min". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 100) / 10} s`;
  const min = Math.round(ms / 60_000);
  if (min < 120) return `${min} min`;
  const h = Math.floor(min / 60);
  return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
}

/**
 * A setting that is a duration in whole ms between min and max: a number, or a string that
 * `parseDuration` reads ("30s", "2h"). A string it cannot read stays a string, which the number
 * schema then rejects by name.
 */
export function durationSetting(min: number, max: number) {
  return z.preprocess(
    (v) => (typeof v === "string" ? (parseDuration(v) ?? v) : v),
    z
      .number({ message: 'expected a duration: milliseconds, or with units such as "30s", "5m", "2h"' })
      .int()
      .min(min)
      .max(max),
  );
}
