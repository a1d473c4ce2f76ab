/**
 * The harness's reference clock, carried into every child process. The harness reads its wall
 * clock and the machine's monotonic clock at one moment (the anchor); a child then tells the
 * reference time as anchor wall + (monotonic now − anchor monotonic). The monotonic clock is one
 * per machine and libfaketime leaves it alone (FAKETIME_DONT_FAKE_MONOTONIC=1), so a worker whose
 * wall clock was moved still stamps its ledger on the harness's clock.
 */
import { type EnvName, envValue } from "./environment.ts";

/** The environment variable that carries the anchor to a child. */
export const CLOCK_ANCHOR_ENV = "HARNESS_CLOCK_ANCHOR" satisfies EnvName;

export interface ClockAnchor {
  wallMs: number;
  /** process.hrtime.bigint() at the same moment, as a decimal string. */
  monoNs: string;
}

/** Reads the anchor in this (unskewed) process. */
export function takeAnchor(): ClockAnchor {
  return { wallMs: Date.now(), monoNs: process.hrtime.bigint().toString() };
}

/** A clock on the anchor's reference time; Date.now when there is no anchor (a worker run as a service). */
export function referenceClock(anchor: ClockAnchor | undefined): () => number {
  if (!anchor) return () => Date.now();
  const wall = anchor.wallMs;
  const mono = BigInt(anchor.monoNs);
  return () => wall + Number(process.hrtime.bigint() - mono) / 1e6;
}

/** The reference clock of this process, from its environment. */
export function referenceClockFromEnv(env: NodeJS.ProcessEnv = process.env): () => number {
  const raw = envValue(CLOCK_ANCHOR_ENV, env);
  if (!raw) return referenceClock(undefined);
  try {
    return referenceClock(JSON.parse(raw) as ClockAnchor);
  } catch {
    return referenceClock(undefined);
  }
}
