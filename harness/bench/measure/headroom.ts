import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import type { ResultPromise } from "execa";
import { spawnOwned } from "../../util/ownedChild.ts";
import type { Headroom } from "../result.ts";
import type { VariantGroup } from "./variantGroup.ts";

const noopEntry = fileURLToPath(new URL("../../processes/noopServerMain.ts", import.meta.url));
const tsxLoader = import.meta.resolve("tsx");

/** autocannon, closed loop: the requests per second a route answers 201 with 10 connections. */
async function closedLoop(url: string, body: unknown, durationSec: number, signal: AbortSignal) {
  const instance = autocannon({
    url,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    connections: 10,
    duration: durationSec,
  });
  const stop = () => (instance as unknown as { stop(): void }).stop();
  signal.addEventListener("abort", stop, { once: true });
  try {
    const r = await instance;
    return {
      perSec: Math.round((r["2xx"] / Math.max(0.001, r.duration)) * 10) / 10,
      latency: { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max },
    };
  } finally {
    signal.removeEventListener("abort", stop);
  }
}

/**
 * Headroom, split: the generator against a no-op endpoint in its own process, the trigger server's
 * POST /jobs (the open loop's route and body) with the group's workers frozen, and the drain rate
 * measured elsewhere. The smallest of the three limits an open-loop measurement.
 */
export async function measureHeadroom(
  group: VariantGroup,
  drainPerSec: number | null,
  durationSec: number,
  signal: AbortSignal,
): Promise<Headroom> {
  const body = { name: "bench", data: { durationMs: 0, intendedAt: Date.now() } };
  const noop = spawnOwned(process.execPath, ["--import", tsxLoader, noopEntry], {
    name: "no-op endpoint",
    lifeline: "ipc",
  });
  let generator: number | null = null;
  try {
    const ipc = noop.process as ResultPromise<{ ipc: true }>;
    const ready = (await ipc.getOneMessage()) as { port: number };
    generator = (await closedLoop(`http://127.0.0.1:${ready.port}/jobs`, body, durationSec, signal)).perSec;
  } finally {
    await noop.stop({ graceMs: 2000 });
  }
  let enqueue: Awaited<ReturnType<typeof closedLoop>> | null = null;
  if (group.port) {
    await group.resume(signal);
    group.pauseWorkers();
    try {
      enqueue = await closedLoop(`http://127.0.0.1:${group.port}/jobs`, body, durationSec, signal);
    } finally {
      await group.collection.deleteMany({}).catch(() => {});
      group.resumeWorkers();
      group.pause();
    }
  }
  const candidates: [Headroom["limitedBy"], number | null][] = [
    ["generator", generator],
    ["enqueue", enqueue?.perSec ?? null],
    ["drain", drainPerSec],
  ];
  const known = candidates.filter((c): c is [Headroom["limitedBy"], number] => c[1] !== null);
  const least = known.sort((a, b) => a[1] - b[1])[0];
  return {
    generatorNoopPerSec: generator,
    enqueuePerSec: enqueue?.perSec ?? null,
    enqueueLatencyMs: enqueue?.latency ?? null,
    drainPerSec,
    limitedBy: least ? least[0] : null,
  };
}

/** One progress line for the headroom split. */
export function headroomLine(h: Headroom): string {
  return `headroom: generator ${h.generatorNoopPerSec} req/s, enqueue ${h.enqueuePerSec} req/s, drain ${h.drainPerSec} jobs/s`;
}
