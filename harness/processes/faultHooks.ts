/**
 * What a worker process does for the fault interface: it stamps its ledger on the harness's
 * reference clock (its own wall clock may be moved by a clock fault), and it answers the harness's
 * requests over IPC: its wall clock (a clock fault's evidence), exhausting its heap, blocking its
 * event loop.
 */
import { type LedgerSink, stampedWith } from "../ledger/fileLedger.ts";
import { referenceClockFromEnv } from "../util/referenceClock.ts";

/** A request from the harness, and the reply's envelope. */
export interface HarnessRequest {
  type: "harness-request";
  id: number;
  body: { type: string; ms?: number };
}

/** The reference clock of this process (see referenceClock.ts). */
export const referenceNow: () => number = (() => {
  const clock = referenceClockFromEnv();
  return () => Math.floor(clock());
})();

/** Wraps a sink so that every record's time is on the reference clock, whatever Date.now() says. */
export function referenceStamped(sink: LedgerSink): LedgerSink {
  return stampedWith(sink, referenceNow);
}

/** Keeps what the heap exhaustion allocated reachable, so the garbage collector cannot free it. */
const hog: number[][] = [];

function exhaustHeap(): void {
  // A step per turn of the event loop, as a leaking job would: the jobs in flight keep running
  // until V8 gives up ("Reached heap limit") and aborts the process.
  for (let i = 0; i < 20; i++) hog.push(new Array<number>(100_000).fill(hog.length));
  setImmediate(exhaustHeap);
}

function blockLoop(ms: number): number {
  const from = performance.now();
  while (performance.now() < from + ms) {
    // Deliberately blocking: timers, heartbeats and I/O callbacks all wait.
  }
  return performance.now() - from;
}

/** Answers the harness's fault requests on this process's IPC channel. */
export function installFaultHooks(): void {
  if (!process.send) return;
  process.on("message", (message: unknown) => {
    const m = message as Partial<HarnessRequest>;
    if (m?.type !== "harness-request" || typeof m.id !== "number" || !m.body) return;
    const reply = (body: Record<string, unknown>) =>
      process.send?.({ type: "harness-reply", id: m.id, ...body });
    switch (m.body.type) {
      case "clock":
        reply({ wallMs: Date.now(), referenceMs: referenceNow() });
        break;
      case "exhaust-heap":
        exhaustHeap();
        break;
      case "block-loop":
        // performance.now() runs on the monotonic clock: a moved wall clock cannot shorten the block.
        reply({ blockedMs: Math.round(blockLoop(Number(m.body.ms ?? 0))) });
        break;
      default:
        reply({ error: `unknown request ${m.body.type}` });
    }
  });
}
