import type { History } from "../ledger/history.ts";
import type { WindowRecord } from "../ledger/records.ts";

/** One fault window of a run, as result.json keeps it (times in ms since the epoch, reference clock). */
export interface FaultWindow {
  window: string;
  fault: string;
  effect: WindowRecord["effect"];
  procs: string[];
  start: number;
  /** Null when the run ended with the window still open. */
  end: number | null;
  offsetMs?: number;
  /** Why injecting or healing failed, when it did. */
  error?: string;
  detail?: Record<string, unknown>;
}

/** The fault windows of a history, paired from their begin and end records. */
export function faultWindows(history: History): FaultWindow[] {
  const out = new Map<string, FaultWindow>();
  for (const r of history.records) {
    if (r.type !== "fault" || (r.action !== "begin" && r.action !== "end")) continue;
    const w = out.get(r.window) ?? {
      window: r.window,
      fault: r.fault,
      effect: r.effect,
      procs: r.procs,
      start: r.t,
      end: null,
    };
    if (r.action === "begin") {
      w.start = r.t;
      if (r.offsetMs !== undefined) w.offsetMs = r.offsetMs;
    } else {
      w.end = r.t;
      if (r.error) w.error = r.error;
      if (r.detail) w.detail = r.detail;
    }
    out.set(r.window, w);
  }
  return [...out.values()].sort((a, b) => a.start - b.start);
}

/**
 * Faults that may have been left in place or never took effect: a window whose injection or heal
 * failed. Any of these makes the run's verdict unknown at best.
 */
export function failedFaults(windows: readonly FaultWindow[]): FaultWindow[] {
  return windows.filter((w) => w.error !== undefined);
}
